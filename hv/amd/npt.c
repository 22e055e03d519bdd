/*
 * npt.c - the nested page table entry format and the nested TLB flush.
 *
 * NPT uses the ordinary x86-64 long-mode page-table format (AMD APM Vol. 2
 * 15.25.5).  Every nested access is treated as a user access (15.25.5), so
 * U/S must be 1 at every level or the walk faults.  There is no separate
 * read bit: present means readable.
 */
#include "svm.h"
#include "vmcb.h"

static uint64_t
npt_table(uint64_t pa)
{
	/* Non-leaf entries grant everything; the leaf decides. */
	return (pa & X86_PTE_ADDR) | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
}

static uint64_t
npt_frame_mask(int level)
{
	/* 4 KiB: 51:12; 2 MiB: 51:21; 1 GiB: 51:30 (bit 12 is PAT there). */
	return X86_PTE_ADDR & ~((1ull << (12 + 9 * (level - 1))) - 1);
}

static uint64_t
npt_leaf(uint64_t pa, int level, unsigned prot)
{
	uint64_t e;

	if (prot == 0)
		return 0;
	e = (pa & npt_frame_mask(level)) | X86_PTE_P | X86_PTE_US;
	if (prot & HV_PROT_W)
		e |= X86_PTE_RW;
	if (!(prot & HV_PROT_X))
		e |= X86_PTE_NX;
	if (level > 1)
		e |= X86_PTE_PS;
	return e;
}

static bool
npt_present(uint64_t e)
{
	return (e & X86_PTE_P) != 0;
}

static bool
npt_large(uint64_t e, int level)
{
	return level > 1 && (e & X86_PTE_PS) != 0;
}

static uint64_t
npt_addr(uint64_t e, int level)
{
	/* A table entry (not large) always holds a 4 KiB-aligned frame. */
	if (level > 1 && !(e & X86_PTE_PS))
		return e & X86_PTE_ADDR;
	return e & npt_frame_mask(level);
}

static unsigned
npt_prot(uint64_t e)
{
	unsigned p;

	if (!(e & X86_PTE_P))
		return 0;
	p = HV_PROT_R;
	if (e & X86_PTE_RW)
		p |= HV_PROT_W;
	if (!(e & X86_PTE_NX))
		p |= HV_PROT_X;
	return p;
}

const struct hv_ntable_fmt svm_npt_fmt = {
	.name = "NPT",
	.table = npt_table,
	.leaf = npt_leaf,
	.present = npt_present,
	.large = npt_large,
	.addr = npt_addr,
	.prot = npt_prot,
};

/*
 * Drop this vCPU's cached translations before its next VMRUN on this CPU.
 * With FlushByAsid, TLB_CONTROL=3 flushes just this guest's ASID (APM
 * 15.16.1); without it (QEMU TCG), taking a fresh ASID does the same job,
 * because the allocator hands out only ASIDs not used since the last
 * flush of all ASIDs (asid.c).
 */
void
svm_flush_nested(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);

	if (svm_caps.flush_by_asid)
		s->tlb_control = TLB_CONTROL_GUEST;
	else
		s->asid_gen = 0;	/* never a live generation */
	s->asid_inval_gen = vcpu->vm->inval_gen;
}
