/* trap.h - interrupt frame, IDT vectors and the #PF hook list. */
#ifndef TRAP_H
#define TRAP_H

#include "kern.h"

/* Layout pushed by boot/isr.asm (lowest address first). */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, err;
	uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_TIMER	32
#define VEC_CALL	0xf0	/* run a function on this CPU (ipi.c) */
#define VEC_KICK	0xf1	/* do nothing: wake from hlt / force a guest exit */
#define VEC_APIC_ERR	0xfe
#define VEC_SPURIOUS	0xff

void	idt_init(void);		/* build the shared IDT (BSP, once) */
void	idt_load(void);		/* lidt on this CPU */
const char *trap_name(uint64_t vec);	/* "#PF page fault" */
const char *trap_short(uint64_t vec);	/* "#PF" */
void	trap_dump(struct trapframe *tf);	/* decoded register dump */

/*
 * #PF hooks: every page fault first goes through the registered hooks, in
 * registration order.  A hook returns PF_HANDLED when it has fixed the fault
 * (it may change tf->rip/rax to resume elsewhere) and PF_CONTINUE otherwise.
 * Unhandled faults kill the faulting test thread (or panic).  Register with a
 * statically allocated struct; hooks are never removed.  copyin's recovery
 * hook is registered at boot: an observer that must also see the faults it
 * resolves registers with pf_hook_register_first().
 */
enum pf_result { PF_CONTINUE = 0, PF_HANDLED = 1 };
struct pf_hook {
	const char	*name;
	enum pf_result	(*fn)(struct trapframe *tf, uint64_t cr2, void *arg);
	void		*arg;
	struct pf_hook	*next;
};
void	pf_hook_register(struct pf_hook *h);		/* after the existing hooks */
void	pf_hook_register_first(struct pf_hook *h);	/* before them (observers) */

/* Interrupt handlers for vectors >= 32 (apic.c, ipi.c, timer.c register). */
typedef void (*irq_handler_t)(struct trapframe *tf);
void	irq_register(uint8_t vec, irq_handler_t fn);

#endif
