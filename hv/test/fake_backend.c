/*
 * fake_backend.c - a backend ops table for the core tests: per-CPU enable
 * state with an injectable failure, allocations in vm/vcpu init (so failure
 * injection reaches them), registers kept in memory, a scriptable run.
 * Also the nested-table entry format used by the tree tests alongside the
 * real EPT/NPT formats.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

int fake_fail_enable_cpu = -1;
uint64_t fake_enabled_cpus;
int fake_enable_calls, fake_disable_calls;
int fake_flushes[HV_MAX_CPUS];
void (*fake_flush_hook)(struct hv_vcpu *vcpu);
int fake_vm_init_error;
int fake_probe_error;
int fake_fini_calls;
uint64_t fake_fini_saw_enabled;
static void *fake_pcpu_page[HV_MAX_CPUS];	/* like a VMXON region */
int (*fake_run_hook)(struct hv_vcpu *vcpu, struct hv_exit *ex);

struct fake_vm {
	int magic;
};

struct fake_vcpu {
	struct hv_regs regs;
	uint64_t msr[HV_MSR_KERNEL_GS_BASE + 1];	/* enum hv_msr_reg (the last) */
};

unsigned fake_msr_held;

void
fake_backend_reset(void)
{
	fake_fail_enable_cpu = -1;
	fake_enabled_cpus = 0;
	fake_enable_calls = fake_disable_calls = 0;
	memset(fake_flushes, 0, sizeof(fake_flushes));
	fake_vm_init_error = 0;
	fake_probe_error = 0;
	fake_fini_calls = 0;
	fake_fini_saw_enabled = 0;
	fake_run_hook = NULL;
	fake_flush_hook = NULL;
	fake_msr_held = ~0u;
}

uint64_t *
fake_msr(struct hv_vcpu *vcpu, enum hv_msr_reg reg)
{
	return &((struct fake_vcpu *)vcpu->backend)->msr[reg];
}

struct hv_regs *
fake_regs(struct hv_vcpu *vcpu)
{
	return &((struct fake_vcpu *)vcpu->backend)->regs;
}

static int
fake_probe(void)
{
	/* a backend registers its own leaves here */
	static const struct hv_sysctl leaf = { "hw.vmm.fake.rev", "revision",
	    HV_SYSCTL_INT, &fake_probe_error, NULL };
	int cpu;

	if (hv_os_sysctl_add(&leaf) != 0)
		return HV_EEXIST;
	/* per-CPU pages, as a real probe allocates them (fini frees) */
	for (cpu = 0; cpu < hv_os_ncpus(); cpu++) {
		if (fake_pcpu_page[cpu] == NULL &&
		    (fake_pcpu_page[cpu] = hv_os_page_alloc()) == NULL)
			return HV_ENOMEM;
	}
	return fake_probe_error;
}

static void
fake_fini(void)
{
	int cpu;

	fake_fini_calls++;
	fake_fini_saw_enabled = fake_enabled_cpus;
	for (cpu = 0; cpu < HV_MAX_CPUS; cpu++) {
		if (fake_pcpu_page[cpu] != NULL)
			hv_os_page_free(fake_pcpu_page[cpu]);
		fake_pcpu_page[cpu] = NULL;
	}
}

static int
fake_cpu_enable(void *arg)
{
	int cpu = hv_os_cpu_id();

	fake_enable_calls++;
	if (cpu == fake_fail_enable_cpu)
		return HV_EIO;
	if (fake_enabled_cpus & (1ull << cpu))
		return HV_EBUSY;	/* enabling twice is a core bug */
	fake_enabled_cpus |= 1ull << cpu;
	return 0;
}

static int
fake_cpu_disable(void *arg)
{
	int cpu = hv_os_cpu_id();

	fake_disable_calls++;
	if (!(fake_enabled_cpus & (1ull << cpu)))
		return HV_EINVAL;
	fake_enabled_cpus &= ~(1ull << cpu);
	return 0;
}

static int
fake_vm_init(struct hv_vm *vm)
{
	struct fake_vm *f = hv_os_malloc(sizeof(*f));

	if (f == NULL)
		return HV_ENOMEM;
	if (fake_vm_init_error != 0) {
		hv_os_free(f);
		return fake_vm_init_error;
	}
	f->magic = 0x5a;
	vm->backend = f;
	return 0;
}

