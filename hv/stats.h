/*
 * stats.h - hv's counters, published read-only as hw.vmm.stats.<name>.
 * One list; add a counter by adding one X() line.
 */
#ifndef HV_STATS_H
#define HV_STATS_H

#include <stdint.h>

#define HV_STATS_LIST(X)						\
	X(exits,		"VM exits (all reasons)")			\
	X(exits_other,		"VM exits with a reason the name table lacks")	\
	X(entries,		"VM entries (hv_pre_entry)")			\
	X(nested_faults,	"nested page faults resolved")		\
	X(nested_fault_errors,	"nested page faults outside guest memory")	\
	X(pages_backed,		"guest pages backed with a new zeroed page")	\
	X(pageins,		"paged-out guest pages restored")		\
	X(pageouts,		"guest pages paged out")			\
	X(inval_local,		"invalidations needing no other CPU")		\
	X(inval_ipi,		"invalidations that interrupted other CPUs")	\
	X(ipis_sent,		"IPIs sent to force a guest exit")		\
	X(inval_timeouts,	"invalidations where a CPU did not exit in time") \
	X(nested_flushes,	"nested TLB flushes at entry (generation moved)") \
	X(copyin_faults,	"copyin family accesses that gave EFAULT")	\
	X(hypercalls,		"hypercalls")					\
	X(hypercalls_host,	"hypercalls passed to the host")		\
	X(hypercall_errors,	"hypercalls with a bad number or argument")	\
	X(hypercalls_user_refused, "hypercalls from CPL 3 the VM does not allow (#UD)") \
	X(syscalls_emulated,	"SYSCALLs of an AMD guest done where the Intel CPU raised #UD") \
	X(guest_errors,		"runs that ended with HV_EXIT_ERROR")		\
	X(machine_checks,	"machine checks during guest runs, given to the host") \
	X(ratelog,		"rate-limited messages (printed or not)")	\
	X(ratelog_dropped,	"rate-limited messages not printed")		\
	X(serial_bytes,		"bytes the guests wrote to COM1")		\
	X(console_lines,	"guest lines printed on the console")		\
	X(console_lines_dropped, "guest lines dropped: over their VM's budget") \
	X(console_lines_cut,	"guest lines cut at the length limit")		\
	X(console_bytes_dropped, "guest characters not printed (dropped or cut)") \
	X(apic_accesses,	"guest local APIC register accesses emulated")	\
	X(irqs_queued,		"external interrupts queued (hv_vcpu_inject_irq)") \
	X(irqs_merged,		"interrupts queued while already pending (one delivery)") \
	X(irq_kicks,		"IPIs sent so a running vCPU takes a queued interrupt") \
	X(irqs_injected,	"queued interrupts injected at a VM entry")	\
	X(irq_windows,		"exits when the guest became interruptible (window/VINTR)") \
	X(apic_irqs_injected,	"local APIC interrupts injected (IRR to ISR)")	\
	X(nmis_injected,	"NMIs the local APIC sent, injected")		\
	X(nmi_windows,		"exits when the guest stopped blocking NMIs")

struct hv_stats {
#define HV_STATS_FIELD(name, descr) uint64_t name;
	HV_STATS_LIST(HV_STATS_FIELD)
#undef HV_STATS_FIELD
};

extern struct hv_stats hv_stats;

#define HV_STAT(name)		(hv_stats.name)
/* Counters are bumped from several CPUs at once. */
#define HV_STAT_ADD(name, n)	\
	((void)__atomic_fetch_add(&hv_stats.name, (uint64_t)(n), __ATOMIC_RELAXED))
#define HV_STAT_INC(name)	HV_STAT_ADD(name, 1)

/* Publish hw.vmm.stats.* (hv_init); 0 or HV_E*. */
int	 hv_stats_publish(void);

/*
 * Exits by reason, hw.vmm.stats.exit.<name>.  A backend calls
 * hv_stats_exits_init() once from its probe() with its name function
 * (hv_vmx_exit_name / a wrapper of hv_svm_exit_name) and the number of
 * reasons to count (0..n-1); reasons without a name are not published.
 * hv_stats_exit(reason) is then called once per VM exit (any context): it
 * bumps exits and the per-reason counter (exits_other beyond n or unnamed).
 * A second init before hv_fini() is refused (HV_EBUSY).
 */
int	 hv_stats_exits_init(const char *(*name)(uint64_t reason), unsigned n);
extern unsigned hv_exit_n;		/* reasons counted (0 before init) */
extern uint64_t **hv_exit_ctr;		/* [hv_exit_n]: the counter of each */
/* count exits of one reason at once (a backend's HC_NOP loop); inline:
 * every exit counts */
static inline void
hv_stats_exits(uint64_t reason, uint64_t count)
{
	unsigned n = __atomic_load_n(&hv_exit_n, __ATOMIC_ACQUIRE);

	HV_STAT_ADD(exits, count);
	__atomic_fetch_add(reason < n ? hv_exit_ctr[reason] :
	    &hv_stats.exits_other, count, __ATOMIC_RELAXED);
}
static inline void
hv_stats_exit(uint64_t reason)
{
	hv_stats_exits(reason, 1);
}
void	 hv_stats_fini(void);	/* hv_fini: frees the per-reason tables */

#endif /* HV_STATS_H */
