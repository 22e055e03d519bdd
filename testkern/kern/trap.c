/*
 * trap.c - exception and interrupt dispatch.  Exceptions print a decoded
 * dump; a fault in an ordinary thread (interrupts were on, not pinned, not
 * the idle thread) kills only that thread, anything else is a panic.  Page
 * faults first go through the registered #PF hooks (copyin recovery, ...).
 */
#include "trap.h"
#include "cpu.h"
#include "sched.h"
#include "console.h"
#include "mm.h"

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range exceeded", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 floating point", "#AC alignment check", "#MC machine check", "#XM SIMD floating point",
	"#VE virtualization exception", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27",
	"#HV hypervisor injection", "#VC VMM communication", "#SX security exception", "reserved 31",
};

static irq_handler_t irq_handlers[256];
static struct pf_hook *pf_hooks;
static spinlock_t pf_hook_lock = SPINLOCK_INIT;

static const char *const exc_short[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

/* Before every hook registered so far: for observers (fault counters,
 * storm detectors) that must see faults a later hook would resolve. */
void
pf_hook_register_first(struct pf_hook *h)
{
	uint64_t f = spin_lock(&pf_hook_lock);
	h->next = pf_hooks;
	__atomic_store_n(&pf_hooks, h, __ATOMIC_RELEASE);
	spin_unlock(&pf_hook_lock, f);
}

const char *
trap_short(uint64_t vec)
{
	return vec < 32 ? exc_short[vec] : "interrupt";
}

const char *
trap_name(uint64_t vec)
{
	if (vec < 32)
		return exc_names[vec];
	return "interrupt";
}

void
irq_register(uint8_t vec, irq_handler_t fn)
{
	irq_handlers[vec] = fn;
}

void
pf_hook_register(struct pf_hook *h)
{
	uint64_t f = spin_lock(&pf_hook_lock);
	h->next = NULL;
	struct pf_hook **pp = &pf_hooks;
	while (*pp)
		pp = &(*pp)->next;
	/* publish a fully built entry: readers walk the list without the lock */
	__atomic_store_n(pp, h, __ATOMIC_RELEASE);
	spin_unlock(&pf_hook_lock, f);
}

void
trap_dump(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->cur;
	uint64_t f = console_lock();
	if (tf->vector < 256)
		kprintf("  %s (vector %lu) err=%#lx cpu %d thread %d '%s'\n",
		    trap_name(tf->vector), tf->vector, tf->err, c->id, t ? t->tid : -1, t ? t->name : "boot");
	else	/* from panic(): rip is the caller of panic() */
		kprintf("  panic on cpu %d thread %d '%s'\n", c->id, t ? t->tid : -1, t ? t->name : "boot");
	kprintf("  rip=%016lx cs=%04lx rflags=%016lx rsp=%016lx ss=%04lx\n",
	    tf->rip, tf->cs, tf->rflags, tf->rsp, tf->ss);
	kprintf("  cr2=%016lx cr3=%016lx cr0=%016lx cr4=%016lx\n",
	    read_cr2(), read_cr3(), read_cr0(), read_cr4());
	kprintf("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
	kprintf("  r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
	kprintf("  r13=%016lx r14=%016lx r15=%016lx fs_base=%016lx\n", tf->r13, tf->r14, tf->r15,
	    rdmsr(X86_MSR_FS_BASE));
	if (t && t->stack) {
		/* frame-pointer walk (-fno-omit-frame-pointer), only inside this thread's stack */
		uint64_t lo = (uint64_t)t->stack, hi = lo + KSTACK_PAGES * PAGE_SIZE;
		uint64_t rbp = tf->rbp;
		kprintf("  trace: %016lx", tf->rip);
		for (int i = 0; i < 16 && rbp >= lo && rbp + 16 <= hi && !(rbp & 7); i++) {
			uint64_t ret = ((uint64_t *)rbp)[1];
			if (ret < KERNEL_VMA)
				break;
			kprintf(" %016lx", ret);
			rbp = ((uint64_t *)rbp)[0];
		}
		kprintf("\n");
	}
	console_unlock(f);
}

static void
exception(struct trapframe *tf)
{
	if (tf->vector == X86_VEC_PF) {
		uint64_t cr2 = read_cr2();
		for (struct pf_hook *h = __atomic_load_n(&pf_hooks, __ATOMIC_ACQUIRE); h;
		    h = __atomic_load_n(&h->next, __ATOMIC_ACQUIRE))
			if (h->fn(tf, cr2, h->arg) == PF_HANDLED)
				return;
	}
	if (tf->vector == X86_VEC_NMI) {
		kprintf("NMI on cpu %d (ignored)\n", this_cpu()->id);
		return;
	}
	struct thread *t = this_cpu()->cur;
	/*
	 * A #DF whose CR2 lies in the guard below the thread's stack is a stack
	 * overflow: the #PF could not push its frame (SDM 3A 7.15, #DF).  We run
	 * on the IST stack, so the thread can still be killed cleanly.
	 */
	bool overflow = tf->vector == X86_VEC_DF && t && !t->is_idle && t->stack &&
	    read_cr2() < (uint64_t)t->stack && read_cr2() >= (uint64_t)t->stack - KSTACK_GUARD;
	bool killable = t && !t->is_idle && t->pin == 0 && (tf->rflags & X86_RFLAGS_IF) &&
	    !panicking && (tf->vector != X86_VEC_DF || overflow) && tf->vector != X86_VEC_MC;
	if (!killable)
		panic_frame(tf, "%s in kernel context", trap_name(tf->vector));
	uint64_t f = console_lock();
	kprintf("FAULT: thread %d '%s' killed by %s%s\n", t->tid, t->name, trap_name(tf->vector),
	    overflow ? " (kernel stack overflow into the guard page)" : "");
	trap_dump(tf);
	console_unlock(f);
	thread_kill_current(tf);
}

void
trap_dispatch(struct trapframe *tf)
{
	if (tf->vector < 32) {
		exception(tf);
		return;
	}
	irq_handler_t h = irq_handlers[tf->vector];
	if (h)
		h(tf);
	/* the spurious vector is not in service: no EOI (SDM 3A 11.9) */
	if (tf->vector != VEC_SPURIOUS)
		lapic_eoi();
	sched_preempt_check(tf);
}
