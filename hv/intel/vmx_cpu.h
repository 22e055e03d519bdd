/*
 * vmx_cpu.h - the VMX instructions and the few privileged register accesses
 * the Intel backend needs, as inline functions.
 *
 * Every VMX instruction reports its outcome in RFLAGS (SDM Vol. 3C 31.2):
 * CF=1 is VMfailInvalid (no current VMCS to hold an error number), ZF=1 is
 * VMfailValid (the number is in the VM-instruction error field), both clear
 * is success.  The wrappers return one of the VMX_* codes below and callers
 * must look at it.
 */
#ifndef HV_INTEL_VMX_CPU_H
#define HV_INTEL_VMX_CPU_H

#include <stdint.h>
#include "x86_arch.h"
#include "hv_util.h"	/* hv_rdmsr, hv_wrmsr */

#define VMX_OK			0
#define VMX_FAIL_INVALID	1
#define VMX_FAIL_VALID		2

static inline int
vmx_result(uint8_t cf, uint8_t zf)
{
	if (cf)
		return VMX_FAIL_INVALID;
	if (zf)
		return VMX_FAIL_VALID;
	return VMX_OK;
}

/*
 * vmx_<insn>(pa): VMXON, VMCLEAR and VMPTRLD, which take the physical
 * address of a VMXON region or VMCS as a 64-bit memory operand.
 */
#define VMX_PA_INSN(insn)						\
static inline int							\
vmx_##insn(uint64_t pa)							\
{									\
	uint8_t cf, zf;							\
									\
	__asm__ __volatile__(#insn " %2; setc %0; setz %1"		\
	    : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");		\
	return vmx_result(cf, zf);					\
}
VMX_PA_INSN(vmxon)
VMX_PA_INSN(vmclear)
VMX_PA_INSN(vmptrld)

static inline int
vmx_vmxoff(void)
{
	uint8_t cf, zf;

	__asm__ __volatile__("vmxoff; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf) : : "cc", "memory");
	return vmx_result(cf, zf);
}

/* the current-VMCS pointer, all ones when there is none (SDM 24.11.2) */
static inline uint64_t
vmx_vmptrst(void)
{
	uint64_t pa;

	__asm__ __volatile__("vmptrst %0" : "=m"(pa) : : "memory");
	return pa;
}

static inline int
vmx_vmread(uint64_t field, uint64_t *val)
{
	uint8_t cf, zf;
	uint64_t v;

	__asm__ __volatile__("vmread %3, %2; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf), "=rm"(v) : "r"(field) : "cc");
	*val = v;
	return vmx_result(cf, zf);
}

static inline int
vmx_vmwrite(uint64_t field, uint64_t val)
{
	uint8_t cf, zf;

	__asm__ __volatile__("vmwrite %3, %2; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf) : "r"(field), "rm"(val) : "cc");
	return vmx_result(cf, zf);
}

/* INVEPT and INVVPID types (SDM Vol. 3C 30.3 INVEPT, INVVPID) */
#define INVEPT_SINGLE	1
#define INVEPT_ALL	2
#define INVVPID_SINGLE	1
#define INVVPID_ALL	2

/*
 * vmx_<insn>(type, id): INVEPT and INVVPID, whose 128-bit descriptor holds
 * the EPTP or the VPID in its first quadword and 0 (INVEPT: reserved;
 * INVVPID: the linear address, unused by the types above) in the second.
 */
#define VMX_INV_INSN(insn)						\
static inline int							\
vmx_##insn(uint64_t type, uint64_t id)					\
{									\
	struct { uint64_t id, zero; } desc = { id, 0 };			\
	uint8_t cf, zf;							\
									\
	__asm__ __volatile__(#insn " %2, %3; setc %0; setz %1"		\
	    : "=q"(cf), "=q"(zf) : "m"(desc), "r"(type) : "cc", "memory");	\
	return vmx_result(cf, zf);					\
}
VMX_INV_INSN(invept)
VMX_INV_INSN(invvpid)

#endif /* HV_INTEL_VMX_CPU_H */
