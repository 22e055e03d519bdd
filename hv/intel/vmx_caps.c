/*
 * vmx_caps.c - VMX detection (probe): is VMX there and allowed, what do the
 * capability MSRs say, which controls will the backend run with; publishes
 * hw.vmm.vmx.* from the raw values.
 */
#include "vmx.h"
#include "vmx_cpu.h"

struct vmx_caps vmx_caps;

#define CPUID1_ECX_VMX		(1u << 5)
#define FC_LOCK			(1ull << 0)
#define FC_VMX_OUTSIDE_SMX	(1ull << 2)
#define BASIC_TRUE_CTLS		(1ull << 55)
#define BASIC_MEMTYPE_WB	6

static const struct hv_sysctl vmx_leaves[] = {
	{ "hw.vmm.vmx.revision", "VMCS revision identifier (IA32_VMX_BASIC 30:0)",
	  HV_SYSCTL_U32, &vmx_caps.revision, NULL },
	{ "hw.vmm.vmx.region_size", "VMXON/VMCS region size in bytes (BASIC 44:32)",
	  HV_SYSCTL_U32, &vmx_caps.region_size, NULL },
	{ "hw.vmm.vmx.width_addr", "1: VMX structure addresses limited to 32 bits (BASIC 48)",
	  HV_SYSCTL_INT, &vmx_caps.width_addr, NULL },
	{ "hw.vmm.vmx.basic", "IA32_VMX_BASIC",
	  HV_SYSCTL_U64, &vmx_caps.basic, NULL },
	{ "hw.vmm.vmx.pinbased_ctls", "pin-based controls MSR (allowed-1 63:32, allowed-0 31:0)",
	  HV_SYSCTL_U64, &vmx_caps.pinbased, NULL },
	{ "hw.vmm.vmx.procbased_ctls", "primary processor-based controls MSR",
	  HV_SYSCTL_U64, &vmx_caps.procbased, NULL },
	{ "hw.vmm.vmx.procbased2_ctls", "secondary processor-based controls MSR (0: none)",
	  HV_SYSCTL_U64, &vmx_caps.procbased2, NULL },
	{ "hw.vmm.vmx.exit_ctls", "VM-exit controls MSR",
	  HV_SYSCTL_U64, &vmx_caps.exit, NULL },
	{ "hw.vmm.vmx.entry_ctls", "VM-entry controls MSR",
	  HV_SYSCTL_U64, &vmx_caps.entry, NULL },
	{ "hw.vmm.vmx.misc", "IA32_VMX_MISC",
	  HV_SYSCTL_U64, &vmx_caps.misc, NULL },
	{ "hw.vmm.vmx.cr0_fixed0", "CR0 bits that must be 1 in VMX operation",
	  HV_SYSCTL_U64, &vmx_caps.cr0_fixed0, NULL },
	{ "hw.vmm.vmx.cr0_fixed1", "CR0 bits that may be 1 in VMX operation",
	  HV_SYSCTL_U64, &vmx_caps.cr0_fixed1, NULL },
	{ "hw.vmm.vmx.cr4_fixed0", "CR4 bits that must be 1 in VMX operation",
	  HV_SYSCTL_U64, &vmx_caps.cr4_fixed0, NULL },
	{ "hw.vmm.vmx.cr4_fixed1", "CR4 bits that may be 1 in VMX operation",
	  HV_SYSCTL_U64, &vmx_caps.cr4_fixed1, NULL },
	{ "hw.vmm.vmx.ept_vpid_cap", "IA32_VMX_EPT_VPID_CAP (0: none)",
	  HV_SYSCTL_U64, &vmx_caps.ept_vpid_cap, NULL },
	{ "hw.vmm.vmx.ept", "1: EPT supported",
	  HV_SYSCTL_INT, &vmx_caps.ept, NULL },
	{ "hw.vmm.vmx.vpid", "1: VPID supported and used",
	  HV_SYSCTL_INT, &vmx_caps.vpid, NULL },
	{ "hw.vmm.vmx.unrestricted_guest", "1: unrestricted guest supported (not used)",
	  HV_SYSCTL_INT, &vmx_caps.unrestricted, NULL },
	{ "hw.vmm.vmx.preempt_timer", "VMX-preemption timer value loaded at each "
	  "entry (about 10 ms; 0: no timer)",
	  HV_SYSCTL_U32, &vmx_caps.preempt_value, NULL },
	{ "hw.vmm.vmx.pinbased_used", "pin-based controls the backend runs with",
	  HV_SYSCTL_U32, &vmx_caps.pin_ctls, NULL },
	{ "hw.vmm.vmx.procbased_used", "primary processor-based controls in use",
	  HV_SYSCTL_U32, &vmx_caps.proc_ctls, NULL },
	{ "hw.vmm.vmx.procbased2_used", "secondary processor-based controls in use",
	  HV_SYSCTL_U32, &vmx_caps.proc2_ctls, NULL },
	{ "hw.vmm.vmx.exit_used", "VM-exit controls in use",
	  HV_SYSCTL_U32, &vmx_caps.exit_ctls, NULL },
	{ "hw.vmm.vmx.entry_used", "VM-entry controls in use",
	  HV_SYSCTL_U32, &vmx_caps.entry_ctls, NULL },
};

