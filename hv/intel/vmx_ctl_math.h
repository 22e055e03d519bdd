/*
 * vmx_ctl_math.h - VMX capability arithmetic (vmx_ctl_math.c; SDM Vol. 3D
 * A.3-A.8): pure functions of the capability MSR values, so the unit tests
 * check them on the build machine.
 */
#ifndef HV_INTEL_VMX_CTL_MATH_H
#define HV_INTEL_VMX_CTL_MATH_H

#include <stdint.h>

/*
 * A VMX control capability MSR: bits 31:0 are the allowed-0 settings (a 1
 * there means the control must be 1), bits 63:32 the allowed-1 settings (a 0
 * there means it must be 0).  Returns want with the must-be-1 bits added and
 * the must-be-0 bits removed; *refused (may be NULL) gets the bits of want
 * that the CPU does not allow to be 1.
 */
uint32_t hv_ctl_adjust(uint64_t cap, uint32_t want, uint32_t *refused);
/* CR0/CR4 fixed bits: 1 in fixed0 must be 1, 0 in fixed1 must be 0.
 * hv_cr_fixed_bad returns the bits of val that violate that (0 = fine). */
uint64_t hv_cr_fixed_bad(uint64_t val, uint64_t fixed0, uint64_t fixed1);
uint64_t hv_cr_fixed_apply(uint64_t val, uint64_t fixed0, uint64_t fixed1);

#endif /* HV_INTEL_VMX_CTL_MATH_H */
