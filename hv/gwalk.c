/*
 * gwalk.c - walk a guest's page tables in the paging mode its CR0, CR4 and
 * EFER select (SDM Vol. 3A 4.3 32-bit paging, 4.4 PAE paging, 4.5 4-level
 * and 5-level paging; 4.6 access rights).  Used by the copyin family; the
 * hardware never sees these results, so every check the CPU would make is
 * made here.
 */
#include "hv.h"
#include "gwalk.h"
#include "x86_arch.h"

#define BITS(hi, lo)	((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))

/* 32-bit paging: the 4 KiB frame of a PTE or PDE (bits 31:12), the 4 MiB
 * frame of a PS PDE (bits 31:22, and bits 39:32 in 20:13), SDM Table 4-4 */
#define E32_FRAME	BITS(31, 12)
#define E32_FRAME_4M	BITS(31, 22)
#define E32_HIGH_SHIFT	13
/* PAE paging: CR3 holds the PDPT at bits 31:5 (SDM 4.4.1); a PDPTE has
 * bits 2:1, 8:5 and 63 reserved (Table 4-8) and carries no rights */
#define PAE_PDPT	BITS(31, 5)
#define PDPTE_RSVD	(BITS(2, 1) | BITS(8, 5) | X86_PTE_NX)

enum hv_gwalk_mode
hv_gwalk_mode(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	if (!(cr0 & X86_CR0_PG))
		return HV_GWALK_OFF;
	if (!(cr4 & X86_CR4_PAE))
		return HV_GWALK_32BIT;
	if (!(efer & X86_EFER_LMA))
		return HV_GWALK_PAE;
	return (cr4 & X86_CR4_LA57) ? HV_GWALK_5LEVEL : HV_GWALK_4LEVEL;
}

/* The lowest bit of gva that the table at `level` (1 = page table) indexes. */
static unsigned
level_shift(const struct hv_gwalk_ctx *ctx, int level)
{
	if (ctx->mode == HV_GWALK_32BIT)
		return HV_PAGE_SHIFT + 10 * (unsigned)(level - 1);
	return HV_PAGE_SHIFT + 9 * (unsigned)(level - 1);
}

static unsigned
level_index(const struct hv_gwalk_ctx *ctx, uint64_t gva, int level)
{
	unsigned mask = 511;

	if (ctx->mode == HV_GWALK_32BIT)
		mask = 1023;
	else if (ctx->mode == HV_GWALK_PAE && level == 3)
		mask = 3;		/* the 4 PDPTEs: bits 31:30 */
	return (unsigned)(gva >> level_shift(ctx, level)) & mask;
}

/* Is the PDPTE level of PAE paging: loaded with CR3, no rights, no A flag. */
static bool
pdpte(const struct hv_gwalk_ctx *ctx, int level)
{
	return ctx->mode == HV_GWALK_PAE && level == 3;
}

/*
 * Reserved bits of a present entry at `level` (SDM Tables 4-4..4-6 32-bit,
 * 4-8..4-11 PAE, 4-14..4-20 4/5-level): address bits at or above
 * MAXPHYADDR, NX when EFER.NXE is 0, PS in a PML5E/PML4E, the low address
 * bits of a large-page frame (above the PAT bit 12), and the PDPTE and
 * 32-bit 4 MiB PDE bits of their own.
 */
static bool
reserved(const struct hv_gwalk_ctx *ctx, uint64_t e, int level)
{
	uint64_t rsvd = X86_PTE_ADDR & ~((1ull << ctx->maxphyaddr) - 1);
	int m;

	if (ctx->mode == HV_GWALK_32BIT) {
		if (level != 2 || !ctx->pse || !(e & X86_PTE_PS))
			return false;
		/* bit 21, and the high address bits beyond MAXPHYADDR (<= 40) */
		m = ctx->maxphyaddr < 40 ? ctx->maxphyaddr : 40;
		return (e & (BITS(21, 21) | BITS(20, E32_HIGH_SHIFT + m - 32))) != 0;
	}
	if (ctx->mode == HV_GWALK_PAE)
		rsvd |= BITS(62, 52);	/* not ignored as in 4-level paging */
	if (pdpte(ctx, level))
		return (e & (rsvd | PDPTE_RSVD)) != 0;
	if (!ctx->nxe)
		rsvd |= X86_PTE_NX;
	if (level >= 4)
		rsvd |= X86_PTE_PS;
	else if (level == 3 && (e & X86_PTE_PS) != 0)
		rsvd |= BITS(29, 13);		/* of a 1 GiB leaf */
	else if (level == 2 && (e & X86_PTE_PS) != 0)
		rsvd |= BITS(20, 13);		/* of a 2 MiB leaf */
	return (e & rsvd) != 0;
}

