/*
 * sched.c - kernel threads and per-CPU run queues.
 *
 * Scheduling is round robin per CPU: threads yield, block or sleep, and the
 * timer tick preempts a thread that is not pinned and had interrupts on.
 * A thread's saved context may be picked up by another CPU only after the
 * CPU that ran it has finished switching away (t->on_cpu == 0).
 * The switch keeps a per-CPU cache of the FS base last written to the
 * FS_BASE MSR and writes the MSR only when the incoming thread's FS base
 * differs (as DragonFly's switch code does with gd_user_fs).
 */
#include "sched.h"
#include "mm.h"
#include "trap.h"

#define STACK_CANARY	0x57ac4ca9a3757ac4UL
#define JOIN_DONE	((struct thread *)1)	/* t->joiner once t has finished */

struct thread *switch_to(uint64_t *save_rsp, uint64_t new_rsp, struct thread *prev);
extern char thread_trampoline[];

static volatile int next_tid = 1;
static volatile uint64_t nthreads;

static void
rq_push(struct cpu *c, struct thread *t)
{
	t->rq_next = NULL;
	if (c->rq_tail)
		c->rq_tail->rq_next = t;
	else
		c->rq_head = t;
	c->rq_tail = t;
}

static struct thread *
rq_pop(struct cpu *c)
{
	struct thread *t = c->rq_head;
	if (t) {
		c->rq_head = t->rq_next;
		if (!c->rq_head)
			c->rq_tail = NULL;
		t->rq_next = NULL;
	}
	return t;
}

/* sleepers: blocked threads with a deadline; linked through sleep_next */
static void
sleepers_remove(struct cpu *c, struct thread *t)
{
	for (struct thread **pp = &c->sleepers; *pp; pp = &(*pp)->sleep_next)
		if (*pp == t) {
			*pp = t->sleep_next;
			t->sleep_next = NULL;
			return;
		}
}

/* Idle threads' boot stacks have no guard page: a canary at the bottom. */
static void
check_stack(struct thread *t)
{
	if (t->is_idle && *(uint64_t *)t->stack != STACK_CANARY)
		panic("sched: stack overflow in thread %d '%s'", t->tid, t->name);
}

static void
finish_switch(struct thread *last)
{
	if (last->state == T_DEAD) {
		/* after on_cpu = 0 the joiner may free `last`: read first */
		struct thread *j = __atomic_exchange_n(&last->joiner, JOIN_DONE, __ATOMIC_ACQ_REL);
		__atomic_store_n(&last->on_cpu, 0, __ATOMIC_RELEASE);
		if (j && j != JOIN_DONE)
			thread_wakeup(j);
	} else {
		__atomic_store_n(&last->on_cpu, 0, __ATOMIC_RELEASE);
	}
}

/*
 * Pick the next thread of CPU c and switch to it.  Called with interrupts
 * off and c->rq_lock held; the lock is released here.  Returns (with
 * interrupts still off) when the calling thread runs again, maybe elsewhere.
 */
static void
schedule_locked(struct cpu *c)
{
	struct thread *prev = c->cur;
	if (prev->state == T_RUNNABLE && !prev->is_idle)
		rq_push(c, prev);
	struct thread *next = rq_pop(c);
	if (!next)
		next = c->idle;
	c->need_resched = 0;
	spin_unlock_raw(&c->rq_lock);
	if (next == prev)
		return;

	if (prev->state == T_MIGRATING) {
		struct cpu *to = prev->cpu;
		spin_lock_raw(&to->rq_lock);
		prev->state = T_RUNNABLE;
		rq_push(to, prev);
		spin_unlock_raw(&to->rq_lock);
		ipi_kick(to->id);
	}
	/* next may still be switching away on the CPU it came from */
	while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE))
		cpu_pause();
	next->on_cpu = 1;
	check_stack(prev);
	check_stack(next);
	c->cur = next;
	c->ctx_switches++;
	if (next->fs_base != c->fs_base_cache) {
		wrmsr(X86_MSR_FS_BASE, next->fs_base);
		c->fs_base_cache = next->fs_base;
	}
	if (read_cr3() != next->cr3)
		write_cr3(next->cr3);
	struct thread *last = switch_to(&prev->rsp, next->rsp, prev);
	finish_switch(last);
}

void
sched_init_cpu(struct cpu *c, void *boot_stack)
{
	struct thread *t = kmalloc(sizeof(*t));
	if (!t)
		panic("sched: out of memory");
	t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	ksnprintf(t->name, sizeof(t->name), "idle%d", c->id);
	t->state = T_RUNNABLE;
	t->cpu = c;
	t->on_cpu = 1;
	t->is_idle = true;
	t->cr3 = vm_kernel_cr3();
	t->stack = boot_stack;
	*(uint64_t *)boot_stack = STACK_CANARY;
	c->idle = c->cur = t;
}

