/*
 * vmx_irq.c - delivering the interrupts of hv/irq.c (queued by the host or
 * requested by the guest's local APIC) and the APIC's NMIs to a VMX guest.
 *
 * An external interrupt is injected through the VM-entry interruption-
 * information field (SDM Vol. 3C 24.8.3, 26.6: type 0, no error code).  The
 * entry checks (26.3.1.4, 26.3.1.5) allow that only with RFLAGS.IF=1 and no
 * blocking by STI or MOV SS, which is also when the guest could take a real
 * one.  Otherwise interrupt-window exiting (24.6.2, 25.2) makes the CPU
 * exit as soon as the guest can take it, and the next entry injects it.
 * The guest is never entered in the HLT activity state (HLT exits and is
 * completed by hv), so an interrupt window cannot meet a halted entry
 * (Bochs never exits from that combination: EMULATORS.md).
 *
 * An NMI (type 2) goes before any interrupt and needs no IF, but not while
 * the guest blocks NMIs: from the delivery of the last one until its next
 * IRET (SDM Vol. 3A 6.7.1), nor in a STI or MOV SS shadow.  With virtual
 * NMIs the CPU keeps that blocking for the guest (interruptibility bit 3,
 * set by the injection, cleared by IRET: 25.3, 26.6.1.2) and NMI-window
 * exiting exits once it ends (25.2).
 */
#include "vmx.h"
#include "vmcs.h"
#include "x86_arch.h"

#define BLOCK_STI_MOVSS		3ull	/* interruptibility bits 0 and 1 (24.4.2) */
#define BLOCK_NMI		8ull	/* bit 3: blocking by (virtual) NMI */

/* RFLAGS.IF=1 and no blocking by STI or MOV SS (24.4.2) */
static bool
guest_interruptible(void)
{
	return (vmcs_read(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF) != 0 &&
	    (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & BLOCK_STI_MOVSS) == 0;
}

/* Turn a window-exiting control (interrupt or NMI) on or off; *on_now
 * remembers its state (read-modify-write: the other primary controls stay
 * as vmcs.c set them). */
static void
window(uint32_t ctl, bool *on_now, bool on)
{
	uint64_t ctls;

	if (*on_now == on)
		return;
	/* allowed-1 settings are bits 63:32 of the capability MSR (A.3.2) */
	if (on && !((vmx_caps.procbased >> 32) & ctl))
		return;		/* then the next exit of any kind retries */
	ctls = vmcs_read(VMCS_PROC_CTLS);
	ctls = on ? ctls | ctl : ctls & ~(uint64_t)ctl;
	if (vmcs_write(VMCS_PROC_CTLS, ctls) == 0)
		*on_now = on;
}

/* An event already set up for this entry (a reflected exception, an event
 * re-injected after an exit during its delivery) goes first: the field
 * holds one event, and the CPU clears its valid bit at every exit (24.8.3),
 * so a set bit means "this entry". */
static bool
entry_event_free(void)
{
	return !(vmcs_read(VMCS_ENTRY_INTR_INFO) & X86_EVENT_VALID);
}

/* The APIC's NMI: injected when nothing blocks it, else an NMI-window
 * exit when the guest's blocking ends.  Without virtual NMIs it stays
 * pending: with NMI exiting on (the host's NMIs), the guest's IRET would
 * not end the blocking an injected NMI sets (SDM 25.3), so it would get
 * one NMI ever and the host's would wait behind it. */
static void
nmi_prepare(struct hv_vcpu *vcpu, struct vmx_vcpu *vc)
{
	bool due = hv_nmi_due(vcpu);

	if (!vmx_caps.vnmi)
		return;
	if (due && entry_event_free() && (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
	    (BLOCK_NMI | BLOCK_STI_MOVSS)) == 0) {
		vmx_inject_event(x86_event(X86_VEC_NMI, X86_EVENT_NMI), false, 0, 0);
		hv_nmi_taken(vcpu);
		due = false;
	}
	window(PROC_NMI_WINDOW_EXIT, &vc->nmi_window, due);
}

void
vmx_irq_prepare(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc = vcpu->backend;
	int vec;

	if (vc->nmi_window || hv_nmi_due(vcpu))
		nmi_prepare(vcpu, vc);
	if ((vec = hv_irq_next(vcpu)) < 0) {
		window(PROC_INTR_WINDOW_EXIT, &vc->irq_window, false);
		return;
	}
	if (entry_event_free() && guest_interruptible()) {
		vmx_inject_event(x86_event((unsigned)vec, X86_EVENT_EXTINT), false,
		    0, 0);
		hv_irq_taken(vcpu, (unsigned)vec);
		vec = hv_irq_next(vcpu);
	}
	/*
	 * Still something queued: exit when the guest can take it.  After an
	 * injected interrupt that is once its handler has set IF again (the
	 * window is evaluated after the injected event's delivery, 26.7.5).
	 */
	window(PROC_INTR_WINDOW_EXIT, &vc->irq_window, vec >= 0);
}

/*
 * An EPT violation of an IRET that had ended virtual-NMI blocking (exit
 * qualification bit 12, not during an event's delivery): the IRET runs
 * again, so the blocking is put back, or a pending NMI would arrive in its
 * handler before that IRET (SDM 27.2.3).
 */
void
vmx_nmi_reblock(void)
{
	if (vmx_caps.vnmi &&
	    !(vmcs_read(VMCS_IDT_VECTORING_INFO) & X86_EVENT_VALID))
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
		    vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) | BLOCK_NMI);
}
