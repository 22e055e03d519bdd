/* cpu.h - per-CPU data (reached through GS base), GDT/TSS, LAPIC, IPIs, SMP. */
#ifndef CPU_H
#define CPU_H

#include "kern.h"
#include "spinlock.h"

#define MAX_CPUS	16

struct thread;

struct tss {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap;
} __attribute__((packed));

struct cpu {
	struct cpu	*self;		/* must be first: this_cpu() reads %gs:0 */
	int		 id;		/* 0..ncpus-1, 0 = BSP */
	uint32_t	 apic_id;
	bool		 bsp;
	volatile bool	 online;

	/* scheduler (sched.c); rq_lock protects rq, sleepers and thread states */
	struct thread	*cur;
	struct thread	*idle;
	spinlock_t	 rq_lock;
	struct thread	*rq_head, *rq_tail;
	struct thread	*sleepers;
	volatile int	 need_resched;
	/*
	 * The FS base last written to the FS_BASE MSR by the context switch on
	 * this CPU (DragonFly's gd_user_fs).  The switch writes the MSR only when
	 * the incoming thread's FS base differs; hv_os_cur_fs_base() returns it.
	 */
	uint64_t	 fs_base_cache;
	uint64_t	 ctx_switches;
	uint64_t	 ticks;

	/* call-function service (ipi.c) */
	spinlock_t	 call_lock;
	int		(*volatile call_fn)(void *);
	void		*volatile call_arg;
	volatile int	 call_ret;
	volatile int	 call_done;
	volatile uint64_t ipi_count;	/* VEC_KICK / VEC_CALL received */

	/* descriptors (gdt.c) */
	uint64_t	 gdt[7] __attribute__((aligned(16)));
	struct tss	 tss __attribute__((aligned(16)));
	void		*ist_stack;
	void		*idle_stack_base;	/* boot stack = idle thread stack */
};

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_TSS		0x18

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

extern struct cpu *cpus[MAX_CPUS];
extern int ncpus;			/* CPUs online */
extern int ncpus_found;			/* CPUs in the MADT */

/* gdt.c */
void	cpu_setup_descriptors(struct cpu *c);	/* GDT, TSS, GS base on this CPU */

/* xsave.c */
void	xsave_cpu_init(void);			/* every CPU: OSXSAVE, XCR0 x87|SSE|AVX if present */

/* apic.c */
void	lapic_init(uint64_t pa);		/* BSP: map the LAPIC */
void	lapic_cpu_init(void);			/* every CPU: enable, LVTs */
uint32_t lapic_id(void);
void	lapic_eoi(void);
int	lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);	/* 0 or ETIMEDOUT */
void	lapic_timer_start(uint32_t count, uint8_t vec, bool periodic);
uint32_t lapic_timer_current(void);
void	lapic_timer_set_divide16(void);

/* ipi.c */
void	ipi_init(void);
int	ipi_send(int cpu, uint8_t vec);		/* 0, EINVAL, ETIMEDOUT */
void	ipi_kick(int cpu);
/*
 * Run fn(arg) on CPU `cpu` with interrupts disabled and wait; *ret = fn's
 * result.  Waits at most timeout_ns (0 = forever).  0, EINVAL, ETIMEDOUT.
 */
int	cpu_call(int cpu, int (*fn)(void *), void *arg, int *ret, uint64_t timeout_ns);
int	cpu_ping(int cpu, uint64_t timeout_ns);	/* IPI answered? 0 or ETIMEDOUT */

/* acpi.c */
struct madt_cpu { uint32_t apic_id; };
int	acpi_init(void);		/* finds the MADT; fills acpi_cpus */
extern struct madt_cpu acpi_cpus[MAX_CPUS];
extern int acpi_ncpus;
extern uint64_t acpi_lapic_pa;

/* smp.c */
void	smp_init(void);			/* starts every AP in the MADT */

#endif