static void
fake_vm_fini(struct hv_vm *vm)
{
	hv_os_free(vm->backend);
	vm->backend = NULL;
}

/* What the real backends put in the registers hv_regs shows (hv.h). */
static int
fake_boot(struct hv_vcpu *vcpu, const struct hv_boot *b)
{
	struct fake_vcpu *f = vcpu->backend;

	memset(&f->regs, 0, sizeof(f->regs));
	f->regs.rip = b->rip;
	f->regs.rsp = b->rsp;
	f->regs.rflags = 2;
	if (b->mode == HV_BOOT_LONG64) {
		f->regs.rdi = vcpu->vm->mem_size;
		f->regs.rsi = (uint64_t)vcpu->id;
		f->regs.cr3 = HV_GUEST_PML4_GPA;
		f->regs.cr0 = 0x80010033ull;	/* PG WP NE ET MP PE */
		f->regs.cr4 = 0x20;		/* PAE */
		f->regs.efer = 0xd00;		/* NXE LMA LME */
	} else {
		f->regs.rax = b->eax;
		f->regs.rbx = b->ebx;
		f->regs.cr0 = 0x11;		/* ET PE */
	}
	f->msr[HV_MSR_EFER] = f->regs.efer;
	return 0;
}

static int
fake_vcpu_init(struct hv_vcpu *vcpu)
{
	struct fake_vcpu *f = hv_os_malloc(sizeof(*f));
	void *vmcs_like;

	if (f == NULL)
		return HV_ENOMEM;
	vmcs_like = hv_os_page_alloc();		/* a second allocation to fail */
	if (vmcs_like == NULL) {
		hv_os_free(f);
		return HV_ENOMEM;
	}
	hv_os_page_free(vmcs_like);
	vcpu->backend = f;
	memset(f->msr, 0, sizeof(f->msr));
	return fake_boot(vcpu, &hv_boot_abi);
}

static void
fake_vcpu_fini(struct hv_vcpu *vcpu)
{
	hv_os_free(vcpu->backend);
	vcpu->backend = NULL;
}

static int
fake_vcpu_run(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	if (fake_run_hook != NULL)
		return fake_run_hook(vcpu, ex);
	hv_os_pin();
	hv_pre_entry(vcpu, hv_os_cpu_id());
	hv_os_unpin();
	ex->kind = HV_EXIT_INTR;
	return 0;
}

static int
fake_get_regs(struct hv_vcpu *vcpu, struct hv_regs *r)
{
	*r = *fake_regs(vcpu);
	return 0;
}

static int
fake_get_ctl(struct hv_vcpu *vcpu, struct hv_ctl_regs *c)
{
	const struct hv_regs *r = fake_regs(vcpu);

	c->cr0 = r->cr0;
	c->cr3 = r->cr3;
	c->cr4 = r->cr4;
	c->efer = r->efer;
	c->cpl = r->cpl;
	return 0;
}

static int
fake_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *r)
{
	*fake_regs(vcpu) = *r;
	return 0;
}

static void
fake_flush_nested(struct hv_vcpu *vcpu)
{
	__atomic_add_fetch(&fake_flushes[hv_os_cpu_id()], 1, __ATOMIC_SEQ_CST);
	if (fake_flush_hook != NULL)
		fake_flush_hook(vcpu);
}

static bool
fake_msr_get(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val)
{
	if (!(fake_msr_held & (1u << reg)))
		return false;
	*val = *fake_msr(vcpu, reg);
	return true;
}

static bool
fake_msr_set(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val)
{
	if (!(fake_msr_held & (1u << reg)))
		return false;
	*fake_msr(vcpu, reg) = val;
	return true;
}

/* the fake guest has no INVPCID */
static bool
fake_guest_invpcid(void)
{
	return false;
}

/* the fake guest has PKS where it keeps IA32_PKRS (fake_msr_held) */
static bool
fake_guest_pks(void)
{
	return (fake_msr_held & (1u << HV_MSR_PKRS)) != 0;
}

