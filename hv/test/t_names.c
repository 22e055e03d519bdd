/*
 * t_names.c - the number-to-name tables (hv/intel/vmx_names.c,
 * hv/amd/svm_names.c) against the SDM/APM numbers, their use as sysctl leaf
 * names (unique, [a-z0-9_]), and the per-reason exit counters of both.
 */
#include <string.h>
#include "test.h"
#include "amd/svm.h"
#include "intel/vmx_exits.h"

static bool
ident(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 40)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return false;
	return true;
}

static bool
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* Every name of table name() over [0, n) a valid, unique identifier; count. */
static int
check_table(const char *(*name)(uint64_t), uint64_t n, int *bad)
{
	static const char *seen[2048];
	int count = 0, i;
	uint64_t r;

	for (r = 0; r < n; r++) {
		const char *s = name(r);

		if (s == NULL)
			continue;
		if (!ident(s))
			(*bad)++;
		for (i = 0; i < count; i++)
			if (strcmp(seen[i], s) == 0)
				(*bad)++;
		if (count < 2048)
			seen[count++] = s;
	}
	return count;
}

static const char *
vmx_exit64(uint64_t r)
{
	return hv_vmx_exit_name((unsigned)r);
}

static const char *
vmx_err64(uint64_t r)
{
	return hv_vmx_insn_error_name((unsigned)r);
}

void
test_names_vmx(void)
{
	int bad = 0;
	unsigned n;

	/* SDM Vol. 3C 31.4: 1-28 with 14, 21 and 27 reserved */
	CHECK_EQ(check_table(vmx_err64, 1000, &bad), 25);
	CHECK_EQ(bad, 0);
	CHECK(hv_vmx_insn_error_name(0) == NULL);
	for (n = 1; n <= 28; n++)
		CHECK((hv_vmx_insn_error_name(n) == NULL) ==
		    (n == 14 || n == 21 || n == 27));
	CHECK(eq(hv_vmx_insn_error_name(4), "vmlaunch_not_clear"));
	CHECK(eq(hv_vmx_insn_error_name(5), "vmresume_not_launched"));
	CHECK(eq(hv_vmx_insn_error_name(7), "entry_bad_control_fields"));
	CHECK(eq(hv_vmx_insn_error_name(8), "entry_bad_host_state"));
	CHECK(eq(hv_vmx_insn_error_name(12), "vmrw_unsupported_field"));
	CHECK(eq(hv_vmx_insn_error_name(26), "entry_blocked_by_mov_ss"));
	CHECK(eq(hv_vmx_insn_error_name(28), "invept_invvpid_bad_operand"));
	CHECK(hv_vmx_insn_error_name(29) == NULL);
	CHECK(hv_vmx_insn_error_name(0xffffffffu) == NULL);

	/* SDM Vol. 3D Appendix C: 0-64 with 35, 38 and 42 unused */
	bad = 0;
	CHECK_EQ(check_table(vmx_exit64, 1000, &bad), 62);
	CHECK_EQ(bad, 0);
	for (n = 0; n <= 64; n++)
		CHECK((hv_vmx_exit_name(n) == NULL) == (n == 35 || n == 38 || n == 42));
	CHECK(eq(hv_vmx_exit_name(0), "exception_nmi"));
	CHECK(eq(hv_vmx_exit_name(1), "external_interrupt"));
	CHECK(eq(hv_vmx_exit_name(2), "triple_fault"));
	CHECK(eq(hv_vmx_exit_name(10), "cpuid"));
	CHECK(eq(hv_vmx_exit_name(12), "hlt"));
	CHECK(eq(hv_vmx_exit_name(18), "vmcall"));
	CHECK(eq(hv_vmx_exit_name(28), "cr_access"));
	CHECK(eq(hv_vmx_exit_name(30), "io_instruction"));
	CHECK(eq(hv_vmx_exit_name(31), "rdmsr"));
	CHECK(eq(hv_vmx_exit_name(32), "wrmsr"));
	CHECK(eq(hv_vmx_exit_name(33), "entry_fail_guest_state"));
	CHECK(eq(hv_vmx_exit_name(34), "entry_fail_msr_loading"));
	CHECK(eq(hv_vmx_exit_name(48), "ept_violation"));
	CHECK(eq(hv_vmx_exit_name(49), "ept_misconfig"));
	CHECK(eq(hv_vmx_exit_name(52), "preemption_timer"));
	CHECK(eq(hv_vmx_exit_name(64), "xrstors"));
	CHECK(hv_vmx_exit_name(65) == NULL);
	/* the entry-failure flag (bit 31) is not part of the basic reason */
	CHECK(hv_vmx_exit_name(0x80000021u) == NULL);
}

