/*
 * vmcb.c - fill a fresh VMCB: the intercepts and nested-paging controls, and
 * the guest boot states of hv.h (struct hv_boot).
 */
#include "svm.h"
#include "vmcb.h"

/*
 * Segment attributes in the VMCB's packed form (APM 15.5.1 / B-2): descriptor
 * bits 47:40 go to attr 7:0 and bits 55:52 (AVL, L, D/B, G) to attr 11:8.
 */
#define ATTR_CODE64	0x0a9b	/* P, S, execute/read accessed, L=1, G */
#define ATTR_CODE32	0x0c9b	/* P, S, execute/read accessed, D/B, G */
#define ATTR_DATA	0x0c93	/* P, S, read/write accessed, D/B, G */
#define ATTR_TSS_BUSY	0x008b	/* P, busy TSS: 64-bit in long mode, else 32-bit */

/* Power-on PAT (APM 7.8.2): WB, WT, UC-, UC repeated. */
#define PAT_DEFAULT	0x0007040600070406ull

void
vmcb_init_control(uint8_t *v, const struct svm_vm *svm_vm, uint32_t exc,
    uint64_t ncr3)
{
	/*
	 * exc: hv_exception_intercepts (a triple fault the CPU forms ends in
	 * a SHUTDOWN exit).  INTn is intercepted with #BP, i.e. only for the
	 * host's debugger: QEMU TCG treats INT3 as a software interrupt and
	 * checks only the INTn intercept for it, never #BP (svm_exit.c
	 * decides whose breakpoint it is).  Otherwise the CPU runs INTn
	 * itself: a fault while delivering one (a gate not present, a stack
	 * not writable) reports the INTn's own address, which re-injecting
	 * it past the instruction cannot give (15.20: faults report RIP).
	 */
	uint32_t intn = (exc & (1u << X86_VEC_BP)) ? VMCB_I1_INTN : 0;

	vmcb_wr32(v, VMCB_INTERCEPT_EXC, exc);
	/* every MOV DR until the guest's first (hv/dreg.c: lazy switch) */
	vmcb_wr32(v, VMCB_INTERCEPT_DR, VMCB_DR_ALL);
	/*
	 * MOV to CR4: the CPU takes any bit it has itself (and an emulator
	 * may take reserved ones, leaving a VMCB that VMRUN refuses); the
	 * guest may set only what its CPUID shows: the core's rule (hv/cr.c).
	 */
	vmcb_wr32(v, VMCB_INTERCEPT_CR, VMCB_ICR_WRITE(4));
	/*
	 * INTR/NMI/SMI: a host interrupt while the guest runs exits to the
	 * host, which takes it after STGI (APM 15.17, 15.21).
	 */
	/*
	 * INVD, WBINVD, RDPMC, MONITOR and MWAIT would act on the host CPU
	 * (its caches, its counters, its sleep): the core's rules (hv/exit.c).
	 */
	/*
	 * LGDT, LIDT, LLDT, LTR: the core does them, with the canonical
	 * check of the base the CPU underneath may lack (hv/dtload.c).
	 */
	vmcb_wr32(v, VMCB_INTERCEPT_MISC1, VMCB_I1_INTR | VMCB_I1_NMI |
	    VMCB_I1_SMI | VMCB_I1_CPUID | intn | VMCB_I1_HLT | VMCB_I1_IOIO |
	    VMCB_I1_MSR | VMCB_I1_SHUTDOWN | VMCB_I1_INVD | VMCB_I1_RDPMC |
	    VMCB_I1_INVLPGA | VMCB_I1_IDTR_WRITE | VMCB_I1_GDTR_WRITE |
	    VMCB_I1_LDTR_WRITE | VMCB_I1_TR_WRITE);
	/*
	 * VMRUN must be intercepted (APM 15.5.1 consistency check); the other
	 * SVM instructions (and INVLPGA above) are intercepted because the
	 * guest must not see SVM (they would otherwise run on guest-physical
	 * addresses, INVLPGA on any ASID's TLB entries).
	 */
	/*
	 * XSETBV too: VMRUN does not switch XCR0, so hv keeps the guest's
	 * (hv/xsave.c, hv/fpu.c) and checks what it may enable.  (QEMU 7.2
	 * TCG ignores this intercept: there the guest's XSETBV runs, and
	 * hv_fpu_leave takes the value it left.)
	 */
	vmcb_wr32(v, VMCB_INTERCEPT_MISC2, VMCB_I2_VMRUN | VMCB_I2_VMMCALL |
	    VMCB_I2_VMLOAD | VMCB_I2_VMSAVE | VMCB_I2_STGI | VMCB_I2_CLGI |
	    VMCB_I2_SKINIT | VMCB_I2_XSETBV | VMCB_I2_WBINVD | VMCB_I2_MONITOR |
	    VMCB_I2_MWAIT);
	vmcb_wr64(v, VMCB_IOPM_BASE_PA, svm_vm->iopm_pa);
	vmcb_wr64(v, VMCB_MSRPM_BASE_PA, svm_vm->msrpm_pa);
	/* Guest RFLAGS.IF then masks only virtual interrupts; physical ones
	 * are masked by the host's IF saved at VMRUN (APM 15.21.1). */
	vmcb_wr64(v, VMCB_VINTR, VMCB_VINTR_MASKING);
	/* One nested root per VM, shared by all its vCPUs (APM 15.25). */
	vmcb_wr64(v, VMCB_NP_CTL, VMCB_NP_ENABLE);
	vmcb_wr64(v, VMCB_N_CR3, ncr3);
	/* The ASID is chosen at each entry (asid.c). */
	vmcb_wr32(v, VMCB_GUEST_ASID, 0);
	vmcb_wr32(v, VMCB_CLEAN, 0);
}

