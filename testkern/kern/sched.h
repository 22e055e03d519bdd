/*
 * sched.h - kernel threads, per-CPU run queues, host "processes".
 *
 * Threads run in ring 0.  A thread that belongs to a process runs on its CR3
 * and reaches the process's user range (the lower half) with copyin/copyout.
 */
#ifndef SCHED_H
#define SCHED_H

#include "kern.h"
#include "cpu.h"

enum thread_state {
	T_RUNNABLE,	/* on a run queue or running */
	T_BLOCKED,	/* waiting for thread_wakeup() */
	T_MIGRATING,	/* leaving its CPU for t->cpu (transient) */
	T_DEAD,		/* exited or killed; thread_join() frees it */
};

struct proc;

struct thread {
	uint64_t	 rsp;		/* saved by switch_to */
	int		 tid;
	char		 name[24];
	volatile enum thread_state state;
	struct cpu	*cpu;		/* CPU whose run queue owns it */
	volatile int	 on_cpu;	/* context not yet saved: do not run elsewhere */
	volatile int	 wake_pending;
	int		 pin;		/* hv_os_pin() nesting: no switch, no migration */
	uint64_t	 fs_base;	/* loaded into FS_BASE when switched in */
	uint64_t	 cr3;
	struct proc	*proc;		/* NULL: kernel address space */
	void		*stack;		/* lowest address of the stack (kstack.c) */
	uint64_t	 wake_at;	/* sleep deadline (ns) */
	struct thread	*rq_next;	/* run queue / sleepers link */
	struct thread	*sleep_next;	/* cpu->sleepers link */
	struct thread	*volatile joiner;
	bool		 is_idle;
	uint32_t	 test_gen;	/* test run that created it (inherited), see ktest.c */
	/* how it ended */
	bool		 killed;
	int		 kill_vector;	/* exception that killed it */
	uint64_t	 kill_err, kill_rip, kill_cr2;
	int64_t		 exit_code;
};

struct thread_exit_info {
	bool	 killed;
	int	 vector;		/* exception vector when killed */
	uint64_t err, rip, cr2;
	int64_t	 code;			/* thread_exit() value otherwise */
};

static inline struct thread *curthread(void) { return this_cpu()->cur; }

void	 sched_init_cpu(struct cpu *c, void *boot_stack);	/* boot context -> idle thread */
void	 sched_idle_loop(void) __attribute__((noreturn));
/*
 * New thread running fn(arg) on CPU `cpu` (-1: the caller's CPU), in process
 * p's address space (NULL: kernel only; a reference is taken).  Started at
 * once.  Must be reaped with thread_join().
 */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg,
	    struct proc *p, int cpu);
void	 thread_exit(int64_t code) __attribute__((noreturn));
void	 thread_kill_current(struct trapframe *tf) __attribute__((noreturn));
/* Wait for t to end (timeout_ns 0 = forever) and free it.  0 or ETIMEDOUT
 * (then t is left alive and not freed). */
int	 thread_join(struct thread *t, struct thread_exit_info *info, uint64_t timeout_ns);
void	 thread_yield(void);
void	 thread_sleep_ns(uint64_t ns);
void	 thread_wakeup(struct thread *t);
/* Move the current thread to CPU `cpu`; returns there.  0, EINVAL, EBUSY (pinned). */
int	 thread_migrate(int cpu);
/* Set the current thread's FS base (its TLS pointer); loaded now. */
void	 thread_set_fs_base(uint64_t base);
/* Switch the current thread to process p's address space (NULL = kernel
 * only) and load its CR3 now: the vmspace_ctl analogue. */
void	 thread_vmspace_switch(struct proc *p);
void	 sched_pin(void);
void	 sched_unpin(void);
void	 sched_tick(void);			/* timer interrupt */
void	 sched_preempt_check(struct trapframe *tf);
uint64_t threads_alive(void);

/* proc.c */
struct proc {
	int		 pid;
	char		 name[24];
	uint64_t	*pml4;		/* direct-map VA */
	uint64_t	 cr3;
	volatile int	 refs;
	uint64_t	 user_pages;	/* pages mapped in the user range */
	spinlock_t	 lock;		/* protects the page tables */
};
struct proc *proc_create(const char *name);	/* NULL if out of memory */
void	 proc_hold(struct proc *p);
void	 proc_release(struct proc *p);	/* the last release frees everything */
/* Map n fresh zeroed pages at user VA va (page aligned).  0, EINVAL, EEXIST, ENOMEM. */
int	 proc_map_anon(struct proc *p, uint64_t va, size_t n);
uint64_t proc_translate(struct proc *p, uint64_t va);	/* PA or ~0 */

/* copyin.c: the current thread's user range; 0 or EFAULT. */
void	 copyin_init(void);
int	 copyin(uint64_t uaddr, void *kdst, size_t len);
int	 copyout(const void *ksrc, uint64_t uaddr, size_t len);
/* Copies up to max bytes including the NUL; *done = bytes copied incl. NUL.
 * ENAMETOOLONG if no NUL within max, EFAULT on a bad address. */
int	 copyinstr(uint64_t uaddr, char *kdst, size_t max, size_t *done);

/* timer.c */
void	 timer_calibrate(void);		/* BSP: TSC and LAPIC timer vs the PIT */
void	 timer_cpu_start(void);		/* every CPU: periodic tick */
uint64_t time_ns(void);			/* monotonic ns since boot */
void	 delay_ns(uint64_t ns);		/* busy wait */
extern uint64_t tsc_hz, lapic_hz;
#define HZ	100

#endif