void
test_names_svm(void)
{
	int bad = 0, n;

	/* APM Vol. 2 Appendix C: 0x00-0xa4 except none, 0x400-0x403 */
	n = check_table(hv_svm_exit_name, 0x1000, &bad);
	CHECK_EQ(n, 0xa5 + 4);
	CHECK_EQ(bad, 0);
	CHECK(eq(hv_svm_exit_name(0x00), "cr0_read"));
	CHECK(eq(hv_svm_exit_name(0x0f), "cr15_read"));
	CHECK(eq(hv_svm_exit_name(0x10), "cr0_write"));
	CHECK(eq(hv_svm_exit_name(0x13), "cr3_write"));
	CHECK(eq(hv_svm_exit_name(0x20), "dr0_read"));
	CHECK(eq(hv_svm_exit_name(0x37), "dr7_write"));
	CHECK(eq(hv_svm_exit_name(0x40), "excp_de"));
	CHECK(eq(hv_svm_exit_name(0x43), "excp_bp"));
	CHECK(eq(hv_svm_exit_name(0x46), "excp_ud"));
	CHECK(eq(hv_svm_exit_name(0x4d), "excp_gp"));
	CHECK(eq(hv_svm_exit_name(0x4e), "excp_pf"));
	CHECK(eq(hv_svm_exit_name(0x5f), "excp_31"));
	CHECK(eq(hv_svm_exit_name(0x60), "intr"));
	CHECK(eq(hv_svm_exit_name(0x72), "cpuid"));
	CHECK(eq(hv_svm_exit_name(0x75), "swint"));
	CHECK(eq(hv_svm_exit_name(0x78), "hlt"));
	CHECK(eq(hv_svm_exit_name(0x7b), "ioio"));
	CHECK(eq(hv_svm_exit_name(0x7c), "msr"));
	CHECK(eq(hv_svm_exit_name(0x7f), "shutdown"));
	CHECK(eq(hv_svm_exit_name(0x80), "vmrun"));
	CHECK(eq(hv_svm_exit_name(0x81), "vmmcall"));
	CHECK(eq(hv_svm_exit_name(0x86), "skinit"));
	CHECK(eq(hv_svm_exit_name(0x8d), "xsetbv"));
	CHECK(eq(hv_svm_exit_name(0x8f), "efer_write_trap"));
	CHECK(eq(hv_svm_exit_name(0x90), "cr0_write_trap"));
	CHECK(eq(hv_svm_exit_name(0x9f), "cr15_write_trap"));
	CHECK(eq(hv_svm_exit_name(0xa4), "tlbsync"));
	CHECK(hv_svm_exit_name(0xa5) == NULL);
	CHECK(hv_svm_exit_name(0x3ff) == NULL);
	CHECK(eq(hv_svm_exit_name(0x400), "npf"));
	CHECK(eq(hv_svm_exit_name(0x403), "vmgexit"));
	CHECK(hv_svm_exit_name(0x404) == NULL);
	CHECK(eq(hv_svm_exit_name((uint64_t)-1), "invalid"));
	CHECK(eq(hv_svm_exit_name((uint64_t)-2), "busy"));
	CHECK(hv_svm_exit_name((uint64_t)-3) == NULL);
	CHECK(eq(svm_exit_name_or_unknown(0x1234), "unknown"));
	CHECK(eq(svm_exit_name_or_unknown(0x7b), "ioio"));
}

void
test_names_svm_counters(void)
{
	const struct hv_sysctl *npf, *inv;

	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(svm_exit_stats_init(), 0);
	/* only the exits the backend's intercepts produce are published */
	npf = fake_sysctl("hw.vmm.stats.exit.npf");
	inv = fake_sysctl("hw.vmm.stats.exit.invalid");
	CHECK(npf != NULL && inv != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.cpuid") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.vmmcall") != NULL);
	/* the host-CPU intercepts of vmcb.c are handled (one X line each) */
	CHECK(fake_sysctl("hw.vmm.stats.exit.excp_mc") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.invd") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.wbinvd") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.rdpmc") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.monitor") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.mwait") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.invlpga") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.cr0_read") == NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.busy") == NULL);
	svm_exit_count(0x400);
	svm_exit_count(0x400);
	svm_exit_count((uint64_t)-1);
	svm_exit_count(0x09);			/* named, not published */
	svm_exit_count((uint64_t)-2);		/* busy: not published */
	svm_exit_count(0x5000);			/* beyond everything */
	if (npf != NULL && inv != NULL) {
		CHECK_EQ(*(uint64_t *)npf->ptr, 2);
		CHECK_EQ(*(uint64_t *)inv->ptr, 1);
	}
	CHECK_EQ(HV_STAT(exits), 6);
	CHECK_EQ(HV_STAT(exits_other), 3);
	hv_fini();
}

void
test_names_vmx_counters(void)
{
	const struct hv_sysctl *cpuid;

	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(hv_stats_exits_init(hv_vmx_exit_stat_name, VMX_NREASONS), 0);
	/* the handled reasons of vmx_exits.h are published, the named rest not */
	cpuid = fake_sysctl("hw.vmm.stats.exit.cpuid");
	CHECK(cpuid != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.vmcall") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.entry_fail_guest_state") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.vmxon") != NULL);	/* #UD */
	CHECK(fake_sysctl("hw.vmm.stats.exit.entry_fail_machine_check") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.wbinvd") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.rdpmc") != NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.getsec") == NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.rdtsc") == NULL);
	hv_stats_exit(VMX_EXIT_cpuid);
	hv_stats_exit(VMX_EXIT_getsec);		/* named, not handled */
	hv_stats_exit(VMX_NREASONS);		/* beyond the table */
	if (cpuid != NULL)
		CHECK_EQ(*(uint64_t *)cpuid->ptr, 1);
	CHECK_EQ(HV_STAT(exits), 3);
	CHECK_EQ(HV_STAT(exits_other), 2);
	hv_fini();
}
