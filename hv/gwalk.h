/*
 * gwalk.h - walk a guest's own 4-level page tables (hv/gwalk.c), as the
 * copyin family does; HV_ACC_* are the access kinds, also those of a nested
 * page fault (hv_nested_fault).
 */
#ifndef HV_GWALK_H
#define HV_GWALK_H

#include <stdbool.h>
#include <stdint.h>

#define HV_ACC_WRITE	0x1u
#define HV_ACC_USER	0x2u
#define HV_ACC_EXEC	0x4u

struct hv_gwalk_ctx {
	/* Read a 64-bit guest-physical word; may fault the page in. 0 or HV_EFAULT. */
	int	(*read64)(void *arg, uint64_t gpa, uint64_t *val);
	void	*arg;
	uint64_t cr3;
	bool	 nxe;		/* EFER.NXE */
	bool	 wp;		/* CR0.WP */
	int	 maxphyaddr;	/* guest physical-address width (reserved bits above) */
	/*
	 * Atomically OR bits into a 64-bit guest-physical word (0 or
	 * HV_EFAULT), or NULL: after a successful walk the walker sets the
	 * accessed flag in every entry it used and the dirty flag in the leaf
	 * for a write, as the CPU would (SDM Vol. 3A 4.8).
	 */
	int	(*or64)(void *arg, uint64_t gpa, uint64_t bits);
};

/* Translate gva for an access of kind acc; 0 and *gpa, or HV_EFAULT. */
int	 hv_gwalk(const struct hv_gwalk_ctx *ctx, uint64_t gva, unsigned acc,
	    uint64_t *gpa);

#endif /* HV_GWALK_H */
