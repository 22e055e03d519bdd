/*
 * smp.c - start every application processor listed in the MADT with the
 * INIT-SIPI-SIPI sequence (SDM 3A 9.4.4.1), one at a time, through the real
 * mode trampoline in boot/trampoline.asm.
 */
#include "cpu.h"
#include "mm.h"
#include "sched.h"
#include "trap.h"

#define TRAMP_PA	0x8000UL	/* below 1 MiB, page aligned: SIPI vector 0x08 */
#define AP_STACK_PAGES	KSTACK_PAGES	/* same size as thread stacks: trap_dump walks them */

extern const char tramp_start[], tramp_end[];
extern const char tr_cr3[], tr_stack[], tr_entry[], tr_arg[];

struct cpu *cpus[MAX_CPUS];
int ncpus;
int ncpus_found;

static void *
tramp_field(const char *sym)
{
	return (char *)phys_to_virt(TRAMP_PA) + (sym - tramp_start);
}

static void ap_entry(struct cpu *c) __attribute__((noreturn, used));
static void
ap_entry(struct cpu *c)
{
	/* we run in the upper half now: leave the trampoline's identity map */
	write_cr3(vm_kernel_cr3());
	cpu_setup_descriptors(c);
	idt_load();
	xsave_cpu_init();
	lapic_cpu_init();
	sched_init_cpu(c, (char *)c->idle_stack_base);
	timer_cpu_start();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	sched_idle_loop();
}

/* A PML4 below 4 GiB (the trampoline loads CR3 in 32-bit mode) with the
 * kernel's upper half and an identity map of the low 1 GiB. */
static uint64_t
ap_pml4_build(uint64_t *pages)
{
	pages[0] = pmm_alloc_contig(1, 4UL << 30);
	pages[1] = pmm_alloc_contig(1, 4UL << 30);
	pages[2] = pmm_alloc_contig(1, 4UL << 30);
	if (!pages[0] || !pages[1] || !pages[2])
		panic("smp: no memory below 4 GiB for the AP page tables");
	uint64_t *pml4 = phys_to_virt(pages[0]), *pdpt = phys_to_virt(pages[1]), *pd = phys_to_virt(pages[2]);
	uint64_t *k = vm_kernel_pml4();
	for (int i = 256; i < 512; i++)
		pml4[i] = k[i];
	pml4[0] = pages[1] | X86_PTE_P | X86_PTE_RW;
	pdpt[0] = pages[2] | X86_PTE_P | X86_PTE_RW;
	for (int i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | X86_PTE_P | X86_PTE_RW | X86_PTE_PS;
	return pages[0];
}

static bool
start_ap(struct cpu *c)
{
	uint64_t stack = pmm_alloc_contig(AP_STACK_PAGES, 0);
	if (!stack)
		return false;
	c->idle_stack_base = phys_to_virt(stack);
	*(uint64_t *)tramp_field(tr_stack) = (uint64_t)phys_to_virt(stack) + AP_STACK_PAGES * PAGE_SIZE;
	*(uint64_t *)tramp_field(tr_entry) = (uint64_t)ap_entry;
	*(uint64_t *)tramp_field(tr_arg) = (uint64_t)c;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* INIT (delivery mode 101b, level assert), then wait 10 ms */
	lapic_send_ipi(c->apic_id, 0x4500);
	delay_ns(10000000);
	/* STARTUP (110b) with the trampoline page number; a second one if needed */
	for (int i = 0; i < 2 && !c->online; i++) {
		lapic_send_ipi(c->apic_id, 0x4600 | (TRAMP_PA >> 12));
		uint64_t until = time_ns() + (i == 0 ? 200000 : 1000000000UL);
		while (!c->online && time_ns() < until)
			cpu_pause();
	}
	if (!c->online) {
		pmm_free_contig(stack, AP_STACK_PAGES);
		return false;
	}
	return true;
}

void
smp_init(void)
{
	ncpus_found = acpi_ncpus ? acpi_ncpus : 1;
	if (acpi_ncpus <= 1)
		return;
	memcpy(phys_to_virt(TRAMP_PA), tramp_start, tramp_end - tramp_start);
	uint64_t pages[3];
	*(uint64_t *)tramp_field(tr_cr3) = ap_pml4_build(pages);

	for (int i = 0; i < acpi_ncpus; i++) {
		if (acpi_cpus[i].apic_id == cpus[0]->apic_id)
			continue;
		struct cpu *c = kmalloc(sizeof(*c));
		if (!c)
			panic("smp: out of memory");
		c->id = ncpus;
		c->apic_id = acpi_cpus[i].apic_id;
		cpus[c->id] = c;
		if (!start_ap(c)) {
			kprintf("smp: cpu with apic id %u did not start\n", c->apic_id);
			cpus[c->id] = NULL;
			kfree(c);
			continue;
		}
		ncpus++;
	}
	for (int i = 0; i < 3; i++)
		pmm_free(pages[i]);
}
