/*
 * vmx_msr.c - where the guest MSRs that hv/msr.c rules live on VMX: the
 * VMCS guest-state fields (SDM Vol. 3C 24.4.1).  The SYSCALL MSRs have no
 * field and hv does not switch them, so a VMX guest has none (nor PAT when
 * the CPU cannot load it at entry).  The TSC offset applies with "use TSC
 * offsetting" on (SDM Vol. 3C 25.3).
 */
#include "vmx.h"
#include "vmcs.h"

static uint32_t
msr_vmcs_field(enum hv_msr_reg reg)
{
	switch (reg) {
	case HV_MSR_EFER:		return VMCS_GUEST_EFER;
	case HV_MSR_PAT:		return vmx_caps.load_pat ? VMCS_GUEST_PAT : 0;
	case HV_MSR_SYSENTER_CS:	return VMCS_GUEST_SYSENTER_CS;
	case HV_MSR_SYSENTER_ESP:	return VMCS_GUEST_SYSENTER_ESP;
	case HV_MSR_SYSENTER_EIP:	return VMCS_GUEST_SYSENTER_EIP;
	case HV_MSR_TSC_OFFSET:		return VMCS_TSC_OFFSET;
	default:			return 0;
	}
}

bool
vmx_msr_get(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val)
{
	uint32_t f = msr_vmcs_field(reg);

	if (f == 0)
		return false;
	*val = vmcs_read(f);
	return true;
}

bool
vmx_msr_set(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val)
{
	uint32_t f = msr_vmcs_field(reg);

	if (f == 0)
		return false;
	return vmcs_write(f, val) == 0;
}
