/*
 * copyin_dispatch.h - copyin by address space, as DragonFly dispatches it
 * through the pmap (report of 2 Sep 2013): a host process's pointers go to
 * the std routines (copyin.c), a guest's to the guest-page-table walk of the
 * hv copyin family.
 */
#ifndef COPYIN_DISPATCH_H
#define COPYIN_DISPATCH_H

#include "kern.h"

struct hv_vcpu;

/* Whose user pointer: vcpu NULL = the calling thread's host process. */
struct uspace {
	struct hv_vcpu	*vcpu;
};

/* 0 or an errno, like copyin()/copyinstr(). */
int	 us_copyin(const struct uspace *us, uint64_t va, void *dst, size_t len);
int	 us_copyinstr(const struct uspace *us, uint64_t va, char *dst, size_t max,
	    size_t *done);

#endif
