/*
 * ntable.c - the 4-level nested page table shared by EPT and NPT.  The
 * entry bits come from struct hv_ntable_fmt; the radix tree is common.
 * Levels: 4 = PML4, 3 = PDPT (1 GiB leaves), 2 = PD (2 MiB), 1 = PT (4 KiB).
 */
#include "hv.h"
#include "hv_util.h"
#include "ntable.h"

#define NT_ENTRIES	512

static unsigned
nt_index(uint64_t gpa, int level)
{
	return (unsigned)(gpa >> (HV_PAGE_SHIFT + 9 * (level - 1))) & (NT_ENTRIES - 1);
}

static uint64_t
nt_span(int level)		/* bytes one entry of this level maps */
{
	return 1ull << (HV_PAGE_SHIFT + 9 * (level - 1));
}

static uint64_t
nt_region(uint64_t gpa)		/* the 2 MiB region one page table covers */
{
	return gpa >> (HV_PAGE_SHIFT + 9);
}

bool
hv_ntable_give(struct hv_ntable *nt, void *page)
{
	if (nt->nspare == HV_NT_SPARE)
		return false;
	nt->spare[nt->nspare++] = page;
	return true;
}

/* A zeroed table page: from the spare pool when there is one. */
static uint64_t *
nt_alloc(struct hv_ntable *nt)
{
	void *p;

	if (nt->nspare > 0)
		p = nt->spare[--nt->nspare];
	else
		p = hv_os_page_alloc();
	if (p != NULL)
		nt->table_pages++;
	return p;
}

static uint64_t *
nt_child(const struct hv_ntable *nt, uint64_t e, int level)
{
	return hv_os_phys_to_virt(nt->fmt->addr(e, level));
}

/* Free the table below entry e of `level` (a non-leaf entry) and its subtree. */
static void
nt_free_table(struct hv_ntable *nt, uint64_t *table, int level)
{
	unsigned i;

	if (level > 1) {
		for (i = 0; i < NT_ENTRIES; i++) {
			uint64_t e = table[i];

			if (nt->fmt->present(e) && !nt->fmt->large(e, level))
				nt_free_table(nt, nt_child(nt, e, level), level - 1);
		}
	}
	hv_os_page_free(table);
	nt->table_pages--;
	nt->pt = NULL;		/* it may have been this one */
}

int
hv_ntable_init(struct hv_ntable *nt, const struct hv_ntable_fmt *fmt)
{
	hv_memset(nt, 0, sizeof(*nt));
	nt->fmt = fmt;
	nt->root = nt_alloc(nt);
	if (nt->root == NULL)
		return HV_ENOMEM;
	nt->root_pa = hv_os_virt_to_phys(nt->root);
	return 0;
}

void
hv_ntable_fini(struct hv_ntable *nt)
{
	if (nt->root != NULL)
		nt_free_table(nt, nt->root, 4);
	while (nt->nspare > 0)
		hv_os_page_free(nt->spare[--nt->nspare]);
	nt->root = NULL;
	nt->root_pa = 0;
}

/*
 * Replace the large leaf at *slot (level `level`) by a table of 512 leaves
 * one level down with the same frames and rights, so that one piece of it
 * can change.  The new table is complete before it is linked: a concurrent
 * hardware walk sees either the old leaf or the equivalent table.
 */
static int
nt_split(struct hv_ntable *nt, volatile uint64_t *slot, int level)
{
	const struct hv_ntable_fmt *f = nt->fmt;
	uint64_t e = *slot, base = f->addr(e, level);
	unsigned prot = f->prot(e), i;
	uint64_t *t = nt_alloc(nt);

	if (t == NULL)
		return HV_ENOMEM;
	for (i = 0; i < NT_ENTRIES; i++)
		t[i] = f->leaf(base + i * nt_span(level - 1), level - 1, prot);
	*slot = f->table(hv_os_virt_to_phys(t));
	return 0;
}

/*
 * The slot for gpa at `level`, creating tables above it (and splitting large
 * pages on the way) when `create`; NULL if absent (or out of memory, *error).
 */
static volatile uint64_t *
nt_slot(struct hv_ntable *nt, uint64_t gpa, int level, bool create, int *error)
{
	const struct hv_ntable_fmt *f = nt->fmt;
	uint64_t *table = nt->root;
	int l;

	*error = 0;
	if (level == 1 && nt->pt != NULL && nt_region(gpa) == nt->pt_region)
		return &nt->pt[nt_index(gpa, 1)];
	for (l = 4; l > level; l--) {
		volatile uint64_t *slot = &table[nt_index(gpa, l)];
		uint64_t e = *slot;

		if (!f->present(e)) {
			uint64_t *t;

			if (!create)
				return NULL;
			t = nt_alloc(nt);
			if (t == NULL) {
				*error = HV_ENOMEM;
				return NULL;
			}
			*slot = f->table(hv_os_virt_to_phys(t));
		} else if (f->large(e, l)) {
			*error = nt_split(nt, slot, l);
			if (*error != 0)
				return NULL;
		}
		table = nt_child(nt, *slot, l);
	}
	if (level == 1) {
		nt->pt = table;
		nt->pt_region = nt_region(gpa);
	}
	return &table[nt_index(gpa, level)];
}

int
hv_ntable_map(struct hv_ntable *nt, uint64_t gpa, uint64_t hpa, int level,
    unsigned prot)
{
	const struct hv_ntable_fmt *f = nt->fmt;
	volatile uint64_t *slot;
	uint64_t old;
	int error;

	if ((level != 1 && level != 2) || ((gpa | hpa) & (nt_span(level) - 1)) != 0 ||
	    (prot & ~HV_PROT_RWX) != 0)
		return HV_EINVAL;
	slot = nt_slot(nt, gpa, level, true, &error);
	if (slot == NULL)
		return error;
	old = *slot;
	*slot = f->leaf(hpa, level, prot);
	/* a 2 MiB leaf over a page table: the table's 4 KiB leaves are gone */
	if (level > 1 && f->present(old) && !f->large(old, level))
		nt_free_table(nt, nt_child(nt, old, level), level - 1);
	return 0;
}

int
hv_ntable_unmap(struct hv_ntable *nt, uint64_t gpa)
{
	volatile uint64_t *slot;
	int error;

	/* Walk without creating: nothing to remove where no table exists,
	 * but a large page on the way is split so only 4 KiB goes. */
	slot = nt_slot(nt, gpa, 1, false, &error);
	if (slot != NULL)
		*slot = 0;
	return error;
}

int
hv_ntable_lookup(const struct hv_ntable *nt, uint64_t gpa, uint64_t *hpa,
    unsigned *prot, int *level)
{
	const struct hv_ntable_fmt *f = nt->fmt;
	const uint64_t *table = nt->root;
	int l;

	for (l = 4; l >= 1; l--) {
		uint64_t e = table[nt_index(gpa, l)];

		if (!f->present(e))
			return HV_ENOENT;
		if (l == 1 || f->large(e, l)) {
			if (hpa != NULL)
				*hpa = f->addr(e, l) + (gpa & (nt_span(l) - 1));
			if (prot != NULL)
				*prot = f->prot(e);
			if (level != NULL)
				*level = l;
			return 0;
		}
		table = nt_child(nt, e, l);
	}
	return HV_ENOENT;
}
