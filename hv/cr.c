/*
 * cr.c - the guest-visible rules of writes to CR0 and CR4, once for both
 * backends: for CR4 which bits a guest may set (those whose feature its
 * CPUID shows), for both the #GP conditions of SDM Vol. 2A "MOV - Move
 * to/from Control Registers" and APM Vol. 2 3.1.1-3.1.3, and what changes
 * with them (EFER.LMA, the TLB).  The backend decodes the write into a
 * struct hv_vmexit (HV_VX_CR0_WRITE, HV_VX_CR4_WRITE) and applies the
 * result.
 */
#include "core.h"
#include "x86_arch.h"

/* the CPUID words a CR4 feature is named in */
enum cr4_word { W1_ECX, W1_EDX, W7_EBX, W7_ECX, W7_EDX, W71_EAX, NWORDS };

/*
 * Each CR4 bit and the CPUID feature that makes it settable (SDM Vol. 3A
 * 2.5, Vol. 2A CPUID Tables 3-10, 3-11 and leaf 7;
 * APM Vol. 2 3.1.3).  A bit not in this table is reserved: setting it is
 * #GP.  PCE has no feature flag: every CPU with RDPMC has it.
 */
static const struct {
	uint64_t	 cr4;
	enum cr4_word	 word;
	uint32_t	 cpuid;		/* 0: always there */
} cr4_features[] = {
	{ X86_CR4_VME,		W1_EDX,	 1u << 1 },	/* VME */
	{ X86_CR4_PVI,		W1_EDX,	 1u << 1 },	/* VME */
	{ X86_CR4_TSD,		W1_EDX,	 1u << 4 },	/* TSC */
	{ X86_CR4_DE,		W1_EDX,	 1u << 2 },	/* DE */
	{ X86_CR4_PSE,		W1_EDX,	 1u << 3 },	/* PSE */
	{ X86_CR4_PAE,		W1_EDX,	 1u << 6 },	/* PAE */
	{ X86_CR4_MCE,		W1_EDX,	 1u << 7 },	/* MCE */
	{ X86_CR4_PGE,		W1_EDX,	 1u << 13 },	/* PGE */
	{ X86_CR4_PCE,		W1_EDX,	 0 },
	{ X86_CR4_OSFXSR,	W1_EDX,	 1u << 24 },	/* FXSR */
	{ X86_CR4_OSXMMEXCPT,	W1_EDX,	 1u << 25 },	/* SSE */
	{ X86_CR4_UMIP,		W7_ECX,	 1u << 2 },	/* UMIP */
	{ X86_CR4_LA57,		W7_ECX,	 (uint32_t)X86_CPUID7_ECX_LA57 },
	{ X86_CR4_VMXE,		W1_ECX,	 (uint32_t)X86_CPUID1_ECX_VMX },
	{ X86_CR4_SMXE,		W1_ECX,	 1u << 6 },	/* SMX */
	{ X86_CR4_FSGSBASE,	W7_EBX,	 1u << 0 },	/* FSGSBASE */
	{ X86_CR4_PCIDE,	W1_ECX,	 1u << 17 },	/* PCID */
	{ X86_CR4_OSXSAVE,	W1_ECX,	 (uint32_t)X86_CPUID1_ECX_XSAVE },
	{ X86_CR4_KL,		W7_ECX,	 1u << 23 },	/* Key Locker */
	{ X86_CR4_SMEP,		W7_EBX,	 1u << 7 },	/* SMEP */
	{ X86_CR4_SMAP,		W7_EBX,	 1u << 20 },	/* SMAP */
	{ X86_CR4_PKE,		W7_ECX,	 1u << 3 },	/* PKU */
	{ X86_CR4_CET,		W7_ECX,	 1u << 7 },	/* CET shadow stacks */
	{ X86_CR4_CET,		W7_EDX,	 1u << 20 },	/* CET indirect branches */
	{ X86_CR4_PKS,		W7_ECX,	 (uint32_t)X86_CPUID7_ECX_PKS },
	{ X86_CR4_UINTR,	W7_EDX,	 1u << 5 },	/* UINTR */
	{ X86_CR4_LAM_SUP,	W71_EAX, 1u << 26 },	/* LAM */
};