/* Allowed-1 half of a control MSR: may this control be 1? */
static bool
ctl_allowed(uint64_t cap, uint32_t bit)
{
	return ((cap >> 32) & bit) == bit;
}

/*
 * Adjust one control word; a wanted control the CPU refuses is fatal when it
 * is in `need`, silently dropped otherwise.
 */
static int
ctl_pick(const char *what, uint64_t cap, uint32_t want, uint32_t need,
    uint32_t *out)
{
	uint32_t refused = 0;

	*out = hv_ctl_adjust(cap, want, &refused);
	if (refused & need) {
		hv_os_log("hv: vmx: %s control bits 0x%x not supported "
		    "(capability MSR 0x%llx)\n", what, refused & need,
		    (unsigned long long)cap);
		return HV_ENODEV;
	}
	return 0;
}

static int
vmx_read_caps(void)
{
	struct vmx_caps *c = &vmx_caps;
	bool true_ctls;

	c->basic = vmx_rdmsr(MSR_IA32_VMX_BASIC);
	c->revision = (uint32_t)(c->basic & 0x7fffffffu);
	c->region_size = (uint32_t)((c->basic >> 32) & 0x1fff);
	c->width_addr = (int)((c->basic >> 48) & 1);
	true_ctls = (c->basic & BASIC_TRUE_CTLS) != 0;
	/* SDM A.1: the VMCS must be accessed with this memory type. */
	if (((c->basic >> 50) & 0xf) != BASIC_MEMTYPE_WB) {
		hv_os_log("hv: vmx: VMCS memory type %u is not write-back\n",
		    (unsigned)((c->basic >> 50) & 0xf));
		return HV_ENODEV;
	}
	if (c->region_size > HV_PAGE_SIZE) {
		hv_os_log("hv: vmx: VMCS region size %u above one page\n",
		    c->region_size);
		return HV_ENODEV;
	}
	/* SDM A.2: with bit 55 the TRUE_ MSRs give the real allowed-0 bits. */
	c->pinbased = vmx_rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED :
	    MSR_IA32_VMX_PINBASED_CTLS);
	c->procbased = vmx_rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED :
	    MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = vmx_rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT :
	    MSR_IA32_VMX_EXIT_CTLS);
	c->entry = vmx_rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY :
	    MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = vmx_rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = vmx_rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = vmx_rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = vmx_rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = vmx_rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* SDM A.3.3: the secondary MSR exists only if the control may be 1. */
	c->procbased2 = 0;
	if (ctl_allowed(c->procbased, PROC_SECONDARY))
		c->procbased2 = vmx_rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	/* SDM A.10: EPT_VPID_CAP exists only if EPT or VPID may be enabled. */
	c->ept_vpid_cap = 0;
	if (ctl_allowed(c->procbased2, PROC2_EPT) ||
	    ctl_allowed(c->procbased2, PROC2_VPID))
		c->ept_vpid_cap = vmx_rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	c->ept = ctl_allowed(c->procbased2, PROC2_EPT) &&
	    (c->ept_vpid_cap & EPTCAP_WALK4) && (c->ept_vpid_cap & EPTCAP_WB) &&
	    (c->ept_vpid_cap & EPTCAP_INVEPT) &&
	    (c->ept_vpid_cap & (EPTCAP_INVEPT_SINGLE | EPTCAP_INVEPT_ALL));
	c->vpid = ctl_allowed(c->procbased2, PROC2_VPID) &&
	    (c->ept_vpid_cap & EPTCAP_INVVPID) &&
	    (c->ept_vpid_cap & EPTCAP_INVVPID_SINGLE);
	c->unrestricted = ctl_allowed(c->procbased2, PROC2_UNRESTRICTED);
	c->invept_single = (c->ept_vpid_cap & EPTCAP_INVEPT_SINGLE) != 0;
	c->invept_all = (c->ept_vpid_cap & EPTCAP_INVEPT_ALL) != 0;
	c->invvpid_single = c->vpid;
	return 0;
}

#define PREEMPT_MS		10	/* guest time between two forced exits */
#define CALIBRATE_NS		2000000	/* TSC measured against hv_os_time_ns */

/*
 * The VMX-preemption timer bounds every entry: a guest that spins with
 * interrupts off still exits every PREEMPT_MS, so the host's watchdog runs on
 * time.  External-interrupt exits should do that on their own, but Bochs 2.7
 * never takes one while the guest has RFLAGS.IF=0 from the entry on (it
 * computes the interrupt mask before it counts itself in VMX non-root).  The
 * timer counts TSC >> MISC[4:0] (SDM 25.5.1); the TSC rate is measured.
 */
