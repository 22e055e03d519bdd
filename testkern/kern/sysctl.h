/*
 * sysctl.h - the kernel's sysctl registry: dotted names, int/u32/u64/string
 * leaves (struct hv_sysctl from hv_os.h), optional setter, kept sorted.
 */
#ifndef SYSCTL_H
#define SYSCTL_H

#include "kern.h"
#include "hv_os.h"

/* Add a leaf (the struct and its strings must stay valid).  0, EINVAL, EEXIST, ENOSPC. */
int	sysctl_add(const struct hv_sysctl *leaf, bool hv_owned);
void	sysctl_remove_hv(void);
/* Call fn for each leaf equal to `name` or under `name.` (all when name is ""),
 * sorted by name; returns how many matched. */
int	sysctl_foreach(const char *name, void (*fn)(const struct hv_sysctl *leaf, void *ctx), void *ctx);
void	sysctl_format(const struct hv_sysctl *leaf, char *buf, size_t size);
/*
 * Parse and set.  0, ENOENT (no such leaf), EPERM (read-only), EINVAL (value
 * does not parse or fit), or -1 with *setter_err = the setter's error.
 * old/new: the formatted values before and after.
 */
int	sysctl_write(const char *name, const char *value, char *old, char *new_, size_t size,
	    int *setter_err);
/* A setter for kernel leaves that simply stores the value. */
int	sysctl_store(const struct hv_sysctl *leaf, uint64_t value);
void	ksysctl_init(void);		/* ksysctl.c: the kern.* leaves */

#endif
