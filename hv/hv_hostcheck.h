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
/*
 * Pinned, before the first entry of a pinned stretch: reads the host state
 * when the check is on.  Returns the exits the backend may handle pinned in
 * a row (its world switch's HC_NOP loop and its C fast path): `fast_max`, or
 * none while the check is on, so that every exit ends the stretch and is
 * compared.
 */
int	 hv_hostcheck_before(int fast_max);
/* Pinned, after the stretch's last exit: 0, or HV_EIO with *ex filled. */
int	 hv_hostcheck_after(struct hv_exit *ex);
#else
static inline int hv_hostcheck_before(int fast_max) { return fast_max; }
static inline int hv_hostcheck_after(struct hv_exit *ex) { (void)ex; return 0; }
#endif

#endif /* HV_HOSTCHECK_H */
