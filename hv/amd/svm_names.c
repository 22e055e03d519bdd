/*
 * svm_names.c - SVM exit-code names (AMD APM Vol. 2 Appendix C) and the
 * per-reason exit counters hw.vmm.stats.exit.<name>.
 */
#include "svm.h"

#define SVM_EXIT_NPF		0x400u
#define SVM_EXIT_INVALID	((uint64_t)-1)
#define SVM_EXIT_BUSY		((uint64_t)-2)

static const char *const cr_read[16] = {
	"cr0_read", "cr1_read", "cr2_read", "cr3_read", "cr4_read", "cr5_read",
	"cr6_read", "cr7_read", "cr8_read", "cr9_read", "cr10_read", "cr11_read",
	"cr12_read", "cr13_read", "cr14_read", "cr15_read",
};
static const char *const cr_write[16] = {
	"cr0_write", "cr1_write", "cr2_write", "cr3_write", "cr4_write",
	"cr5_write", "cr6_write", "cr7_write", "cr8_write", "cr9_write",
	"cr10_write", "cr11_write", "cr12_write", "cr13_write", "cr14_write",
	"cr15_write",
};
static const char *const dr_read[16] = {
	"dr0_read", "dr1_read", "dr2_read", "dr3_read", "dr4_read", "dr5_read",
	"dr6_read", "dr7_read", "dr8_read", "dr9_read", "dr10_read", "dr11_read",
	"dr12_read", "dr13_read", "dr14_read", "dr15_read",
};
static const char *const dr_write[16] = {
	"dr0_write", "dr1_write", "dr2_write", "dr3_write", "dr4_write",
	"dr5_write", "dr6_write", "dr7_write", "dr8_write", "dr9_write",
	"dr10_write", "dr11_write", "dr12_write", "dr13_write", "dr14_write",
	"dr15_write",
};
/* 0x40 + vector */
static const char *const excp[32] = {
	"excp_de", "excp_db", "excp_nmi", "excp_bp", "excp_of", "excp_br",
	"excp_ud", "excp_nm", "excp_df", "excp_9", "excp_ts", "excp_np",
	"excp_ss", "excp_gp", "excp_pf", "excp_15", "excp_mf", "excp_ac",
	"excp_mc", "excp_xf", "excp_20", "excp_cp", "excp_22", "excp_23",
	"excp_24", "excp_25", "excp_26", "excp_27", "excp_hv", "excp_vc",
	"excp_sx", "excp_31",
};
/* 0x60 .. 0xa4 */
static const char *const misc[] = {
	"intr", "nmi", "smi", "init", "vintr", "cr0_sel_write", "idtr_read",
	"gdtr_read", "ldtr_read", "tr_read", "idtr_write", "gdtr_write",
	"ldtr_write", "tr_write", "rdtsc", "rdpmc", "pushf", "popf", "cpuid",
	"rsm", "iret", "swint", "invd", "pause", "hlt", "invlpg", "invlpga",
	"ioio", "msr", "task_switch", "ferr_freeze", "shutdown", "vmrun",
	"vmmcall", "vmload", "vmsave", "stgi", "clgi", "skinit", "rdtscp",
	"icebp", "wbinvd", "monitor", "mwait", "mwait_conditional", "xsetbv",
	"rdpru", "efer_write_trap",
	"cr0_write_trap", "cr1_write_trap", "cr2_write_trap", "cr3_write_trap",
	"cr4_write_trap", "cr5_write_trap", "cr6_write_trap", "cr7_write_trap",
	"cr8_write_trap", "cr9_write_trap", "cr10_write_trap",
	"cr11_write_trap", "cr12_write_trap", "cr13_write_trap",
	"cr14_write_trap", "cr15_write_trap",
	"invlpgb", "invlpgb_illegal", "invpcid", "mcommit", "tlbsync",
};
/* 0x400 .. 0x403 */
static const char *const high[] = {
	"npf", "avic_incomplete_ipi", "avic_noaccel", "vmgexit",
};

const char *
hv_svm_exit_name(uint64_t code)
{
	if (code == SVM_EXIT_INVALID)
		return "invalid";
	if (code == SVM_EXIT_BUSY)
		return "busy";
	if (code < 0x10)
		return cr_read[code];
	if (code < 0x20)
		return cr_write[code - 0x10];
	if (code < 0x30)
		return dr_read[code - 0x20];
	if (code < 0x40)
		return dr_write[code - 0x30];
	if (code < 0x60)
		return excp[code - 0x40];
	if (code < 0x60 + sizeof(misc) / sizeof(misc[0]))
		return misc[code - 0x60];
	if (code >= SVM_EXIT_NPF &&
	    code < SVM_EXIT_NPF + sizeof(high) / sizeof(high[0]))
		return high[code - SVM_EXIT_NPF];
	return NULL;
}

const char *
svm_exit_name_or_unknown(uint64_t code)
{
	const char *n = hv_svm_exit_name(code);

	return n != NULL ? n : "unknown";
}

/*
 * Counters: the exit codes are sparse (0x00-0xa4, 0x400-0x403, -1, -2), so
 * they are counted under a dense reason number: the code itself below 0x404,
 * then invalid and busy.  Only the exits our intercepts can produce are
 * published (the rest would be rows of zeros); anything else is counted in
 * exits_other and stops the VM with its name (svm_exit.c).
 */
#define REASON_INVALID	0x404u
#define REASON_BUSY	0x405u
#define NREASONS	0x406u

static const uint64_t counted[] = {
	0x43, 0x46,			/* #BP, #UD */
	0x60, 0x61, 0x62,		/* intr, nmi, smi */
	0x72, 0x75,			/* cpuid, swint */
	0x78, 0x7b, 0x7c, 0x7f,		/* hlt, ioio, msr, shutdown */
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,	/* SVM instructions */
	0x8d,				/* xsetbv */
	SVM_EXIT_NPF,
};

static uint64_t
reason_of(uint64_t code)
{
	if (code == SVM_EXIT_INVALID)
		return REASON_INVALID;
	if (code == SVM_EXIT_BUSY)
		return REASON_BUSY;
	if (code >= REASON_INVALID)
		return NREASONS;		/* beyond the table: exits_other */
	return code;
}

static const char *
stat_name(uint64_t reason)
{
	size_t i;

	if (reason == REASON_INVALID)
		return "invalid";
	for (i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		if (counted[i] == reason)
			return hv_svm_exit_name(reason);
	return NULL;
}

int
svm_exit_stats_init(void)
{
	return hv_stats_exits_init(stat_name, NREASONS);
}

void
svm_exit_count(uint64_t code)
{
	hv_stats_exit(reason_of(code));
}

void
svm_exit_counts(uint64_t code, uint64_t count)
{
	hv_stats_exits(reason_of(code), count);
}