const struct vmcb_intercept vmcb_required[] = {
	{ VMCB_INTERCEPT_EXC, 1u << X86_VEC_MC, "#MC intercept not set" },
	{ VMCB_INTERCEPT_MISC1, VMCB_I1_INVD, "INVD intercept not set" },
	{ VMCB_INTERCEPT_MISC1, VMCB_I1_RDPMC, "RDPMC intercept not set" },
	{ VMCB_INTERCEPT_MISC1, VMCB_I1_INVLPGA, "INVLPGA intercept not set" },
	{ VMCB_INTERCEPT_MISC2, VMCB_I2_WBINVD, "WBINVD intercept not set" },
	{ VMCB_INTERCEPT_MISC2, VMCB_I2_MONITOR, "MONITOR intercept not set" },
	{ VMCB_INTERCEPT_MISC2, VMCB_I2_MWAIT, "MWAIT intercept not set" },
};
const size_t vmcb_nrequired = sizeof(vmcb_required) / sizeof(vmcb_required[0]);

const char *
vmcb_check_intercepts(const uint8_t *v)
{
	size_t i;

	for (i = 0; i < vmcb_nrequired; i++)
		if (!(vmcb_rd32(v, vmcb_required[i].word) & vmcb_required[i].bit))
			return vmcb_required[i].name;
	return NULL;
}

/*
 * A boot state of hv.h (struct hv_boot) in the VMCB's guest save area; the
 * GPRs other than RAX and RSP are the caller's (struct svm_vcpu gpr[]).
 */
void
vmcb_init_boot_state(uint8_t *v, const struct hv_boot *b)
{
	bool lm = b->mode == HV_BOOT_LONG64;

	/* the multiboot v1 entry: a flat 32-bit code segment, paging off */
	vmcb_set_seg(v, VMCB_SEG_CS, 0x08, lm ? ATTR_CODE64 : ATTR_CODE32,
	    0xffffffffu, 0);
	vmcb_set_seg(v, VMCB_SEG_DS, 0x10, ATTR_DATA, 0xffffffffu, 0);
	vmcb_set_seg(v, VMCB_SEG_ES, 0x10, ATTR_DATA, 0xffffffffu, 0);
	vmcb_set_seg(v, VMCB_SEG_SS, 0x10, ATTR_DATA, 0xffffffffu, 0);
	vmcb_set_seg(v, VMCB_SEG_FS, 0x10, ATTR_DATA, 0xffffffffu, 0);
	vmcb_set_seg(v, VMCB_SEG_GS, 0x10, ATTR_DATA, 0xffffffffu, 0);
	/* No GDT, IDT or LDT (hv_abi.h); TR must still look like a TSS. */
	vmcb_set_seg(v, VMCB_SEG_GDTR, 0, 0, 0, 0);
	vmcb_set_seg(v, VMCB_SEG_IDTR, 0, 0, 0, 0);
	vmcb_set_seg(v, VMCB_SEG_LDTR, 0, 0, 0, 0);
	vmcb_set_seg(v, VMCB_SEG_TR, 0, ATTR_TSS_BUSY, 0x67, 0);
	vmcb_wr8(v, VMCB_CPL, 0);

	/*
	 * Long mode: EFER.LME and LMA with CR0.PG and CR4.PAE.  The 32-bit
	 * entry has EFER, CR4 and paging off; the guest's own MOV to CR0 then
	 * sets LMA (nothing intercepts CR0: APM 14.6.1 holds as on bare metal).
	 * The guest EFER must have SVME set or VMRUN fails (APM 15.5.1).
	 */
	if (lm) {
		vmcb_wr64(v, VMCB_EFER, X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE |
		    X86_EFER_SVME);
		vmcb_wr64(v, VMCB_CR0, X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_ET |
		    X86_CR0_MP | X86_CR0_PE);
		vmcb_wr64(v, VMCB_CR4, X86_CR4_PAE);
		vmcb_wr64(v, VMCB_CR3, HV_GUEST_PML4_GPA);
	} else {
		vmcb_wr64(v, VMCB_EFER, X86_EFER_SVME);
		vmcb_wr64(v, VMCB_CR0, X86_CR0_ET | X86_CR0_PE);
		vmcb_wr64(v, VMCB_CR4, 0);
		vmcb_wr64(v, VMCB_CR3, 0);
	}
	vmcb_wr64(v, VMCB_CR2, 0);
	vmcb_wr64(v, VMCB_DR6, X86_DR6_INIT);
	vmcb_wr64(v, VMCB_DR7, X86_DR7_INIT);
	vmcb_wr64(v, VMCB_RFLAGS, 0x2);
	vmcb_wr64(v, VMCB_RIP, b->rip);
	vmcb_wr64(v, VMCB_RSP, b->rsp);
	vmcb_wr64(v, VMCB_RAX, lm ? 0 : b->eax);
	vmcb_wr64(v, VMCB_G_PAT, PAT_DEFAULT);
	/* every field above may differ from what the CPU cached (APM 15.15) */
	vmcb_wr32(v, VMCB_CLEAN, 0);
}
