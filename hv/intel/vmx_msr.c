/*
 * vmx_msr.c - where the guest MSRs that hv/msr.c rules live on VMX: the
 * VMCS guest-state fields (SDM Vol. 3C 24.4.1), and for the SYSCALL MSRs
 * and TSC_AUX, which have none, the MSR-load lists of struct vmx_msr_lists
 * (vmx.h).  PAT and PKRS only when the CPU can load them at entry.  The TSC offset
 * applies with "use TSC offsetting" on (SDM Vol. 3C 25.3).
 */
#include "vmx.h"
#include "vmx_cpu.h"
#include "vmcs.h"

static const uint32_t switched_msr[VMX_NSW] = {
	[VMX_SW_STAR] = X86_MSR_STAR,
	[VMX_SW_LSTAR] = X86_MSR_LSTAR,
	[VMX_SW_CSTAR] = X86_MSR_CSTAR,
	[VMX_SW_FMASK] = X86_MSR_FMASK,
	[VMX_SW_TSC_AUX] = X86_MSR_TSC_AUX,
};

unsigned
vmx_msr_nswitched(void)
{
	/* without "enable RDTSCP" no guest instruction reads TSC_AUX */
	return (vmx_caps.proc2_ctls & PROC2_RDTSCP) ? VMX_NSW : VMX_SW_TSC_AUX;
}

void
vmx_msr_lists_init(struct vmx_msr_lists *l)
{
	unsigned i;

	/* the guest's start at 0, like every MSR of hv's boot state */
	for (i = 0; i < VMX_NSW; i++) {
		l->guest[i].index = l->host[i].index = switched_msr[i];
		l->guest[i].reserved = l->host[i].reserved = 0;
		l->guest[i].data = 0;
	}
}

void
vmx_msr_lists_host(struct vmx_msr_lists *l)
{
	unsigned i, n = vmx_msr_nswitched();

	for (i = 0; i < n; i++)
		l->host[i].data = hv_rdmsr(switched_msr[i]);
}

static uint32_t
msr_vmcs_field(enum hv_msr_reg reg)
{
	switch (reg) {
	case HV_MSR_EFER:		return VMCS_GUEST_EFER;
	case HV_MSR_PAT:		return vmx_caps.load_pat ? VMCS_GUEST_PAT : 0;
	case HV_MSR_PKRS:		return vmx_caps.load_pkrs ? VMCS_GUEST_PKRS : 0;
	case HV_MSR_SYSENTER_CS:	return VMCS_GUEST_SYSENTER_CS;
	case HV_MSR_SYSENTER_ESP:	return VMCS_GUEST_SYSENTER_ESP;
	case HV_MSR_SYSENTER_EIP:	return VMCS_GUEST_SYSENTER_EIP;
	case HV_MSR_TSC_OFFSET:		return VMCS_TSC_OFFSET;
	default:			return 0;
	}
}

/* the guest's entry of the load list for reg, or NULL if none */
static struct vmx_msr_entry *
msr_switched(struct hv_vcpu *vcpu, enum hv_msr_reg reg)
{
	struct vmx_vcpu *vc = vcpu->backend;
	unsigned i;

	switch (reg) {
	case HV_MSR_STAR:	i = VMX_SW_STAR; break;
	case HV_MSR_LSTAR:	i = VMX_SW_LSTAR; break;
	case HV_MSR_CSTAR:	i = VMX_SW_CSTAR; break;
	case HV_MSR_FMASK:	i = VMX_SW_FMASK; break;
	case HV_MSR_TSC_AUX:	i = VMX_SW_TSC_AUX; break;
	default:		return NULL;
	}
	return i < vmx_msr_nswitched() ? &vc->msrs->guest[i] : NULL;
}

bool
vmx_msr_get(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val)
{
	struct vmx_msr_entry *e = msr_switched(vcpu, reg);
	uint32_t f = msr_vmcs_field(reg);

	if (e != NULL) {
		*val = e->data;
		return true;
	}
	if (f == 0)
		return false;
	*val = vmcs_read(f);
	return true;
}

bool
vmx_msr_set(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val)
{
	struct vmx_msr_entry *e = msr_switched(vcpu, reg);
	uint32_t f = msr_vmcs_field(reg);

	if (e != NULL) {
		e->data = val;	/* loaded at the next entry */
		return true;
	}
	if (f == 0)
		return false;
	return vmcs_write(f, val) == 0;
}
