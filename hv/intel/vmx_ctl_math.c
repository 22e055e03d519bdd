/*
 * vmx_ctl_math.c - VMX capability math (SDM Vol. 3D Appendix A): fitting
 * a control field to its capability MSR and CR0/CR4 to their fixed bits.
 * Plain arithmetic, linked into the unit tests too.
 */
#include <stddef.h>

#include "vmx_ctl_math.h"

uint32_t
hv_ctl_adjust(uint64_t cap, uint32_t want, uint32_t *refused)
{
	uint32_t must1 = (uint32_t)cap;		/* allowed-0: 1 = must be 1 */
	uint32_t may1 = (uint32_t)(cap >> 32);	/* allowed-1: 0 = must be 0 */

	if (refused != NULL)
		*refused = want & ~may1;
	return (want | must1) & may1;
}

uint64_t
hv_cr_fixed_bad(uint64_t val, uint64_t fixed0, uint64_t fixed1)
{
	/* SDM A.7/A.8: 1 in FIXED0 = must be 1, 0 in FIXED1 = must be 0 */
	return (fixed0 & ~val) | (val & ~fixed1);
}

uint64_t
hv_cr_fixed_apply(uint64_t val, uint64_t fixed0, uint64_t fixed1)
{
	return (val | fixed0) & fixed1;
}
