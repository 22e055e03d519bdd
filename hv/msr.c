/*
 * msr.c - the guest-visible rule of RDMSR and WRMSR for the MSRs a backend
 * intercepts, once for both: which MSRs a guest has, which values it may
 * write, and what is #GP.  The backend decodes the exit into a struct
 * hv_vmexit (kind HV_VX_RDMSR / HV_VX_WRMSR, ECX in rcx, EDX:EAX in
 * rdx:rax, CR0 for EFER.LME) and keeps the state (VMCB / VMCS fields,
 * VMX's MSR-load list) behind ops->msr_get / ops->msr_set; the MSRs no
 * backend needs to switch are kept here, in struct hv_vcpu.  FS_BASE,
 * GS_BASE and KERNEL_GS_BASE are read without an exit on either backend
 * and written without one on VMX (the MSR bitmap passes them through);
 * their rule is for SVM's writes.
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
	/* kept by the core, not by the backend (reg IN_CORE): */
	MSR_TSC_ADJUST,	/* moves the TSC offset with it */
	MSR_APIC_BASE,	/* hv/lapic.c */
	MSR_MCG_CAP,	/* read-only */
	MSR_MCG_STATUS,
	MSR_MISC_ENABLE,
};

#define IN_CORE	(-1)

/*
 * The MSRs a guest has: number, where the backend keeps it (IN_CORE: in
 * struct hv_vcpu), the check of a written value.  One line each; the
 * lookup below is generated from it.
 */
#define HV_MSR_RULES(X)							\
	/* the guest reads the host's TSC plus the offset (SDM Vol. 3C	\
	 * 25.3, APM Vol. 2 15.30.5) */					\
	X(X86_MSR_TSC,		HV_MSR_TSC_OFFSET,	MSR_TSC)	\
	/* what software added to the TSC, with CPUID.07H:EBX[1]	\
	 * (SDM Vol. 3B 17.17.3) */					\
	X(X86_MSR_TSC_ADJUST,	IN_CORE,		MSR_TSC_ADJUST)	\
	X(X86_MSR_APIC_BASE,	IN_CORE,		MSR_APIC_BASE)	\
	/* machine-check architecture with no banks (SDM Vol. 3B	\
	 * 16.3.1, APM Vol. 2 9.3.1) */					\
	X(X86_MSR_MCG_CAP,	IN_CORE,		MSR_MCG_CAP)	\
	X(X86_MSR_MCG_STATUS,	IN_CORE,		MSR_MCG_STATUS)	\
	/* SDM Vol. 4 Table 2-2: bits 63:32 unused; the VMCS field has	\
	 * 32 */							\
	X(X86_MSR_SYSENTER_CS,	HV_MSR_SYSENTER_CS,	MSR_KEEP32)	\
	X(X86_MSR_SYSENTER_ESP,	HV_MSR_SYSENTER_ESP,	MSR_CANONICAL)	\
	X(X86_MSR_SYSENTER_EIP,	HV_MSR_SYSENTER_EIP,	MSR_CANONICAL)	\
	X(X86_MSR_MISC_ENABLE,	IN_CORE,		MSR_MISC_ENABLE) \
	X(X86_MSR_PAT,		HV_MSR_PAT,		MSR_PAT)	\
	X(X86_MSR_EFER,		HV_MSR_EFER,		MSR_EFER)	\
	X(X86_MSR_STAR,		HV_MSR_STAR,		MSR_ANY)	\
	/* SYSCALL targets are linear addresses (APM Vol. 2 6.1.1) */	\
	X(X86_MSR_LSTAR,	HV_MSR_LSTAR,		MSR_CANONICAL)	\
	X(X86_MSR_CSTAR,	HV_MSR_CSTAR,		MSR_CANONICAL)	\
	/* segment bases are linear addresses: WRMSR of a non-canonical	\
	 * one is #GP (SDM Vol. 2B WRMSR, APM Vol. 2 4.5.3).  The CPU	\
	 * under the guest checks this on VMX; on SVM hv checks it	\
	 * itself: an emulated CPU (QEMU TCG) does not, and a guest	\
	 * left with a non-canonical GS base faults in every handler	\
	 * until it triple-faults */					\
	X(X86_MSR_FS_BASE,	HV_MSR_FS_BASE,		MSR_CANONICAL)	\
	X(X86_MSR_GS_BASE,	HV_MSR_GS_BASE,		MSR_CANONICAL)	\
	X(X86_MSR_KERNEL_GS_BASE, HV_MSR_KERNEL_GS_BASE,	MSR_CANONICAL)	\
	/* RFLAGS has 32 bits: FMASK's upper half is reserved (SDM Vol. 4 \
	 * Table 2-2, APM Vol. 2 6.1.1) */				\
	X(X86_MSR_FMASK,	HV_MSR_FMASK,		MSR_LOW32)	\
	/* bits 63:32 reserved (SDM Vol. 4 Table 2-2, APM Vol. 2 A.5);	\
	 * the guest has it where its backend keeps it, with RDTSCP	\
	 * and RDPID (hv/cpuid.c) */					\
	X(X86_MSR_TSC_AUX,	HV_MSR_TSC_AUX,		MSR_LOW32)	\
	/* bits 63:32 reserved (SDM Vol. 3A 4.6.2, Vol. 4 Table 2-2);	\
	 * the guest has it where its backend switches it, with PKS	\
	 * (hv/cpuid.c) */						\
	X(X86_MSR_PKRS,		HV_MSR_PKRS,		MSR_LOW32)

