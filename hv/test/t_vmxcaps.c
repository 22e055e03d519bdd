/*
 * t_vmxcaps.c - hv/intel/vmx_ctls.c on a fake CPU: a table of VMX
 * capability MSRs (Bochs Haswell's values as measured, EMULATORS.md, plus
 * variants).  Which MSRs are read (TRUE_ ones when BASIC bit 55 is set; the
 * secondary and EPT/VPID MSRs only when they exist), the decoded fields,
 * the refusals (memory type, region size, no EPT, a required control the
 * CPU cannot set, acknowledge-interrupt forced on) and the controls chosen.
 */
#include <string.h>
#include "test.h"
#include "intel/vmx.h"
#include "intel/vmx_cpu.h"

#define NMSR	0x20		/* 0x480 .. 0x49f */
/* hv_exception_intercepts of a VM without the host debugger */
#define EXC_UD_MC	((1u << X86_VEC_UD) | (1u << X86_VEC_MC))

static uint64_t msr[NMSR];
static uint32_t msr_read;	/* bit per MSR read */
static int msr_bad;		/* reads outside the VMX range */

static uint64_t
fake_rdmsr(uint32_t n)
{
	if (n < 0x480 || n >= 0x480 + NMSR) {
		msr_bad++;
		return 0;
	}
	msr_read |= 1u << (n - 0x480);
	return msr[n - 0x480];
}

static bool
was_read(uint32_t n)
{
	return (msr_read >> (n - 0x480)) & 1;
}

#define CAP(allowed0, allowed1)	((uint64_t)(allowed1) << 32 | (allowed0))

/* A Haswell-like CPU: TRUE_ controls, EPT, VPID, preemption timer, PAT. */
static void
cpu_haswell(void)
{
	memset(msr, 0, sizeof(msr));
	msr_read = 0;
	msr_bad = 0;
	msr[0x00] = 0x00d810000000002bull;		/* BASIC: WB, 4 KiB, TRUE_ */
	/* the old MSRs: default1 bits forced (CR3 load/store exiting, 15-16) */
	msr[0x01] = CAP(0x16, 0x7f);
	msr[0x02] = CAP(0x0401e172, 0xfff9fffe);
	msr[0x03] = CAP(0x00036dff, 0x003fffff);
	msr[0x04] = CAP(0x000011ff, 0x0000ffff);
	/* the TRUE_ MSRs: only what really must be 1 */
	msr[0x0d] = CAP(0x16, 0x7f);
	msr[0x0e] = CAP(0x04006172, 0xfff9fffe);
	msr[0x0f] = CAP(0x00036dfb, 0x003fffff);
	msr[0x10] = CAP(0x000011fb, 0x0000ffff);
	msr[0x05] = 0x5;				/* MISC: timer = TSC >> 5 */
	msr[0x06] = 0x80000021;
	msr[0x07] = 0xffffffff;
	msr[0x08] = 0x2000;
	msr[0x09] = 0x3fffff;
	msr[0x0b] = 0x00047fff00000000ull;		/* PROCBASED_CTLS2 */
	msr[0x0c] = 0x00000f0106334141ull;		/* EPT_VPID_CAP */
}

