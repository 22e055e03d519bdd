/*
 * hv_hostcheck.h - hw.vmm.hostcheck (hv/hostcheck.c): in test builds
 * (HV_HOSTCHECK, testkern), every item of host CPU state a guest could reach
 * without an exit (docs/ISOLATION.md) is read before the entry and compared
 * after the exit; a difference stops the VM with
 * "host state changed by guest: NAME before=0x... after=0x...".  Elsewhere
 * (vmm.ko) all of this is empty and the fast paths keep their budget.
 */
#ifndef HV_HOSTCHECK_H
#define HV_HOSTCHECK_H

#include "hv_backend.h"

#ifdef HV_HOSTCHECK
extern int hv_hostcheck;
int	 hv_hostcheck_publish(void);
/* cpu's snapshot is taken (hv_hostcheck_take) and not compared yet */
extern bool hv_hostcheck_armed[HV_MAX_CPUS];
void	 hv_hostcheck_take(int cpu);
int	 hv_hostcheck_compare(int cpu, struct hv_exit *ex);
/*
 * Pinned on cpu, before the first entry of a pinned stretch: reads the
 * host state when the check is on.  Returns the exits the backend may
 * handle pinned in a row (its world switch's HC_NOP loop and its C fast
 * path): `fast_max`, or none while the check is on, so that every exit
 * ends the stretch and is compared.  Inline: with the check off, a load
 * and a store per stretch.
 */
static inline int
hv_hostcheck_before(int cpu, int fast_max)
{
	if (__atomic_load_n(&hv_hostcheck, __ATOMIC_RELAXED) == 0) {
		hv_hostcheck_armed[cpu] = false;
		return fast_max;
	}
	hv_hostcheck_take(cpu);
	return 0;
}
/* Pinned on cpu, after the stretch's last exit: 0, or HV_EIO with *ex filled. */
static inline int
hv_hostcheck_after(int cpu, struct hv_exit *ex)
{
	return hv_hostcheck_armed[cpu] ? hv_hostcheck_compare(cpu, ex) : 0;
}
#else
static inline int hv_hostcheck_before(int cpu, int fast_max) { (void)cpu; return fast_max; }
static inline int hv_hostcheck_after(int cpu, struct hv_exit *ex) { (void)cpu; (void)ex; return 0; }
#endif

#endif /* HV_HOSTCHECK_H */
