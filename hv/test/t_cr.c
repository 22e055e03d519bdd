/*
 * t_cr.c - the core's CR0 and CR4 write rules (hv/cr.c) through hv_vmexit,
 * as both backends reach them: the #GP conditions, EFER.LMA following
 * paging, the TLB flush, and CR4 bits as the guest's CPUID shows them.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define LME	X86_EFER_LME
#define LMA	X86_EFER_LMA
/* CR0 and CR4 of a guest in long mode */
#define CR0_LONG (X86_CR0_PE | X86_CR0_ET | X86_CR0_WP | X86_CR0_PG)
#define CR4_LONG X86_CR4_PAE

/* One CR write exit: true when it completed (vx out), false when #GP. */
static bool
cr_exit(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	struct hv_exit ex;

	memset(&ex, 0, sizeof(ex));
	CHECK_EQ(hv_vmexit(vcpu, vx, &ex), HV_RESUME);
	CHECK(vx->skip != vx->gp);
	return vx->skip;
}

static bool
cr0(struct hv_vcpu *vcpu, uint64_t v, uint64_t old, uint64_t cr4,
    uint64_t *efer, bool code64)
{
	struct hv_vmexit vx = { .kind = HV_VX_CR0_WRITE };

	vx.value = v;
	vx.cr0 = old;
	vx.cr4 = cr4;
	vx.efer = *efer;
	vx.code64 = code64;
	if (!cr_exit(vcpu, &vx))
		return false;
	*efer = vx.efer;
	return true;
}

static bool
cr4(struct hv_vcpu *vcpu, uint64_t v, uint64_t old, uint64_t cr3,
    uint64_t efer, bool *flush)
{
	struct hv_vmexit vx = { .kind = HV_VX_CR4_WRITE };

	vx.value = v;
	vx.cr0 = CR0_LONG;
	vx.cr3 = cr3;
	vx.cr4 = old;
	vx.efer = efer;
	if (!cr_exit(vcpu, &vx))
		return false;
	CHECK_EQ(vx.value, v);
	*flush = vx.flush;
	return true;
}

void
test_cr_rules(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	uint64_t efer, bits;
	bool flush;

	t_setup_vcpu(&vm, &vcpu);

	/* CR0: the architectural #GPs */
	efer = 0;
	CHECK(!cr0(vcpu, 1ull << 32 | X86_CR0_PE, X86_CR0_PE, 0, &efer, false));
	CHECK(!cr0(vcpu, X86_CR0_PG, 0, 0, &efer, false));
	CHECK(!cr0(vcpu, X86_CR0_PE | X86_CR0_NW, X86_CR0_PE, 0, &efer, false));
	/* paging on with LME: PAE needed; then IA-32e mode (LMA) */
	efer = LME;
	CHECK(!cr0(vcpu, CR0_LONG, X86_CR0_PE, 0, &efer, false));
	CHECK(cr0(vcpu, CR0_LONG, X86_CR0_PE, CR4_LONG, &efer, false));
	CHECK_EQ(efer, LME | LMA);
	/* paging off in IA-32e mode: not from 64-bit code, not with PCIDE */
	CHECK(!cr0(vcpu, X86_CR0_PE, CR0_LONG, CR4_LONG, &efer, true));
	CHECK(!cr0(vcpu, X86_CR0_PE, CR0_LONG, CR4_LONG | X86_CR4_PCIDE, &efer,
	    false));
	CHECK_EQ(efer, LME | LMA);
	CHECK(cr0(vcpu, X86_CR0_PE, CR0_LONG, CR4_LONG, &efer, false));
	CHECK_EQ(efer, LME);

	/* CR4: what the guest's CPUID shows, and never VMXE or PKS */
	bits = hv_cr4_guest_bits();
	CHECK((bits & (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE)) ==
	    (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE));
	CHECK(!(bits & (X86_CR4_VMXE | X86_CR4_PKS | 1ull << 15 | 1ull << 63)));
	efer = LME | LMA;
	CHECK(!cr4(vcpu, CR4_LONG | X86_CR4_VMXE, CR4_LONG, 0, efer, &flush));
	CHECK(!cr4(vcpu, CR4_LONG | X86_CR4_PKS, CR4_LONG, 0, efer, &flush));
	CHECK(!cr4(vcpu, CR4_LONG | 1ull << 15, CR4_LONG, 0, efer, &flush));
	/* IA-32e mode: PAE stays, LA57 does not change */
	CHECK(!cr4(vcpu, 0, CR4_LONG, 0, efer, &flush));
	CHECK(!cr4(vcpu, CR4_LONG ^ X86_CR4_LA57, CR4_LONG, 0, efer, &flush));
	/* PCIDE: only in IA-32e mode with CR3[11:0] clear, where CPUID has it */
	CHECK(!cr4(vcpu, CR4_LONG | X86_CR4_PCIDE, CR4_LONG, 0x1008, efer, &flush));
	CHECK(!cr4(vcpu, X86_CR4_PAE | X86_CR4_PCIDE, X86_CR4_PAE, 0x1000, 0,
	    &flush));
	CHECK_EQ(cr4(vcpu, CR4_LONG | X86_CR4_PCIDE, CR4_LONG, 0x1000, efer,
	    &flush), (bits & X86_CR4_PCIDE) != 0);
	/* a PGE change flushes, a PCE change does not */
	CHECK(cr4(vcpu, CR4_LONG | X86_CR4_PGE, CR4_LONG, 0, efer, &flush));
	CHECK(flush);
	CHECK(cr4(vcpu, CR4_LONG | X86_CR4_PCE, CR4_LONG, 0, efer, &flush));
	CHECK(!flush);

	hv_vm_destroy(vm);
	t_teardown();
}