uint64_t
hv_cr4_guest_bits(void)
{
	uint32_t r[4], w[NWORDS] = { 0 };
	uint64_t bits = 0;
	size_t i;

	hv_guest_features(0, 0, r);
	if (r[0] >= 7) {	/* else leaf 7 answers as the highest leaf */
		hv_guest_features(7, 0, r);
		w[W7_EBX] = r[1];
		w[W7_ECX] = r[2];
		w[W7_EDX] = r[3];
		if (r[0] >= 1) {	/* subleaves of leaf 7 */
			hv_guest_features(7, 1, r);
			w[W71_EAX] = r[0];
		}
	}
	hv_guest_features(1, 0, r);
	w[W1_ECX] = r[2];
	w[W1_EDX] = r[3];
	for (i = 0; i < sizeof(cr4_features) / sizeof(cr4_features[0]); i++)
		if ((w[cr4_features[i].word] & cr4_features[i].cpuid) ==
		    cr4_features[i].cpuid)
			bits |= cr4_features[i].cr4;
	return bits;
}

/*
 * An address written to an MSR that holds a linear address must be
 * canonical in the processor's linear-address width: 57 bits where it
 * supports 5-level paging, whether or not CR4.LA57 is set (Intel's 5-Level
 * Paging white paper, on canonicality checking), else 48.  The guest's
 * processor is what its CPUID shows.
 */
bool
hv_guest_canonical(uint64_t va)
{
	uint32_t r[4];

	/* only LA57 matters: leaf 7 alone, not the whole CR4 mask */
	hv_guest_features(0, 0, r);
	if (r[0] < 7)
		return x86_canonical(va);
	hv_guest_features(7, 0, r);
	return (r[2] & X86_CPUID7_ECX_LA57) != 0 ? x86_canonical57(va) :
	    x86_canonical(va);
}

/*
 * MOV to CR4 (SDM Vol. 2A MOV CR, Vol. 3A 4.10.1; APM Vol. 2 3.1.3): #GP for
 * a bit the guest's CPUID does not show, for clearing PAE or changing LA57
 * in IA-32e mode, for setting PCIDE outside IA-32e mode or with CR3[11:0]
 * not 0, and for setting CET while CR0.WP is clear.  A change of the bits
 * that shape translations flushes the TLB (SDM Vol. 3A 4.10.4.1); the
 * backend does it, since the write itself never reached the CPU.
 */
int
hv_vx_cr4_write(struct hv_vmexit *vx)
{
	uint64_t v = vx->value, changed = v ^ vx->cr4;
	bool lma = (vx->efer & X86_EFER_LMA) != 0;

	if ((v & ~hv_cr4_guest_bits()) != 0 ||
	    (lma && !(v & X86_CR4_PAE)) ||
	    (lma && (changed & X86_CR4_LA57)) ||
	    ((v & changed & X86_CR4_PCIDE) && (!lma || (vx->cr3 & 0xfff))) ||
	    ((v & X86_CR4_CET) && !(vx->cr0 & X86_CR0_WP))) {
		vx->gp = true;
		return HV_RESUME;
	}
	vx->flush = (changed & (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE |
	    X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE |
	    X86_CR4_PKS | X86_CR4_LA57)) != 0;
	vx->skip = true;
	return HV_RESUME;
}

/*
 * MOV to CR0, CLTS, LMSW (SDM Vol. 2A MOV CR, Vol. 3A 2.5, 9.8.5, 4.10.1;
 * APM Vol. 2 3.1.1, 14.6.1): #GP for bits 63:32, PG without PE, NW without
 * CD; for turning paging on with EFER.LME but not CR4.PAE (or from 64-bit
 * code); for turning it off in IA-32e mode from 64-bit code or with
 * CR4.PCIDE set.  Paging on with LME enters IA-32e mode and paging off
 * leaves it: EFER.LMA follows in vx->efer.  A change of PE, PG or WP
 * flushes the guest's TLB.
 */
int
hv_vx_cr0_write(struct hv_vmexit *vx)
{
	uint64_t v = vx->value;
	bool pg = (v & X86_CR0_PG) != 0, was_pg = (vx->cr0 & X86_CR0_PG) != 0;
	bool lme = (vx->efer & X86_EFER_LME) != 0;
	bool lma = (vx->efer & X86_EFER_LMA) != 0;

	if ((v >> 32) != 0 || (pg && !(v & X86_CR0_PE)) ||
	    ((v & X86_CR0_NW) && !(v & X86_CR0_CD)) ||
	    (pg && !was_pg && lme && (!(vx->cr4 & X86_CR4_PAE) || vx->code64)) ||
	    (!pg && was_pg && lma && (vx->code64 || (vx->cr4 & X86_CR4_PCIDE)))) {
		vx->gp = true;
		return HV_RESUME;
	}
	if (pg && !was_pg && lme)
		vx->efer |= X86_EFER_LMA;
	else if (!pg && was_pg)
		vx->efer &= ~(uint64_t)X86_EFER_LMA;
	vx->flush = ((v ^ vx->cr0) & (X86_CR0_PE | X86_CR0_PG | X86_CR0_WP)) != 0;
	vx->skip = true;
	return HV_RESUME;
}
