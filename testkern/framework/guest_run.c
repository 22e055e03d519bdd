/*
 * guest_run.c - the one guest runner of the VM tests and the scenarios:
 * create a VM, load a guest image from the multiboot2 modules, run a vCPU
 * and serve its exits (guest_run_exit, one exit at a time) until the guest
 * is done, fails, or the wall-clock watchdog fires; always destroy the VM.
 */
#include "vmtests.h"
#include "mb2.h"
#include "sched.h"
#include "ktest.h"

const char *
vm_backend_name(void)
{
	const char *t = hv_type();

	if (t == NULL)
		return "none";
	if (strncmp(t, "VMX", 3) == 0)
		return "vmx";
	if (strncmp(t, "SVM", 3) == 0)
		return "svm";
	return "none";
}

const char *
vm_err(int error)
{
	return error == 0 ? "ok" : errno_name(error);
}

const char *
vmrun_end_name(enum vmrun_end e)
{
	switch (e) {
	case VR_DONE:		return "done";
	case VR_ERROR:		return "error";
	case VR_TIMEOUT:	return "timeout";
	case VR_QUIT:		return "quit";
	case VR_HOSTERR:	return "host error";
	case VR_STOPPED:	return "stopped at an exit";
	}
	return "?";
}

int
guest_run_setup(const struct guest_run_cfg *cfg, struct guest_run_result *res)
{
	const struct kmodule *m;
	int error;

	res->vm = NULL;
	m = module_find(cfg->image);
	if (m == NULL) {
		ksnprintf(res->errmsg, sizeof(res->errmsg),
		    "no multiboot2 module named %s in the image", cfg->image);
		return ENOENT;
	}
	error = hv_vm_create(cfg->mem ? cfg->mem : VM_MEM_DEFAULT, &res->vm);
	if (error != 0) {
		ksnprintf(res->errmsg, sizeof(res->errmsg), "hv_vm_create: %s (%d)",
		    errno_name(error), error);
		return error;
	}
	if (cfg->ram_size != 0 &&
	    (error = hv_vm_add_ram(res->vm, cfg->ram_gpa, cfg->ram_size)) != 0) {
		ksnprintf(res->errmsg, sizeof(res->errmsg), "hv_vm_add_ram(0x%lx, 0x%lx): "
		    "%s (%d)", (unsigned long)cfg->ram_gpa, (unsigned long)cfg->ram_size,
		    errno_name(error), error);
		guest_run_teardown(res);
		return error;
	}
	if (cfg->scratch &&
	    (error = hv_vm_add_scratch_port(res->vm, cfg->scratch_port)) != 0) {
		ksnprintf(res->errmsg, sizeof(res->errmsg), "hv_vm_add_scratch_port(0x%x): "
		    "%s (%d)", cfg->scratch_port, errno_name(error), error);
		guest_run_teardown(res);
		return error;
	}
	error = hv_vm_set_user_hypercalls(res->vm, cfg->user_hypercalls);
	if (error == 0)
		error = hv_vm_set_debugger(res->vm, cfg->debugger);
	if (error == 0)
		error = hv_vm_set_model(res->vm, &cfg->model);
	if (error != 0) {
		ksnprintf(res->errmsg, sizeof(res->errmsg), "VM settings: %s (%d)",
		    errno_name(error), error);
	} else if (cfg->multiboot != NULL) {
		char why[120];

		error = mb1_load(res->vm, m->data, m->size, cfg->multiboot, &res->mb1_boot,
		    why, sizeof(why));
		if (error != 0)
			ksnprintf(res->errmsg, sizeof(res->errmsg), "multiboot %s: %s",
			    cfg->image, why);
	} else {
		error = hv_vm_load_image(res->vm, m->data, m->size);
		if (error != 0)
			ksnprintf(res->errmsg, sizeof(res->errmsg),
			    "hv_vm_load_image(%s): %s (%d)", cfg->image, errno_name(error),
			    error);
	}
	if (error != 0)
		guest_run_teardown(res);
	return error;
}

int
guest_run_vcpu(const struct guest_run_cfg *cfg, struct guest_run_result *res, int id,
    struct hv_vcpu **vcpup)
{
	struct hv_regs regs;
	int error;