static uint32_t
preempt_value(void)
{
	uint64_t t0, t1, c0, c1, per_ms, v;

	t0 = hv_os_time_ns();
	c0 = vmx_rdtsc();
	do {
		t1 = hv_os_time_ns();
		c1 = vmx_rdtsc();
	} while (t1 - t0 < CALIBRATE_NS && c1 - c0 < (1ull << 40));
	if (t1 <= t0)
		return 0xffffffffu;
	per_ms = (c1 - c0) * 1000000 / (t1 - t0);
	v = (per_ms * PREEMPT_MS) >> vmx_caps.preempt_shift;
	if (v == 0)
		v = 1;
	return v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

/*
 * SDM 23.7: VMXON outside SMX needs IA32_FEATURE_CONTROL bit 2 and the lock
 * bit.  Locked without bit 2 (the BIOS said no) only a reset changes it;
 * unlocked, we enable and lock it.  The MSR is per core: probe checks the
 * boot CPU, cpu_enable every CPU.
 */
int
vmx_feature_control(void)
{
	uint64_t fc = vmx_rdmsr(MSR_IA32_FEATURE_CONTROL);

	if ((fc & FC_LOCK) && !(fc & FC_VMX_OUTSIDE_SMX)) {
		hv_os_log("hv: vmx: cpu %d: VMX disabled by BIOS "
		    "(IA32_FEATURE_CONTROL 0x%llx locked without VMX)\n",
		    hv_os_cpu_id(), (unsigned long long)fc);
		return HV_ENODEV;
	}
	if (!(fc & FC_LOCK))
		vmx_wrmsr(MSR_IA32_FEATURE_CONTROL,
		    fc | FC_LOCK | FC_VMX_OUTSIDE_SMX);
	return 0;
}

/* The controls the backend runs with (see vmcs.c for how they are used). */
static int
vmx_pick_controls(void)
{
	struct vmx_caps *c = &vmx_caps;
	uint32_t want;
	int error;

	if (!c->ept) {
		hv_os_log("hv: vmx: EPT with a 4-level walk, write-back "
		    "tables and INVEPT is required (EPT_VPID_CAP 0x%llx)\n",
		    (unsigned long long)c->ept_vpid_cap);
		return HV_ENODEV;
	}
	c->preempt_timer = ctl_allowed(c->pinbased, PIN_PREEMPT_TIMER);
	c->preempt_shift = (unsigned)(c->misc & 0x1f);
	c->preempt_value = c->preempt_timer ? preempt_value() : 0;
	want = PIN_EXT_INTR_EXIT | PIN_NMI_EXIT |
	    (c->preempt_timer ? PIN_PREEMPT_TIMER : 0);
	if ((error = ctl_pick("pin-based", c->pinbased, want,
	    PIN_EXT_INTR_EXIT | PIN_NMI_EXIT, &c->pin_ctls)) != 0)
		return error;
	/*
	 * CR3 load/store exiting are default1 in the non-TRUE MSR; with EPT we
	 * do not want them, and hv_ctl_adjust keeps them only if forced.
	 */
	want = PROC_HLT_EXIT | PROC_MWAIT_EXIT | PROC_MONITOR_EXIT |
	    PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY;
	if ((error = ctl_pick("processor-based", c->procbased, want,
	    want, &c->proc_ctls)) != 0)
		return error;
	want = PROC2_EPT | (c->vpid ? PROC2_VPID : 0);
	if ((error = ctl_pick("secondary processor-based", c->procbased2,
	    want, want, &c->proc2_ctls)) != 0)
		return error;
	c->load_pat = ctl_allowed(c->exit, EXIT_SAVE_PAT | EXIT_LOAD_PAT) &&
	    ctl_allowed(c->entry, ENTRY_LOAD_PAT);
	/*
	 * Acknowledge-interrupt-on-exit stays 0: the interrupt stays pending in
	 * the local APIC and the host's own handler takes it when the backend
	 * re-enables interrupts after the exit.
	 */
	want = EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
	    (c->load_pat ? EXIT_SAVE_PAT | EXIT_LOAD_PAT : 0);
	if ((error = ctl_pick("VM-exit", c->exit, want,
	    EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER, &c->exit_ctls)) != 0)
		return error;
	if (c->exit_ctls & EXIT_ACK_INTR) {
		hv_os_log("hv: vmx: acknowledge-interrupt-on-exit is forced on\n");
		return HV_ENODEV;
	}
	want = ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER |
	    (c->load_pat ? ENTRY_LOAD_PAT : 0);
	if ((error = ctl_pick("VM-entry", c->entry, want,
	    ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER, &c->entry_ctls)) != 0)
		return error;
	return 0;
}

int
vmx_probe(void)
{
	uint32_t r[4];
	size_t i;
	int error;

	hv_cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_VMX)) {
		hv_os_log("hv: vmx: CPU has no VMX (CPUID.1:ECX bit 5 clear)\n");
		return HV_ENODEV;
	}
	if ((error = vmx_feature_control()) != 0)
		return error;
	if ((error = vmx_read_caps()) != 0)
		return error;
	if ((error = vmx_pick_controls()) != 0)
		return error;
	if ((error = vmx_percpu_alloc()) != 0)
		return error;
	for (i = 0; i < sizeof(vmx_leaves) / sizeof(vmx_leaves[0]); i++)
		if ((error = hv_os_sysctl_add(&vmx_leaves[i])) != 0)
			return error;
	return hv_stats_exits_init(vmx_exit_stat_name, VMX_NREASONS);
}
