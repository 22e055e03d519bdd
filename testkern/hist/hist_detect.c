/*
 * hist_detect.c - the copyin fault-storm detector and the TLS checker.
 *
 * Fault storm (report of 10 Aug 2013): with a stale HOST_CR3 the host resumes after a VM
 * exit on another address space's page tables.  copyin then faults on a VA
 * that is mapped in the thread's own address space, the fault is
 * "resolved" (nothing to do: the mapping is there) and retried, and it
 * faults again at the same VA until something reloads CR3.  This observer
 * runs before copyin's own hook, counts repeated faults at one page while
 * that page is mapped in the thread's process and CR3 is not the process's,
 * and after STORM_LIMIT of them names the symptom and ends that copy with
 * EFAULT, so the host goes on.
 */
#include "hist.h"
#include "sched.h"
#include "mm.h"
#include "trap.h"
#include "cpu.h"
#include "sysctl.h"
#include "x86.h"
#include "spinlock.h"
#include <stdarg.h>

extern char copyuser_begin[], copyuser_end[], copyuser_fault[];

uint64_t copyin_retries, copyin_storms, fs_mismatches;
int free_quarantine;
uint64_t quarantined;

static spinlock_t symptom_lock = SPINLOCK_INIT;
static char symptom[160];

/* Print a symptom line and keep it for hist_symptom(). */
static void __attribute__((format(printf, 1, 2)))
say_symptom(const char *fmt, ...)
{
	char line[sizeof(symptom)];
	va_list ap;
	uint64_t f;

	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kprintf("%s\n", line);
	f = spin_lock(&symptom_lock);
	strlcpy(symptom, line, sizeof(symptom));
	spin_unlock(&symptom_lock, f);
}

void
hist_symptom(char *buf, size_t len)
{
	uint64_t f = spin_lock(&symptom_lock);

	strlcpy(buf, symptom, len);
	spin_unlock(&symptom_lock, f);
}

struct storm_state {
	struct thread	*t;
	uint64_t	 page;
	uint64_t	 n;
	uint64_t	 last_ns;
};
static struct storm_state storm[MAX_CPUS];

/* A pause this long between two faults means they are not one storm. */
#define STORM_GAP_NS	10000000ull

static enum pf_result
storm_pf(struct trapframe *tf, uint64_t cr2, void *arg)
{
	struct thread *t = curthread();
	struct storm_state *s = &storm[this_cpu()->id];
	uint64_t now = time_ns(), cr3 = read_cr3();

	if (tf->rip < (uint64_t)copyuser_begin || tf->rip >= (uint64_t)copyuser_end ||
	    cr2 >= USER_TOP || t->proc == NULL || (tf->err & 1) != 0 ||
	    proc_translate(t->proc, cr2) == ~0UL)
		return PF_CONTINUE;	/* not a fault copyin would retry */
	if (s->t != t || s->page != (cr2 & ~0xfffUL) || now - s->last_ns > STORM_GAP_NS) {
		s->t = t;
		s->page = cr2 & ~0xfffUL;
		s->n = 0;
	}
	s->last_ns = now;
	if (++s->n < STORM_LIMIT || cr3 == t->proc->cr3)
		return PF_CONTINUE;
	say_symptom("copyin fault storm: va=0x%lx cr3=0x%lx expected=0x%lx "
	    "(%lu faults, copy aborted with EFAULT)", (unsigned long)cr2,
	    (unsigned long)cr3, (unsigned long)t->proc->cr3, (unsigned long)s->n);
	__atomic_add_fetch(&copyin_storms, 1, __ATOMIC_RELAXED);
	s->n = 0;
	tf->rip = (uint64_t)copyuser_fault;
	return PF_HANDLED;
}

static struct pf_hook storm_hook = { "copyin-storm", storm_pf, NULL, NULL };

static const struct hv_sysctl leaves[] = {
	{ "kern.copyin_retries", "copyin faults retried (VA mapped in the thread's "
	    "address space)", HV_SYSCTL_U64, &copyin_retries, NULL },
	{ "kern.copyin_storms", "copyin fault storms detected and aborted",
	    HV_SYSCTL_U64, &copyin_storms, NULL },
	{ "kern.fs_mismatches", "TLS checks that found a wrong FS base",
	    HV_SYSCTL_U64, &fs_mismatches, NULL },
	{ "kern.free_quarantine", "1: memory hv frees is kept, never reused (a "
	    "stale user reads the dead object, not someone else's)", HV_SYSCTL_INT,
	    &free_quarantine, sysctl_store },
	{ "kern.quarantined", "hv frees kept by kern.free_quarantine",
	    HV_SYSCTL_U64, &quarantined, NULL },
};

void
hist_detect_init(void)
{
	pf_hook_register_first(&storm_hook);
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++)
		if (sysctl_add(&leaves[i], false))
			panic("sysctl: cannot add %s", leaves[i].name);
}

bool
tls_check(const char *name, uint64_t expected)
{
	uint64_t got, self;

	/* interrupts off: a switch in between would reload FS_BASE and hide
	 * exactly the state being checked */
	uint64_t f = irq_save();
	got = rdmsr(X86_MSR_FS_BASE);
	if (got == expected)
		__asm__ __volatile__("movq %%fs:0, %0" : "=r"(self));
	irq_restore(f);
	if (got != expected) {
		say_symptom("fs base mismatch: thread=%s expected=0x%lx got=0x%lx",
		    name, (unsigned long)expected, (unsigned long)got);
		__atomic_add_fetch(&fs_mismatches, 1, __ATOMIC_RELAXED);
		return false;
	}
	if (self != expected) {
		say_symptom("fs base mismatch: thread=%s expected=0x%lx got=0x%lx "
		    "(%%fs:0)", name, (unsigned long)expected, (unsigned long)self);
		__atomic_add_fetch(&fs_mismatches, 1, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

bool
quarantine_keep(void *p)
{
	if (!__atomic_load_n(&free_quarantine, __ATOMIC_SEQ_CST))
		return false;
	__atomic_add_fetch(&quarantined, 1, __ATOMIC_RELAXED);
	return true;
}
