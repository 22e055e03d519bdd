/*
 * t_stretch.c - the core's pinned stretch (hv/run.h) over a model backend
 * whose ops write their names into a trace: the order of the steps, the one
 * unwind on every way out (an op that stops or fails at each step), the HC_NOP
 * accounting, handle_exit pinned or not as the table says, and the migration
 * path (unpinned, then HV_RESUME).  The FPU and debug-register switches and
 * the interrupt flag need a real CPU: the model notes them instead.
 */
#include <stdio.h>
#include <string.h>
#include "test.h"

static char trace[512];

static void
note(const char *what)
{
	strcat(trace, trace[0] != '\0' ? " " : "");
	strcat(trace, what);
}

static bool
fake_fpu_enter(struct hv_vcpu *vcpu, int cpu)
{
	note("fpu");
	return true;
}

static void
fake_fpu_leave(struct hv_vcpu *vcpu, int cpu, bool ts)
{
	CHECK(ts);	/* what fpu_enter returned comes back */
	note("/fpu");
}

static void
fake_dreg_enter(struct hv_vcpu *vcpu, int cpu)
{
	note("dr");
}

static void
fake_dreg_leave(struct hv_vcpu *vcpu, int cpu)
{
	note("/dr");
}

static uint64_t
fake_intr_save_disable(void)
{
	note("cli");
	return 0x246;
}

static void
fake_intr_restore(uint64_t fl)
{
	CHECK_EQ(fl, 0x246);
	note("sti");
}

#define hv_fpu_enter		fake_fpu_enter
#define hv_fpu_leave		fake_fpu_leave
#define hv_dreg_enter		fake_dreg_enter
#define hv_dreg_leave		fake_dreg_leave
#define hv_intr_save_disable	fake_intr_save_disable
#define hv_intr_restore		fake_intr_restore
#include "../run.h"

/* the step that stops (its op returns fail_rc), or none */
enum step { NONE, LOAD, BEGIN, PREPARE, ENTER, END };
static enum step fail_step;
static int fail_rc;
static int resumes;		/* enters that end with HV_RESUME first */
static int enter_rc;		/* stretch rc of the last enter */
static int handle_rc;
static struct hv_stretch st;

/* an op's step s, traced as name: the armed stop, or 0 */
static int
step(const char *name, enum step s)
{
	note(name);
	return fail_step == s ? fail_rc : 0;
}

static int
m_load(struct hv_vcpu *vcpu, int cpu)
{
	return step("load", LOAD);
}

static int
m_migrate(struct hv_vcpu *vcpu)
{
	CHECK_EQ(fake_pin_depth, 0);
	note("migrate");
	return 0;
}

static int
m_begin(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	CHECK_EQ(fake_pin_depth, 1);
	CHECK_EQ(st.budget, HV_STRETCH_MAX);
	CHECK(st.ex == ex && st.cpu == cpu && st.rc == HV_NOT_PINNED);
	return step("begin", BEGIN);
}

static int
m_prepare(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	return step("prepare", PREPARE);
}

static int
m_enter(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	st.nops = 3;
	if (resumes > 0) {
		resumes--;
		st.rc = HV_RESUME;
	} else
		st.rc = enter_rc;
	return step("enter", ENTER);
}

static int
m_end(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	return step("end", END);
}

static void
m_leave(struct hv_vcpu *vcpu, int cpu)
{
	note("leave");
}

static int
m_handle(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	note(fake_pin_depth > 0 ? "handle-pinned" : "handle");
	return handle_rc;
}

/* the ops both shapes share */
#define MODEL_STRETCH_OPS		\
	.stretch_begin = m_begin,	\
	.prepare_entry = m_prepare,	\
	.enter = m_enter,		\
	.hc_exit_reason = 7,		\
	.stretch_end = m_end,		\
	.stretch_leave = m_leave,	\
	.handle_exit = m_handle

/* VMX's shape: a load op, interrupts off for the stretch, exits pinned */
static const struct hv_backend_ops model_vmx = {
	MODEL_STRETCH_OPS,
	.vcpu_load = m_load,
	.migrate = m_migrate,
	.stretch_irqs_off = true,
	.exit_pinned = true,
};

/* SVM's shape: nothing to load, interrupts left alone, exits unpinned */
static const struct hv_backend_ops model_svm = {
	MODEL_STRETCH_OPS,
};

static struct hv_vcpu *vcpu;

/* one stretch with fail_step stopping with rc; checks the trace */
static void
run(const struct hv_backend_ops *ops, enum step step, int rc, int want_rc,
    const char *want)
{
	struct hv_exit ex;

	trace[0] = '\0';
	fail_step = step;
	fail_rc = rc;
	memset(&ex, 0, sizeof(ex));
	CHECK_EQ(hv_run_stretch(vcpu, &ex, ops), want_rc);
	CHECK_EQ(fake_pin_depth, 0);
	/* out of the guest, as hv_vcpu_run notes after each stretch */
	vcpu->running_on = -1;
	if (strcmp(trace, want) != 0) {
		fprintf(stderr, "t_stretch: trace \"%s\"\n     wanted \"%s\"\n",
		    trace, want);
		CHECK(0);
	}
	resumes = 0;
	enter_rc = HV_NOT_PINNED;
}

void
test_stretch_order_and_unwind(void)
{
	struct hv_vm *vm;
	uint64_t hc0, entries0;

	t_setup_vcpu(&vm, &vcpu);
	vcpu->stretch = &st;
	st.entries = &vcpu->entries;
	st.inval_gen = &vm->inval_gen;
	st.irq_pending = vcpu->irq_pending;
	st.vcpu = vcpu;
	enter_rc = HV_NOT_PINNED;
	handle_rc = HV_RESUME;

	/* two entries (the first resumed pinned), each with 3 HC_NOPs */
	hc0 = HV_STAT(hypercalls);
	entries0 = vcpu->entries;
	resumes = 1;
	run(&model_vmx, NONE, 0, HV_RESUME, "load cli fpu dr begin prepare enter "
	    "prepare enter end leave /dr /fpu sti handle-pinned");
	CHECK_EQ(HV_STAT(hypercalls) - hc0, 6);
	CHECK_EQ(vcpu->entries - entries0, 2);	/* hv_pre_entry's, per entry */
	resumes = 1;
	run(&model_svm, NONE, 0, HV_RESUME, "fpu dr begin prepare enter prepare "
	    "enter end leave /dr /fpu handle");

	/* a pinned handler's stop: the host gets it, no handle_exit */
	enter_rc = 0;
	run(&model_svm, NONE, 0, 0,
	    "fpu dr begin prepare enter end leave /dr /fpu");

	/* a stop or an error at each step: the same unwind, the rest skipped */
	run(&model_vmx, BEGIN, HV_STOP, 0,
	    "load cli fpu dr begin leave /dr /fpu sti");
	run(&model_vmx, BEGIN, HV_EIO, HV_EIO,
	    "load cli fpu dr begin leave /dr /fpu sti");
	run(&model_svm, PREPARE, HV_STOP, 0,
	    "fpu dr begin prepare leave /dr /fpu");
	run(&model_vmx, ENTER, HV_STOP, 0,
	    "load cli fpu dr begin prepare enter leave /dr /fpu sti");
	run(&model_svm, END, HV_STOP, 0,
	    "fpu dr begin prepare enter end leave /dr /fpu");

	/* the state active elsewhere: released unpinned, then run again */
	run(&model_vmx, LOAD, HV_MIGRATE, HV_RESUME, "load migrate");
	run(&model_vmx, LOAD, HV_EIO, HV_EIO, "load");

	vcpu->stretch = NULL;
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}
