/*
 * t_vmx_active.c - the Intel backend's VMCS loading (hv/intel/vmx.c) against
 * a model of the VMX instructions that tracks on which fake CPUs each VMCS
 * is active.  SDM Vol. 3C 24.1 and 24.11.1: a VMCS must not be active on two
 * logical processors; it is VMCLEARed on the CPU where it is active before
 * it is loaded anywhere else.  Checked: after every step the VMCS is active
 * exactly on vcpu->last_cpu (or nowhere when that is -1), and no VMPTRLD or
 * VMCLEAR ever meets it active on another CPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "intel/vmx_cpu.h"

/* the model: VMCS physical address -> CPUs where it is active */
#define MODEL_VMCS	4

static struct {
	uint64_t pa;
	unsigned active;	/* bit per fake CPU */
} model[MODEL_VMCS];
static uint64_t model_current[HV_MAX_CPUS];
static int model_violations;	/* active on two CPUs, or cleared elsewhere */
static int fail_setup;		/* vmcs_setup fails while set */
static int fail_host_percpu;	/* vmcs_set_host_percpu fails this many times */
static int guest_writes[HV_MAX_CPUS];	/* vmcs_set_guest, per CPU */

static unsigned *
model_active(uint64_t pa)
{
	int i;

	for (i = 0; i < MODEL_VMCS; i++)
		if (model[i].pa == pa)
			return &model[i].active;
	for (i = 0; i < MODEL_VMCS; i++) {
		if (model[i].pa == 0) {
			model[i].pa = pa;
			return &model[i].active;
		}
	}
	abort();
}

static int
fake_vmptrld(uint64_t pa)
{
	unsigned *a = model_active(pa);

	if (*a & ~(1u << fake_cpu))
		model_violations++;
	*a |= 1u << fake_cpu;
	model_current[fake_cpu] = pa;
	return VMX_OK;
}

static int
fake_vmclear(uint64_t pa)
{
	unsigned *a = model_active(pa);

	/* a VMCLEAR here of a VMCS active elsewhere leaves it active there */
	if (*a & ~(1u << fake_cpu))
		model_violations++;
	*a &= ~(1u << fake_cpu);
	if (model_current[fake_cpu] == pa)
		model_current[fake_cpu] = ~0ull;
	return VMX_OK;
}

static uint64_t
fake_vmptrst(void)
{
	return model_current[fake_cpu];
}

static int
fake_invvpid(uint64_t type, uint16_t vpid)
{
	return VMX_OK;
}

static uint64_t
fake_intr_save_disable(void)
{
	return 0;
}

static void
fake_intr_restore(uint64_t fl)
{
}

#define vmx_vmptrld		fake_vmptrld
#define vmx_vmclear		fake_vmclear
#define vmx_vmptrst		fake_vmptrst
#define vmx_invvpid		fake_invvpid
#define hv_intr_save_disable	fake_intr_save_disable
#define hv_intr_restore	fake_intr_restore
/* the backend's own pieces this test leaves out (they need a real CPU) */
#define hv_vmx_ops		t_vmx_ops
#define vmx_flush_nested	t_vmx_flush_nested
/* vmx_vcpu_run reads its ops table (the stretch of hv/run.h) */
extern const struct hv_backend_ops t_vmx_ops;
#include "../intel/vmx.c"

void
t_vmx_flush_nested(struct hv_vcpu *vcpu)
{
}

int
vmcs_setup(struct hv_vcpu *vcpu)
{
	return fail_setup ? HV_EIO : 0;
}

int
vmcs_set_host_percpu(struct hv_vcpu *vcpu)
{
	if (fail_host_percpu > 0) {
		fail_host_percpu--;
		return HV_EIO;
	}
	return 0;
}

int
vmcs_set_guest(struct hv_vcpu *vcpu, const struct hv_boot *b)
{
	guest_writes[fake_cpu]++;
	return 0;
}

static struct hv_vm vm;
static struct hv_vcpu vcpu;

/* no VMCS active anywhere, no failure armed, a blank vCPU; on fake CPU
 * `cpu` of three */
static void
reset(int cpu)
{
	memset(model, 0, sizeof(model));
	memset(model_current, 0xff, sizeof(model_current));
	memset(guest_writes, 0, sizeof(guest_writes));
	model_violations = 0;
	fail_setup = fail_host_percpu = 0;
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.vm = &vm;
	vcpu.last_cpu = -1;
	fake_ncpus = 3;
	fake_cpu = cpu;
}

/* On fake CPU `cpu`: a vCPU whose VMCS vmx_vcpu_init left active there. */
static void
setup(int cpu)
{
	reset(cpu);
	CHECK_EQ(vmx_vcpu_init(&vcpu), 0);
	CHECK_EQ(vcpu.last_cpu, cpu);
}

/* the VMCS is active exactly where last_cpu says, and never was on two */
static void
check_model(void)
{
	struct vmx_vcpu *vc = vcpu.backend;
	unsigned want = vcpu.last_cpu >= 0 ? 1u << vcpu.last_cpu : 0;

	CHECK_EQ(*model_active(vc->vmcs_pa), want);
	CHECK_EQ(model_violations, 0);
}

static void
teardown(void)
{
	struct vmx_vcpu *vc = vcpu.backend;
	uint64_t pa = vc->vmcs_pa;

	vmx_vcpu_fini(&vcpu);
	CHECK_EQ(*model_active(pa), 0);
	CHECK_EQ(model_violations, 0);
	fake_ncpus = 2;
	fake_cpu = 0;
}