	error = hv_vcpu_create(res->vm, id, vcpup);
	if (error == 0 && (cfg->boot != NULL || cfg->multiboot != NULL))
		error = hv_vcpu_boot(*vcpup, cfg->boot != NULL ? cfg->boot : &res->mb1_boot);
	if (error == 0 && (cfg->set_r13 || cfg->boot_regs != NULL)) {
		error = hv_vcpu_get_regs(*vcpup, &regs);
		if (error == 0) {
			if (cfg->set_r13)
				regs.r13 = cfg->r13;
			if (cfg->boot_regs != NULL)
				cfg->boot_regs(&regs);
			error = hv_vcpu_set_regs(*vcpup, &regs);
		}
	}
	if (error != 0)
		ksnprintf(res->errmsg, sizeof(res->errmsg), "vCPU %d setup: %s (%d)", id,
		    errno_name(error), error);
	return error;
}

static int
case_cfg_setup(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_vcpu **vcpup)
{
	int error;

	error = guest_run_setup(cfg, res);
	if (error != 0)
		return error;
	error = guest_run_vcpu(cfg, res, 0, vcpup);
	if (error != 0)
		guest_run_teardown(res);
	return error;
}

int
vm_case_setup(const char *image, uint64_t which, struct guest_run_result *res,
    struct hv_vcpu **vcpup)
{
	const struct guest_run_cfg cfg = VM_CASE_CFG(image, which);

	return case_cfg_setup(&cfg, res, vcpup);
}

int
vm_run_until(struct hv_vcpu *vcpu, struct hv_exit *ex, int *intr_exits)
{
	static const struct guest_run_cfg to_exit = { .image = "(case)", .quiet = true,
	    .stop_at_exit = true };
	struct guest_run_result res = { 0 };

	guest_run_loop(&to_exit, vcpu, &res);
	if (intr_exits != NULL)
		*intr_exits += (int)res.intr_exits;
	if (res.end != VR_STOPPED)
		return res.end == VR_TIMEOUT ? ETIMEDOUT : res.error ? res.error : EIO;
	*ex = res.exit;
	return 0;
}

int
vm_run_changed_regs(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_exit *ex)
{
	struct hv_vcpu *vcpu;
	int error;

	error = guest_run_vcpu(cfg, res, 0, &vcpu);
	if (error == 0)
		error = vm_run_until(vcpu, ex, NULL);
	return error;
}

int
vm_badstate_run(const struct vm_badstate *b, const char *refusal, struct hv_exit *ex)
{
	const struct guest_run_cfg cfg = { .image = "hello.bin", .boot_regs = b->corrupt };
	struct guest_run_result r = { 0 };
	int error;

	error = guest_run_setup(&cfg, &r);
	if (error != 0) {
		report(false, "%s: could not start: %s", b->what, r.errmsg);
		return error;
	}
	error = vm_run_changed_regs(&cfg, &r, ex);
	guest_run_teardown(&r);
	report(error == 0 && ex->kind == HV_EXIT_ERROR && vm_contains(ex->msg, refusal) &&
	    vm_contains(ex->msg, b->check),
	    "%s: entry refused: check=\"%s\" kind=%d raw=0x%lx error=%s decoded=\"%s\"",
	    b->what, b->check, error == 0 ? (int)ex->kind : -1,
	    error == 0 ? (unsigned long)ex->raw_reason : 0, vm_err(error),
	    error == 0 ? ex->msg : "");
	return error;
}

int
vm_run_case(const char *image, uint64_t which, struct hv_exit *ex, struct hv_regs *regs,
    int *intr_exits)
{
	const struct guest_run_cfg cfg = VM_CASE_CFG(image, which);

	return vm_run_case_cfg(&cfg, ex, regs, intr_exits);
}

int
vm_run_case_cfg(const struct guest_run_cfg *cfg, struct hv_exit *ex, struct hv_regs *regs,
    int *intr_exits)
{
	struct guest_run_result res = { 0 };
	struct hv_vcpu *vcpu;
	int error;

	if (intr_exits != NULL)
		*intr_exits = 0;
	error = case_cfg_setup(cfg, &res, &vcpu);
	if (error != 0)
		return error;
	error = vm_run_until(vcpu, ex, intr_exits);
	if (error == 0)
		error = hv_vcpu_get_regs(vcpu, regs);
	guest_run_teardown(&res);
	return error;
}

