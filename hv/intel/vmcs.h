/*
 * vmcs.h - VMCS field encodings (SDM Vol. 3D Appendix B) and the VMCS
 * accessors of vmcs.c.  Only vmcs.c executes VMREAD/VMWRITE.
 */
#ifndef HV_INTEL_VMCS_H
#define HV_INTEL_VMCS_H

#include <stdint.h>

/* 16-bit fields (B.1) */
#define VMCS_VPID			0x0000
#define VMCS_GUEST_ES_SEL		0x0800
#define VMCS_GUEST_CS_SEL		0x0802
#define VMCS_GUEST_SS_SEL		0x0804
#define VMCS_GUEST_DS_SEL		0x0806
#define VMCS_GUEST_FS_SEL		0x0808
#define VMCS_GUEST_GS_SEL		0x080a
#define VMCS_GUEST_LDTR_SEL		0x080c
#define VMCS_GUEST_TR_SEL		0x080e
#define VMCS_HOST_ES_SEL		0x0c00
#define VMCS_HOST_CS_SEL		0x0c02
#define VMCS_HOST_SS_SEL		0x0c04
#define VMCS_HOST_DS_SEL		0x0c06
#define VMCS_HOST_FS_SEL		0x0c08
#define VMCS_HOST_GS_SEL		0x0c0a
#define VMCS_HOST_TR_SEL		0x0c0c

/* 64-bit fields (B.2) */
#define VMCS_IO_BITMAP_A		0x2000
#define VMCS_IO_BITMAP_B		0x2002
#define VMCS_MSR_BITMAP			0x2004
#define VMCS_EXIT_MSR_STORE_ADDR	0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR		0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR	0x200a
#define VMCS_TSC_OFFSET			0x2010
#define VMCS_VIRTUAL_APIC_ADDR		0x2012
#define VMCS_EPTP			0x201a
#define VMCS_GUEST_PHYS_ADDR		0x2400
#define VMCS_LINK_POINTER		0x2800
#define VMCS_GUEST_DEBUGCTL		0x2802
#define VMCS_GUEST_PAT			0x2804
#define VMCS_GUEST_EFER			0x2806
#define VMCS_GUEST_PKRS			0x2818
#define VMCS_HOST_PAT			0x2c00
#define VMCS_HOST_EFER			0x2c02
#define VMCS_HOST_PKRS			0x2c06

/* 32-bit fields (B.3) */
#define VMCS_PIN_CTLS			0x4000
#define VMCS_PROC_CTLS			0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_TPR_THRESHOLD		0x401c
#define VMCS_PF_ERR_MASK		0x4006
#define VMCS_PF_ERR_MATCH		0x4008
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CTLS			0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CTLS			0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_EXCEPTION_ERR	0x4018
#define VMCS_ENTRY_INSN_LEN		0x401a
#define VMCS_PROC_CTLS2			0x401e
#define VMCS_INSN_ERROR			0x4400
#define VMCS_EXIT_REASON		0x4402
#define VMCS_EXIT_INTR_INFO		0x4404
#define VMCS_EXIT_INTR_ERR		0x4406
#define VMCS_IDT_VECTORING_INFO		0x4408
#define VMCS_IDT_VECTORING_ERR		0x440a
#define VMCS_EXIT_INSN_LEN		0x440c
#define VMCS_EXIT_INSN_INFO		0x440e

/* Exit reason bit 31: the VM entry failed (SDM Vol. 3C 28.2.1). */
#define EXIT_REASON_ENTRY_FAIL		0x80000000u

/* The VM-entry and VM-exit interruption-information and IDT-vectoring
 * information fields (SDM Vol. 3C 25.8.3, 28.2.2, 28.2.4) have the layout
 * of SVM's EVENTINJ: hv/x86_arch.h's X86_EVENT_*. */
#define VMCS_GUEST_ES_LIMIT		0x4800
#define VMCS_GUEST_CS_LIMIT		0x4802
#define VMCS_GUEST_SS_LIMIT		0x4804
#define VMCS_GUEST_DS_LIMIT		0x4806
#define VMCS_GUEST_FS_LIMIT		0x4808
#define VMCS_GUEST_GS_LIMIT		0x480a
#define VMCS_GUEST_LDTR_LIMIT		0x480c
#define VMCS_GUEST_TR_LIMIT		0x480e
#define VMCS_GUEST_GDTR_LIMIT		0x4810
#define VMCS_GUEST_IDTR_LIMIT		0x4812
#define VMCS_GUEST_ES_AR		0x4814
#define VMCS_GUEST_CS_AR		0x4816
#define VMCS_GUEST_SS_AR		0x4818
#define VMCS_GUEST_DS_AR		0x481a
#define VMCS_GUEST_FS_AR		0x481c
#define VMCS_GUEST_GS_AR		0x481e
#define VMCS_GUEST_LDTR_AR		0x4820
#define VMCS_GUEST_TR_AR		0x4822
#define VMCS_GUEST_INTERRUPTIBILITY	0x4824
#define VMCS_GUEST_ACTIVITY		0x4826
#define VMCS_GUEST_SYSENTER_CS		0x482a
#define VMCS_PREEMPT_TIMER		0x482e
#define VMCS_HOST_SYSENTER_CS		0x4c00