/* Does the (present, not reserved) entry at `level` map the page itself? */
static bool
leaf(const struct hv_gwalk_ctx *ctx, uint64_t e, int level)
{
	if (level == 1)
		return true;
	if (!(e & X86_PTE_PS))
		return false;
	switch (ctx->mode) {
	case HV_GWALK_32BIT:
		return ctx->pse;	/* level 2; without CR4.PSE, PS is ignored */
	case HV_GWALK_PAE:
		return level == 2;
	default:
		return level <= 3;
	}
}

/* The first table and the levels of the walk; false: gva is out of reach. */
static bool
walk_start(const struct hv_gwalk_ctx *ctx, uint64_t gva, uint64_t *table,
    int *top)
{
	switch (ctx->mode) {
	case HV_GWALK_32BIT:
		*table = ctx->cr3 & E32_FRAME;
		*top = 2;
		return (gva >> 32) == 0;
	case HV_GWALK_PAE:
		*table = ctx->cr3 & PAE_PDPT;
		*top = 3;
		return (gva >> 32) == 0;
	case HV_GWALK_5LEVEL:
		*top = 5;
		if (!x86_canonical57(gva))
			return false;
		break;
	default:
		*top = 4;
		if (!x86_canonical(gva))
			return false;
		break;
	}
	/* CR3 bits 51:12 (PCID/PWT/PCD below); above MAXPHYADDR is invalid */
	*table = ctx->cr3 & X86_PTE_ADDR;
	return (*table >> ctx->maxphyaddr) == 0;
}

/*
 * One entry: 8 bytes, or 4 in 32-bit paging, read as the aligned 64-bit
 * word that holds it.
 */
static int
read_entry(const struct hv_gwalk_ctx *ctx, uint64_t slot, uint64_t *e)
{
	uint64_t w;

	if (ctx->read64(ctx->arg, slot & ~7ull, &w) != 0)
		return HV_EFAULT;
	*e = ctx->mode == HV_GWALK_32BIT ? (w >> (8 * (slot & 4))) & 0xffffffffu : w;
	return 0;
}

/* Where the leaf entry e at `level` maps gva (its frame and gva's offset). */
static uint64_t
leaf_address(const struct hv_gwalk_ctx *ctx, uint64_t e, int level, uint64_t gva)
{
	unsigned shift = level_shift(ctx, level);
	uint64_t frame;

	if (ctx->mode == HV_GWALK_32BIT)
		frame = level == 2 ? (e & E32_FRAME_4M) |
		    (((e >> E32_HIGH_SHIFT) & 0xff) << 32) : e & E32_FRAME;
	else
		frame = e & X86_PTE_ADDR & ~((1ull << shift) - 1);
	return frame | (gva & ((1ull << shift) - 1));
}

/*
 * The error code of a #PF for an access of kind acc (SDM Vol. 3A 4.7): I/D
 * only where the CPU reports fetches (NX in use, or SMEP); P for all but a
 * not-present entry.
 */
static uint32_t
pf_code(const struct hv_gwalk_ctx *ctx, unsigned acc, uint32_t cause)
{
	uint32_t pfec = cause;

	if (acc & HV_ACC_WRITE)
		pfec |= X86_PFERR_W;
	if (acc & HV_ACC_USER)
		pfec |= X86_PFERR_U;
	if ((acc & HV_ACC_EXEC) && (ctx->smep ||
	    (ctx->nxe && ctx->mode != HV_GWALK_32BIT)))
		pfec |= X86_PFERR_ID;
	return pfec;
}