bool
vm_triple_at_r15(int error, const struct hv_exit *ex, const struct hv_regs *regs,
    char *want, size_t len)
{
	/* hv stops a guest as "guest<vm>.<vcpu>: <what> at rip=0x..." */
	ksnprintf(want, len, "at rip=0x%lx", error == 0 ? (unsigned long)regs->r15 : 0);
	return error == 0 && regs->r15 > HV_GUEST_LOAD_GPA && ex->kind == HV_EXIT_ERROR &&
	    vm_contains(ex->msg, "triple fault") && vm_contains(ex->msg, want);
}

void
guest_run_teardown(struct guest_run_result *res)
{
	int error;

	if (res->vm == NULL)
		return;
	error = hv_vm_destroy(res->vm);
	if (error != 0)
		kprintf("vm: hv_vm_destroy: %s (%d)\n", errno_name(error), error);
	res->vm = NULL;
}

/*
 * HC_REPORT(cond, gva): the guest's message into msg (cut at len - 1; an
 * unreadable one is replaced by why); true when the check passed.
 */
static bool
vm_report_read(struct hv_vcpu *vcpu, const struct hv_exit *ex, char *msg, size_t len)
{
	size_t done;
	int error;

	error = hv_copyinstr(vcpu, ex->args[1], msg, len, &done);
	if (error == ENAMETOOLONG) {
		msg[len - 1] = '\0';	/* cut: the check still counts */
		error = 0;
	}
	if (error != 0)
		ksnprintf(msg, len, "guest report at 0x%lx unreadable: %s",
		    (unsigned long)ex->args[1], errno_name(error));
	return ex->args[0] != 0 && error == 0;
}

/* HC_SET_TLS and HC_COPY_TEST: true with the guest's RAX in *result when
 * ex->nr is one of them. */
static bool
vm_hc_common(struct hv_vcpu *vcpu, const struct hv_exit *ex, int64_t *result)
{
	switch (ex->nr) {
	case HC_SET_TLS:
		*result = -hv_vcpu_set_tls(vcpu, ex->args[0]);
		return true;
	case HC_COPY_TEST:
		*result = vm_copy_test(vcpu, ex->args[0], ex->args[1], ex->args[2],
		    ex->args[3]);
		return true;
	default:
		return false;
	}
}

/*
 * HC_REPORT(cond, gva): the guest's check becomes one CHECK line (quiet:
 * counted, a failed one logged).
 */
static void
do_report(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_vcpu *vcpu, const struct hv_exit *ex)
{
	char msg[VM_REPORT_MAX + 1];
	bool ok = vm_report_read(vcpu, ex, msg, sizeof(msg));

	res->reports++;
	if (!ok)
		res->reports_failed++;
	strlcpy(res->last_report, msg, sizeof(res->last_report));
	if (!cfg->quiet)
		report(ok, "%s", msg);
	else if (!ok)
		kprintf("vm: %s: vcpu %d: guest check failed: %s\n", cfg->image, res->vcpu_id,
		    msg);
}

/* One hypercall for the host; false when the run must stop. */
static bool
do_hypercall(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_vcpu *vcpu, const struct hv_exit *ex)
{
	int64_t result = 0;
	int error = 0;

	switch (ex->nr) {
	case HC_REPORT:
		do_report(cfg, res, vcpu, ex);
		break;
	case HC_MARK:
		res->marks++;
		if (cfg->mark != NULL)
			error = cfg->mark(cfg, res, vcpu, ex->args[0]);
		break;
	case HC_HOST:
		if (cfg->host != NULL)
			error = cfg->host(cfg, res, vcpu, ex, &result);
		else
			result = -EINVAL;
		break;
	default:
		if (!vm_hc_common(vcpu, ex, &result))
			result = -EINVAL;
		break;
	}
	if (error == GUEST_RUN_VCPU_GONE)
		return true;
	if (error != 0) {
		res->end = VR_HOSTERR;
		res->error = error;
		if (res->errmsg[0] == '\0')
			ksnprintf(res->errmsg, sizeof(res->errmsg),
			    "hypercall %lu hook: %s (%d)", (unsigned long)ex->nr,
			    errno_name(error), error);
		return false;
	}
	hv_vcpu_set_hc_result(vcpu, result);
	return true;
}