void
sched_idle_loop(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		cli();
		if (c->rq_head) {
			spin_lock_raw(&c->rq_lock);
			schedule_locked(c);
			continue;
		}
		/* sti takes effect after hlt starts: no wakeup is lost in between */
		__asm__ __volatile__("sti; hlt" ::: "memory");
	}
}

void thread_start(struct thread *prev, void (*fn)(void *), void *arg);
void
thread_start(struct thread *prev, void (*fn)(void *), void *arg)
{
	finish_switch(prev);
	sti();
	fn(arg);
	thread_exit(0);
}

struct thread *
thread_create(const char *name, void (*fn)(void *), void *arg,
    struct proc *p, int cpu)
{
	struct cpu *c = cpu < 0 ? NULL : (cpu < ncpus ? cpus[cpu] : NULL);
	if (cpu >= 0 && (!c || !c->online))
		return NULL;
	struct thread *t = kmalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->stack = kstack_alloc();
	if (!t->stack) {
		kfree(t);
		return NULL;
	}
	t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	strlcpy(t->name, name, sizeof(t->name));
	t->proc = p;
	if (p)
		proc_hold(p);
	t->test_gen = curthread()->test_gen;
	t->cr3 = p ? p->cr3 : vm_kernel_cr3();

	/* initial frame popped by switch_to: r15 r14 r13 r12 rbx rbp, ret */
	uint64_t *sp = (uint64_t *)((char *)t->stack + KSTACK_PAGES * PAGE_SIZE - 72);
	sp[0] = 0;			/* r15 */
	sp[1] = 0;			/* r14 */
	sp[2] = (uint64_t)arg;		/* r13 */
	sp[3] = (uint64_t)fn;		/* r12 */
	sp[4] = 0;			/* rbx */
	sp[5] = 0;			/* rbp */
	sp[6] = (uint64_t)thread_trampoline;
	t->rsp = (uint64_t)sp;
	__atomic_fetch_add(&nthreads, 1, __ATOMIC_RELAXED);

	uint64_t f = irq_save();
	if (!c)
		c = this_cpu();
	t->cpu = c;
	t->state = T_RUNNABLE;
	spin_lock_raw(&c->rq_lock);
	rq_push(c, t);
	spin_unlock_raw(&c->rq_lock);
	if (c != this_cpu())
		ipi_kick(c->id);
	irq_restore(f);
	return t;
}

void
thread_exit(int64_t code)
{
	cli();
	struct cpu *c = this_cpu();
	struct thread *t = c->cur;
	if (t->is_idle)
		panic("thread_exit on the idle thread");
	t->pin = 0;
	t->exit_code = code;
	spin_lock_raw(&c->rq_lock);
	t->state = T_DEAD;
	schedule_locked(c);
	panic("dead thread %d ran again", t->tid);
}

void
thread_kill_current(struct trapframe *tf)
{
	struct thread *t = curthread();
	t->killed = true;
	t->kill_vector = (int)tf->vector;
	t->kill_err = tf->err;
	t->kill_rip = tf->rip;
	t->kill_cr2 = tf->vector == 14 ? read_cr2() : 0;
	thread_exit(-1);
}

/* Block until a wakeup or (deadline != 0) until time_ns() >= deadline. */
static void
block_until(uint64_t deadline)
{
	uint64_t f = irq_save();
	struct cpu *c = this_cpu();
	struct thread *t = c->cur;
	spin_lock_raw(&c->rq_lock);
	if (t->wake_pending) {
		t->wake_pending = 0;
		spin_unlock_raw(&c->rq_lock);
		irq_restore(f);
		return;
	}
	if (t->pin || t->is_idle || !(f & X86_RFLAGS_IF))
		panic("thread %d '%s' blocks while pinned, idle or with interrupts off", t->tid, t->name);
	t->state = T_BLOCKED;
	t->wake_at = deadline;
	if (deadline) {
		t->sleep_next = c->sleepers;
		c->sleepers = t;
	}
	schedule_locked(c);
	irq_restore(f);
}

void
thread_wakeup(struct thread *t)
{
	uint64_t f = irq_save();
	for (;;) {
		struct cpu *c = t->cpu;
		spin_lock_raw(&c->rq_lock);
		if (t->cpu != c) {		/* migrated meanwhile */
			spin_unlock_raw(&c->rq_lock);
			continue;
		}
		bool kick = false;
		if (t->state == T_BLOCKED) {
			if (t->wake_at)
				sleepers_remove(c, t);
			t->wake_at = 0;
			t->state = T_RUNNABLE;
			rq_push(c, t);
			kick = c != this_cpu();
		} else {
			t->wake_pending = 1;
		}
		spin_unlock_raw(&c->rq_lock);
		if (kick)
			ipi_kick(c->id);
		break;
	}
	irq_restore(f);
}

void
thread_sleep_ns(uint64_t ns)
{
	uint64_t deadline = time_ns() + ns;
	struct thread *t = curthread();
	if (t->pin || t->is_idle || !(read_rflags() & X86_RFLAGS_IF)) {
		delay_ns(ns);		/* cannot switch away: busy wait */
		return;
	}
	while (time_ns() < deadline)
		block_until(deadline);
}

