/*
 * vmcb_check.c - after a VMRUN fails with VMEXIT_INVALID, find which of the
 * consistency checks of AMD APM Vol. 2 15.5.1 ("Canonicalization and
 * Consistency Checks") the VMCB breaks, so the error names it.  The CPU does
 * not say which check failed; this re-does them in software.
 */
#include "svm.h"
#include "vmcb.h"

/* EFER bits that exist (APM 3.1.7); every other bit must be zero. */
#define EFER_DEFINED	(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SVME | \
			 (1ull << 13) | (1ull << 14) | (1ull << 15) | \
			 (1ull << 17) | (1ull << 18) | (1ull << 20) | (1ull << 21))
/* CR4 bits that exist on AMD (APM 3.1.3): 11:0, LA57, FSGSBASE, PCIDE,
 * OSXSAVE, SMEP, SMAP, PKE, CET. */
#define CR4_DEFINED	(0xfffull | (1ull << 12) | (1ull << 16) | (1ull << 17) | \
			 (1ull << 18) | (1ull << 20) | (1ull << 21) | \
			 (1ull << 22) | (1ull << 23))
#define CS_ATTR_L	(1u << 9)
#define CS_ATTR_D	(1u << 10)

/* Is [pa, pa+len) beyond the physical-address width? */
static bool
beyond_phys(uint64_t pa, uint64_t len)
{
	int w = svm_caps.maxphyaddr ? svm_caps.maxphyaddr : 52;

	return ((pa + len - 1) >> w) != 0;
}

static const char *
check_event(uint64_t ev)
{
	unsigned type = x86_event_type(ev);
	unsigned vec = (unsigned)(ev & X86_EVENT_VECTOR);

	if (!(ev & X86_EVENT_VALID))
		return NULL;
	/* Types 1, 5, 6, 7 are reserved (VMX's software exceptions are not
	 * SVM's); an exception needs a vector below 32 other than 2 (NMI)
	 * (APM 15.20). */
	if (type == 1 || type > X86_EVENT_SW_INT)
		return "EVENTINJ: reserved event type";
	if (type == X86_EVENT_HW_EXC && (vec > 31 || vec == X86_VEC_NMI))
		return "EVENTINJ: illegal exception vector";
	return NULL;
}

void
vmcb_snapshot(const uint8_t *v, struct vmcb_snap *s)
{
	s->efer = vmcb_rd64(v, VMCB_EFER);
	s->cr0 = vmcb_rd64(v, VMCB_CR0);
	s->cr3 = vmcb_rd64(v, VMCB_CR3);
	s->cr4 = vmcb_rd64(v, VMCB_CR4);
	s->dr6 = vmcb_rd64(v, VMCB_DR6);
	s->dr7 = vmcb_rd64(v, VMCB_DR7);
	s->msrpm_pa = vmcb_rd64(v, VMCB_MSRPM_BASE_PA);
	s->iopm_pa = vmcb_rd64(v, VMCB_IOPM_BASE_PA);
	s->eventinj = vmcb_rd64(v, VMCB_EVENTINJ);
	s->intercept_misc2 = vmcb_rd32(v, VMCB_INTERCEPT_MISC2);
	s->asid = vmcb_rd32(v, VMCB_GUEST_ASID);
	s->cs_attr = vmcb_rd16(v, VMCB_SEG_CS + VMCB_SEG_ATTR);
}

const char *
vmcb_check(const struct vmcb_snap *s)
{
	uint64_t efer = s->efer, cr0 = s->cr0, cr3 = s->cr3, cr4 = s->cr4;
	uint16_t cs_attr = s->cs_attr;
	bool lm_paging = (efer & X86_EFER_LME) && (cr0 & X86_CR0_PG);

	if (!(efer & X86_EFER_SVME))
		return "EFER.SVME=0";
	if (!(cr0 & X86_CR0_CD) && (cr0 & X86_CR0_NW))
		return "CR0.CD=0 with CR0.NW=1";
	if (cr0 >> 32)
		return "CR0[63:32] not zero";
	if ((efer & X86_EFER_LMA) && beyond_phys(cr3 & ~0xfffull, 1))
		return "CR3 MBZ bits set (above the physical-address width)";
	if (cr4 & ~CR4_DEFINED)
		return "CR4 MBZ bits set";
	if (s->dr6 >> 32)
		return "DR6[63:32] not zero";
	if (s->dr7 >> 32)
		return "DR7[63:32] not zero";
	if (efer & ~EFER_DEFINED)
		return "EFER MBZ bits set";
	if (lm_paging && !(cr4 & X86_CR4_PAE))
		return "EFER.LME=1 and CR0.PG=1 with CR4.PAE=0";
	if (lm_paging && !(cr0 & X86_CR0_PE))
		return "EFER.LME=1 and CR0.PG=1 with CR0.PE=0";
	if (lm_paging && (cr4 & X86_CR4_PAE) && (cs_attr & CS_ATTR_L) &&
	    (cs_attr & CS_ATTR_D))
		return "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all set";
	if (!(s->intercept_misc2 & VMCB_I2_VMRUN))
		return "VMRUN intercept not set";
	if (beyond_phys(s->msrpm_pa, SVM_MSRPM_PAGES * HV_PAGE_SIZE))
		return "MSRPM beyond the maximum physical address";
	if (beyond_phys(s->iopm_pa, SVM_IOPM_PAGES * HV_PAGE_SIZE))
		return "IOPM beyond the maximum physical address";
	if (s->asid == 0)
		return "ASID 0 (the host's)";
	return check_event(s->eventinj);
}