/* Test entry format: bits 2:0 = R/W/X (present if any), bit 7 = large. */
#define FE_ADDR		X86_PTE_ADDR	/* frame bits as in x86 entries */
#define FE_LARGE	0x80ull

static uint64_t
fe_table(uint64_t pa)
{
	return (pa & FE_ADDR) | 7;
}

static uint64_t
fe_leaf(uint64_t pa, int level, unsigned prot)
{
	return (pa & FE_ADDR) | (prot & 7) | (level > 1 ? FE_LARGE : 0);
}

static bool
fe_present(uint64_t e)
{
	return (e & 7) != 0;
}

static bool
fe_large(uint64_t e, int level)
{
	return level > 1 && level < 4 && (e & FE_LARGE) != 0;
}

static uint64_t
fe_addr(uint64_t e, int level)
{
	uint64_t mask = FE_ADDR;

	if (fe_large(e, level))
		mask &= ~((1ull << (12 + 9 * (level - 1))) - 1);
	return e & mask;
}

static unsigned
fe_prot(uint64_t e)
{
	return (unsigned)(e & 7);
}

const struct hv_ntable_fmt fake_ntfmt = {
	.name = "TEST",
	.table = fe_table,
	.leaf = fe_leaf,
	.present = fe_present,
	.large = fe_large,
	.addr = fe_addr,
	.prot = fe_prot,
};

const struct hv_backend_ops fake_ops = {
	.type = "FAKE for tests",
	.ntfmt = &fake_ntfmt,
	.probe = fake_probe,
	.cpu_enable = fake_cpu_enable,
	.cpu_disable = fake_cpu_disable,
	.fini = fake_fini,
	.vm_init = fake_vm_init,
	.vm_fini = fake_vm_fini,
	.vcpu_init = fake_vcpu_init,
	.vcpu_fini = fake_vcpu_fini,
	.vcpu_run = fake_vcpu_run,
	.get_regs = fake_get_regs,
	.get_ctl = fake_get_ctl,
	.set_regs = fake_set_regs,
	.boot = fake_boot,
	.flush_nested = fake_flush_nested,
	.msr_get = fake_msr_get,
	.msr_set = fake_msr_set,
	.guest_invpcid = fake_guest_invpcid,
	.guest_pks = fake_guest_pks,
};

static __thread unsigned rnd;

unsigned
t_rnd(void)
{
	rnd = rnd * 1103515245u + 12345u;
	return rnd >> 16;
}

void
t_rnd_seed(unsigned seed)
{
	rnd = seed;
}

int
t_guest_entry(struct hv_vcpu *v, struct hv_exit *ex, unsigned max_spins,
    bool (*stop)(void), void (*entered)(void))
{
	unsigned spins = t_rnd() % max_spins, k;
	uint64_t hpa;

	hv_os_pin();
	hv_pre_entry(v, hv_os_cpu_id());
	entered();
	for (k = 0; k < spins && !stop(); k++) {
		(void)hv_ntable_lookup(&v->vm->nt, 0, &hpa, NULL, NULL);
		(void)__atomic_load_n(&fake_regs(v)->rip, __ATOMIC_RELAXED);
	}
	hv_os_unpin();
	if (t_rnd() % 2 == 0)
		return HV_RESUME;
	ex->kind = HV_EXIT_INTR;
	return 0;
}

void
t_setup_enabled(void)
{
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(hv_set_enable(true), 0);
}

void
t_setup_vcpu(struct hv_vm **vmp, struct hv_vcpu **vcpup)
{
	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, vmp), 0);
	CHECK_EQ(hv_vcpu_create(*vmp, 0, vcpup), 0);
}

void
t_setup_model(const struct hv_vm_model *m, const void *image, size_t len,
    struct hv_vm **vmp, struct hv_vcpu **vcpup)
{
	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, vmp), 0);
	CHECK_EQ(hv_vm_set_model(*vmp, m), 0);
	CHECK_EQ(hv_vcpu_create(*vmp, 0, vcpup), 0);
	CHECK_EQ(hv_vm_load_image(*vmp, image, len), 0);
}

void
t_teardown(void)
{
	CHECK_EQ(hv_set_enable(false), 0);
	hv_fini();
}