void
thread_yield(void)
{
	uint64_t f = irq_save();
	struct cpu *c = this_cpu();
	/* pinned, or interrupts were off (a spinlock may be held): no switch */
	if (c->cur->pin || !(f & X86_RFLAGS_IF)) {
		irq_restore(f);
		return;
	}
	spin_lock_raw(&c->rq_lock);
	schedule_locked(c);
	irq_restore(f);
}

int
thread_join(struct thread *t, struct thread_exit_info *info, uint64_t timeout_ns)
{
	struct thread *me = curthread();
	if (!t || t == me)
		return EINVAL;
	uint64_t deadline = timeout_ns ? time_ns() + timeout_ns : 0;
	struct thread *expect = NULL;
	if (__atomic_compare_exchange_n(&t->joiner, &expect, me, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&t->joiner, __ATOMIC_ACQUIRE) != JOIN_DONE) {
			if (deadline && time_ns() >= deadline) {
				expect = me;
				if (__atomic_compare_exchange_n(&t->joiner, &expect, NULL, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
					return ETIMEDOUT;
				break;		/* it finished just now */
			}
			block_until(deadline);
		}
	} else if (expect != JOIN_DONE) {
		return EBUSY;			/* someone else joins it */
	}
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		cpu_pause();
	if (info) {
		info->killed = t->killed;
		info->vector = t->kill_vector;
		info->err = t->kill_err;
		info->rip = t->kill_rip;
		info->cr2 = t->kill_cr2;
		info->code = t->exit_code;
	}
	if (t->proc)
		proc_release(t->proc);
	kstack_free(t->stack);
	kfree(t);
	__atomic_fetch_sub(&nthreads, 1, __ATOMIC_RELAXED);
	return 0;
}

int
thread_migrate(int cpu)
{
	if (cpu < 0 || cpu >= ncpus || !cpus[cpu] || !cpus[cpu]->online)
		return EINVAL;
	uint64_t f = irq_save();
	struct cpu *c = this_cpu();
	struct thread *t = c->cur;
	if (t->pin || t->is_idle) {
		irq_restore(f);
		return EBUSY;
	}
	if (c->id != cpu) {
		spin_lock_raw(&c->rq_lock);
		t->cpu = cpus[cpu];
		t->state = T_MIGRATING;
		schedule_locked(c);	/* the switch puts us on the target's queue */
	}
	irq_restore(f);
	return 0;
}

void
thread_set_fs_base(uint64_t base)
{
	uint64_t f = irq_save();
	struct cpu *c = this_cpu();
	c->cur->fs_base = base;
	wrmsr(X86_MSR_FS_BASE, base);
	c->fs_base_cache = base;
	irq_restore(f);
}

void
thread_vmspace_switch(struct proc *p)
{
	if (p)
		proc_hold(p);
	uint64_t f = irq_save();
	struct thread *t = curthread();
	struct proc *old = t->proc;
	t->proc = p;
	t->cr3 = p ? p->cr3 : vm_kernel_cr3();
	write_cr3(t->cr3);
	irq_restore(f);
	/* only now: the old page tables are no longer in use here */
	if (old)
		proc_release(old);
}

void
sched_pin(void)
{
	curthread()->pin++;
}

void
sched_unpin(void)
{
	struct thread *t = curthread();
	if (t->pin <= 0)
		panic("sched_unpin: thread %d is not pinned", t->tid);
	/*
	 * Leaving the last critical section is a preemption point: a tick that
	 * arrived while pinned (e.g. the interrupt that ended a VM entry) only
	 * set need_resched.
	 */
	if (--t->pin == 0 && this_cpu()->need_resched && (read_rflags() & X86_RFLAGS_IF))
		thread_yield();
}

void
sched_tick(void)
{
	struct cpu *c = this_cpu();
	spin_lock_raw(&c->rq_lock);
	uint64_t now = time_ns();
	for (struct thread **pp = &c->sleepers; *pp;) {
		struct thread *t = *pp;
		if (t->wake_at <= now) {
			*pp = t->sleep_next;
			t->sleep_next = NULL;
			t->wake_at = 0;
			t->state = T_RUNNABLE;
			rq_push(c, t);
		} else {
			pp = &t->sleep_next;
		}
	}
	if (c->rq_head)
		c->need_resched = 1;	/* time slice over: round robin */
	spin_unlock_raw(&c->rq_lock);
}

void
sched_preempt_check(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	if (!c->need_resched || !(tf->rflags & X86_RFLAGS_IF) || c->cur->pin || panicking)
		return;
	if (!c->idle)
		return;			/* scheduler not set up on this CPU yet */
	spin_lock_raw(&c->rq_lock);
	schedule_locked(c);
}

uint64_t
threads_alive(void)
{
	return __atomic_load_n(&nthreads, __ATOMIC_RELAXED);
}
