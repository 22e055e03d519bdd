/*
 * maxphy.c - a guest whose MAXPHYADDR (its CPU model, hv_vm_set_model) is
 * smaller than the host's.  An address bit at or above MAXPHYADDR in one of
 * its paging-structure entries is reserved: the walk ends in a #PF with
 * RSVD and P set in the error code and CR2 the linear address (SDM Vol. 3A
 * 4.5.4 Tables 4-14 to 4-20, 4.7; APM Vol. 2 5.3.3, 8.4.2).  The CPU under
 * it checks against its own, wider MAXPHYADDR and goes on to the address
 * the entry names, above anything the VM has: a nested fault (EPT
 * violation, #NPF) outside guest memory.  There hv walks the guest's
 * tables as the guest's CPU would and, when the walk stops at such an
 * entry that names that very address, the guest gets its #PF instead of
 * being stopped.  A CR3 with such a bit (a MOV to CR3 that the guest's CPU
 * would refuse with #GP) is no page fault: the guest is stopped, as before.
 * The CPU has already set the accessed (and dirty) flags on the way,
 * including in the entry itself: that stays visible to the guest.
 * A walk that goes on to a rights violation instead (a user access to a
 * supervisor page whose entry has such a bit) raises the #PF in the guest
 * without RSVD: such a guest's #PFs are intercepted and given RSVD where
 * its own walk says so (hv_maxphy_pf).
 */
#include "core.h"
#include "x86_arch.h"

/* Is va in the instruction at rip (15 bytes at most, SDM Vol. 2A 2.3.11)? */
static bool
in_insn(uint64_t va, uint64_t rip)
{
	return va - rip < X86_INSN_MAX;
}

struct cand {
	uint64_t va;
	unsigned acc;
};

/* The accesses the instruction at RIP makes that can have faulted. */
static int
candidates(struct hv_vcpu *vcpu, struct hv_regs *r, const struct hv_npf *n,
    struct cand *c)
{
	struct hv_mmio m;
	bool data = hv_mmio_decode(vcpu, r, &m) == 0 && m.va_known;
	unsigned k = 0;

	if (n->gva_known) {
		/* the exit names the address; the kind is the access's own for
		 * the final access, else the instruction's (decoded, or its
		 * fetch) */
		c[0].va = n->gva;
		if (n->final)
			c[0].acc = n->acc;
		else if (data && ((m.va ^ n->gva) & ~HV_PAGE_MASK) == 0)
			c[0].acc = m.write ? HV_ACC_WRITE : 0;
		else
			c[0].acc = in_insn(n->gva, r->rip) ? HV_ACC_EXEC : 0;
		return 1;
	}
	/* the memory operand, its first byte and its last, and the fetch of
	 * the instruction, its first page and, if it may run on, the next
	 * (an emulator may not report the fetch as one: all are tried) */
	if (data) {
		unsigned acc = m.write ? HV_ACC_WRITE : 0;

		c[k++] = (struct cand){ m.va, acc };
		c[k++] = (struct cand){ m.va + m.size - 1, acc };
	}
	c[k++] = (struct cand){ r->rip, HV_ACC_EXEC };
	if (((r->rip + X86_INSN_MAX - 1) ^ r->rip) & ~HV_PAGE_MASK)
		c[k++] = (struct cand){ (r->rip | HV_PAGE_MASK) + 1, HV_ACC_EXEC };
	return (int)k;
}

/* The guest's walk as its own CPU makes it, for faults only (no flags). */
static int
guest_walk(struct hv_vcpu *vcpu, struct hv_gva_ctx *g)
{
	struct hv_ctl_regs r;
	int error;

	if ((error = hv_gva_begin(vcpu, g)) != 0 ||
	    (error = hv_ops->get_ctl(vcpu, &r)) != 0)
		return error;
	if (g->walk.mode == HV_GWALK_OFF)
		return HV_EINVAL;
	g->walk.or64 = NULL;
	g->walk.smep = (r.cr4 & X86_CR4_SMEP) != 0;
	return 0;
}

void
hv_maxphy_pf(struct hv_vcpu *vcpu, uint64_t cr2, uint32_t *pfec)
{
	struct hv_gva_ctx g;
	struct hv_gwalk_fault f;
	uint64_t gpa;
	unsigned acc = 0;

	/* only a walk that completed to a rights check can owe RSVD */
	if (!(*pfec & X86_PFERR_P) || (*pfec & X86_PFERR_RSVD) ||
	    guest_walk(vcpu, &g) != 0)
		return;
	if (*pfec & X86_PFERR_W)
		acc |= HV_ACC_WRITE;
	if (*pfec & X86_PFERR_U)
		acc |= HV_ACC_USER;
	if (*pfec & X86_PFERR_ID)
		acc |= HV_ACC_EXEC;
	if (hv_gwalk_pf(&g.walk, cr2, acc, &gpa, &f) == HV_EFAULT &&
	    (f.pfec & X86_PFERR_RSVD))
		*pfec = f.pfec;
}

int
hv_maxphy_fault(struct hv_vcpu *vcpu, const struct hv_npf *n, uint32_t *pfec,
    uint64_t *cr2)
{
	struct hv_regs r;
	struct hv_gva_ctx g;
	struct hv_gwalk_fault f;
	struct cand c[4];
	uint64_t gpa;
	int i, nc;

	/* an address the guest can have: just outside its memory */
	if ((n->gpa >> vcpu->vm->model.phys_bits) == 0)
		return HV_EFAULT;
	if (hv_ops->get_regs(vcpu, &r) != 0 || guest_walk(vcpu, &g) != 0)
		return HV_EFAULT;
	nc = candidates(vcpu, &r, n, c);
	for (i = 0; i < nc; i++) {
		if (hv_gwalk_pf(&g.walk, c[i].va, c[i].acc |
		    (g.user ? HV_ACC_USER : 0), &gpa, &f) != HV_EFAULT ||
		    !(f.pfec & X86_PFERR_RSVD) ||
		    ((f.next ^ n->gpa) & ~HV_PAGE_MASK) != 0)
			continue;
		*pfec = f.pfec;
		*cr2 = c[i].va;
		return 0;
	}
	return HV_EFAULT;
}
