/*
 * ntable.h - the nested page table of a VM (EPT on VMX, NPT on SVM): one
 * 4-level tree (hv/ntable.c) that each backend drives through its entry
 * format (struct hv_ntable_fmt: hv/intel/ept.c, hv/amd/npt.c).
 */
#ifndef HV_NTABLE_H
#define HV_NTABLE_H

#include <stdbool.h>
#include <stdint.h>

/* Access rights of a nested or guest mapping. */
#define HV_PROT_R	0x1u
#define HV_PROT_W	0x2u
#define HV_PROT_X	0x4u
#define HV_PROT_RWX	(HV_PROT_R | HV_PROT_W | HV_PROT_X)

/*
 * The entry format of one nested-table flavour.  Levels: 1 = 4 KiB leaf
 * (PT), 2 = 2 MiB (PD), 3 = 1 GiB (PDPT), 4 = PML4.  Everything else about the
 * 4-level radix tree is common and lives in hv/ntable.c.
 */
struct hv_ntable_fmt {
	const char *name;					/* "EPT" / "NPT" */
	uint64_t (*table)(uint64_t pa);				/* non-leaf entry */
	uint64_t (*leaf)(uint64_t pa, int level, unsigned prot);	/* level 1..3 */
	bool	 (*present)(uint64_t e);
	bool	 (*large)(uint64_t e, int level);		/* leaf above level 1 */
	uint64_t (*addr)(uint64_t e, int level);		/* frame (masked per level) */
	unsigned (*prot)(uint64_t e);
};

/* Spare table pages: a 4 KiB map needs at most 3 new tables (PDPT, PD,
 * PT), an unmap at most 2 (splitting a 1 GiB and then a 2 MiB page). */
#define HV_NT_SPARE	3

struct hv_ntable {
	const struct hv_ntable_fmt *fmt;
	uint64_t	*root;		/* PML4 page, host VA */
	uint64_t	 root_pa;
	uint64_t	 table_pages;	/* pages used by the tree (root included) */
	/* pages handed in by hv_ntable_give() (allocated before taking the
	 * caller's spin lock): map/unmap use them before the allocator */
	void		*spare[HV_NT_SPARE];
	int		 nspare;
	/* the page table (level 1) the last map or unmap of a 4 KiB page
	 * reached, and the 2 MiB region it covers (gpa >> 21): the next one
	 * in that region starts there instead of at the root (nested faults
	 * come in runs of neighbouring pages).  NULL: none; dropped whenever
	 * a table page is freed. */
	uint64_t	*pt;
	uint64_t	 pt_region;
};

int	 hv_ntable_init(struct hv_ntable *nt, const struct hv_ntable_fmt *fmt);
void	 hv_ntable_fini(struct hv_ntable *nt);	/* frees every table page */
/*
 * Put a zeroed page into the spare pool if it has room (true; it is the
 * tree's now, freed by fini), else false.  Serialised like map/unmap.  With
 * the pool full (HV_NT_SPARE) no map or unmap allocates.
 */
bool	 hv_ntable_give(struct hv_ntable *nt, void *page);
/* Map one page of size 4K (level 1) or 2M (level 2); splits large pages. */
int	 hv_ntable_map(struct hv_ntable *nt, uint64_t gpa, uint64_t hpa,
	    int level, unsigned prot);
/* Remove the 4 KiB translation of gpa (splitting a large page); 0 if none. */
int	 hv_ntable_unmap(struct hv_ntable *nt, uint64_t gpa);
/* Translate; 0 and *hpa, *prot, *level, or HV_ENOENT. */
int	 hv_ntable_lookup(const struct hv_ntable *nt, uint64_t gpa,
	    uint64_t *hpa, unsigned *prot, int *level);

#endif /* HV_NTABLE_H */
