/* idt.c - the IDT (shared by all CPUs) built from boot/isr.asm's stub table. */
#include "trap.h"
#include "cpu.h"

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t	 ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

extern const uint64_t isr_table[256];
static struct idt_gate idt[256] __attribute__((aligned(16)));

void
idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t off = isr_table[v];
		if (!off)
			continue;
		idt[v].off_lo = off & 0xffff;
		idt[v].sel = SEL_KCODE;
		/*
		 * #DF, NMI and #MC run on the IST1 stack: they may arrive with a
		 * broken stack pointer (SDM 3A 7.14.5).
		 */
		idt[v].ist = (v == 8 || v == 2 || v == 18) ? 1 : 0;
		idt[v].type = 0x8e;	/* present, DPL 0, 64-bit interrupt gate: IF cleared */
		idt[v].off_mid = (off >> 16) & 0xffff;
		idt[v].off_hi = off >> 32;
	}
}

void
idt_load(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)idt
	};
	__asm__ __volatile__("lidt %0" :: "m"(idtr));
}
