/*
 * svm_irq.c - delivering the interrupts of hv/irq.c (queued by the host or
 * requested by the guest's local APIC) and the APIC's NMIs to an SVM guest.
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
 *
 * An NMI (type 2) goes before any interrupt and needs no IF, but not while
 * the guest blocks NMIs: from the delivery of one until the next IRET has
 * completed (SDM Vol. 3A 6.7.1; APM 8.2.2).  The VMCB shows no such
 * blocking for an injected NMI, so hv keeps it (struct svm_vcpu): it
 * intercepts IRET while blocked (15.9: the exit comes before the IRET
 * runs); the IRET has completed once RIP has left it.  When an NMI waits
 * for that, hv sets RFLAGS.TF and intercepts #DB: the IRET's single-step
 * trap (TF is taken at the instruction's start: SDM Vol. 3B 18.3.1.4)
 * exits right after it, before the next instruction, where the NMI is due.
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

static void
intercept(uint8_t *v, unsigned off, uint32_t bit, bool on)
{
	uint32_t w = vmcb_rd32(v, off);

	vmcb_wr32(v, off, on ? w | bit : w & ~bit);
}

/* The guest's IRET has completed: NMIs are taken again; a step hv began
 * for it is over. */
static void
nmi_unblock(struct svm_vcpu *s)
{
	s->nmi_blocked = false;
	s->nmi_iret = false;
	intercept(s->vmcb, VMCB_INTERCEPT_MISC1, VMCB_I1_IRET, false);
	if (s->nmi_step) {
		s->nmi_step = false;
		intercept(s->vmcb, VMCB_INTERCEPT_EXC, 1u << X86_VEC_DB, false);
	}
}

static void
nmi_prepare(struct hv_vcpu *vcpu, struct svm_vcpu *s)
{
	uint8_t *v = s->vmcb;

	if (s->nmi_iret && vmcb_rd64(v, VMCB_RIP) != s->nmi_iret_rip)
		nmi_unblock(s);
	if (!hv_nmi_due(vcpu))
		return;
	if (!s->nmi_blocked && s->pending_event == 0 &&
	    (vmcb_rd64(v, VMCB_INT_SHADOW) & 1) == 0) {
		s->pending_event = x86_event(X86_VEC_NMI, X86_EVENT_NMI);
		hv_nmi_taken(vcpu);
		s->nmi_blocked = true;
		intercept(v, VMCB_INTERCEPT_MISC1, VMCB_I1_IRET, true);
		return;
	}
	/* blocked by an IRET that exited and is about to run: step it */
	if (s->nmi_iret && !s->nmi_step) {
		s->nmi_step = true;
		s->nmi_step_tf = (vmcb_rd64(v, VMCB_RFLAGS) & X86_RFLAGS_TF) != 0;
		s->nmi_step_dr6 = vmcb_rd64(v, VMCB_DR6);
		vmcb_wr64(v, VMCB_RFLAGS, vmcb_rd64(v, VMCB_RFLAGS) | X86_RFLAGS_TF);
		intercept(v, VMCB_INTERCEPT_EXC, 1u << X86_VEC_DB, true);
	}
}

/* The IRET exits before it runs: it completes once RIP has moved on. */
int
svm_exit_iret(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);

	s->nmi_iret = true;
	s->nmi_iret_rip = vmcb_rd64(s->vmcb, VMCB_RIP);
	intercept(s->vmcb, VMCB_INTERCEPT_MISC1, VMCB_I1_IRET, false);
	return HV_RESUME;
}

/*
 * #DB is intercepted only while hv steps an IRET: its single-step trap, or
 * (if the IRET faulted) the first #DB after it.  The IRET popped the
 * guest's own RFLAGS, so no TF of hv's is left.  The #DB is the guest's
 * too if its own TF was set before the IRET or one of its breakpoints
 * fired (DR6 B0-B3 newly set): then it is delivered, else DR6 goes back to
 * what the guest had.
 */
int
svm_exit_nmi_step(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint64_t dr6 = vmcb_rd64(s->vmcb, VMCB_DR6);

	if (s->nmi_step && !s->nmi_step_tf &&
	    (dr6 & ~s->nmi_step_dr6 & X86_DR6_B0_3) == 0)
		vmcb_wr64(s->vmcb, VMCB_DR6, s->nmi_step_dr6);
	else
		svm_inject_exception(s, X86_VEC_DB, false, 0);
	nmi_unblock(s);
	return HV_RESUME;
}

void
svm_irq_prepare(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	int vec;
	uint64_t vintr = vmcb_rd64(v, VMCB_VINTR) & ~VINTR_OURS;

	nmi_prepare(vcpu, s);
	vec = hv_irq_next(vcpu);

	/* an event already due at this entry (a reflected exception, one
	 * re-injected after an exit during its delivery) goes first */
	if (vec >= 0 && s->pending_event == 0 && interruptible(v)) {
		s->pending_event = x86_event((unsigned)vec, X86_EVENT_EXTINT);
		hv_irq_taken(vcpu, (unsigned)vec);
		vec = hv_irq_next(vcpu);
	}
	/* still something queued: a VINTR exit once the guest can take it
	 * (after an injected interrupt: once its handler has set IF again) */
	if (vec >= 0)
		vintr |= VMCB_V_IRQ | (0xfull << VMCB_V_INTR_PRIO_SHIFT) |
		    VMCB_V_IGN_TPR | ((uint64_t)vec << VMCB_V_INTR_VECTOR_SHIFT);
	vmcb_wr64(v, VMCB_VINTR, vintr);
	intercept(v, VMCB_INTERCEPT_MISC1, VMCB_I1_VINTR, vec >= 0);
}
