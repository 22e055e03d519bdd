/* fake_sysctl.h - controls of fake_sysctl.c for t_builtin.c. */
#ifndef FAKE_SYSCTL_H
#define FAKE_SYSCTL_H

#include <sys/sysctl.h>

#define EISDIR		21	/* a request for a node, not a leaf */

/* a sysctl request by name ("hw.x.y"), as __sysctl(2) makes it */
int	fake_sysctl_rw(const char *name, void *old, size_t *oldlen,
	    const void *new, size_t newlen);

#endif