/* A guest #BP the host's debugger takes (cfg->debugger): the db> prompt. */
static bool
do_debug(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_vcpu *vcpu)
{
	uint64_t t0 = time_ns();
	enum db_verdict v;

	res->debug_exits++;
	v = db_prompt(vcpu);
	res->prompt_ns += time_ns() - t0;
	if (v == DB_QUIT) {
		res->end = VR_QUIT;
		strlcpy(res->errmsg, "stopped by q at the debugger prompt", sizeof(res->errmsg));
		return false;
	}
	return true;
}

bool
guest_run_exit(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_vcpu *vcpu, const struct hv_exit *ex)
{
	switch (ex->kind) {
	case HV_EXIT_HYPERCALL:
		return do_hypercall(cfg, res, vcpu, ex);
	case HV_EXIT_DONE:
		res->end = VR_DONE;
		res->exit_code = ex->code;
		return false;
	case HV_EXIT_DEBUG:
		return do_debug(cfg, res, vcpu);
	case HV_EXIT_INTR:
		/* the host's turn: let other threads run, then re-enter */
		res->intr_exits++;
		thread_yield();
		return true;
	case HV_EXIT_ERROR:
		res->end = VR_ERROR;
		res->error = ex->error;
		res->raw_reason = ex->raw_reason;
		strlcpy(res->errmsg, ex->msg, sizeof(res->errmsg));
		return false;
	}
	res->end = VR_HOSTERR;
	res->error = EINVAL;
	ksnprintf(res->errmsg, sizeof(res->errmsg), "unknown exit kind %d", (int)ex->kind);
	return false;
}

void
guest_run_loop(const struct guest_run_cfg *cfg, struct hv_vcpu *vcpu,
    struct guest_run_result *res)
{
	uint64_t start = time_ns();
	uint64_t limit = (cfg->timeout_ms ? cfg->timeout_ms : VM_TIMEOUT_MS) * 1000000ull;
	struct hv_exit ex;
	int error;

	res->errmsg[0] = '\0';
	res->prompt_ns = 0;
	for (;;) {
		/* time at the prompt is the user's, not the guest's */
		if (time_ns() - start - res->prompt_ns > limit) {
			res->end = VR_TIMEOUT;
			ksnprintf(res->errmsg, sizeof(res->errmsg),
			    "watchdog: guest still running after %lu ms",
			    (unsigned long)(limit / 1000000));
			break;
		}
		error = hv_vcpu_run(vcpu, &ex);
		if (error != 0) {
			res->end = VR_HOSTERR;
			res->error = error;
			ksnprintf(res->errmsg, sizeof(res->errmsg), "hv_vcpu_run: %s (%d)",
			    errno_name(error), error);
			break;
		}
		if (cfg->stop_at_exit && ex.kind != HV_EXIT_INTR) {
			res->end = VR_STOPPED;
			res->exit = ex;
			break;
		}
		if (!guest_run_exit(cfg, res, vcpu, &ex))
			break;
	}
	res->ms = (time_ns() - start - res->prompt_ns) / 1000000;
	if (!cfg->quiet || (res->end != VR_DONE && res->end != VR_STOPPED) ||
	    res->exit_code != 0)
		kprintf("vm: %s on vcpu %d: %s after %lu ms (exit code %ld, %lu intr exits)%s%s\n",
		    cfg->image, res->vcpu_id, vmrun_end_name(res->end),
		    (unsigned long)res->ms, (long)res->exit_code,
		    (unsigned long)res->intr_exits, res->errmsg[0] ? ": " : "", res->errmsg);
}

int
guest_run_image(const struct guest_run_cfg *cfg, struct guest_run_result *res)
{
	struct hv_vcpu *vcpu;
	int error;

	error = guest_run_setup(cfg, res);
	if (error != 0)
		return error;
	error = guest_run_vcpu(cfg, res, 0, &vcpu);
	if (error != 0) {
		guest_run_teardown(res);
		return error;
	}
	guest_run_loop(cfg, vcpu, res);
	guest_run_teardown(res);
	return 0;
}
