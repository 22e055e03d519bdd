/*
 * msr.c - the guest-visible rule of RDMSR and WRMSR for the MSRs a backend
 * intercepts, once for both: which MSRs a guest has, which values it may
 * write, and what is #GP.  The backend decodes the exit into a struct
 * hv_vmexit (kind HV_VX_RDMSR / HV_VX_WRMSR, ECX in rcx, EDX:EAX in
 * rdx:rax, CR0 for EFER.LME) and keeps the state (VMCB / VMCS fields)
 * behind ops->msr_get / ops->msr_set.  FS_BASE, GS_BASE and
 * KERNEL_GS_BASE never exit on either backend (the permission map / MSR
 * bitmap passes them through), so they are not here.
 */
#include "core.h"
#include "x86_arch.h"

enum msr_check {
	MSR_ANY,	/* any 64-bit value */
	MSR_CANONICAL,	/* a linear address: #GP unless canonical (LA57 width) */
	MSR_LOW32,	/* bits 63:32 reserved: #GP unless clear */
	MSR_KEEP32,	/* bits 63:32 not kept (a 32-bit field) */
	MSR_PAT,	/* eight memory types */
	MSR_EFER,
	MSR_TSC,	/* any value, kept as an offset to the host's TSC */
};

/*
 * The MSRs a guest has: number, where the backend keeps it, the check of a
 * written value.  One line each; the lookup below is generated from it.
 */
#define HV_MSR_RULES(X)							\
	/* the guest reads the host's TSC plus the offset (SDM Vol. 3C	\
	 * 25.3, APM Vol. 2 15.30.5) */					\
	X(X86_MSR_TSC,		HV_MSR_TSC_OFFSET,	MSR_TSC)	\
	/* SDM Vol. 4 Table 2-2: bits 63:32 unused; the VMCS field has	\
	 * 32 */							\
	X(X86_MSR_SYSENTER_CS,	HV_MSR_SYSENTER_CS,	MSR_KEEP32)	\
	X(X86_MSR_SYSENTER_ESP,	HV_MSR_SYSENTER_ESP,	MSR_CANONICAL)	\
	X(X86_MSR_SYSENTER_EIP,	HV_MSR_SYSENTER_EIP,	MSR_CANONICAL)	\
	X(X86_MSR_PAT,		HV_MSR_PAT,		MSR_PAT)	\
	X(X86_MSR_EFER,		HV_MSR_EFER,		MSR_EFER)	\
	X(X86_MSR_STAR,		HV_MSR_STAR,		MSR_ANY)	\
	/* SYSCALL targets are linear addresses (APM Vol. 2 6.1.1) */	\
	X(X86_MSR_LSTAR,	HV_MSR_LSTAR,		MSR_CANONICAL)	\
	X(X86_MSR_CSTAR,	HV_MSR_CSTAR,		MSR_CANONICAL)	\
	/* RFLAGS has 32 bits: FMASK's upper half is reserved (SDM Vol. 4 \
	 * Table 2-2, APM Vol. 2 6.1.1) */				\
	X(X86_MSR_FMASK,	HV_MSR_FMASK,		MSR_LOW32)

struct msr_rule {
	enum hv_msr_reg	 reg;
	enum msr_check	 check;
};

/* rules by position in HV_MSR_RULES: a switch on the MSR number finds one
 * in a few compares (an exit's fast path) */
#define RULE_ENTRY(msr, reg, check)	{ reg, check },
static const struct msr_rule msr_rules[] = { HV_MSR_RULES(RULE_ENTRY) };
#define RULE_INDEX(msr, reg, check)	RULE_##reg,
enum { HV_MSR_RULES(RULE_INDEX) };

/* PAT entries may hold types 0, 1, 4, 5, 6, 7 (SDM Vol. 3A 11.12.2,
 * APM Vol. 2 7.8.1); anything else is #GP. */