struct msr_rule {
	int		 reg;	/* enum hv_msr_reg, or IN_CORE */
	enum msr_check	 check;
};

/* rules by position in HV_MSR_RULES (msr_rule below finds one) */
#define RULE_ENTRY(msr, reg, check)	{ reg, check },
static const struct msr_rule msr_rules[] = { HV_MSR_RULES(RULE_ENTRY) };
#define RULE_INDEX(msr, reg, check)	RULE_##msr,
enum { HV_MSR_RULES(RULE_INDEX) };

/* IA32_MISC_ENABLE at reset as hv gives it: fast strings on; no branch
 * trace store, no PEBS and no performance counters (leaf 0xA version 0);
 * MONITOR/MWAIT off until the guest sets ENABLE MONITOR FSM (hv/cpuid.c,
 * hv/exit.c), as a BIOS may leave it */
#define MISC_ENABLE_RESET \
	(X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS | X86_MISC_NO_PEBS)
/* the bits whose value is hv's, not the guest's: a write leaves them */
#define MISC_ENABLE_FIXED \
	(X86_MISC_PERFMON | X86_MISC_NO_BTS | X86_MISC_NO_PEBS)
/* IA32_MCG_STATUS: RIPV, EIPV, MCIP, LMCE_S; bits 63:4 reserved (SDM
 * Vol. 3B 16.3.1.2) */
#define MCG_STATUS_BITS		0xfull

void
hv_msr_vcpu_init(struct hv_vcpu *vcpu)
{
	vcpu->misc_enable = MISC_ENABLE_RESET;
}

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
 * would otherwise jump through the host's; NXE not while MISC_ENABLE's XD
 * Bit Disable is set (SDM Vol. 4 Table 2-2).  LMA is the CPU's: a written
 * LMA is ignored.  Any other bit set is #GP, and so is a change of LME
 * while paging is on (SDM Vol. 3A 9.8.5, APM Vol. 2 14.6.1).  true with
 * *val the value to keep.
 */
static bool
efer_write(struct hv_vcpu *vcpu, uint64_t cr0, uint64_t *val)
{
	uint64_t old, star, writable = X86_EFER_LME;

	if (!hv_ops->msr_get(vcpu, HV_MSR_EFER, &old))
		return false;
	if (hv_ops->msr_get(vcpu, HV_MSR_STAR, &star))
		writable |= X86_EFER_SCE;
	if (!(vcpu->misc_enable & X86_MISC_XD_DISABLE))
		writable |= X86_EFER_NXE;
	if (*val & ~(writable | X86_EFER_LMA))
		return false;
	if (((*val ^ old) & X86_EFER_LME) && (cr0 & X86_CR0_PG))
		return false;
	*val = (*val & writable) | (old & X86_EFER_LMA);
	return true;
}

