/*
 * apic.c - local APIC in xAPIC (MMIO) mode.  The APIC is enabled by firmware
 * (IA32_APIC_BASE.EN) and is never disabled here: Bochs cannot re-enable it.
 */
#include "cpu.h"
#include "mm.h"
#include "sched.h"

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_ERR	0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0
#define ICR_PENDING	(1u << 12)
#define LVT_MASKED	(1u << 16)
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
	if (base & (1UL << 10))
		panic("apic: firmware left this CPU in x2APIC mode");
	if (!(base & (1UL << 11)))
		panic("apic: local APIC disabled in IA32_APIC_BASE");
	wr(LAPIC_TPR, 0);			/* accept every priority */
	wr(LAPIC_LVT_ERR, 0xfe);
	wr(LAPIC_ESR, 0);			/* ESR is cleared by back-to-back writes */
	wr(LAPIC_ESR, 0);
	/* software enable (bit 8) with the spurious vector 0xff (SDM 3A 11.9) */
	wr(LAPIC_SVR, 0x100 | 0xff);
	lapic_eoi();
}

uint32_t
lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void
lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

int
lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	uint64_t f = irq_save();	/* the ICR high/low pair must not be split */
	int err = 0;
	for (unsigned long i = 0; rd(LAPIC_ICR_LO) & ICR_PENDING; i++)
		if (i > 100000000UL) { err = ETIMEDOUT; break; }
	wr(LAPIC_ICR_HI, apic_id << 24);
	wr(LAPIC_ICR_LO, icr_low);	/* writing the low half sends */
	for (unsigned long i = 0; !err && (rd(LAPIC_ICR_LO) & ICR_PENDING); i++)
		if (i > 100000000UL)
			err = ETIMEDOUT;
	irq_restore(f);
	return err;
}

void
lapic_timer_set_divide16(void)
{
	wr(LAPIC_TIMER_DIV, 0x3);		/* divide by 16 */
}

void
lapic_timer_start(uint32_t count, uint8_t vec, bool periodic)
{
	wr(LAPIC_LVT_TIMER, vec | (periodic ? LVT_PERIODIC : 0) | (vec ? 0 : LVT_MASKED));
	wr(LAPIC_TIMER_INIT, count);
}

uint32_t
lapic_timer_current(void)
{
	return rd(LAPIC_TIMER_CUR);
}
