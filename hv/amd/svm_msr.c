/*
 * svm_msr.c - where the guest MSRs that hv/msr.c rules live on SVM: the
 * VMCB fields VMLOAD/VMRUN switch (AMD APM Vol. 2 15.5.1, 15.11), the TSC
 * offset (APM 15.30.5), and IA32_TSC_AUX, which no VMCB field holds: RDTSCP
 * and RDPID read it without an intercept, so the guest's is written into
 * the CPU for each pinned stretch of entries and the host's back after it.
 * The host's kernel code that runs inside the stretch (interrupt
 * handlers) does not read it: a host gives it to its user programs only.
 *
 * IA32_PKRS has no VMCB field either (APM Vol. 2 15.5.1 save area): the
 * CPU's rules the guest's supervisor accesses under its CR4.PKS (SDM
 * Vol. 3A 4.6.2), and every RDMSR/WRMSR of it exits (svm_maps.c).  So the
 * guest's is put in the CPU only for a stretch the guest begins with
 * CR4.PKS set (a MOV to CR4 ends the stretch: its exit is not pinned), and
 * only when it differs from the host's; the host's goes back in
 * svm_msr_leave, the stretch's one unwind.  A guest without CR4.PKS costs
 * one VMCB read per stretch.  The host's interrupt handlers inside such a
 * stretch run with the guest's PKRS, which rules nothing of theirs while
 * the host's CR4.PKS is clear (svm_probe: else PKS stays hidden).
 */
#include "svm.h"
#include "vmcb.h"

static unsigned
msr_vmcb_field(enum hv_msr_reg reg)
{
	switch (reg) {
	case HV_MSR_STAR:		return VMCB_STAR;
	case HV_MSR_LSTAR:		return VMCB_LSTAR;
	case HV_MSR_CSTAR:		return VMCB_CSTAR;
	case HV_MSR_FMASK:		return VMCB_SFMASK;
	case HV_MSR_SYSENTER_CS:	return VMCB_SYSENTER_CS;
	case HV_MSR_SYSENTER_ESP:	return VMCB_SYSENTER_ESP;
	case HV_MSR_SYSENTER_EIP:	return VMCB_SYSENTER_EIP;
	case HV_MSR_PAT:		return VMCB_G_PAT;
	case HV_MSR_EFER:		return VMCB_EFER;
	case HV_MSR_TSC_OFFSET:		return VMCB_TSC_OFFSET;
	case HV_MSR_FS_BASE:		return VMCB_SEG_FS + VMCB_SEG_BASE;
	case HV_MSR_GS_BASE:		return VMCB_SEG_GS + VMCB_SEG_BASE;
	case HV_MSR_KERNEL_GS_BASE:	return VMCB_KERNEL_GS_BASE;
	case HV_MSR_TSC_AUX:		return 0;
	case HV_MSR_PKRS:		return 0;
	}
	return 0;
}

bool
svm_msr_get(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val)
{
	unsigned f = msr_vmcb_field(reg);

	if (reg == HV_MSR_TSC_AUX && svm_caps.tsc_aux) {
		*val = svm_of(vcpu)->tsc_aux;
		return true;
	}
	if (reg == HV_MSR_PKRS && svm_caps.pkrs) {
		*val = svm_of(vcpu)->pkrs;
		return true;
	}
	if (f == 0)
		return false;
	*val = vmcb_rd64(svm_of(vcpu)->vmcb, f);
	if (reg == HV_MSR_EFER)
		*val &= ~X86_EFER_SVME;	/* the guest has no SVM */
	return true;
}

bool
svm_msr_set(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val)
{
	unsigned f = msr_vmcb_field(reg);

	if (reg == HV_MSR_TSC_AUX && svm_caps.tsc_aux) {
		/* an exit handled inside the stretch (svm_exit_fast) puts
		 * it in the CPU at once; else svm_msr_enter will */
		svm_of(vcpu)->tsc_aux = val;
		if (svm_of(vcpu)->tsc_aux_in_cpu)
			hv_wrmsr(X86_MSR_TSC_AUX, val);
		return true;
	}
	if (reg == HV_MSR_PKRS && svm_caps.pkrs) {
		/* likewise: the CPU holds the guest's for the stretch */
		svm_of(vcpu)->pkrs = val;
		if (svm_of(vcpu)->pkrs_in_cpu)
			hv_wrmsr(X86_MSR_PKRS, val);
		return true;
	}
	if (f == 0)
		return false;
	if (reg == HV_MSR_EFER) {
		val |= X86_EFER_SVME;	/* VMRUN requires it (APM 15.5.1) */
		svm_of(vcpu)->snap_stale = true;	/* a field VMRUN checks */
	}
	vmcb_wr64(svm_of(vcpu)->vmcb, f, val);
	return true;
}

void
svm_msr_enter(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);

	if (svm_caps.tsc_aux) {
		s->host_tsc_aux = hv_rdmsr(X86_MSR_TSC_AUX);
		hv_wrmsr(X86_MSR_TSC_AUX, s->tsc_aux);
		s->tsc_aux_in_cpu = true;
	}
	if (svm_caps.pkrs && (vmcb_rd64(s->vmcb, VMCB_CR4) & X86_CR4_PKS)) {
		s->host_pkrs = hv_rdmsr(X86_MSR_PKRS);
		if (s->pkrs != s->host_pkrs)
			hv_wrmsr(X86_MSR_PKRS, s->pkrs);
		s->pkrs_in_cpu = true;
	}
}

void
svm_msr_leave(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);

	if (s->tsc_aux_in_cpu) {
		hv_wrmsr(X86_MSR_TSC_AUX, s->host_tsc_aux);
		s->tsc_aux_in_cpu = false;
	}
	if (s->pkrs_in_cpu) {
		if (s->pkrs != s->host_pkrs)
			hv_wrmsr(X86_MSR_PKRS, s->host_pkrs);
		s->pkrs_in_cpu = false;
	}
}
