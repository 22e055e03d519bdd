/*
 * ref_walk.c - the reference page walk of ref_walk.h.  Deliberately not
 * shaped like hv/gwalk.c: reserved bits are built per level from the SDM
 * tables, rights are collected as "ok" flags, and nothing is shared.
 */
#include "hv_impl.h"
#include "ref_walk.h"

uint64_t
ref_bits(int hi, int lo)
{
	if (hi < lo)
		return 0;
	return (hi == 63 ? ~0ull : ((1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
}

int
ref_walk(ref_read_fn rd, void *arg, uint64_t cr3, uint64_t va, unsigned acc,
    bool nxe, bool wp, int maxpa, uint64_t *gpa_out, uint64_t slot[5], int *leaf_out)
{
	uint64_t addr_rsvd, table, e[5];
	bool user_ok = true, write_ok = true, exec_ok = true;
	int lvl, leaf = 0, pshift;

	if (maxpa < 32 || maxpa > 52)
		return -1;
	/* canonical: bits 63:48 copy bit 47 */
	if (((va >> 47) & 1) ? (va >> 48) != 0xffff : (va >> 48) != 0)
		return -1;
	addr_rsvd = ref_bits(51, maxpa);
	table = cr3 & ref_bits(51, 12);
	if (table & addr_rsvd)
		return -1;
	for (lvl = 4; lvl >= 1 && leaf == 0; lvl--) {
		unsigned idx = (unsigned)(va >> (12 + 9 * (lvl - 1))) & 0x1ff;
		uint64_t rsvd = addr_rsvd, ent;
		bool ps;

		slot[lvl] = table + idx * 8;
		if (!rd(arg, slot[lvl], &ent))
			return -1;
		e[lvl] = ent;
		if (!(ent & 1))
			return -1;
		ps = (ent >> 7) & 1;
		if (!nxe)
			rsvd |= 1ull << 63;
		if (lvl == 4 && ps)
			return -1;		/* PS is reserved in a PML4E */
		if (lvl == 3 && ps)
			rsvd |= ref_bits(29, 13);
		if (lvl == 2 && ps)
			rsvd |= ref_bits(20, 13);
		if (ent & rsvd)
			return -1;
		if (!(ent & 2))
			write_ok = false;
		if (!(ent & 4))
			user_ok = false;
		if (nxe && (ent >> 63))
			exec_ok = false;
		if (lvl == 1 || ((lvl == 3 || lvl == 2) && ps))
			leaf = lvl;
		else
			table = ent & ref_bits(51, 12);
	}
	if ((acc & HV_ACC_USER) && !user_ok)
		return -1;
	if ((acc & HV_ACC_WRITE) && !write_ok && ((acc & HV_ACC_USER) || wp))
		return -1;
	if ((acc & HV_ACC_EXEC) && !exec_ok)
		return -1;
	pshift = 12 + 9 * (leaf - 1);
	*gpa_out = (e[leaf] & ref_bits(51, pshift)) | (va & ref_bits(pshift - 1, 0));
	*leaf_out = leaf;
	return 0;
}
