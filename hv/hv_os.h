/*
 * hv_os.h - the only way hv/ reaches its host.
 *
 * hv/ is built into two hosts from the same files: testkern
 * (testkern/kern/hv_host.c implements this header) and the DragonFly module
 * (hv/dragonfly/hv_os_dfly.c).
 * Nothing else in hv/ may include a host header.  Fixed-width types come from
 * <stdint.h>/<stddef.h>/<stdbool.h>: the compiler's freestanding headers under
 * testkern, forwarding headers in hv/dragonfly/include under DragonFly.
 *
 * Context rules: every function is called from thread context, interrupts
 * enabled, unless it says otherwise.  The backends handle exits while pinned
 * (hv_os_pin: the VMCS/VMCB is current on this CPU), and nested faults back
 * guest pages from there, so the allocation functions may be called pinned:
 * they may sleep but must not move the thread to another CPU (DragonFly:
 * blocking inside crit_enter() is allowed and keeps the LWKT thread on its
 * CPU).  hv_os_ipi() and hv_os_cpu_id() may also be called with interrupts
 * disabled.
 */
#ifndef HV_OS_H
#define HV_OS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define HV_PAGE_SIZE	4096UL
#define HV_PAGE_SHIFT	12
#define HV_PAGE_MASK	(HV_PAGE_SIZE - 1)

/* Host error numbers used by hv/ (the values are the BSD ones). */
#define HV_EPERM	1
#define HV_ENOENT	2
#define HV_EIO		5
#define HV_ENOMEM	12
#define HV_EFAULT	14
#define HV_EBUSY	16
#define HV_EEXIST	17
#define HV_ENODEV	19
#define HV_EINVAL	22
#define HV_ENOSPC	28
#define HV_ERANGE	34
#define HV_ETIMEDOUT	60
#define HV_ENAMETOOLONG	63
#define HV_ENOTSUP	45

/* ---- memory ------------------------------------------------------------ */

/* One zeroed, 4 KiB-aligned page of wired kernel memory, or NULL. */
void	*hv_os_page_alloc(void);
void	 hv_os_page_free(void *va);

/* npages physically contiguous zeroed pages, 4 KiB aligned, or NULL. */
void	*hv_os_contig_alloc(size_t npages);
void	 hv_os_contig_free(void *va, size_t npages);

/* Zeroed small allocation (kmalloc M_ZERO on DragonFly), or NULL. */
void	*hv_os_malloc(size_t size);
void	 hv_os_free(void *p);

/* Translation of wired kernel memory; phys_to_virt uses the direct map. */
uint64_t hv_os_virt_to_phys(const void *va);
void	*hv_os_phys_to_virt(uint64_t pa);

/* ---- CPUs ---------------------------------------------------------------- */

int	 hv_os_ncpus(void);		/* CPUs online, ids 0..n-1 */
int	 hv_os_cpu_id(void);		/* the CPU we run on (caller pinned) */

/*
 * Run fn(arg) on CPU `cpu` and wait for it; returns fn's result.  fn runs
 * with interrupts disabled and must not sleep.
 */
int	 hv_os_on_cpu(int cpu, int (*fn)(void *arg), void *arg);

/*
 * Interrupt CPU `cpu`.  The handler does nothing: the only purpose is to
 * force a guest running there to exit (TLB shootdown, kick).
 */
void	 hv_os_ipi(int cpu);

/*
 * Keep the current thread on this CPU and stop the scheduler from switching
 * away (a critical section).  Nests.  VM entry runs inside one.
 */
void	 hv_os_pin(void);
void	 hv_os_unpin(void);

/* Let other runnable threads of this CPU go first (unpinned; wait loops). */
void	 hv_os_yield(void);

/*
 * A machine check arrived while a guest ran on this CPU (the #MC intercept /
 * exit, or a VM entry that failed on one): it is the host's, never the
 * guest's.  Run the host's own #MC handling as if the host had taken it
 * here.  Called pinned on that CPU right after the exit, interrupts
 * possibly off; it returns only if the host recovered.
 */
void	 hv_os_machine_check(void);

/* ---- the running thread -------------------------------------------------- */

/*
 * The CR3 the current thread runs on right now.  A thread's address space can
 * change between two VM entries (DragonFly's vmspace_ctl), so the value must
 * be asked for at every entry, never cached (the 2013 stale-host-CR3 bug).
 */
uint64_t hv_os_cur_cr3(void);

/*
 * The FS base that the host's context-switch code believes is loaded in the
 * FS_BASE MSR on this CPU (DragonFly: mdcpu->gd_user_fs).  A VM exit loads
 * FS base from the VMCS host area, so that area must hold this value at every
 * entry, or the cache lies (the 2013 zero-FS-base bug).  Called pinned.
 */
uint64_t hv_os_cur_fs_base(void);

/* ---- time and logging -------------------------------------------------- */

uint64_t hv_os_time_ns(void);		/* monotonic nanoseconds since boot */

/* printf-style console output; %s %d %u %x %lx %lu %ld %llx %p %c %% supported. */
void	 hv_os_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- sysctl ------------------------------------------------------------- */

enum hv_sysctl_type {
	HV_SYSCTL_INT,		/* int */
	HV_SYSCTL_U32,		/* uint32_t */
	HV_SYSCTL_U64,		/* uint64_t */
	HV_SYSCTL_STRING,	/* const char * (read-only) */
};

/*
 * One leaf of the hw.vmm tree.  `name` is the full dotted name
 * ("hw.vmm.vmx.revision"); the host creates missing interior nodes.  `ptr`
 * points at a variable of exactly `type`.  A leaf with `set` is writable: the
 * host parses the new value and calls set(leaf, value); set returns 0 or an
 * HV_E* error which the host returns to the writer.  The variable is not
 * written by the host.
 */
struct hv_sysctl {
	const char		*name;
	const char		*descr;
	enum hv_sysctl_type	 type;
	void			*ptr;
	int			(*set)(const struct hv_sysctl *leaf, uint64_t value);
};

int	 hv_os_sysctl_add(const struct hv_sysctl *leaf);	/* 0 or HV_E* */
void	 hv_os_sysctl_remove_all(void);	/* drop every leaf hv added */

#endif /* HV_OS_H */
