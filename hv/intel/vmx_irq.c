/*
 * vmx_irq.c - delivering the external interrupts queued by
 * hv_vcpu_inject_irq (hv/irq.c) to a VMX guest.
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
 */
#include "vmx.h"
#include "vmcs.h"
#include "x86_arch.h"

#define BLOCK_STI_MOVSS		3ull	/* interruptibility bits 0 and 1 (24.4.2) */
#define INTR_INFO_VALID		0x80000000u
#define INTR_TYPE_EXT		(0u << 8)

/* RFLAGS.IF=1 and no blocking by STI or MOV SS (24.4.2) */
static bool
guest_interruptible(void)
{
	return (vmcs_read(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF) != 0 &&
	    (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & BLOCK_STI_MOVSS) == 0;
}

/* Turn interrupt-window exiting on or off (read-modify-write: the other
 * primary controls stay as vmcs.c set them). */
static void
irq_window(struct vmx_vcpu *vc, bool on)
{
	uint64_t ctls;

	if (vc->irq_window == on)
		return;
	/* allowed-1 settings are bits 63:32 of the capability MSR (A.3.2) */
	if (on && !((vmx_caps.procbased >> 32) & PROC_INTR_WINDOW_EXIT))
		return;		/* then the next exit of any kind retries */
	ctls = vmcs_read(VMCS_PROC_CTLS);
	ctls = on ? ctls | PROC_INTR_WINDOW_EXIT : ctls & ~(uint64_t)PROC_INTR_WINDOW_EXIT;
	if (vmcs_write(VMCS_PROC_CTLS, ctls) == 0)
		vc->irq_window = on;
}

void
vmx_irq_prepare(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc = vcpu->backend;
	int vec = hv_irq_next(vcpu);

	if (vec < 0) {
		irq_window(vc, false);
		return;
	}
	/*
	 * An event already set up for this entry (a reflected exception, an
	 * event re-injected after an exit during its delivery) goes first: the
	 * field holds one event, and the CPU clears its valid bit at every
	 * exit (24.8.3), so a set bit means "this entry".
	 */
	if (!(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) &&
	    guest_interruptible()) {
		vmx_inject_event((uint32_t)vec | INTR_TYPE_EXT | INTR_INFO_VALID,
		    false, 0, 0);
		hv_irq_taken(vcpu, (unsigned)vec);
		vec = hv_irq_next(vcpu);
	}
	/*
	 * Still something queued: exit when the guest can take it.  After an
	 * injected interrupt that is once its handler has set IF again (the
	 * window is evaluated after the injected event's delivery, 26.7.5).
	 */
	irq_window(vc, vec >= 0);
}
