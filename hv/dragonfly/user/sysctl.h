/* sysctl.h - vmmcheck's __sysctl(2) by name (sys/kern/kern_sysctl.c). */
#ifndef VC_SYSCTL_H
#define VC_SYSCTL_H

#include <sys/types.h>

/* each returns 0 or -errno (-ENOENT: no such name) */
long	sysctl_get(const char *name, void *val, size_t *len);
long	sysctl_get_int(const char *name, int *val);
long	sysctl_get_u64(const char *name, uint64_t *val);
long	sysctl_set_int(const char *name, int val);

#endif
