/*
 * ref_walk.c - the reference page walk of ref_walk.h.  Deliberately not
 * shaped like hv/gwalk.c: each mode is a row of a table, entries are
 * numbered from the top, reserved bits are built per entry kind from the
 * SDM tables, rights are collected as "ok" flags, and nothing is shared.
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

/* per mode (enum hv_gwalk_mode): entries walked, entry bytes, linear bits,
 * index bits below the first table */
static const struct {
	int depth, size, va_bits, bits;
} shape[] = {
	[HV_GWALK_4LEVEL] = { 4, 8, 48, 9 },
	[HV_GWALK_5LEVEL] = { 5, 8, 57, 9 },
	[HV_GWALK_PAE] = { 3, 8, 32, 9 },
	[HV_GWALK_32BIT] = { 2, 4, 32, 10 },
};

static bool
va_ok(uint64_t va, int va_bits)
{
	uint64_t top;

	if (va_bits == 32)
		return (va >> 32) == 0;
	/* canonical: bits 63:va_bits-1 all equal */
	top = va >> (va_bits - 1);
	return top == 0 || top == (~0ull >> (va_bits - 1));
}

int
ref_walk(ref_read_fn rd, void *arg, int mode, bool pse, uint64_t cr3, uint64_t va,
    unsigned acc, bool nxe, bool wp, int maxpa, uint64_t *gpa_out,
    struct ref_trace *t)
{
	uint64_t table, ent = 0, w;
	bool user_ok = true, write_ok = true, exec_ok = true;
	int d, depth, shift = 0, lvl;

	t->n = 0;
	if (mode < HV_GWALK_4LEVEL || mode > HV_GWALK_32BIT)
		return -1;
	depth = shape[mode].depth;
	t->size = shape[mode].size;
	t->first_no_a = mode == HV_GWALK_PAE;
	if (maxpa < 32 || maxpa > 52 || !va_ok(va, shape[mode].va_bits))
		return -1;
	if (mode == HV_GWALK_32BIT)
		table = cr3 & ref_bits(31, 12);
	else if (mode == HV_GWALK_PAE)
		table = cr3 & ref_bits(31, 5);
	else if ((table = cr3 & ref_bits(51, 12)) & ref_bits(51, maxpa))
		return -1;
	for (d = 0; d < depth; d++) {
		uint64_t rsvd = 0;
		bool ps, is_leaf;
		unsigned idx;

		lvl = depth - d;		/* 1 = the page table */
		shift = 12 + shape[mode].bits * (lvl - 1);
		idx = (unsigned)(va >> shift) & (d == 0 && mode == HV_GWALK_PAE ? 3 :
		    (1u << shape[mode].bits) - 1);
		t->slot[t->n++] = table + idx * (unsigned)t->size;
		if (!rd(arg, t->slot[t->n - 1] & ~7ull, &w))
			return -1;
		ent = t->size == 8 ? w : (w >> (8 * (t->slot[t->n - 1] & 4))) & 0xffffffffu;
		if (!(ent & 1))
			return -1;
		ps = (ent >> 7) & 1;
		if (mode == HV_GWALK_32BIT) {
			/* Table 4-4/4-5: only a 4 MiB PDE has reserved bits */
			ps = ps && pse && lvl == 2;
			if (ps)
				rsvd = ref_bits(21, 21) | ref_bits(20, 13 +
				    (maxpa < 40 ? maxpa : 40) - 32);
		} else if (mode == HV_GWALK_PAE && d == 0) {
			rsvd = ref_bits(2, 1) | ref_bits(8, 5) | ref_bits(63, maxpa);
			ps = false;
		} else {
			rsvd = mode == HV_GWALK_PAE ? ref_bits(62, maxpa) :
			    ref_bits(51, maxpa);
			if (!nxe)
				rsvd |= 1ull << 63;
			if (lvl >= 4 && ps)
				return -1;	/* PS reserved in a PML5E/PML4E */
			if (lvl == 3 && ps)
				rsvd |= ref_bits(29, 13);
			if (lvl == 2 && ps)
				rsvd |= ref_bits(20, 13);
		}
		if (ent & rsvd)
			return -1;
		if (!(mode == HV_GWALK_PAE && d == 0)) {
			if (!(ent & 2))
				write_ok = false;
			if (!(ent & 4))
				user_ok = false;
			if (t->size == 8 && nxe && (ent >> 63))
				exec_ok = false;
		}
		is_leaf = lvl == 1 || ps;
		if (is_leaf)
			break;
		table = ent & (t->size == 8 ? ref_bits(51, 12) : ref_bits(31, 12));
	}
	if ((acc & HV_ACC_USER) && !user_ok)
		return -1;
	if ((acc & HV_ACC_WRITE) && !write_ok && ((acc & HV_ACC_USER) || wp))
		return -1;
	if ((acc & HV_ACC_EXEC) && !exec_ok)
		return -1;
	if (mode == HV_GWALK_32BIT && shift == 22)	/* PSE-36: PA 39:32 in 20:13 */
		*gpa_out = (ent & ref_bits(31, 22)) | (((ent >> 13) & 0xff) << 32) |
		    (va & ref_bits(21, 0));
	else
		*gpa_out = (ent & ref_bits(t->size == 8 ? 51 : 31, shift)) |
		    (va & ref_bits(shift - 1, 0));
	return 0;
}
