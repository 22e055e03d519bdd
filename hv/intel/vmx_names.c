/*
 * vmx_names.c - names of VMX numbers, for messages and sysctl leaves.
 *
 * Short identifiers (lower case, '_'), usable as hw.vmm.stats.exit.<name>.
 * VM-instruction errors: SDM Vol. 3C 31.4.  Basic exit reasons: the table
 * of vmx_exits.h.
 */
#include "hv_impl.h"
#include "vmx_exits.h"

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

/* every named reason (messages) and the handled ones (counters) */
#define NAME_X(reason, name, handler, pinned)	[reason] = #name,
#define NAME_N(reason, name)		[reason] = #name,
#define NONE_N(reason, name)
static const char *const exit_names[VMX_NREASONS] = {
	VMX_EXITS(NAME_X, NAME_N)
};
static const char *const stat_names[VMX_NREASONS] = {
	VMX_EXITS(NAME_X, NONE_N)
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

/* hv_stats_exits_init()'s name function: the handled reasons only */
const char *
hv_vmx_exit_stat_name(uint64_t reason)
{
	return reason < VMX_NREASONS ? stat_names[reason] : NULL;
}
