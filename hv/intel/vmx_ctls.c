/*
 * vmx_ctls.c - from the VMX capability MSRs to struct vmx_caps and the
 * controls the backend runs with (SDM Vol. 3D Appendix A).  No instruction
 * here: the MSRs come through the reader the caller passes (hv_rdmsr in
 * the kernel, a table in the hosted unit tests).
 */
#include "vmx.h"
#include "vmx_cpu.h"

struct vmx_caps vmx_caps;

#define BASIC_TRUE_CTLS		(1ull << 55)
#define BASIC_MEMTYPE_WB	6

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

int
vmx_caps_read(struct vmx_caps *c, uint64_t (*rdmsr)(uint32_t msr))
{
	bool true_ctls;

	c->basic = rdmsr(X86_MSR_VMX_BASIC);
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
	c->pinbased = rdmsr(true_ctls ? X86_MSR_VMX_TRUE_PINBASED :
	    X86_MSR_VMX_PINBASED_CTLS);
	c->procbased = rdmsr(true_ctls ? X86_MSR_VMX_TRUE_PROCBASED :
	    X86_MSR_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(true_ctls ? X86_MSR_VMX_TRUE_EXIT :
	    X86_MSR_VMX_EXIT_CTLS);
	c->entry = rdmsr(true_ctls ? X86_MSR_VMX_TRUE_ENTRY :
	    X86_MSR_VMX_ENTRY_CTLS);
	c->misc = rdmsr(X86_MSR_VMX_MISC);
	c->cr0_fixed0 = rdmsr(X86_MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(X86_MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(X86_MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(X86_MSR_VMX_CR4_FIXED1);
	/* SDM A.3.3: the secondary MSR exists only if the control may be 1. */
	c->procbased2 = 0;
	if (ctl_allowed(c->procbased, PROC_SECONDARY))
		c->procbased2 = rdmsr(X86_MSR_VMX_PROCBASED_CTLS2);
	/* SDM A.10: EPT_VPID_CAP exists only if EPT or VPID may be enabled. */
	c->ept_vpid_cap = 0;
	if (ctl_allowed(c->procbased2, PROC2_EPT) ||
	    ctl_allowed(c->procbased2, PROC2_VPID))
		c->ept_vpid_cap = rdmsr(X86_MSR_VMX_EPT_VPID_CAP);
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

const char *
vmx_check_exits(uint32_t exc_bitmap, uint32_t proc, uint32_t proc2)
{
	if (!(exc_bitmap & (1u << X86_VEC_MC)))
		return "exception bitmap bit 18 (#MC) clear";
	if (!(proc & PROC_RDPMC_EXIT))
		return "RDPMC exiting clear";
	if (!(proc & PROC_MWAIT_EXIT))
		return "MWAIT exiting clear";
	if (!(proc & PROC_MONITOR_EXIT))
		return "MONITOR exiting clear";
	if (!(proc & PROC_SECONDARY) || !(proc2 & PROC2_WBINVD_EXIT))
		return "WBINVD exiting clear";
	return NULL;
}

/* With enable-INVPCID (and INVLPG exiting clear) INVPCID runs in the guest
 * on its VPID; without it INVPCID is #UD (SDM Vol. 3C 24.6.2, 25.3). */
bool
vmx_guest_invpcid(void)
{
	return (vmx_caps.proc2_ctls & PROC2_INVPCID) != 0;
}

/* With "load IA32_PKRS" on entry and exit the VMCS switches the guest's
 * PKRS (SDM Vol. 3C 24.8.1, 24.7.1, 27.3.2.1, 28.5.1): PKS only then. */
bool
vmx_guest_pks(void)
{
	return vmx_caps.load_pkrs;
}

/* The controls the backend runs with (see vmcs.c for how they are used). */
int
vmx_caps_pick(struct vmx_caps *c)
{
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
	/* an NMI-window exit needs virtual NMIs (SDM 26.2.1.1): both or
	 * neither; without them the guest gets no NMI (vmx_irq.c) */
	c->vnmi = ctl_allowed(c->pinbased, PIN_VIRTUAL_NMI) &&
	    ctl_allowed(c->procbased, PROC_NMI_WINDOW_EXIT);
	want = PIN_EXT_INTR_EXIT | PIN_NMI_EXIT |
	    (c->preempt_timer ? PIN_PREEMPT_TIMER : 0) |
	    (c->vnmi ? PIN_VIRTUAL_NMI : 0);
	if ((error = ctl_pick("pin-based", c->pinbased, want,
	    PIN_EXT_INTR_EXIT | PIN_NMI_EXIT, &c->pin_ctls)) != 0)
		return error;
	/*
	 * CR3 load/store exiting are default1 in the non-TRUE MSR; with EPT we
	 * do not want them, and hv_ctl_adjust keeps them only if forced.
	 */
	/*
	 * RDPMC, MONITOR, MWAIT (and WBINVD below; INVD always exits) would
	 * act on the host CPU: the core's rules (hv/exit.c).
	 * TPR shadow: a guest MOV to/from CR8 uses the virtual-APIC page, not
	 * the local APIC's TPR, which would otherwise stay the guest's after
	 * the exit and mask the host's interrupts (SDM 30.3; 26.3 without it).
	 * MOV-DR exiting until the guest's first MOV DR (hv/dreg.c).
	 */
	want = PROC_HLT_EXIT | PROC_MWAIT_EXIT | PROC_MONITOR_EXIT |
	    PROC_RDPMC_EXIT | PROC_TSC_OFFSET | PROC_IO_BITMAPS |
	    PROC_MSR_BITMAPS | PROC_SECONDARY | PROC_TPR_SHADOW |
	    PROC_MOVDR_EXIT;
	if ((error = ctl_pick("processor-based", c->procbased, want,
	    want, &c->proc_ctls)) != 0)
		return error;
	/*
	 * Unrestricted guest where the CPU has it: a guest may then run with
	 * paging or protection off (a multiboot entry, SDM Vol. 3C 26.3.1.1);
	 * without it such a boot state is refused (hv_vcpu_boot).
	 * Enable-INVPCID where the CPU has it (not needed: hv_ctl_adjust
	 * drops it otherwise): the guest then runs INVPCID as its CPUID
	 * shows it (hv/cpuid.c); without it INVPCID is #UD.
	 */
	/*
	 * RDTSCP and RDPID where the CPU has them: they read IA32_TSC_AUX,
	 * which the guest gets its own of (vmx_msr.c).
	 */
	want = PROC2_EPT | PROC2_WBINVD_EXIT | (c->vpid ? PROC2_VPID : 0) |
	    (c->unrestricted ? PROC2_UNRESTRICTED : 0) | PROC2_INVPCID |
	    (ctl_allowed(c->procbased2, PROC2_RDTSCP) ? PROC2_RDTSCP : 0);
	if ((error = ctl_pick("secondary processor-based", c->procbased2,
	    want, PROC2_EPT | PROC2_WBINVD_EXIT | (c->vpid ? PROC2_VPID : 0),
	    &c->proc2_ctls)) != 0)
		return error;
	c->load_pat = ctl_allowed(c->exit, EXIT_SAVE_PAT | EXIT_LOAD_PAT) &&
	    ctl_allowed(c->entry, ENTRY_LOAD_PAT);
	c->load_pkrs = ctl_allowed(c->exit, EXIT_LOAD_PKRS) &&
	    ctl_allowed(c->entry, ENTRY_LOAD_PKRS);
	/*
	 * Acknowledge-interrupt-on-exit stays 0: the interrupt stays pending in
	 * the local APIC and the host's own handler takes it when the backend
	 * re-enables interrupts after the exit.
	 */
	/* the guest's DR7 (and DEBUGCTL) in the VMCS: saved at exit, loaded
	 * at entry (SDM 28.3.1, 27.3.2.1); hv/dreg.c gives the host its DR7 */
	want = EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_DEBUG |
	    (c->load_pat ? EXIT_SAVE_PAT | EXIT_LOAD_PAT : 0) |
	    (c->load_pkrs ? EXIT_LOAD_PKRS : 0);
	if ((error = ctl_pick("VM-exit", c->exit, want,
	    EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_DEBUG,
	    &c->exit_ctls)) != 0)
		return error;
	if (c->exit_ctls & EXIT_ACK_INTR) {
		hv_os_log("hv: vmx: acknowledge-interrupt-on-exit is forced on\n");
		return HV_ENODEV;
	}
	want = ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG |
	    (c->load_pat ? ENTRY_LOAD_PAT : 0) |
	    (c->load_pkrs ? ENTRY_LOAD_PKRS : 0);
	if ((error = ctl_pick("VM-entry", c->entry, want,
	    ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG,
	    &c->entry_ctls)) != 0)
		return error;
	return 0;
}
