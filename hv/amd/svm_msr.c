/*
 * svm_msr.c - RDMSR/WRMSR that the MSR permission map sends to us (AMD APM
 * Vol. 2 15.11).  MSRs that VMLOAD/VMRUN switch live in the VMCB and are
 * emulated there; EFER hides SVME; anything else gets #GP, as an MSR the
 * CPU does not have would.
 */
#include "svm.h"
#include "vmcb.h"

/* EFER bits a guest may set: SCE, LME, NXE (APM 3.1.7); LMA is the CPU's. */
#define EFER_GUEST_WRITABLE	(X86_EFER_SCE | X86_EFER_LME | X86_EFER_NXE)

static unsigned
msr_vmcb_field(uint32_t msr)
{
	switch (msr) {
	case X86_MSR_STAR:		return VMCB_STAR;
	case X86_MSR_LSTAR:		return VMCB_LSTAR;
	case X86_MSR_CSTAR:		return VMCB_CSTAR;
	case X86_MSR_FMASK:	return VMCB_SFMASK;
	case X86_MSR_SYSENTER_CS:	return VMCB_SYSENTER_CS;
	case X86_MSR_SYSENTER_ESP:	return VMCB_SYSENTER_ESP;
	case X86_MSR_SYSENTER_EIP:	return VMCB_SYSENTER_EIP;
	case X86_MSR_PAT:		return VMCB_G_PAT;
	default:		return 0;
	}
}

static uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* true: done; false: the guest gets #GP */
static bool
msr_read(struct svm_vcpu *s, uint32_t msr, uint64_t *val)
{
	uint8_t *v = s->vmcb;
	unsigned f = msr_vmcb_field(msr);

	if (f != 0) {
		*val = vmcb_rd64(v, f);
		return true;
	}
	switch (msr) {
	case X86_MSR_EFER:
		*val = vmcb_rd64(v, VMCB_EFER) & ~X86_EFER_SVME;
		return true;
	case X86_MSR_TSC:
		*val = rdtsc() + vmcb_rd64(v, VMCB_TSC_OFFSET);
		return true;
	default:
		return false;
	}
}

/*
 * Values the CPU itself would refuse with #GP, checked before they reach the
 * VMCB: an illegal G_PAT type fails the next VMRUN (APM 15.25.8), and the
 * SYSCALL/SYSENTER targets must be canonical (APM 6.1.1).
 */
static bool
msr_value_ok(uint32_t msr, uint64_t val)
{
	int i;

	switch (msr) {
	case X86_MSR_PAT:
		/* memory types 2 and 3 are reserved, as is anything above 7 */
		for (i = 0; i < 8; i++) {
			unsigned t = (unsigned)(val >> (i * 8)) & 0xff;

			if (t == 2 || t == 3 || t > 7)
				return false;
		}
		return true;
	case X86_MSR_LSTAR:
	case X86_MSR_CSTAR:
	case X86_MSR_SYSENTER_ESP:
	case X86_MSR_SYSENTER_EIP:
		return x86_canonical(val);
	default:
		return true;
	}
}

static bool
msr_write(struct svm_vcpu *s, uint32_t msr, uint64_t val)
{
	uint8_t *v = s->vmcb;
	unsigned f = msr_vmcb_field(msr);
	uint64_t old;

	if (f != 0) {
		if (!msr_value_ok(msr, val))
			return false;
		vmcb_wr64(v, f, val);
		return true;
	}
	switch (msr) {
	case X86_MSR_EFER:
		old = vmcb_rd64(v, VMCB_EFER);
		if (val & ~(EFER_GUEST_WRITABLE | X86_EFER_LMA))
			return false;
		/* LME cannot change while paging is on (APM 14.6.1). */
		if (((val ^ old) & X86_EFER_LME) &&
		    (vmcb_rd64(v, VMCB_CR0) & X86_CR0_PG))
			return false;
		vmcb_wr64(v, VMCB_EFER, (val & EFER_GUEST_WRITABLE) |
		    (old & X86_EFER_LMA) | X86_EFER_SVME);
		return true;
	case X86_MSR_TSC:
		vmcb_wr64(v, VMCB_TSC_OFFSET, val - rdtsc());
		return true;
	default:
		return false;
	}
}

int
svm_exit_msr(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	uint32_t msr = (uint32_t)s->gprs.rcx;
	bool write = vmcb_rd64(v, VMCB_EXITINFO1) == 1;
	uint64_t rax = vmcb_rd64(v, VMCB_RAX), val;

	if (write) {
		val = (rax & 0xffffffffu) | (s->gprs.rdx << 32);
		if (!msr_write(s, msr, val))
			goto gp;
	} else {
		if (!msr_read(s, msr, &val))
			goto gp;
		vmcb_wr64(v, VMCB_RAX, val & 0xffffffffu);
		s->gprs.rdx = val >> 32;
	}
	svm_skip_insn(s, 2);		/* 0F 32 / 0F 30 */
	return HV_RESUME;
gp:
	hv_ratelog("msr", "guest%d.%d: %s of MSR 0x%x: #GP\n", vcpu->vm->id,
	    vcpu->id, write ? "wrmsr" : "rdmsr", msr);
	svm_inject_exception(s, X86_VEC_GP, true, 0);
	return HV_RESUME;
}