static bool
pat_valid(uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++) {
		unsigned t = (unsigned)(v >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/*
 * EFER: SCE, LME and NXE are the guest's (SDM Vol. 4 Table 2-2, APM Vol. 2
 * 3.1.7); SCE only where the backend keeps the SYSCALL MSRs, since SYSCALL
 * would otherwise jump through the host's.  LMA is the CPU's: a written
 * LMA is ignored.  Any other bit set is #GP, and so is a change of LME
 * while paging is on (SDM Vol. 3A 9.8.5, APM Vol. 2 14.6.1).  true with
 * *val the value to keep.
 */
static bool
efer_write(struct hv_vcpu *vcpu, uint64_t cr0, uint64_t *val)
{
	uint64_t old, star, writable = X86_EFER_LME | X86_EFER_NXE;

	if (!hv_ops->msr_get(vcpu, HV_MSR_EFER, &old))
		return false;
	if (hv_ops->msr_get(vcpu, HV_MSR_STAR, &star))
		writable |= X86_EFER_SCE;
	if (*val & ~(writable | X86_EFER_LMA))
		return false;
	if (((*val ^ old) & X86_EFER_LME) && (cr0 & X86_CR0_PG))
		return false;
	*val = (*val & writable) | (old & X86_EFER_LMA);
	return true;
}

static bool
value_ok(struct hv_vcpu *vcpu, const struct msr_rule *r, uint64_t cr0,
    uint64_t *val)
{
	switch (r->check) {
	case MSR_ANY:
		return true;
	case MSR_CANONICAL:
		return hv_guest_canonical(*val);
	case MSR_LOW32:
		return (*val >> 32) == 0;
	case MSR_KEEP32:
		*val &= 0xffffffffull;
		return true;
	case MSR_PAT:
		return pat_valid(*val);
	case MSR_EFER:
		return efer_write(vcpu, cr0, val);
	case MSR_TSC:
		*val -= hv_rdtsc();
		return true;
	}
	return false;
}

static const struct msr_rule *
msr_rule(uint32_t msr)
{
	switch (msr) {
#define RULE_CASE(msr, reg, check) \
	case msr:	return &msr_rules[RULE_##reg];
	HV_MSR_RULES(RULE_CASE)
	}
	return NULL;
}

static int
msr_gp(struct hv_vcpu *vcpu, struct hv_vmexit *vx, bool write)
{
	hv_ratelog("msr", "guest%d.%d: %s of MSR 0x%x: #GP\n", vcpu->vm->id,
	    vcpu->id, write ? "wrmsr" : "rdmsr",
	    (unsigned)(uint32_t)vx->gpr[HV_RCX]);
	vx->gp = true;
	return HV_RESUME;
}

/*
 * The MSRs the core keeps itself, not the backend: AMD's four legacy
 * counters and their event selects, which every AMD64 CPU has (APM Vol. 2
 * 13.2.1, no CPUID bit): a guest may program them, hv keeps the values and
 * nothing counts; IA32_APIC_BASE, whose local APIC is hv/lapic.c.  true:
 * handled (vx->skip, or vx->gp for a refused APIC_BASE write).
 */
static bool
msr_core(struct hv_vcpu *vcpu, struct hv_vmexit *vx, bool write)
{
	uint32_t nr = (uint32_t)vx->gpr[HV_RCX];
	uint64_t val = (vx->gpr[HV_RDX] << 32) | (vx->gpr[HV_RAX] & 0xffffffffull);
	uint64_t *m;

	if (hv_backend_svm && nr >= X86_MSR_K7_PERFEVTSEL0 &&
	    nr <= X86_MSR_K7_PERFCTR3) {
		m = &vcpu->amd_perf[nr - X86_MSR_K7_PERFEVTSEL0];
		if (write)
			*m = val;
		val = *m;
	} else if (nr == X86_MSR_APIC_BASE) {
		if (write && !hv_lapic_base_write(vcpu, val)) {
			vx->gp = true;
			return true;
		}
		val = hv_lapic_base_read(vcpu);
	} else {
		return false;
	}
	if (!write) {
		vx->gpr[HV_RAX] = val & 0xffffffffull;
		vx->gpr[HV_RDX] = val >> 32;
	}
	vx->skip = true;
	return true;
}

/*
 * RDMSR / WRMSR: the instruction completes, or the guest gets #GP(0) (an
 * MSR it does not have, or a value the CPU would refuse) and the
 * instruction does not complete (SDM Vol. 2B RDMSR/WRMSR).
 */
int
hv_vx_rdmsr(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	const struct msr_rule *r = msr_rule((uint32_t)vx->gpr[HV_RCX]);
	uint64_t val;

	if (msr_core(vcpu, vx, false))
		return HV_RESUME;
	if (r == NULL || !hv_ops->msr_get(vcpu, r->reg, &val))
		return msr_gp(vcpu, vx, false);
	if (r->check == MSR_TSC)
		val += hv_rdtsc();
	/* RDMSR writes EDX:EAX, zero-extended into RDX:RAX */
	vx->gpr[HV_RAX] = val & 0xffffffffull;
	vx->gpr[HV_RDX] = val >> 32;
	vx->skip = true;
	return HV_RESUME;
}

int
hv_vx_wrmsr(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	const struct msr_rule *r = msr_rule((uint32_t)vx->gpr[HV_RCX]);
	uint64_t val = (vx->gpr[HV_RDX] << 32) |
	    (vx->gpr[HV_RAX] & 0xffffffffull);

	if (msr_core(vcpu, vx, true))
		return vx->gp ? msr_gp(vcpu, vx, true) : HV_RESUME;
	if (r == NULL || !value_ok(vcpu, r, vx->cr0, &val) ||
	    !hv_ops->msr_set(vcpu, r->reg, val))
		return msr_gp(vcpu, vx, true);
	vx->skip = true;
	return HV_RESUME;
}
