/*
 * svm_irq.c - delivering the external interrupts queued by
 * hv_vcpu_inject_irq (hv/irq.c) to an SVM guest.
 *
 * EVENTINJ delivers an event at VMRUN whatever the guest's RFLAGS.IF and
 * interrupt shadow (APM Vol. 2 15.20), so hv injects an external interrupt
 * (type 0) there only when the guest could take a real one: IF=1 and no
 * STI/MOV SS shadow (VMCB INT_SHADOW bit 0).  Otherwise it posts a virtual
 * interrupt (V_IRQ with its vector, top priority, TPR ignored: 15.21.4) and
 * intercepts VINTR: the CPU exits right before the guest would take it,
 * i.e. as soon as the guest is interruptible (V_INTR_MASKING is on, so the
 * guest's IF gates it: 15.21.1), and the next entry injects through
 * EVENTINJ.  The virtual interrupt is only that signal: it is withdrawn at
 * every entry and posted again while something stays queued.
 */
#include "svm.h"
#include "vmcb.h"

#define VINTR_OURS	(VMCB_V_IRQ | (0xfull << VMCB_V_INTR_PRIO_SHIFT) | \
	    VMCB_V_IGN_TPR | (0xffull << VMCB_V_INTR_VECTOR_SHIFT))

static bool
interruptible(const uint8_t *v)
{
	return (vmcb_rd64(v, VMCB_RFLAGS) & X86_RFLAGS_IF) != 0 &&
	    (vmcb_rd64(v, VMCB_INT_SHADOW) & 1) == 0;
}

void
svm_irq_prepare(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	int vec = hv_irq_next(vcpu);
	uint64_t vintr = vmcb_rd64(v, VMCB_VINTR) & ~VINTR_OURS;
	uint32_t misc1 = vmcb_rd32(v, VMCB_INTERCEPT_MISC1) & ~VMCB_I1_VINTR;

	/* an event already due at this entry (a reflected exception, one
	 * re-injected after an exit during its delivery) goes first */
	if (vec >= 0 && s->pending_event == 0 && interruptible(v)) {
		s->pending_event = (uint64_t)vec |
		    (EVENT_TYPE_INTR << EVENT_TYPE_SHIFT) | EVENT_VALID;
		hv_irq_taken(vcpu, (unsigned)vec);
		vec = hv_irq_next(vcpu);
	}
	/* still something queued: a VINTR exit once the guest can take it
	 * (after an injected interrupt: once its handler has set IF again) */
	if (vec >= 0) {
		vintr |= VMCB_V_IRQ | (0xfull << VMCB_V_INTR_PRIO_SHIFT) |
		    VMCB_V_IGN_TPR | ((uint64_t)vec << VMCB_V_INTR_VECTOR_SHIFT);
		misc1 |= VMCB_I1_VINTR;
	}
	vmcb_wr64(v, VMCB_VINTR, vintr);
	vmcb_wr32(v, VMCB_INTERCEPT_MISC1, misc1);
}
