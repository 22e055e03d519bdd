/*
 * gdt.c - per-CPU GDT, TSS and GS base.  Every CPU gets its own GDT because
 * the TSS descriptor's busy bit is per TSS; a TSS is required anyway (IST
 * stack for #DF, and VMX needs a non-null host TR).
 */
#include "cpu.h"
#include "mm.h"
#include "x86.h"

#define IST_PAGES	2

void
cpu_setup_descriptors(struct cpu *c)
{
	c->self = c;
	c->gdt[0] = 0;
	c->gdt[1] = 0x00af9a000000ffffUL;	/* 0x08: 64-bit code, DPL 0 */
	c->gdt[2] = 0x00cf92000000ffffUL;	/* 0x10: data */
	/* 0x18: 16-byte 64-bit TSS descriptor, type 9 = available (SDM 3A 8.2.3) */
	uint64_t base = (uint64_t)&c->tss, limit = sizeof(c->tss) - 1;
	c->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
	    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	c->gdt[4] = base >> 32;
	c->gdt[5] = c->gdt[6] = 0;

	if (!c->ist_stack) {
		uint64_t pa = pmm_alloc_contig(IST_PAGES, 0);
		if (!pa)
			panic("gdt: no memory for the IST stack");
		c->ist_stack = phys_to_virt(pa);
	}
	memset(&c->tss, 0, sizeof(c->tss));
	c->tss.ist[0] = (uint64_t)c->ist_stack + IST_PAGES * PAGE_SIZE;	/* IST1: #DF, NMI */
	c->tss.iomap = sizeof(c->tss);		/* no I/O permission bitmap */

	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
		sizeof(c->gdt) - 1, (uint64_t)c->gdt
	};
	__asm__ __volatile__(
	    "lgdt %0\n\t"
	    /* reload CS with a far return */
	    "pushq $0x08\n\t"
	    "leaq 1f(%%rip), %%rax\n\t"
	    "pushq %%rax\n\t"
	    "lretq\n"
	    "1:\n\t"
	    "movw $0x10, %%ax\n\t"
	    "movw %%ax, %%ds\n\t"
	    "movw %%ax, %%es\n\t"
	    "movw %%ax, %%ss\n\t"
	    "xorl %%eax, %%eax\n\t"
	    "movw %%ax, %%fs\n\t"
	    "movw %%ax, %%gs\n\t"
	    "movw $0x18, %%ax\n\t"
	    "ltr %%ax"
	    :: "m"(gdtr) : "rax", "memory");
	/* segment loads may clear the bases: set them after */
	wrmsr(X86_MSR_GS_BASE, (uint64_t)c);
	wrmsr(X86_MSR_FS_BASE, 0);
	c->fs_base_cache = 0;
}
