/*
 * copyin_dispatch.c - the per-address-space copy dispatch
 * (copyin_dispatch.h).  The std_copyin_on_guest quirk sends guest pointers
 * to the std routines, as DragonFly's copyin did before the EPT variants
 * existed (report of 2 Sep 2013): a guest-virtual address read as if it
 * were one of the host thread's own.
 */
#include "copyin_dispatch.h"
#include "sched.h"
#include "hv.h"
#include "hv_quirk.h"

static bool
is_guest(const struct uspace *us)
{
	return us->vcpu != NULL && !HV_QUIRK(std_copyin_on_guest);
}

int
us_copyin(const struct uspace *us, uint64_t va, void *dst, size_t len)
{
	if (is_guest(us))
		return hv_copyin(us->vcpu, va, dst, len);	/* HV_E* == errno */
	return copyin(va, dst, len);
}

int
us_copyinstr(const struct uspace *us, uint64_t va, char *dst, size_t max,
    size_t *done)
{
	if (is_guest(us))
		return hv_copyinstr(us->vcpu, va, dst, max, done);
	return copyinstr(va, dst, max, done);
}
