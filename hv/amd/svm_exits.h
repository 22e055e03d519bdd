/*
 * svm_exits.h - the SVM exit codes (AMD APM Vol. 2 Appendix C), one line
 * each: X(reason, name, handler, pinned) for an exit hv handles
 * (svm_exit.c), N(reason, name) for one it only names: that one stops the
 * VM as "unhandled".  reason is the exit code, except that the two
 * negative codes get the dense numbers 0x404 (invalid, -1) and 0x405
 * (busy, -2), so that a table indexed by reason stays small
 * (svm_exit_reason).  name is the identifier of messages and of
 * hw.vmm.stats.exit.<name>, published for the handled ones.  pinned 1: the
 * handler neither allocates, sleeps, locks nor reads guest memory, so it
 * runs right after the exit, pinned, and the guest is entered again from
 * there (the fast path of the stretch, hv/run.h).  Adding a handled exit is one X
 * line.
 */
#ifndef HV_AMD_SVM_EXITS_H
#define HV_AMD_SVM_EXITS_H

#include <stdint.h>

#define SVM_EXITS(X, N) \
	N(0x000, cr0_read) \
	N(0x001, cr1_read) \
	N(0x002, cr2_read) \
	N(0x003, cr3_read) \
	N(0x004, cr4_read) \
	N(0x005, cr5_read) \
	N(0x006, cr6_read) \
	N(0x007, cr7_read) \
	N(0x008, cr8_read) \
	N(0x009, cr9_read) \
	N(0x00a, cr10_read) \
	N(0x00b, cr11_read) \
	N(0x00c, cr12_read) \
	N(0x00d, cr13_read) \
	N(0x00e, cr14_read) \
	N(0x00f, cr15_read) \
	N(0x010, cr0_write) \
	N(0x011, cr1_write) \
	N(0x012, cr2_write) \
	N(0x013, cr3_write) \
	X(0x014, cr4_write, exit_cr4_write, 0) \
	N(0x015, cr5_write) \
	N(0x016, cr6_write) \
	N(0x017, cr7_write) \
	N(0x018, cr8_write) \
	N(0x019, cr9_write) \
	N(0x01a, cr10_write) \
	N(0x01b, cr11_write) \
	N(0x01c, cr12_write) \
	N(0x01d, cr13_write) \
	N(0x01e, cr14_write) \
	N(0x01f, cr15_write) \
	X(0x020, dr0_read, exit_dr, 0) \
	X(0x021, dr1_read, exit_dr, 0) \
	X(0x022, dr2_read, exit_dr, 0) \
	X(0x023, dr3_read, exit_dr, 0) \
	X(0x024, dr4_read, exit_dr, 0) \
	X(0x025, dr5_read, exit_dr, 0) \
	X(0x026, dr6_read, exit_dr, 0) \
	X(0x027, dr7_read, exit_dr, 0) \
	N(0x028, dr8_read) \
	N(0x029, dr9_read) \
	N(0x02a, dr10_read) \
	N(0x02b, dr11_read) \
	N(0x02c, dr12_read) \
	N(0x02d, dr13_read) \
	N(0x02e, dr14_read) \
	N(0x02f, dr15_read) \
	X(0x030, dr0_write, exit_dr, 0) \
	X(0x031, dr1_write, exit_dr, 0) \
	X(0x032, dr2_write, exit_dr, 0) \
	X(0x033, dr3_write, exit_dr, 0) \
	X(0x034, dr4_write, exit_dr, 0) \
	X(0x035, dr5_write, exit_dr, 0) \
	X(0x036, dr6_write, exit_dr, 0) \
	X(0x037, dr7_write, exit_dr, 0) \
	N(0x038, dr8_write) \
	N(0x039, dr9_write) \
	N(0x03a, dr10_write) \
	N(0x03b, dr11_write) \
	N(0x03c, dr12_write) \
	N(0x03d, dr13_write) \
	N(0x03e, dr14_write) \
	N(0x03f, dr15_write) \
	N(0x040, excp_de) \
	X(0x041, excp_db, svm_exit_nmi_step, 0) \
	N(0x042, excp_nmi) \
	X(0x043, excp_bp, exit_breakpoint, 1) \
	N(0x044, excp_of) \
	N(0x045, excp_br) \
	X(0x046, excp_ud, exit_reflect_ud, 1) \
	N(0x047, excp_nm) \
	N(0x048, excp_df) \
	N(0x049, excp_9) \
	N(0x04a, excp_ts) \
	N(0x04b, excp_np) \
	N(0x04c, excp_ss) \
	X(0x04d, excp_gp, exit_gp, 0) \
	X(0x04e, excp_pf, exit_pf, 0) \
	N(0x04f, excp_15) \
	N(0x050, excp_mf) \
	N(0x051, excp_ac) \
	X(0x052, excp_mc, exit_machine_check, 1) \
	N(0x053, excp_xf) \
	N(0x054, excp_20) \
	N(0x055, excp_cp) \
	N(0x056, excp_22) \
	N(0x057, excp_23) \
	N(0x058, excp_24) \
	N(0x059, excp_25) \
	N(0x05a, excp_26) \
	N(0x05b, excp_27) \
	N(0x05c, excp_hv) \
	N(0x05d, excp_vc) \
	N(0x05e, excp_sx) \
	N(0x05f, excp_31) \
	X(0x060, intr, hv_exit_host_intr, 0) \
	X(0x061, nmi, hv_exit_host_intr, 0) \
	X(0x062, smi, hv_exit_host_intr, 0) \
	N(0x063, init) \
	X(0x064, vintr, hv_exit_irq_window, 1) \
	N(0x065, cr0_sel_write) \
	N(0x066, idtr_read) \
	N(0x067, gdtr_read) \
	N(0x068, ldtr_read) \
	N(0x069, tr_read) \
	X(0x06a, idtr_write, exit_dt_write, 0) \
	X(0x06b, gdtr_write, exit_dt_write, 0) \
	X(0x06c, ldtr_write, exit_dt_write, 0) \
	X(0x06d, tr_write, exit_dt_write, 0) \
	N(0x06e, rdtsc) \
	X(0x06f, rdpmc, exit_rdpmc, 1) \
	N(0x070, pushf) \
	N(0x071, popf) \
	X(0x072, cpuid, exit_cpuid, 1) \
	N(0x073, rsm) \
	X(0x074, iret, svm_exit_iret, 0) \
	X(0x075, swint, exit_swint, 0) \
	X(0x076, invd, exit_invd, 1) \
	N(0x077, pause) \
	X(0x078, hlt, exit_hlt, 1) \
	N(0x079, invlpg) \
	X(0x07a, invlpga, exit_svm_insn, 1) \
	X(0x07b, ioio, exit_ioio, 1) \
	X(0x07c, msr, exit_msr, 1) \
	N(0x07d, task_switch) \
	N(0x07e, ferr_freeze) \
	X(0x07f, shutdown, exit_shutdown, 1) \
	X(0x080, vmrun, exit_svm_insn, 1) \
	X(0x081, vmmcall, exit_vmmcall, 0) \
	X(0x082, vmload, exit_svm_insn, 1) \
	X(0x083, vmsave, exit_svm_insn, 1) \
	X(0x084, stgi, exit_svm_insn, 1) \
	X(0x085, clgi, exit_svm_insn, 1) \
	X(0x086, skinit, exit_svm_insn, 1) \
	N(0x087, rdtscp) \
	N(0x088, icebp) \
	X(0x089, wbinvd, exit_wbinvd, 1) \
	X(0x08a, monitor, exit_monitor, 1) \
	X(0x08b, mwait, exit_mwait, 1) \
	N(0x08c, mwait_conditional) \
	X(0x08d, xsetbv, exit_xsetbv, 1) \
	N(0x08e, rdpru) \
	N(0x08f, efer_write_trap) \
	N(0x090, cr0_write_trap) \
	N(0x091, cr1_write_trap) \
	N(0x092, cr2_write_trap) \
	N(0x093, cr3_write_trap) \
	N(0x094, cr4_write_trap) \
	N(0x095, cr5_write_trap) \
	N(0x096, cr6_write_trap) \
	N(0x097, cr7_write_trap) \
	N(0x098, cr8_write_trap) \
	N(0x099, cr9_write_trap) \
	N(0x09a, cr10_write_trap) \
	N(0x09b, cr11_write_trap) \
	N(0x09c, cr12_write_trap) \
	N(0x09d, cr13_write_trap) \
	N(0x09e, cr14_write_trap) \
	N(0x09f, cr15_write_trap) \
	N(0x0a0, invlpgb) \
	N(0x0a1, invlpgb_illegal) \
	N(0x0a2, invpcid) \
	N(0x0a3, mcommit) \
	N(0x0a4, tlbsync) \
	X(0x400, npf, exit_npf, 0) \
	N(0x401, avic_incomplete_ipi) \
	N(0x402, avic_noaccel) \
	N(0x403, vmgexit) \
	X(0x404, invalid, exit_invalid, 0) \
	N(0x405, busy)

enum svm_exit_reason {
#define SVM_EXIT_ENUM_X(reason, name, handler, pinned) \
	SVM_EXIT_##name = reason,
#define SVM_EXIT_ENUM_N(reason, name)		SVM_EXIT_##name = reason,
	SVM_EXITS(SVM_EXIT_ENUM_X, SVM_EXIT_ENUM_N)
#undef SVM_EXIT_ENUM_X
#undef SVM_EXIT_ENUM_N
	SVM_NREASONS
};

/* The reason of an EXITCODE: the code itself, the dense number of -1 or
 * -2 (QEMU writes those as 32-bit values, Bochs as 64-bit), or
 * SVM_NREASONS for a code beyond the table. */
static inline unsigned
svm_exit_reason(uint64_t code)
{
	if ((uint32_t)code == 0xffffffffu)
		return SVM_EXIT_invalid;
	if ((uint32_t)code == 0xfffffffeu)
		return SVM_EXIT_busy;
	return code < SVM_EXIT_invalid ? (unsigned)code : SVM_NREASONS;
}

#endif /* HV_AMD_SVM_EXITS_H */
