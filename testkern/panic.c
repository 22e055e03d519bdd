/* panic.c - fatal errors: print why and a register dump, then exit FAIL. */
#include "kern.h"
#include "console.h"
#include "trap.h"
#include "cpu.h"

volatile int panicking;

static void __attribute__((noreturn)) panic_v(struct trapframe *tf, const char *fmt, va_list ap)
{
	cli();
	__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST);
	uint64_t f = console_lock();
	kprintf("\nPANIC (cpu %d): ", this_cpu()->id);
	kvprintf(fmt, ap);
	kprintf("\n");
	if (tf) {
		trap_dump(tf);
	} else {
		/* no trap frame: dump what this function can see */
		uint64_t rsp, rbp;
		__asm__ __volatile__("mov %%rsp, %0; mov %%rbp, %1" : "=r"(rsp), "=r"(rbp));
		kprintf("  rsp=%016lx rbp=%016lx cr0=%016lx cr2=%016lx cr3=%016lx cr4=%016lx\n",
		    rsp, rbp, read_cr0(), read_cr2(), read_cr3(), read_cr4());
		kprintf("  caller=%p\n", __builtin_return_address(0));
	}
	console_unlock(f);
	emu_exit(false);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_v(NULL, fmt, ap);
}

void panic_frame(struct trapframe *tf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_v(tf, fmt, ap);
}
