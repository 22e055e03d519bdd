/*
 * main.c - BSP bring-up order: per-CPU pointer (GS) first so the console lock
 * works, then console, boot information, memory, descriptors, interrupts,
 * time, the other CPUs, hv, and the command line / shell thread.
 */
#include "kern.h"
#include "console.h"
#include "cpu.h"
#include "mb2.h"
#include "mm.h"
#include "sched.h"
#include "shell.h"
#include "sysctl.h"
#include "trap.h"
#include "hv.h"
#include "scn_run.h"

extern char boot_stack[];		/* boot/boot.asm: the BSP stack, later its idle thread's */

/* hv/ may not be linked in yet: weak references stay 0 then */
extern int hv_init(void) __attribute__((weak));
extern const char *hv_type(void) __attribute__((weak));

static struct cpu cpu0;
static uint64_t boot_tsc;
uint64_t boot_ms;

static void
pic_disable(void)
{
	/* remap the 8259s away from the exception vectors, then mask every line:
	 * all interrupts come through the local APIC */
	outb(0x20, 0x11); outb(0xa0, 0x11);	/* ICW1: init, ICW4 follows */
	outb(0x21, 0x20); outb(0xa1, 0x28);	/* ICW2: vector bases */
	outb(0x21, 0x04); outb(0xa1, 0x02);	/* ICW3: cascade on IRQ2 */
	outb(0x21, 0x01); outb(0xa1, 0x01);	/* ICW4: 8086 mode */
	outb(0x21, 0xff); outb(0xa1, 0xff);
}

static void
start_hv(void)
{
	int (*init)(void) = hv_init;
	const char *(*type)(void) = hv_type;
	/* keep the compiler from turning the checked pointer into a direct call */
	__asm__ __volatile__("" : "+r"(init), "+r"(type));
	if (!init) {
		kprintf("hv: not linked in\n");
		return;
	}
	int err = init();
	if (err)
		kprintf("hv: %s (%d)\n", errno_name(err), err);
	else
		kprintf("hv: %s\n", type ? type() : "initialised");
}

void kmain(uint32_t magic, uint64_t mbi_pa);
void
kmain(uint32_t magic, uint64_t mbi_pa)
{
	boot_tsc = rdtsc();
	cpu0.self = &cpu0;
	cpu0.bsp = true;
	wrmsr(X86_MSR_GS_BASE, (uint64_t)&cpu0);
	console_init();
	kprintf("\ntestkern: booting\n");

	mb2_init(magic, mbi_pa);
	pmm_init();
	vm_init();
	cpu_setup_descriptors(&cpu0);
	cpus[0] = &cpu0;
	ncpus = 1;
	idt_init();
	idt_load();
	xsave_cpu_init();
	copyin_init();
	sched_init_cpu(&cpu0, boot_stack);

	acpi_init();
	uint64_t lapic_pa = rdmsr(X86_MSR_APIC_BASE) & 0xfffff000UL;
	lapic_init(lapic_pa);
	lapic_cpu_init();
	cpu0.apic_id = lapic_id();
	pic_disable();
	ipi_init();
	timer_calibrate();
	timer_cpu_start();
	cpu0.online = true;
	sti();

	smp_init();
	ksysctl_init();
	struct pmm_stats ps;
	pmm_stats(&ps);
	boot_ms = (rdtsc() - boot_tsc) * 1000 / tsc_hz;
	kprintf("testkern: %d/%d cpus, %lu MiB free, tsc %lu MHz, %d modules, boot %lu ms\n",
	    ncpus, ncpus_found, ps.free / 256, tsc_hz / 1000000, module_count(), boot_ms);
	kprintf("cmdline: '%s'\n", mb2_cmdline);
	start_hv();
	scn_register_all();	/* the .scn modules become tests scn.NAME */

	if (!thread_create("main", boot_cmdline_run, NULL, NULL, 0))
		panic("cannot create the main thread");
	sched_idle_loop();
}
