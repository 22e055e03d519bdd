/*
 * vmcb.h - VMCB layout: byte offsets from the start of the 4 KiB VMCB, per
 * AMD APM Vol. 2 Appendix B (Table B-1 control area, Table B-2 state save
 * area, which starts at 0x400).  Accessed only through vmcb_rd/wr* so the
 * layout lives here and nowhere else.
 */
#ifndef HV_AMD_VMCB_H
#define HV_AMD_VMCB_H

#include <stdint.h>

/* ---- control area (Table B-1) ---- */
#define VMCB_INTERCEPT_CR	0x000	/* 32: reads 15:0, writes 31:16 */
#define VMCB_INTERCEPT_DR	0x004	/* 32: reads 15:0, writes 31:16 */
#define VMCB_DR_ALL		0x00ff00ffu	/* DR0-DR7 reads and writes */
#define VMCB_ICR_WRITE(cr)	(1u << (16 + (cr)))	/* the CR write intercept of cr */
#define VMCB_INTERCEPT_EXC	0x008	/* 32: one bit per vector */
#define VMCB_INTERCEPT_MISC1	0x00c	/* 32 */
#define VMCB_INTERCEPT_MISC2	0x010	/* 32 */
#define VMCB_IOPM_BASE_PA	0x040	/* 64 */
#define VMCB_MSRPM_BASE_PA	0x048	/* 64 */
#define VMCB_TSC_OFFSET		0x050	/* 64 */
#define VMCB_GUEST_ASID		0x058	/* 32 */
#define VMCB_TLB_CONTROL	0x05c	/* 8 */
#define VMCB_VINTR		0x060	/* 64: V_TPR, V_IRQ, ..., V_INTR_MASKING bit 24 */
#define VMCB_INT_SHADOW		0x068	/* 64 */
#define VMCB_EXITCODE		0x070	/* 64 */
#define VMCB_EXITINFO1		0x078	/* 64 */
#define VMCB_EXITINFO2		0x080	/* 64 */
#define VMCB_EXITINTINFO	0x088	/* 64: X86_EVENT_* (APM 15.7.2, 15.20) */
#define VMCB_NP_CTL		0x090	/* 64: bit 0 NP_ENABLE */
#define VMCB_EVENTINJ		0x0a8	/* 64: X86_EVENT_* (APM 15.20) */
#define VMCB_N_CR3		0x0b0	/* 64 */
#define VMCB_LBR_CTL		0x0b8	/* 64 */
#define VMCB_CLEAN		0x0c0	/* 32 */
#define VMCB_NRIP		0x0c8	/* 64 */

/* ---- state save area (Table B-2, offsets + 0x400) ---- */
#define VMCB_SEG_ES		0x400
#define VMCB_SEG_CS		0x410
#define VMCB_SEG_SS		0x420
#define VMCB_SEG_DS		0x430
#define VMCB_SEG_FS		0x440
#define VMCB_SEG_GS		0x450
#define VMCB_SEG_GDTR		0x460
#define VMCB_SEG_LDTR		0x470
#define VMCB_SEG_IDTR		0x480
#define VMCB_SEG_TR		0x490
/* within a segment: selector 16, attrib 16, limit 32, base 64; the attrib
 * word packs descriptor bits 40-47 and 52-55 (APM Vol. 2 15.5.1) */
#define VMCB_ATTR_L		(1u << 9)	/* 64-bit code */
#define VMCB_ATTR_DB		(1u << 10)	/* default size 32 */
#define VMCB_SEG_SEL		0x0
#define VMCB_SEG_ATTR		0x2
#define VMCB_SEG_LIMIT		0x4
#define VMCB_SEG_BASE		0x8
#define VMCB_CPL		0x4cb	/* 8 */
#define VMCB_EFER		0x4d0
#define VMCB_CR4		0x548
#define VMCB_CR3		0x550
#define VMCB_CR0		0x558
#define VMCB_DR7		0x560
#define VMCB_DR6		0x568
#define VMCB_RFLAGS		0x570
#define VMCB_RIP		0x578
#define VMCB_RSP		0x5d8
#define VMCB_RAX		0x5f8
#define VMCB_STAR		0x600
#define VMCB_LSTAR		0x608
#define VMCB_CSTAR		0x610
#define VMCB_SFMASK		0x618
#define VMCB_KERNEL_GS_BASE	0x620
#define VMCB_SYSENTER_CS	0x628
#define VMCB_SYSENTER_ESP	0x630
#define VMCB_SYSENTER_EIP	0x638
#define VMCB_CR2		0x640
#define VMCB_G_PAT		0x668
#define VMCB_DBGCTL		0x670

