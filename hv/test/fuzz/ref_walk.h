/*
 * ref_walk.h - a reference x86-64 4-level page walk for the fuzz targets,
 * written from the SDM (Vol. 3A 4.5 tables 4-15..4-20, 4.6) apart from
 * hv/gwalk.c, so that the two can be compared.
 */
#ifndef HV_REF_WALK_H
#define HV_REF_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* Read the 8 bytes at gpa; false when there is no memory there. */
typedef bool (*ref_read_fn)(void *arg, uint64_t gpa, uint64_t *val);

uint64_t ref_bits(int hi, int lo);	/* bits hi..lo set */
/*
 * Translate va for access acc (HV_ACC_*): 0 and *gpa, the slot address of
 * each level used (slot[4] down to slot[*leaf]) and the leaf level; or -1.
 */
int	 ref_walk(ref_read_fn rd, void *arg, uint64_t cr3, uint64_t va,
	    unsigned acc, bool nxe, bool wp, int maxpa, uint64_t *gpa,
	    uint64_t slot[5], int *leaf);

#endif
