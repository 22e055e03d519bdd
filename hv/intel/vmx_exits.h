/*
 * vmx_exits.h - the VMX basic exit reasons (SDM Vol. 3D Appendix C), one
 * line each: X(reason, name, handler, pinned) for an exit hv handles
 * (vmx_exit.c), N(reason, name) for one it only names: that one stops the
 * VM as "unhandled".  name is the identifier of messages and of
 * hw.vmm.stats.exit.<name>, published for the handled ones.  pinned 1: the
 * handler neither allocates, sleeps, locks nor reads guest memory, so it
 * runs right after the exit, pinned with interrupts off, and the guest is
 * entered again from there (the fast path of the stretch, hv/run.h).  Adding a
 * handled exit is one X line.  VMCLEAR..VMXON, INVEPT, INVVPID and VMFUNC
 * raise #UD: CPUID hides VMX.
 */
#ifndef HV_INTEL_VMX_EXITS_H
#define HV_INTEL_VMX_EXITS_H

#define VMX_EXITS(X, N) \
	X(0, exception_nmi, exit_exception, 1) \
	X(1, external_interrupt, hv_exit_host_intr, 0) \
	X(2, triple_fault, exit_triple_fault, 1) \
	N(3, init_signal) \
	N(4, sipi) \
	N(5, io_smi) \
	N(6, other_smi) \
	X(7, interrupt_window, hv_exit_irq_window, 1) \
	X(8, nmi_window, hv_exit_nmi_window, 1) \
	N(9, task_switch) \
	X(10, cpuid, exit_cpuid, 1) \
	N(11, getsec) \
	X(12, hlt, exit_hlt, 1) \
	X(13, invd, exit_invd, 1) \
	N(14, invlpg) \
	X(15, rdpmc, exit_rdpmc, 1) \
	N(16, rdtsc) \
	N(17, rsm) \
	X(18, vmcall, exit_vmcall, 0) \
	X(19, vmclear, exit_ud, 1) \
	X(20, vmlaunch, exit_ud, 1) \
	X(21, vmptrld, exit_ud, 1) \
	X(22, vmptrst, exit_ud, 1) \
	X(23, vmread, exit_ud, 1) \
	X(24, vmresume, exit_ud, 1) \
	X(25, vmwrite, exit_ud, 1) \
	X(26, vmxoff, exit_ud, 1) \
	X(27, vmxon, exit_ud, 1) \
	X(28, cr_access, exit_cr, 1) \
	X(29, dr_access, exit_dr, 0) \
	X(30, io_instruction, exit_io, 1) \
	X(31, rdmsr, exit_rdmsr, 1) \
	X(32, wrmsr, exit_wrmsr, 1) \
	X(33, entry_fail_guest_state, exit_entry_failure, 0) \
	X(34, entry_fail_msr_loading, exit_entry_failure, 0) \
	X(36, mwait, exit_mwait, 1) \
	N(37, monitor_trap_flag) \
	X(39, monitor, exit_monitor, 1) \
	N(40, pause) \
	X(41, entry_fail_machine_check, exit_entry_failure, 0) \
	N(43, tpr_below_threshold) \
	N(44, apic_access) \
	N(45, virtualized_eoi) \
	N(46, gdtr_idtr_access) \
	N(47, ldtr_tr_access) \
	X(48, ept_violation, exit_ept_violation, 0) \
	X(49, ept_misconfig, exit_ept_misconfig, 0) \
	X(50, invept, exit_ud, 1) \
	N(51, rdtscp) \
	X(52, preemption_timer, hv_exit_host_intr, 0) \
	X(53, invvpid, exit_ud, 1) \
	X(54, wbinvd, exit_wbinvd, 1) \
	X(55, xsetbv, exit_xsetbv, 1) \
	N(56, apic_write) \
	N(57, rdrand) \
	N(58, invpcid) \
	X(59, vmfunc, exit_ud, 1) \
	N(60, encls) \
	N(61, rdseed) \
	N(62, pml_full) \
	N(63, xsaves) \
	N(64, xrstors)

enum vmx_exit_reason {
#define VMX_EXIT_ENUM_X(reason, name, handler, pinned) \
	VMX_EXIT_##name = reason,
#define VMX_EXIT_ENUM_N(reason, name)		VMX_EXIT_##name = reason,
	VMX_EXITS(VMX_EXIT_ENUM_X, VMX_EXIT_ENUM_N)
#undef VMX_EXIT_ENUM_X
#undef VMX_EXIT_ENUM_N
	VMX_NREASONS
};

#endif /* HV_INTEL_VMX_EXITS_H */
