/*
 * irq.c - the interrupts a vCPU is given at VM entry: external ones
 * queued by its host (hv_vcpu_inject_irq) and those of its local APIC
 * (hv/lapic.c), and the NMIs that APIC sends.
 *
 * The queue is a 256-bit bitmap per vCPU, one bit per vector, set and
 * cleared with atomic operations: any thread may queue while the vCPU's own
 * thread takes them.  A vector queued twice before delivery is delivered
 * once, as with a level in a real interrupt controller's request register.
 * The backend takes the highest pending vector first (x86 priority is by
 * vector number: SDM Vol. 3A 10.8.3.1).
 */
#include "core.h"

/* Word and bit of a vector in the bitmap. */
#define IRQ_WORD(v)	((unsigned)(v) / 64)
#define IRQ_BIT(v)	(1ull << ((unsigned)(v) % 64))

bool
hv_irq_set(volatile uint64_t *bm, unsigned vector)
{
	uint64_t old;

	old = __atomic_fetch_or(&bm[IRQ_WORD(vector)], IRQ_BIT(vector),
	    __ATOMIC_SEQ_CST);
	return (old & IRQ_BIT(vector)) == 0;
}

bool
hv_irq_clear(volatile uint64_t *bm, unsigned vector)
{
	uint64_t old;

	old = __atomic_fetch_and(&bm[IRQ_WORD(vector)], ~IRQ_BIT(vector),
	    __ATOMIC_SEQ_CST);
	return (old & IRQ_BIT(vector)) != 0;
}

int
hv_irq_highest(const volatile uint64_t *bm)
{
	uint64_t w;
	int i;

	for (i = HV_IRQ_WORDS - 1; i >= 0; i--) {
		w = __atomic_load_n(&bm[i], __ATOMIC_SEQ_CST);
		if (w != 0)
			return i * 64 + 63 - __builtin_clzll(w);
	}
	return -1;
}

int
hv_vcpu_inject_irq(struct hv_vcpu *vcpu, uint8_t vector)
{
	int cpu, self;

	if (vector < HV_IRQ_VECTOR_MIN)
		return HV_EINVAL;	/* 0-31: exceptions, not interrupts */
	if (hv_irq_set(vcpu->irq_pending, vector))
		HV_STAT_INC(irqs_queued);
	else
		HV_STAT_INC(irqs_merged);
	/*
	 * The bit is set before running_on is read; hv_pre_entry sets
	 * running_on before the backend reads the bitmap (both SEQ_CST): either
	 * this sees the vCPU in (or entering) the guest and interrupts its CPU,
	 * whose entry then exits at once and takes the vector at the next one,
	 * or that entry already sees the bit.
	 */
	hv_os_pin();
	self = hv_os_cpu_id();
	cpu = __atomic_load_n(&vcpu->running_on, __ATOMIC_SEQ_CST);
	if (cpu >= 0 && cpu != self) {
		hv_os_ipi(cpu);
		HV_STAT_INC(irq_kicks);
	}
	hv_os_unpin();
	return 0;
}

/* The host's queue and the local APIC's requests: the higher vector first
 * (an interrupt's priority is its vector's class: SDM Vol. 3A 11.8.3). */
int
hv_irq_next(struct hv_vcpu *vcpu)
{
	int ext = hv_irq_highest(vcpu->irq_pending), apic = hv_lapic_next(vcpu);

	return ext > apic ? ext : apic;
}

void
hv_irq_taken(struct hv_vcpu *vcpu, unsigned vector)
{
	/* the host's if it queued this vector (hv_irq_next gives it first
	 * on a tie), else the APIC's, now in service */
	if (hv_irq_clear(vcpu->irq_pending, vector))
		HV_STAT_INC(irqs_injected);
	else
		hv_lapic_accept(vcpu, vector);
}

void
hv_nmi_taken(struct hv_vcpu *vcpu)
{
	vcpu->lapic.nmi = false;
	HV_STAT_INC(nmis_injected);
}
