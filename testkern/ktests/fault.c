/*
 * fault.c - a fault in a test thread kills that thread only: the
 * decoded dump is printed, the joiner learns the vector, the kernel goes on.
 */
#include "ktest.h"
#include "mm.h"
#include "sched.h"

#define BAD_USER_VA	0xdead0000UL		/* lower half: nothing mapped for a kernel thread */
#define NONCANONICAL	0x8000000000000000UL	/* bits 63:47 not all equal: #GP (SDM 3A 3.3.7.1) */

static void
touch(void *arg)
{
	*(volatile uint64_t *)arg = 0x1234;
	thread_exit(0);		/* not reached */
}

static void
alive(void *arg)
{
	thread_exit(42);
}

static void
fault_test(uint64_t addr, int vector, bool check_cr2)
{
	uint64_t used = pmm_used();
	struct thread *t = thread_create("faulter", touch, (void *)addr, NULL, -1);
	report(t != NULL, "faulting thread created");
	if (!t)
		return;
	struct thread_exit_info info;
	int err = thread_join(t, &info, 10000000000UL);
	report(err == 0, "faulting thread ended: %s", err ? errno_name(err) : "ok");
	if (err)
		return;
	report(info.killed && info.vector == vector, "thread killed by vector=%d want=%d killed=%d",
	    info.vector, vector, info.killed);
	if (check_cr2)
		report(info.cr2 == addr, "fault address cr2=%#lx want=%#lx", info.cr2, addr);
	report(info.rip >= KERNEL_VMA, "faulting rip %#lx is in the kernel image", info.rip);
	/* the kernel goes on: a new thread runs and its stack came back */
	t = thread_create("after", alive, NULL, NULL, -1);
	err = t ? thread_join(t, &info, 10000000000UL) : ENOMEM;
	report(err == 0 && !info.killed && info.code == 42, "a thread runs after the fault (code %ld)",
	    err ? -1L : (long)info.code);
	report(pmm_used() == used, "pages used before=%lu after=%lu", used, pmm_used());
}

KTEST(fault_pf, "a thread touching an unmapped address dies with #PF, the kernel goes on")
{
	fault_test(BAD_USER_VA, X86_VEC_PF, true);
}

KTEST(fault_gp, "a thread touching a non-canonical address dies with #GP, the kernel goes on")
{
	fault_test(NONCANONICAL, X86_VEC_GP, false);
}

static volatile int deep_limit = 1 << 30;	/* far beyond any stack: overflow first */

static int
deep(int n)
{
	volatile char buf[256];
	buf[0] = (char)n;
	if (n >= deep_limit)
		return 0;
	return deep(n + 1) + buf[0];	/* not a tail call: every level keeps its frame */
}

static void
recurse(void *arg)
{
	thread_exit(deep(0));
}

KTEST(fault_stack, "a thread overflowing its stack hits the guard page, dies with #DF, the kernel goes on")
{
	uint64_t used = pmm_used();
	struct thread *t = thread_create("recurse", recurse, NULL, NULL, -1);
	struct thread_exit_info info;
	int err = t ? thread_join(t, &info, 10000000000UL) : ENOMEM;
	report(err == 0, "recursing thread ended: %s", err ? errno_name(err) : "ok");
	if (err)
		return;
	report(info.killed && info.vector == X86_VEC_DF, "killed by vector %d (want 8, #DF on the IST stack)", info.vector);
	t = thread_create("after", alive, NULL, NULL, -1);
	err = t ? thread_join(t, &info, 10000000000UL) : ENOMEM;
	report(err == 0 && !info.killed && info.code == 42, "a thread runs after the overflow");
	report(pmm_used() == used, "pages used before=%lu after=%lu", used, pmm_used());
}