/* MISC1 intercept bits (vector 3 of Table B-1, offset 0x0c) */
#define VMCB_I1_INTR		(1u << 0)
#define VMCB_I1_NMI		(1u << 1)
#define VMCB_I1_SMI		(1u << 2)
#define VMCB_I1_VINTR		(1u << 4)
#define VMCB_I1_IDTR_WRITE	(1u << 10)
#define VMCB_I1_GDTR_WRITE	(1u << 11)
#define VMCB_I1_LDTR_WRITE	(1u << 12)
#define VMCB_I1_TR_WRITE	(1u << 13)
#define VMCB_I1_RDPMC		(1u << 15)
#define VMCB_I1_CPUID		(1u << 18)
#define VMCB_I1_IRET		(1u << 20)
#define VMCB_I1_INTN		(1u << 21)
#define VMCB_I1_INVD		(1u << 22)
#define VMCB_I1_HLT		(1u << 24)
#define VMCB_I1_INVLPGA		(1u << 26)
#define VMCB_I1_IOIO		(1u << 27)
#define VMCB_I1_MSR		(1u << 28)
#define VMCB_I1_SHUTDOWN	(1u << 31)
/* MISC2 intercept bits (offset 0x10) */
#define VMCB_I2_VMRUN		(1u << 0)
#define VMCB_I2_VMMCALL		(1u << 1)
#define VMCB_I2_VMLOAD		(1u << 2)
#define VMCB_I2_VMSAVE		(1u << 3)
#define VMCB_I2_STGI		(1u << 4)
#define VMCB_I2_CLGI		(1u << 5)
#define VMCB_I2_SKINIT		(1u << 6)
#define VMCB_I2_WBINVD		(1u << 9)
#define VMCB_I2_MONITOR		(1u << 10)	/* and MONITORX */
#define VMCB_I2_MWAIT		(1u << 11)	/* unconditional; and MWAITX */
#define VMCB_I2_XSETBV		(1u << 13)

#define VMCB_VINTR_MASKING	(1ull << 24)	/* APM 15.21.1 */
/* the virtual interrupt itself (APM 15.21.4, Table B-1 offset 0x60) */
#define VMCB_V_IRQ		(1ull << 8)
#define VMCB_V_INTR_PRIO_SHIFT	16		/* bits 19:16 */
#define VMCB_V_IGN_TPR		(1ull << 20)
#define VMCB_V_INTR_VECTOR_SHIFT 32		/* bits 39:32 */
#define VMCB_NP_ENABLE		(1ull << 0)

/* TLB_CONTROL values (APM 15.16.1) */
#define TLB_CONTROL_NONE	0
#define TLB_CONTROL_ALL		1	/* every ASID */
#define TLB_CONTROL_GUEST	3	/* this guest's ASID (FlushByAsid) */

static inline uint64_t vmcb_rd64(const uint8_t *v, unsigned off)
{
	return *(const volatile uint64_t *)(const volatile void *)(v + off);
}
static inline uint32_t vmcb_rd32(const uint8_t *v, unsigned off)
{
	return *(const volatile uint32_t *)(const volatile void *)(v + off);
}
static inline uint16_t vmcb_rd16(const uint8_t *v, unsigned off)
{
	return *(const volatile uint16_t *)(const volatile void *)(v + off);
}
static inline uint8_t vmcb_rd8(const uint8_t *v, unsigned off)
{
	return *(const volatile uint8_t *)(const volatile void *)(v + off);
}
static inline void vmcb_wr64(uint8_t *v, unsigned off, uint64_t x)
{
	*(volatile uint64_t *)(volatile void *)(v + off) = x;
}
static inline void vmcb_wr32(uint8_t *v, unsigned off, uint32_t x)
{
	*(volatile uint32_t *)(volatile void *)(v + off) = x;
}
static inline void vmcb_wr16(uint8_t *v, unsigned off, uint16_t x)
{
	*(volatile uint16_t *)(volatile void *)(v + off) = x;
}
static inline void vmcb_wr8(uint8_t *v, unsigned off, uint8_t x)
{
	*(volatile uint8_t *)(volatile void *)(v + off) = x;
}

/* One segment register (selector, VMCB-format attributes, limit, base). */
static inline void vmcb_set_seg(uint8_t *v, unsigned seg, uint16_t sel,
    uint16_t attr, uint32_t limit, uint64_t base)
{
	vmcb_wr16(v, seg + VMCB_SEG_SEL, sel);
	vmcb_wr16(v, seg + VMCB_SEG_ATTR, attr);
	vmcb_wr32(v, seg + VMCB_SEG_LIMIT, limit);
	vmcb_wr64(v, seg + VMCB_SEG_BASE, base);
}

#endif /* HV_AMD_VMCB_H */
