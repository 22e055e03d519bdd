/*
 * sysctl.c - sysctl by name through __sysctl(2): the name is turned into
 * its MIB with the {CTL_SYSCTL, CTL_SYSCTL_NAME2OID} query that sysctl(3)
 * uses, then read or written.
 */
#include <sys/types.h>
#include <sys/sysctl.h>
#include "out.h"
#include "sys.h"
#include "sysctl.h"

/* the name-to-MIB query of the sysctl tree itself (sys/kern/kern_sysctl.c) */
#define SYSCTL_QUERY		0
#define SYSCTL_QUERY_NAME2OID	3

static long
sysctl_mib(const char *name, int *mib, unsigned *len)
{
	int q[2] = { SYSCTL_QUERY, SYSCTL_QUERY_NAME2OID };
	size_t sz = CTL_MAXNAME * sizeof(int);
	long e;

	e = vc_sysctl(q, 2, mib, &sz, name, vc_strlen(name));
	*len = (unsigned)(sz / sizeof(int));
	return (e);
}

static long
sysctl_rw(const char *name, void *old, size_t *oldlen, const void *new,
    size_t newlen)
{
	int mib[CTL_MAXNAME];
	unsigned n;
	long e;

	e = sysctl_mib(name, mib, &n);
	if (e == 0)
		e = vc_sysctl(mib, n, old, oldlen, new, newlen);
	return (e);
}

long
sysctl_get(const char *name, void *val, size_t *len)
{
	return (sysctl_rw(name, val, len, NULL, 0));
}

long
sysctl_get_int(const char *name, int *val)
{
	size_t len = sizeof(*val);

	return (sysctl_rw(name, val, &len, NULL, 0));
}

long
sysctl_get_u64(const char *name, uint64_t *val)
{
	size_t len = sizeof(*val);

	return (sysctl_rw(name, val, &len, NULL, 0));
}

long
sysctl_set_int(const char *name, int val)
{
	return (sysctl_rw(name, NULL, NULL, &val, sizeof(val)));
}
