/*
 * ref_walk.h - a reference x86 page walk for the fuzz targets, in the four
 * paging modes (SDM Vol. 3A 4.3 32-bit, 4.4 PAE, 4.5 4- and 5-level; tables
 * 4-4..4-20, 4.6 rights), written from the SDM apart from hv/gwalk.c, so
 * that the two can be compared.
 */
#ifndef HV_REF_WALK_H
#define HV_REF_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* Read the 8 bytes at gpa; false when there is no memory there. */
typedef bool (*ref_read_fn)(void *arg, uint64_t gpa, uint64_t *val);

/* The entries a walk read, in order (also when it failed). */
struct ref_trace {
	int		 n;
	uint64_t	 slot[6];	/* guest-physical address of each */
	int		 size;		/* bytes per entry: 8, or 4 (32-bit) */
	bool		 first_no_a;	/* PAE: the PDPTE gets no accessed flag */
};

uint64_t ref_bits(int hi, int lo);	/* bits hi..lo set */
/*
 * Translate va for access acc (HV_ACC_*) in paging mode `mode` (enum
 * hv_gwalk_mode, not HV_GWALK_OFF; pse: CR4.PSE): 0 and *gpa, or -1.
 */
int	 ref_walk(ref_read_fn rd, void *arg, int mode, bool pse, uint64_t cr3,
	    uint64_t va, unsigned acc, bool nxe, bool wp, int maxpa, uint64_t *gpa,
	    struct ref_trace *t);

#endif