static void
migrate_to_cpu1(void)
{
	fake_unpin_hook = NULL;
	fake_cpu = 1;
}

/* vmx_vcpu_init fails after its VMPTRLD: the VMCLEAR that undoes it runs on
 * the CPU where it loaded, even when the thread moves at the unpin */
void
test_vmx_init_failure_clears_pinned(void)
{
	reset(0);
	fake_unpin_hook = migrate_to_cpu1;
	fail_setup = 1;
	CHECK_EQ(vmx_vcpu_init(&vcpu), HV_EIO);
	CHECK_EQ(fake_cpu, 1);		/* the thread did move */
	/* the one VMCS the model saw, loaded on CPU 0 */
	CHECK(model[0].pa != 0);
	CHECK_EQ(model[0].active, 0);
	CHECK_EQ(model_violations, 0);
	fail_setup = 0;
	fake_unpin_hook = NULL;
	fake_ncpus = 2;
	fake_cpu = 0;
}

/* the host fields fail after the VMPTRLD on the new CPU: the VMCS is either
 * cleared there again or recorded there, never active and unrecorded */
void
test_vmx_load_failure_keeps_last_cpu(void)
{
	struct hv_exit ex;

	setup(0);
	/* the vCPU thread moved to CPU 1: the migration VMCLEAR on CPU 0 */
	fake_cpu = 1;
	CHECK_EQ(vmx_vcpu_run(&vcpu, &ex), HV_RESUME);
	check_model();
	CHECK_EQ(vcpu.last_cpu, -1);
	fail_host_percpu = 1;
	hv_os_pin();
	CHECK_EQ(vmx_load_here(&vcpu, 1), HV_EIO);
	hv_os_unpin();
	check_model();
	/* the next load, on CPU 0, must not find it still active on CPU 1 */
	fake_cpu = 0;
	if (vcpu.last_cpu < 0) {
		hv_os_pin();
		CHECK_EQ(vmx_load_here(&vcpu, 0), 0);
		hv_os_unpin();
		check_model();
	}
	teardown();
}

/*
 * A register call from a thread outside the vCPU (hv_vcpu_translate, the
 * copyin family: they only hold a user reference) reads last_cpu = 0; before
 * its callback reaches CPU 0, the vCPU thread migrates to CPU 1: VMCLEAR on 0,
 * VMPTRLD on 1.  The callback must not load the VMCS on CPU 0 again.
 */
static void
migrate_vcpu_thread(void)
{
	int saved = fake_cpu;
	struct hv_exit ex;

	fake_unpin_hook = NULL;
	fake_cpu = 1;
	CHECK_EQ(vmx_vcpu_run(&vcpu, &ex), HV_RESUME);
	hv_os_pin();
	CHECK_EQ(vmx_load_here(&vcpu, 1), 0);
	hv_os_unpin();
	fake_cpu = saved;
}

void
test_vmx_regs_call_races_migration(void)
{
	struct hv_boot b;

	setup(0);
	memset(&b, 0, sizeof(b));
	vcpu.in_run = 1;	/* the vCPU thread is inside hv_vcpu_run */
	fake_cpu = 2;
	fake_unpin_hook = migrate_vcpu_thread;
	CHECK_EQ(vmx_boot(&vcpu, &b), HV_EBUSY);
	CHECK(fake_unpin_hook == NULL);	/* the migration did happen */
	CHECK_EQ(vcpu.last_cpu, 1);
	CHECK_EQ(guest_writes[0], 0);
	check_model();
	/* once it stays put, the same call reaches it on CPU 1 */
	CHECK_EQ(vmx_boot(&vcpu, &b), 0);
	CHECK_EQ(guest_writes[1], 1);
	check_model();
	vcpu.in_run = 0;
	teardown();
}

/*
 * The rest of the backend, linked in with vmx.c (ASan keeps its ops table):
 * a VM entry, the exit handlers and the MSR probes need a real CPU.  None is
 * reached by these tests (every stretch above stops at its migration
 * branch); reaching one fails the run.
 */
static void
not_modelled(const char *what)
{
	fprintf(stderr, "t_vmx_active: %s is not modelled\n", what);
	abort();
}

int
vmx_enter(uint64_t *gpr, int launched, struct vmx_fast *f)
{
	not_modelled("vmx_enter");
	return 0;
}

int
vmx_handle_exit(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	not_modelled("vmx_handle_exit");
	return 0;
}

void
vmx_irq_prepare(struct hv_vcpu *vcpu)
{
	not_modelled("vmx_irq_prepare");
}

void
vmx_host_lost_save(struct vmx_host_lost *h)
{
	not_modelled("vmx_host_lost_save");
}

void
vmx_host_lost_restore(const struct vmx_host_lost *h)
{
	not_modelled("vmx_host_lost_restore");
}

int
vmcs_set_host_dynamic(void)
{
	not_modelled("vmcs_set_host_dynamic");
	return 0;
}

int
vmcs_write_fail(uint32_t field, uint64_t val)
{
	not_modelled("vmcs_write_fail");
	return 0;
}

uint64_t
vmcs_read_fail(uint32_t field)
{
	not_modelled("vmcs_read_fail");
	return 0;
}

int
vmx_feature_control(void)
{
	not_modelled("vmx_feature_control");
	return 0;
}

int
vmx_probe(void)
{
	not_modelled("vmx_probe");
	return 0;
}

bool
vmx_msr_get(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val)
{
	not_modelled("vmx_msr_get");
	return false;
}

bool
vmx_msr_set(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val)
{
	not_modelled("vmx_msr_set");
	return false;
}