void
test_vmxcaps_true_msrs(void)
{
	struct vmx_caps c;

	cpu_haswell();
	memset(&c, 0, sizeof(c));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK_EQ(msr_bad, 0);
	CHECK_EQ(c.revision, 0x2b);
	CHECK_EQ(c.region_size, 4096);
	CHECK_EQ(c.width_addr, 0);
	/* bit 55: the TRUE_ MSRs, not the old ones (SDM A.2) */
	CHECK(was_read(X86_MSR_VMX_TRUE_PINBASED) && was_read(X86_MSR_VMX_TRUE_PROCBASED) &&
	    was_read(X86_MSR_VMX_TRUE_EXIT) && was_read(X86_MSR_VMX_TRUE_ENTRY));
	CHECK(!was_read(X86_MSR_VMX_PINBASED_CTLS) && !was_read(X86_MSR_VMX_PROCBASED_CTLS) &&
	    !was_read(X86_MSR_VMX_EXIT_CTLS) && !was_read(X86_MSR_VMX_ENTRY_CTLS));
	CHECK_EQ(c.procbased, msr[0x0e]);
	CHECK_EQ(c.exit, msr[0x0f]);
	CHECK_EQ(c.cr0_fixed0, 0x80000021);
	CHECK_EQ(c.cr4_fixed1, 0x3fffff);
	CHECK_EQ(c.procbased2, msr[0x0b]);
	CHECK_EQ(c.ept_vpid_cap, msr[0x0c]);
	CHECK(c.ept && c.vpid && c.invept_single && c.invept_all && c.invvpid_single);
	CHECK(c.unrestricted);			/* PROCBASED2 allowed-1 0x47fff has bit 7 */
	CHECK_EQ(vmx_caps_pick(&c), 0);
	/* hv's own entry check: the exits that keep the host's #MC, caches,
	 * counters and sleep from the guest, each named when missing */
	CHECK(vmx_check_exits(EXC_UD_MC, c.proc_ctls, c.proc2_ctls) == NULL);
	CHECK(strcmp(vmx_check_exits(1u << X86_VEC_UD,
	    c.proc_ctls, c.proc2_ctls), "exception bitmap bit 18 (#MC) clear") == 0);
	CHECK(strcmp(vmx_check_exits(EXC_UD_MC, c.proc_ctls & ~PROC_RDPMC_EXIT,
	    c.proc2_ctls), "RDPMC exiting clear") == 0);
	CHECK(strcmp(vmx_check_exits(EXC_UD_MC, c.proc_ctls,
	    c.proc2_ctls & ~PROC2_WBINVD_EXIT), "WBINVD exiting clear") == 0);
	{
		/* the per-run form: a passed set is remembered, a refused one
		 * is refused again and never remembered */
		uint32_t seen[3] = { ~0u, ~0u, ~0u };

		CHECK(vmx_check_exits_changed(EXC_UD_MC, c.proc_ctls,
		    c.proc2_ctls, seen) == NULL);
		CHECK(seen[0] == EXC_UD_MC && seen[1] == c.proc_ctls &&
		    seen[2] == c.proc2_ctls);
		CHECK(vmx_check_exits_changed(EXC_UD_MC, c.proc_ctls &
		    ~PROC_MWAIT_EXIT, c.proc2_ctls, seen) != NULL);
		CHECK(vmx_check_exits_changed(EXC_UD_MC, c.proc_ctls &
		    ~PROC_MWAIT_EXIT, c.proc2_ctls, seen) != NULL);
		CHECK_EQ(seen[1], c.proc_ctls);
	}
	/* MOV-DR exiting until the guest's first MOV DR (hv/dreg.c) */
	CHECK(c.proc_ctls & PROC_MOVDR_EXIT);
	/* CR3 load/store exiting are not forced by the TRUE_ MSR: off */
	CHECK_EQ(c.proc_ctls & (PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT), 0);
	CHECK_EQ(c.proc_ctls & (PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
	    PROC_SECONDARY), PROC_HLT_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS |
	    PROC_SECONDARY);
	CHECK_EQ(c.proc_ctls & 0x04006172, 0x04006172);	/* must-be-1 kept */
	/* the instructions that would act on the host CPU exit (hv/exit.c) */
	CHECK_EQ(c.proc_ctls & (PROC_RDPMC_EXIT | PROC_MWAIT_EXIT |
	    PROC_MONITOR_EXIT), PROC_RDPMC_EXIT | PROC_MWAIT_EXIT | PROC_MONITOR_EXIT);
	/* unrestricted guest used where allowed (32-bit boot states), and
	 * RDTSCP (the guest's TSC_AUX, vmx_msr.c) and enable-INVPCID (the
	 * guest's CPUID shows INVPCID only then) */
	CHECK_EQ(c.proc2_ctls, PROC2_EPT | PROC2_WBINVD_EXIT | PROC2_VPID |
	    PROC2_UNRESTRICTED | PROC2_RDTSCP | PROC2_INVPCID);
	CHECK(c.preempt_timer);
	CHECK_EQ(c.preempt_shift, 5);
	/* virtual NMIs with NMI-window exiting: the guest's NMIs (vmx_irq.c) */
	CHECK(c.vnmi);
	CHECK_EQ(c.pin_ctls, PIN_EXT_INTR_EXIT | PIN_NMI_EXIT | PIN_PREEMPT_TIMER |
	    PIN_VIRTUAL_NMI | 0x16);
	CHECK(c.load_pat);
	CHECK_EQ(c.exit_ctls & (EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
	    EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_ACK_INTR), EXIT_HOST_64 |
	    EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT);
	CHECK_EQ(c.entry_ctls & (ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT),
	    ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT);
	/* every chosen word fits its MSR: allowed-0 bits in, allowed-1 respected */
	CHECK_EQ(hv_ctl_adjust(c.procbased, c.proc_ctls, NULL), c.proc_ctls);
	CHECK_EQ(hv_ctl_adjust(c.exit, c.exit_ctls, NULL), c.exit_ctls);
	CHECK_EQ(hv_ctl_adjust(c.entry, c.entry_ctls, NULL), c.entry_ctls);
	CHECK_EQ(hv_ctl_adjust(c.pinbased, c.pin_ctls, NULL), c.pin_ctls);
	CHECK_EQ(hv_ctl_adjust(c.procbased2, c.proc2_ctls, NULL), c.proc2_ctls);
	/* Haswell has no "load IA32_PKRS": the guest has no PKS */
	CHECK(!c.load_pkrs);
	CHECK_EQ(c.exit_ctls & EXIT_LOAD_PKRS, 0);
	CHECK_EQ(c.entry_ctls & ENTRY_LOAD_PKRS, 0);

	/* with both controls offered they are used (SDM Vol. 3C 24.7.1,
	 * 24.8.1); with only one, neither */
	cpu_haswell();
	msr[0x0f] |= (uint64_t)EXIT_LOAD_PKRS << 32;
	msr[0x10] |= (uint64_t)ENTRY_LOAD_PKRS << 32;
	memset(&c, 0, sizeof(c));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK_EQ(vmx_caps_pick(&c), 0);
	CHECK(c.load_pkrs);
	CHECK(c.exit_ctls & EXIT_LOAD_PKRS);
	CHECK(c.entry_ctls & ENTRY_LOAD_PKRS);
	msr[0x10] &= ~((uint64_t)ENTRY_LOAD_PKRS << 32);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK_EQ(vmx_caps_pick(&c), 0);
	CHECK(!c.load_pkrs);
	CHECK_EQ(c.exit_ctls & EXIT_LOAD_PKRS, 0);
}