/*
 * IA32_MISC_ENABLE is Intel's (SDM Vol. 4 Table 2-2); an AMD CPU has no
 * MSR 0x1a0 (APM Vol. 2 App. A): a guest has it when its CPU model is an
 * Intel one (hv_vm_set_model), on either backend.  The writable bits: those
 * whose effect on a guest hv gives: Limit CPUID Maxval (hv/cpuid.c), XD Bit
 * Disable where the CPU has NX (CPUID NX and EFER.NXE; not while NXE is
 * on: a state the CPU under the guest cannot give), ENABLE MONITOR FSM
 * (CPUID.01H:ECX.MONITOR and the instructions, hv/exit.c; the SDM gives it
 * with SSE3, and the CPU under the guest must have MONITOR, else it raises
 * #UD before any exit); and those with no effect a guest could see, kept
 * as written: fast strings, thermal control, EIST enable and xTPR message
 * disable.  The SDM ties the last two to CPUID.01H:ECX[7] and [14], which
 * an AMD host's leaf 1 (an Intel guest's there) leaves reserved: with no
 * P-state MSRs and no chipset to message, they are storage alone.  A
 * reserved bit set is #GP.
 */
static bool
misc_enable_write(struct hv_vcpu *vcpu, uint64_t val)
{
	uint64_t writable = X86_MISC_FAST_STRINGS | X86_MISC_AUTO_THERMAL |
	    X86_MISC_EIST | X86_MISC_XTPR_DISABLE | X86_MISC_LIMIT_CPUID, efer;
	uint32_t r[4];

	hv_cpuid(1, 0, r);
	if ((r[2] & X86_CPUID1_ECX_SSE3) && (r[2] & X86_CPUID1_ECX_MONITOR))
		writable |= X86_MISC_MONITOR;
	hv_cpuid(0x80000001u, 0, r);
	if (r[3] & X86_CPUID81_EDX_NX)
		writable |= X86_MISC_XD_DISABLE;
	if (val & ~(writable | MISC_ENABLE_FIXED))
		return false;
	if ((val & X86_MISC_XD_DISABLE) &&
	    (!hv_ops->msr_get(vcpu, HV_MSR_EFER, &efer) || (efer & X86_EFER_NXE)))
		return false;
	vcpu->misc_enable = (vcpu->misc_enable & MISC_ENABLE_FIXED) |
	    (val & writable);
	return true;
}

/*
 * The guest's TSC moves by delta from offset off, and IA32_TSC_ADJUST by
 * as much: a WRMSR to either one changes the other by the same amount
 * (SDM Vol. 3B 17.17.3).
 */
static bool
tsc_move(struct hv_vcpu *vcpu, uint64_t off, uint64_t delta)
{
	if (!hv_ops->msr_set(vcpu, HV_MSR_TSC_OFFSET, off + delta))
		return false;
	vcpu->tsc_adjust += delta;
	return true;
}

/* RDMSR of what rule r names: true with *val, false when it is #GP. */
static bool
msr_read(struct hv_vcpu *vcpu, const struct msr_rule *r, uint64_t *val)
{
	switch (r->check) {
	case MSR_TSC_ADJUST:
		*val = vcpu->tsc_adjust;
		return true;
	case MSR_APIC_BASE:
		*val = hv_lapic_base_read(vcpu);
		return true;
	case MSR_MCG_CAP:
		*val = 0;	/* no banks, no MCG_CTL, no extensions */
		return true;
	case MSR_MCG_STATUS:
		*val = vcpu->mcg_status;
		return true;
	case MSR_MISC_ENABLE:
		*val = vcpu->misc_enable;
		return hv_guest_intel(vcpu->vm);
	case MSR_TSC:
		if (!hv_ops->msr_get(vcpu, (enum hv_msr_reg)r->reg, val))
			return false;
		*val += hv_rdtsc();
		return true;
	default:
		break;
	}
	return hv_ops->msr_get(vcpu, (enum hv_msr_reg)r->reg, val);
}

