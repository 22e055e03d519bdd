/*
 * gwalk.c - walk a guest's 4-level long-mode page tables (SDM Vol. 3A 4.5,
 * 4.6 access rights).  Used by the copyin family; the hardware never sees
 * these results, so every check the CPU would make is made here.
 */
#include "hv.h"
#include "gwalk.h"
#include "x86_arch.h"

/*
 * Reserved bits of an entry at `level` (4 = PML4E ... 1 = PTE) that is
 * present (SDM Vol. 3A 4.5.4, Table 4-20): address bits at or above
 * MAXPHYADDR, NX when EFER.NXE is 0, PS in a PML4E, and the low address
 * bits of a large-page frame (above the PAT bit 12).
 */
static bool
reserved(const struct hv_gwalk_ctx *ctx, uint64_t e, int level)
{
	uint64_t rsvd = X86_PTE_ADDR & ~((1ull << ctx->maxphyaddr) - 1);

	if (!ctx->nxe)
		rsvd |= X86_PTE_NX;
	if (level == 4)
		rsvd |= X86_PTE_PS;
	else if (level == 3 && (e & X86_PTE_PS) != 0)
		rsvd |= 0x3fffe000ull;		/* bits 29:13 of a 1 GiB leaf */
	else if (level == 2 && (e & X86_PTE_PS) != 0)
		rsvd |= 0x1fe000ull;		/* bits 20:13 of a 2 MiB leaf */
	return (e & rsvd) != 0;
}

int
hv_gwalk(const struct hv_gwalk_ctx *ctx, uint64_t gva, unsigned acc,
    uint64_t *gpa)
{
	uint64_t table, e = 0, frame_mask, slots[5], ents[5];
	bool w = true, u = true, nx = false;
	int level, l;

	if (!x86_canonical(gva) || ctx->maxphyaddr < 32 || ctx->maxphyaddr > 52)
		return HV_EFAULT;
	/* CR3 bits 51:12 (PCID/PWT/PCD below); above MAXPHYADDR is invalid */
	table = ctx->cr3 & X86_PTE_ADDR;
	if ((table >> ctx->maxphyaddr) != 0)
		return HV_EFAULT;
	for (level = 4; level >= 1; level--) {
		unsigned shift = HV_PAGE_SHIFT + 9 * (unsigned)(level - 1);
		uint64_t slot = table + ((gva >> shift) & 511) * 8;

		if (ctx->read64(ctx->arg, slot, &e) != 0)
			return HV_EFAULT;
		slots[level] = slot;
		ents[level] = e;
		if ((e & X86_PTE_P) == 0 || reserved(ctx, e, level))
			return HV_EFAULT;
		/* rights are the intersection over all levels (SDM 4.6.1) */
		w = w && (e & X86_PTE_RW) != 0;
		u = u && (e & X86_PTE_US) != 0;
		nx = nx || (ctx->nxe && (e & X86_PTE_NX) != 0);
		if (level == 1 || (level <= 3 && (e & X86_PTE_PS) != 0))
			break;
		table = e & X86_PTE_ADDR;
	}
	frame_mask = X86_PTE_ADDR & ~((1ull << (HV_PAGE_SHIFT + 9 * (level - 1))) - 1);

	if ((acc & HV_ACC_USER) != 0 && !u)
		return HV_EFAULT;
	/* user writes need W everywhere; supervisor writes only with CR0.WP */
	if ((acc & HV_ACC_WRITE) != 0 && !w && ((acc & HV_ACC_USER) != 0 || ctx->wp))
		return HV_EFAULT;
	if ((acc & HV_ACC_EXEC) != 0 && nx)
		return HV_EFAULT;
	/* the access happens: accessed flags on the way, dirty in the leaf */
	for (l = 4; ctx->or64 != NULL && l >= level; l--) {
		uint64_t bits = X86_PTE_A | (l == level && (acc & HV_ACC_WRITE) ? X86_PTE_D : 0);

		if ((ents[l] & bits) != bits &&
		    ctx->or64(ctx->arg, slots[l], bits) != 0)
			return HV_EFAULT;
	}
	*gpa = (e & frame_mask) | (gva & ~frame_mask & 0x3fffffffull);
	return 0;
}