void
test_vmxcaps_old_msrs(void)
{
	struct vmx_caps c;

	/* without bit 55 the old MSRs, with their default1 bits forced */
	cpu_haswell();
	msr[0x00] &= ~(1ull << 55);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK(was_read(X86_MSR_VMX_PINBASED_CTLS) && was_read(X86_MSR_VMX_PROCBASED_CTLS) &&
	    was_read(X86_MSR_VMX_EXIT_CTLS) && was_read(X86_MSR_VMX_ENTRY_CTLS));
	CHECK(!was_read(X86_MSR_VMX_TRUE_PINBASED) && !was_read(X86_MSR_VMX_TRUE_PROCBASED) &&
	    !was_read(X86_MSR_VMX_TRUE_EXIT) && !was_read(X86_MSR_VMX_TRUE_ENTRY));
	CHECK_EQ(c.procbased, msr[0x02]);
	CHECK_EQ(vmx_caps_pick(&c), 0);
	CHECK_EQ(c.proc_ctls & (PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT),
	    PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT);

	/* no secondary controls: neither PROCBASED_CTLS2 nor EPT_VPID_CAP is read */
	cpu_haswell();
	msr[0x0e] &= ~((uint64_t)PROC_SECONDARY << 32);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK(!was_read(X86_MSR_VMX_PROCBASED_CTLS2));
	CHECK(!was_read(X86_MSR_VMX_EPT_VPID_CAP));
	CHECK_EQ(c.procbased2, 0);
	CHECK(!c.ept && !c.vpid);
	fake_log_clear();
	CHECK_EQ(vmx_caps_pick(&c), HV_ENODEV);
	CHECK(strstr(fake_log(), "EPT with a 4-level walk") != NULL);

	/* secondary controls without EPT or VPID: EPT_VPID_CAP is not read */
	cpu_haswell();
	msr[0x0b] &= ~((uint64_t)(PROC2_EPT | PROC2_VPID) << 32);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK(was_read(X86_MSR_VMX_PROCBASED_CTLS2));
	CHECK(!was_read(X86_MSR_VMX_EPT_VPID_CAP));
	CHECK(!c.ept && !c.vpid);

	/* EPT without INVVPID: EPT used, VPID not asked for */
	cpu_haswell();
	msr[0x0c] &= ~(1ull << 32);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK(c.ept && !c.vpid && !c.invvpid_single);
	CHECK_EQ(vmx_caps_pick(&c), 0);
	CHECK_EQ(c.proc2_ctls, PROC2_EPT | PROC2_WBINVD_EXIT | PROC2_UNRESTRICTED |
	    PROC2_RDTSCP | PROC2_INVPCID);
	/* without unrestricted guest, RDTSCP or INVPCID: not asked for, not
	 * needed to run */
	msr[0x0b] &= ~((uint64_t)(PROC2_UNRESTRICTED | PROC2_RDTSCP |
	    PROC2_INVPCID) << 32);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK(!c.unrestricted);
	CHECK_EQ(vmx_caps_pick(&c), 0);
	CHECK_EQ(c.proc2_ctls, PROC2_EPT | PROC2_WBINVD_EXIT);
}