/* WRMSR of val to what rule r names: true when done, false when #GP. */
static bool
msr_write(struct hv_vcpu *vcpu, const struct msr_rule *r, uint64_t cr0,
    uint64_t val)
{
	uint64_t off;

	switch (r->check) {
	case MSR_ANY:
		break;
	case MSR_CANONICAL:
		if (!hv_guest_canonical(val))
			return false;
		break;
	case MSR_LOW32:
		if ((val >> 32) != 0)
			return false;
		break;
	case MSR_KEEP32:
		val &= 0xffffffffull;
		break;
	case MSR_PAT:
		if (!pat_valid(val))
			return false;
		break;
	case MSR_EFER:
		if (!efer_write(vcpu, cr0, &val))
			return false;
		break;
	case MSR_TSC:
		return hv_ops->msr_get(vcpu, HV_MSR_TSC_OFFSET, &off) &&
		    tsc_move(vcpu, off, val - hv_rdtsc() - off);
	case MSR_TSC_ADJUST:
		return hv_ops->msr_get(vcpu, HV_MSR_TSC_OFFSET, &off) &&
		    tsc_move(vcpu, off, val - vcpu->tsc_adjust);
	case MSR_APIC_BASE:
		return hv_lapic_base_write(vcpu, val);
	case MSR_MCG_CAP:
		return false;	/* read-only */
	case MSR_MCG_STATUS:
		if ((val & ~MCG_STATUS_BITS) != 0)
			return false;
		vcpu->mcg_status = val;
		return true;
	case MSR_MISC_ENABLE:
		return hv_guest_intel(vcpu->vm) && misc_enable_write(vcpu, val);
	}
	return hv_ops->msr_set(vcpu, (enum hv_msr_reg)r->reg, val);
}

#define RULE_CASE(msr, reg, check) \
	case msr:	return &msr_rules[RULE_##msr];

/* the rule of MSR msr, or NULL: the long-mode MSRs (EFER on) apart from
 * the older ones, each a switch the compiler keeps to its own cases, so
 * either is a few compares away (an exit's fast path) */
static inline __attribute__((always_inline)) const struct msr_rule *
msr_rule(uint32_t msr)
{
	if (msr >= X86_MSR_EFER) {
		switch (msr) {
		HV_MSR_RULES(RULE_CASE)
		}
	} else {
		switch (msr) {
		HV_MSR_RULES(RULE_CASE)
		}
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
 * AMD's four legacy counters and their event selects, which every AMD64
 * CPU has (APM Vol. 2 13.2.1, no CPUID bit) and an Intel one has not: a
 * guest whose CPU model is an AMD one may program them, hv keeps the
 * values and nothing counts.  The address of the guest's copy of
 * MSR nr, or NULL when nr is not one of them.
 */
static uint64_t *
amd_perf_msr(struct hv_vcpu *vcpu, uint32_t nr)
{
	if (!hv_guest_intel(vcpu->vm) && nr >= X86_MSR_K7_PERFEVTSEL0 &&
	    nr <= X86_MSR_K7_PERFCTR3)
		return &vcpu->amd_perf[nr - X86_MSR_K7_PERFEVTSEL0];
	return NULL;
}

/*
 * RDMSR / WRMSR: the instruction completes, or the guest gets #GP(0) (an
 * MSR it does not have, or a value the CPU would refuse) and the
 * instruction does not complete (SDM Vol. 2B RDMSR/WRMSR).
 */
int
hv_vx_rdmsr(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	uint32_t nr = (uint32_t)vx->gpr[HV_RCX];
	const struct msr_rule *r = msr_rule(nr);
	uint64_t *perf;
	uint64_t val;

	/* the AMD counters have no rule: looked for only then */
	if (r != NULL) {
		if (!msr_read(vcpu, r, &val))
			return msr_gp(vcpu, vx, false);
	} else if ((perf = amd_perf_msr(vcpu, nr)) != NULL)
		val = *perf;
	else
		return msr_gp(vcpu, vx, false);
	/* RDMSR writes EDX:EAX, zero-extended into RDX:RAX */
	vx->gpr[HV_RAX] = val & 0xffffffffull;
	vx->gpr[HV_RDX] = val >> 32;
	vx->skip = true;
	return HV_RESUME;
}

int
hv_vx_wrmsr(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	uint32_t nr = (uint32_t)vx->gpr[HV_RCX];
	const struct msr_rule *r = msr_rule(nr);
	uint64_t *perf;
	uint64_t val = (vx->gpr[HV_RDX] << 32) |
	    (vx->gpr[HV_RAX] & 0xffffffffull);

	/* as for RDMSR: the AMD counters only without a rule */
	if (r != NULL) {
		if (!msr_write(vcpu, r, vx->cr0, val))
			return msr_gp(vcpu, vx, true);
	} else if ((perf = amd_perf_msr(vcpu, nr)) != NULL)
		*perf = val;
	else
		return msr_gp(vcpu, vx, true);
	vx->skip = true;
	return HV_RESUME;
}
