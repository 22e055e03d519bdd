/*
 * vmx_exits.h - the VMX basic exit reasons (SDM Vol. 3D Appendix C), one
 * line each: X(reason, name, handler) for an exit hv handles (vmx_exit.c),
 * N(reason, name) for one it only names: that one stops the VM as
 * "unhandled".  name is the identifier of messages and of
 * hw.vmm.stats.exit.<name>, published for the handled ones.  Adding a
 * handled exit is one X line.  VMCLEAR..VMXON, INVEPT, INVVPID, VMFUNC,
 * MONITOR and MWAIT raise #UD: CPUID hides VMX and MONITOR/MWAIT.
 */
#ifndef HV_INTEL_VMX_EXITS_H
#define HV_INTEL_VMX_EXITS_H

#define VMX_EXITS(X, N) \
	X(0, exception_nmi, exit_exception) \
	X(1, external_interrupt, exit_host_intr) \
	X(2, triple_fault, exit_triple_fault) \
	N(3, init_signal) \
	N(4, sipi) \
	N(5, io_smi) \
	N(6, other_smi) \
	X(7, interrupt_window, exit_intr_window) \
	N(8, nmi_window) \
	N(9, task_switch) \
	X(10, cpuid, exit_cpuid) \
	N(11, getsec) \
	X(12, hlt, exit_hlt) \
	X(13, invd, exit_invd) \
	N(14, invlpg) \
	N(15, rdpmc) \
	N(16, rdtsc) \
	N(17, rsm) \
	X(18, vmcall, exit_vmcall) \
	X(19, vmclear, exit_ud) \
	X(20, vmlaunch, exit_ud) \
	X(21, vmptrld, exit_ud) \
	X(22, vmptrst, exit_ud) \
	X(23, vmread, exit_ud) \
	X(24, vmresume, exit_ud) \
	X(25, vmwrite, exit_ud) \
	X(26, vmxoff, exit_ud) \
	X(27, vmxon, exit_ud) \
	X(28, cr_access, exit_cr) \
	N(29, dr_access) \
	X(30, io_instruction, exit_io) \
	X(31, rdmsr, exit_rdmsr) \
	X(32, wrmsr, exit_wrmsr) \
	X(33, entry_fail_guest_state, exit_entry_failure) \
	X(34, entry_fail_msr_loading, exit_entry_failure) \
	X(36, mwait, exit_ud) \
	N(37, monitor_trap_flag) \
	X(39, monitor, exit_ud) \
	N(40, pause) \
	X(41, entry_fail_machine_check, exit_entry_failure) \
	N(43, tpr_below_threshold) \
	N(44, apic_access) \
	N(45, virtualized_eoi) \
	N(46, gdtr_idtr_access) \
	N(47, ldtr_tr_access) \
	X(48, ept_violation, exit_ept_violation) \
	X(49, ept_misconfig, exit_ept_misconfig) \
	X(50, invept, exit_ud) \
	N(51, rdtscp) \
	X(52, preemption_timer, exit_host_intr) \
	X(53, invvpid, exit_ud) \
	N(54, wbinvd) \
	X(55, xsetbv, exit_xsetbv) \
	N(56, apic_write) \
	N(57, rdrand) \
	N(58, invpcid) \
	X(59, vmfunc, exit_ud) \
	N(60, encls) \
	N(61, rdseed) \
	N(62, pml_full) \
	N(63, xsaves) \
	N(64, xrstors)

enum vmx_exit_reason {
#define VMX_EXIT_ENUM_X(reason, name, handler)	VMX_EXIT_##name = reason,
#define VMX_EXIT_ENUM_N(reason, name)		VMX_EXIT_##name = reason,
	VMX_EXITS(VMX_EXIT_ENUM_X, VMX_EXIT_ENUM_N)
#undef VMX_EXIT_ENUM_X
#undef VMX_EXIT_ENUM_N
	VMX_NREASONS
};

#endif /* HV_INTEL_VMX_EXITS_H */