/* A Haswell whose control-capability MSR `m` no longer allows `no1`: the
 * capabilities read and pick fine (the control is optional) into *c. */
static void
pick_without(struct vmx_caps *c, unsigned m, uint32_t no1)
{
	cpu_haswell();
	msr[m] &= ~((uint64_t)no1 << 32);
	CHECK_EQ(vmx_caps_read(c, fake_rdmsr), 0);
	CHECK_EQ(vmx_caps_pick(c), 0);
}

/*
 * A Haswell whose control-capability MSR `m` (index in msr[]) no longer
 * allows `no1` to be 1 and requires `must1` to be 1 (the high and low
 * halves, SDM Vol. 3D A.3): the MSRs read fine, the pick refuses with
 * `why` in the log.
 */
static void
pick_refuses(unsigned m, uint32_t no1, uint32_t must1, const char *why)
{
	struct vmx_caps c;

	cpu_haswell();
	msr[m] = (msr[m] & ~((uint64_t)no1 << 32)) | must1;
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	fake_log_clear();
	CHECK_EQ(vmx_caps_pick(&c), HV_ENODEV);
	CHECK(strstr(fake_log(), why) != NULL);
}

void
test_vmxcaps_refusals(void)
{
	struct vmx_caps c;

	/* the VMCS must be write-back (A.1) */
	cpu_haswell();
	msr[0x00] &= ~(0xfull << 50);
	fake_log_clear();
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), HV_ENODEV);
	CHECK(strstr(fake_log(), "VMCS memory type 0 is not write-back") != NULL);
	/* a region above one page */
	cpu_haswell();
	msr[0x00] = (msr[0x00] & ~(0x1fffull << 32)) | (0x1001ull << 32);
	fake_log_clear();
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), HV_ENODEV);
	CHECK(strstr(fake_log(), "VMCS region size 4097 above one page") != NULL);
	/* bit 48: structures below 4 GiB, reported */
	cpu_haswell();
	msr[0x00] |= 1ull << 48;
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK_EQ(c.width_addr, 1);
	/* EPT present but no write-back tables or no INVEPT: not usable */
	cpu_haswell();
	msr[0x0c] &= ~(1ull << 14);
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK(!c.ept);
	cpu_haswell();
	msr[0x0c] &= ~((1ull << 25) | (1ull << 26));
	CHECK_EQ(vmx_caps_read(&c, fake_rdmsr), 0);
	CHECK(!c.ept);

	/* NMI exiting cannot be 1: a required pin-based control */
	pick_refuses(0x0d, PIN_NMI_EXIT, 0, "pin-based control bits 0x8 not supported");
	/* no preemption timer: fine, just not used */
	pick_without(&c, 0x0d, PIN_PREEMPT_TIMER);
	CHECK(!c.preempt_timer);
	CHECK_EQ(c.pin_ctls & PIN_PREEMPT_TIMER, 0);
	/* no MSR bitmaps: required */
	pick_refuses(0x0e, PROC_MSR_BITMAPS, 0, "processor-based control bits 0x10000000");
	/* no 64-bit host on exit */
	pick_refuses(0x0f, EXIT_HOST_64, 0, "VM-exit control bits 0x200");
	/* acknowledge-interrupt-on-exit forced to 1 */
	pick_refuses(0x0f, 0, EXIT_ACK_INTR, "acknowledge-interrupt-on-exit is forced on");
	/* no IA-32e guest on entry */
	pick_refuses(0x10, ENTRY_IA32E_GUEST, 0, "VM-entry control bits 0x200");
	/* PAT: only with save+load on exit and load on entry */
	pick_without(&c, 0x10, ENTRY_LOAD_PAT);
	CHECK(!c.load_pat);
	CHECK_EQ(c.exit_ctls & (EXIT_SAVE_PAT | EXIT_LOAD_PAT), 0);
	CHECK_EQ(c.entry_ctls & ENTRY_LOAD_PAT, 0);
}
