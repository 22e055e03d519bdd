/*
 * vmx_names.c - names of VMX numbers, for messages and sysctl leaves.
 *
 * Short identifiers (lower case, '_'), usable as hw.vmm.stats.exit.<name>.
 * VM-instruction errors: SDM Vol. 3C 31.4.  Basic exit reasons: SDM Vol. 3D
 * Appendix C.
 */
#include "hv_impl.h"

static const char *const insn_errors[] = {
	[1] = "vmcall_in_root",
	[2] = "vmclear_bad_addr",
	[3] = "vmclear_vmxon_ptr",
	[4] = "vmlaunch_not_clear",
	[5] = "vmresume_not_launched",
	[6] = "vmresume_after_vmxoff",
	[7] = "entry_bad_control_fields",
	[8] = "entry_bad_host_state",
	[9] = "vmptrld_bad_addr",
	[10] = "vmptrld_vmxon_ptr",
	[11] = "vmptrld_bad_revision",
	[12] = "vmrw_unsupported_field",
	[13] = "vmwrite_read_only_field",
	[15] = "vmxon_in_root",
	[16] = "entry_bad_executive_vmcs",
	[17] = "entry_executive_not_launched",
	[18] = "entry_executive_not_vmxon",
	[19] = "vmcall_not_clear",
	[20] = "vmcall_bad_exit_controls",
	[22] = "vmcall_bad_mseg_revision",
	[23] = "vmxoff_dual_monitor",
	[24] = "vmcall_bad_smm_features",
	[25] = "entry_bad_executive_controls",
	[26] = "entry_blocked_by_mov_ss",
	[28] = "invept_invvpid_bad_operand",
};

static const char *const exit_names[] = {
	[0] = "exception_nmi",
	[1] = "external_interrupt",
	[2] = "triple_fault",
	[3] = "init_signal",
	[4] = "sipi",
	[5] = "io_smi",
	[6] = "other_smi",
	[7] = "interrupt_window",
	[8] = "nmi_window",
	[9] = "task_switch",
	[10] = "cpuid",
	[11] = "getsec",
	[12] = "hlt",
	[13] = "invd",
	[14] = "invlpg",
	[15] = "rdpmc",
	[16] = "rdtsc",
	[17] = "rsm",
	[18] = "vmcall",
	[19] = "vmclear",
	[20] = "vmlaunch",
	[21] = "vmptrld",
	[22] = "vmptrst",
	[23] = "vmread",
	[24] = "vmresume",
	[25] = "vmwrite",
	[26] = "vmxoff",
	[27] = "vmxon",
	[28] = "cr_access",
	[29] = "dr_access",
	[30] = "io_instruction",
	[31] = "rdmsr",
	[32] = "wrmsr",
	[33] = "entry_fail_guest_state",
	[34] = "entry_fail_msr_loading",
	[36] = "mwait",
	[37] = "monitor_trap_flag",
	[39] = "monitor",
	[40] = "pause",
	[41] = "entry_fail_machine_check",
	[43] = "tpr_below_threshold",
	[44] = "apic_access",
	[45] = "virtualized_eoi",
	[46] = "gdtr_idtr_access",
	[47] = "ldtr_tr_access",
	[48] = "ept_violation",
	[49] = "ept_misconfig",
	[50] = "invept",
	[51] = "rdtscp",
	[52] = "preemption_timer",
	[53] = "invvpid",
	[54] = "wbinvd",
	[55] = "xsetbv",
	[56] = "apic_write",
	[57] = "rdrand",
	[58] = "invpcid",
	[59] = "vmfunc",
	[60] = "encls",
	[61] = "rdseed",
	[62] = "pml_full",
	[63] = "xsaves",
	[64] = "xrstors",
};

const char *
hv_vmx_insn_error_name(unsigned n)
{
	if (n >= sizeof(insn_errors) / sizeof(insn_errors[0]))
		return NULL;
	return insn_errors[n];
}

const char *
hv_vmx_exit_name(unsigned n)
{
	if (n >= sizeof(exit_names) / sizeof(exit_names[0]))
		return NULL;
	return exit_names[n];
}
