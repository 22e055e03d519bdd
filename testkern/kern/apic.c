/*
 * apic.c - local APIC in xAPIC (MMIO) mode.  The APIC is enabled by firmware
 * (IA32_APIC_BASE.EN) and is never disabled here: Bochs cannot re-enable it.
 */
#include "cpu.h"
#include "mm.h"
#include "sched.h"

#define LVT_PERIODIC	(1u << 17)

static volatile uint8_t *lapic;

static inline uint32_t
rd(uint32_t reg) { return *(volatile uint32_t *)(lapic + reg); }
static inline void
wr(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(lapic + reg) = v; }

void
lapic_init(uint64_t pa)
{
	lapic = vm_map_mmio(pa, PAGE_SIZE);
}

void
lapic_cpu_init(void)
{
	uint64_t base = rdmsr(X86_MSR_APIC_BASE);
	/* x2APIC mode cannot be left without disabling the APIC (SDM 3A 11.12.5) */
	if (base & X86_APIC_BASE_EXTD)
		panic("apic: firmware left this CPU in x2APIC mode");
	if (!(base & X86_APIC_BASE_EN))
		panic("apic: local APIC disabled in IA32_APIC_BASE");
	wr(X86_LAPIC_TPR, 0);			/* accept every priority */
	wr(X86_LAPIC_LVT_ERR, 0xfe);
	wr(X86_LAPIC_ESR, 0);			/* ESR is cleared by back-to-back writes */
	wr(X86_LAPIC_ESR, 0);
	/* software enable (bit 8) with the spurious vector 0xff (SDM 3A 11.9) */
	wr(X86_LAPIC_SVR, 0x100 | 0xff);
	lapic_eoi();
}

uint32_t
lapic_id(void)
{
	return rd(X86_LAPIC_ID) >> 24;
}

void
lapic_eoi(void)
{
	wr(X86_LAPIC_EOI, 0);
}

int
lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	uint64_t f = irq_save();	/* the ICR high/low pair must not be split */
	int err = 0;
	for (unsigned long i = 0; rd(X86_LAPIC_ICR_LO) & X86_LAPIC_ICR_BUSY; i++)
		if (i > 100000000UL) { err = ETIMEDOUT; break; }
	wr(X86_LAPIC_ICR_HI, apic_id << 24);
	wr(X86_LAPIC_ICR_LO, icr_low);	/* writing the low half sends */
	for (unsigned long i = 0; !err && (rd(X86_LAPIC_ICR_LO) & X86_LAPIC_ICR_BUSY); i++)
		if (i > 100000000UL)
			err = ETIMEDOUT;
	irq_restore(f);
	return err;
}

void
lapic_timer_set_divide16(void)
{
	wr(X86_LAPIC_TIMER_DIV, 0x3);		/* divide by 16 */
}

void
lapic_timer_start(uint32_t count, uint8_t vec, bool periodic)
{
	wr(X86_LAPIC_LVT_TIMER, vec | (periodic ? LVT_PERIODIC : 0) | (vec ? 0 : X86_LAPIC_LVT_MASKED));
	wr(X86_LAPIC_TIMER_INIT, count);
}

uint32_t
lapic_timer_current(void)
{
	return rd(X86_LAPIC_TIMER_CUR);
}
