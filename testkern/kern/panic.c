/* panic.c - fatal errors: print why and a register dump, then exit FAIL. */
#include "kern.h"
#include "console.h"
#include "trap.h"
#include "cpu.h"

volatile int panicking;

static void __attribute__((noreturn))
panic_v(struct trapframe *tf, const char *fmt, va_list ap)
{
	cli();
	__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST);
	uint64_t f = console_lock();
	kprintf("\nPANIC (cpu %d): ", this_cpu()->id);
	kvprintf(fmt, ap);
	kprintf("\n");
	trap_dump(tf);
	console_unlock(f);
	emu_exit(false);
}

void
regs_capture(struct trapframe *tf);	/* boot/regs.asm */

void
panic(const char *fmt, ...)
{
	struct trapframe tf;
	regs_capture(&tf);
	tf.rip = (uint64_t)__builtin_return_address(0);	/* who called panic() */
	va_list ap;
	va_start(ap, fmt);
	panic_v(&tf, fmt, ap);
}

void
panic_frame(struct trapframe *tf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_v(tf, fmt, ap);
}
