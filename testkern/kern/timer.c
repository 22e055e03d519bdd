/*
 * timer.c - time base.  The TSC and the LAPIC timer are calibrated once
 * against PIT channel 2 (a fixed 1.193182 MHz input); time_ns() is the TSC
 * scaled to ns; every CPU runs a periodic LAPIC timer at HZ for the scheduler.
 */
#include "sched.h"
#include "cpu.h"
#include "trap.h"
#include "console.h"

#define PIT_HZ		1193182UL
#define CAL_MS		50

uint64_t tsc_hz, lapic_hz;
static uint64_t tsc0, ns_mult;	/* ns = (tsc - tsc0) * ns_mult >> 32 */

uint64_t
time_ns(void)
{
	if (!ns_mult)
		return 0;
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc0) * ns_mult) >> 32);
}

void
delay_ns(uint64_t ns)
{
	uint64_t end = time_ns() + ns;
	while (time_ns() < end)
		cpu_pause();
}

void
timer_calibrate(void)
{
	uint16_t count = PIT_HZ * CAL_MS / 1000;
	/* port 0x61: bit 0 gates channel 2, bit 1 drives the speaker (off) */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);		/* channel 2, lo/hi byte, mode 0 (interrupt on terminal count) */
	lapic_timer_set_divide16();
	lapic_timer_start(0xffffffff, 0, false);	/* masked one-shot: just counts down */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);		/* mode 0 starts counting here; OUT2 goes high at 0 */
	uint64_t t0 = rdtsc();
	uint32_t l0 = lapic_timer_current();
	unsigned long spins = 0;
	while (!(inb(0x61) & 0x20))	/* bit 5: channel 2 output */
		if (++spins > 2000000000UL)
			panic("timer: PIT channel 2 never reached terminal count");
	uint64_t t1 = rdtsc();
	uint32_t l1 = lapic_timer_current();
	lapic_timer_start(0, 0, false);
	tsc_hz = (t1 - t0) * 1000 / CAL_MS;
	lapic_hz = (uint64_t)(l0 - l1) * 1000 / CAL_MS;
	if (!tsc_hz || !lapic_hz)
		panic("timer: calibration failed (tsc %lu Hz, lapic %lu Hz)", tsc_hz, lapic_hz);
	ns_mult = (1000000000UL << 32) / tsc_hz;
	tsc0 = t0;
}

static void
tick(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	c->ticks++;
	if (c->bsp)
		console_poll_rx();
	sched_tick();
}

void
timer_cpu_start(void)
{
	irq_register(VEC_TIMER, tick);
	lapic_timer_set_divide16();
	lapic_timer_start((uint32_t)(lapic_hz / HZ), VEC_TIMER, true);
}
