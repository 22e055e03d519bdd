/*
 * gwalk.h - walk a guest's own page tables (hv/gwalk.c) in the paging mode
 * its control registers select, as the copyin family does; HV_ACC_* are the
 * access kinds, also those of a nested page fault (hv_nested_fault).
 */
#ifndef HV_GWALK_H
#define HV_GWALK_H

#include <stdbool.h>
#include <stdint.h>

#define HV_ACC_WRITE	0x1u
#define HV_ACC_USER	0x2u
#define HV_ACC_EXEC	0x4u

/*
 * The paging modes (SDM Vol. 3A 4.1.1 Table 4-1); 4-level is 0, the boot
 * state of hv_abi.h.  Without paging there is nothing to walk.
 */
enum hv_gwalk_mode {
	HV_GWALK_4LEVEL,	/* CR0.PG, CR4.PAE, EFER.LMA (SDM 4.5) */
	HV_GWALK_5LEVEL,	/* ... and CR4.LA57 (SDM 4.5) */
	HV_GWALK_PAE,		/* CR0.PG, CR4.PAE, no LMA (SDM 4.4) */
	HV_GWALK_32BIT,		/* CR0.PG, no CR4.PAE (SDM 4.3) */
	HV_GWALK_OFF,		/* CR0.PG clear: linear is physical */
};

/* The mode of a guest with these CR0, CR4 and EFER. */
enum hv_gwalk_mode hv_gwalk_mode(uint64_t cr0, uint64_t cr4, uint64_t efer);

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
	enum hv_gwalk_mode mode;	/* not HV_GWALK_OFF */
	bool	 pse;		/* CR4.PSE (32-bit paging only) */
	bool	 smep;		/* CR4.SMEP (only the error code's I/D flag) */
};

/* Translate gva for an access of kind acc; 0 and *gpa, or HV_EFAULT
 * (HV_EINVAL for HV_GWALK_OFF or an unknown mode). */
int	 hv_gwalk(const struct hv_gwalk_ctx *ctx, uint64_t gva, unsigned acc,
	    uint64_t *gpa);

/*
 * Why a walk gave HV_EFAULT, as the CPU would report it.  pf: it ended in
 * a page fault, whose error code is pfec (SDM Vol. 3A 4.7: P, W/R, U/S,
 * RSVD, I/D; APM Vol. 2 8.4.2; 0 for a supervisor read of a page not
 * present), else in none (pfec 0: a non-canonical address or a CR3 above
 * MAXPHYADDR, which are #GP; an entry unreadable); with RSVD set,
 * next is the guest-physical address the entry with the reserved bit
 * points at: the entry of the next table, or the byte of the page, that
 * a CPU with a wider MAXPHYADDR would access.
 */
struct hv_gwalk_fault {
	bool	 pf;		/* the walk ended in a page fault */
	uint32_t pfec;
	uint64_t next;
};

/* hv_gwalk, and on HV_EFAULT *f says why */
int	 hv_gwalk_pf(const struct hv_gwalk_ctx *ctx, uint64_t gva, unsigned acc,
	    uint64_t *gpa, struct hv_gwalk_fault *f);

#endif /* HV_GWALK_H */