/* natural-width fields (B.4) */
#define VMCS_CR0_MASK			0x6000
#define VMCS_CR4_MASK			0x6002
#define VMCS_CR0_SHADOW			0x6004
#define VMCS_CR4_SHADOW			0x6006
#define VMCS_EXIT_QUAL			0x6400
#define VMCS_GUEST_LINEAR_ADDR		0x640a
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_ES_BASE		0x6806
#define VMCS_GUEST_CS_BASE		0x6808
#define VMCS_GUEST_SS_BASE		0x680a
#define VMCS_GUEST_DS_BASE		0x680c
#define VMCS_GUEST_FS_BASE		0x680e
#define VMCS_GUEST_GS_BASE		0x6810
#define VMCS_GUEST_LDTR_BASE		0x6812
#define VMCS_GUEST_TR_BASE		0x6814
#define VMCS_GUEST_GDTR_BASE		0x6816
#define VMCS_GUEST_IDTR_BASE		0x6818
#define VMCS_GUEST_DR7			0x681a
#define VMCS_GUEST_RSP			0x681c
#define VMCS_GUEST_RIP			0x681e
#define VMCS_GUEST_RFLAGS		0x6820
#define VMCS_GUEST_PENDING_DBG		0x6822
#define VMCS_GUEST_SYSENTER_ESP		0x6824
#define VMCS_GUEST_SYSENTER_EIP		0x6826
#define VMCS_HOST_CR0			0x6c00
#define VMCS_HOST_CR3			0x6c02
#define VMCS_HOST_CR4			0x6c04
#define VMCS_HOST_FS_BASE		0x6c06
#define VMCS_HOST_GS_BASE		0x6c08
#define VMCS_HOST_TR_BASE		0x6c0a
#define VMCS_HOST_GDTR_BASE		0x6c0c
#define VMCS_HOST_IDTR_BASE		0x6c0e
#define VMCS_HOST_SYSENTER_ESP		0x6c10
#define VMCS_HOST_SYSENTER_EIP		0x6c12
#define VMCS_HOST_RSP			0x6c14
#define VMCS_HOST_RIP			0x6c16

/* Segment access rights as the VMCS holds them (SDM 24.4.1, Table 24-2). */
#define VMX_AR_TYPE(ar)		((ar) & 0xf)
#define VMX_AR_S		(1u << 4)
#define VMX_AR_DPL(ar)		(((ar) >> 5) & 3)
#define VMX_AR_DPL3		(3u << 5)	/* SS.DPL = 3: the guest at CPL 3 */
#define VMX_AR_P		(1u << 7)
#define VMX_AR_L		(1u << 13)
#define VMX_AR_DB		(1u << 14)
#define VMX_AR_G		(1u << 15)
#define VMX_AR_UNUSABLE		(1u << 16)

/*
 * Accessors of the current VMCS on this CPU.  A failed access is logged with
 * the field encoding and the decoded VM-instruction error; vmcs_write
 * returns 0 or HV_EIO, vmcs_read returns 0 (and logs) on failure.
 */
int	 vmcs_write_fail(uint32_t field, uint64_t val);	/* vmcs.c */
uint64_t vmcs_read_fail(uint32_t field);			/* vmcs.c */

/* inline (every exit reads several fields): VMsucceed leaves CF and ZF
 * clear (SDM Vol. 3C 31.2), i.e. "above"; a failure is decoded out of line */
static inline uint64_t
vmcs_read(uint32_t field)
{
	uint64_t v;
	uint8_t ok;

	__asm__ __volatile__("vmread %2, %1; seta %0"
	    : "=q"(ok), "=rm"(v) : "r"((uint64_t)field) : "cc");
	return ok ? v : vmcs_read_fail(field);
}

static inline int
vmcs_write(uint32_t field, uint64_t val)
{
	uint8_t ok;

	__asm__ __volatile__("vmwrite %2, %1; seta %0"
	    : "=q"(ok) : "r"((uint64_t)field), "rm"(val) : "cc");
	return ok ? 0 : vmcs_write_fail(field, val);
}

#endif /* HV_INTEL_VMCS_H */
