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

static inline int
vmx_vmxon(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ __volatile__("vmxon %2; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
	return vmx_result(cf, zf);
}

static inline int
vmx_vmxoff(void)
{
	uint8_t cf, zf;

	__asm__ __volatile__("vmxoff; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf) : : "cc", "memory");
	return vmx_result(cf, zf);
}

static inline int
vmx_vmclear(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ __volatile__("vmclear %2; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
	return vmx_result(cf, zf);
}

static inline int
vmx_vmptrld(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ __volatile__("vmptrld %2; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf) : "m"(pa) : "cc", "memory");
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

/* INVEPT types (SDM Vol. 3C 30.3 INVEPT) */
#define INVEPT_SINGLE	1
#define INVEPT_ALL	2

static inline int
vmx_invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };
	uint8_t cf, zf;

	__asm__ __volatile__("invept %2, %3; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_result(cf, zf);
}

/* INVVPID types (SDM Vol. 3C 30.3 INVVPID) */
#define INVVPID_SINGLE	1
#define INVVPID_ALL	2

static inline int
vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, addr; } desc = { vpid, 0 };
	uint8_t cf, zf;

	__asm__ __volatile__("invvpid %2, %3; setc %0; setz %1"
	    : "=q"(cf), "=q"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_result(cf, zf);
}

static inline uint64_t
vmx_rdmsr(uint32_t msr)
{
	return hv_rdmsr(msr);
}

static inline void
vmx_wrmsr(uint32_t msr, uint64_t val)
{
	hv_wrmsr(msr, val);
}

static inline uint64_t
vmx_rdcr0(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void
vmx_wrcr0(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint64_t
vmx_rdcr4(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void
vmx_wrcr4(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t
vmx_intr_save_disable(void)
{
	uint64_t fl;

	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(fl) : : "memory");
	return fl;
}

static inline void
vmx_intr_restore(uint64_t fl)
{
	__asm__ __volatile__("pushq %0; popfq" : : "r"(fl) : "memory", "cc");
}

#endif /* HV_INTEL_VMX_CPU_H */