int
hv_gwalk(const struct hv_gwalk_ctx *ctx, uint64_t gva, unsigned acc,
    uint64_t *gpa)
{
	struct hv_gwalk_fault f;

	return hv_gwalk_pf(ctx, gva, acc, gpa, &f);
}

/* a walk's end in a page fault: HV_EFAULT and *f */
static int
fault(struct hv_gwalk_fault *f, uint32_t pfec, uint64_t next)
{
	f->pf = true;
	f->pfec = pfec;
	f->next = next;
	return HV_EFAULT;
}

int
hv_gwalk_pf(const struct hv_gwalk_ctx *ctx, uint64_t gva, unsigned acc,
    uint64_t *gpa, struct hv_gwalk_fault *f)
{
	uint64_t table, e = 0, slots[6], ents[6];
	bool w = true, u = true, nx = false;
	int top, level, l;

	f->pf = false;
	f->pfec = 0;
	f->next = 0;
	if (ctx->mode > HV_GWALK_32BIT)
		return HV_EINVAL;	/* paging off: nothing to walk */
	if (ctx->maxphyaddr < 32 || ctx->maxphyaddr > 52 ||
	    !walk_start(ctx, gva, &table, &top))
		return HV_EFAULT;
	for (level = top; level >= 1; level--) {
		uint64_t slot = table + level_index(ctx, gva, level) *
		    (ctx->mode == HV_GWALK_32BIT ? 4u : 8u);

		if (read_entry(ctx, slot, &e) != 0)
			return HV_EFAULT;
		slots[level] = slot;
		ents[level] = e;
		if ((e & X86_PTE_P) == 0)
			return fault(f, pf_code(ctx, acc, 0), 0);
		if (reserved(ctx, e, level)) {
			/* a PDPTE's reserved bits fault its load with CR3,
			 * #GP (SDM 4.4.1) */
			if (pdpte(ctx, level))
				return HV_EFAULT;
			return fault(f, pf_code(ctx, acc, X86_PFERR_P | X86_PFERR_RSVD),
			    leaf(ctx, e, level) ? leaf_address(ctx, e, level, gva) :
			    (e & X86_PTE_ADDR) + level_index(ctx, gva, level - 1) * 8u);
		}
		/* rights are the intersection over all levels (SDM 4.6.1) */
		if (!pdpte(ctx, level)) {
			w = w && (e & X86_PTE_RW) != 0;
			u = u && (e & X86_PTE_US) != 0;
			nx = nx || (ctx->nxe && ctx->mode != HV_GWALK_32BIT &&
			    (e & X86_PTE_NX) != 0);
		}
		if (leaf(ctx, e, level))
			break;
		table = e & (ctx->mode == HV_GWALK_32BIT ? E32_FRAME : X86_PTE_ADDR);
	}

	if (((acc & HV_ACC_USER) != 0 && !u) ||
	    /* user writes need W everywhere; supervisor writes only with CR0.WP */
	    ((acc & HV_ACC_WRITE) != 0 && !w && ((acc & HV_ACC_USER) != 0 || ctx->wp)) ||
	    ((acc & HV_ACC_EXEC) != 0 && nx))
		return fault(f, pf_code(ctx, acc, X86_PFERR_P), 0);
	/* the access happens: accessed flags on the way, dirty in the leaf */
	for (l = top; ctx->or64 != NULL && l >= level; l--) {
		uint64_t bits = X86_PTE_A | (l == level && (acc & HV_ACC_WRITE) ? X86_PTE_D : 0);

		if (pdpte(ctx, l) || (ents[l] & bits) == bits)
			continue;
		if (ctx->or64(ctx->arg, slots[l] & ~7ull, ctx->mode == HV_GWALK_32BIT ?
		    bits << (8 * (slots[l] & 4)) : bits) != 0)
			return HV_EFAULT;
	}
	*gpa = leaf_address(ctx, e, level, gva);
	return 0;
}
