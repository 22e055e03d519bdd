/*
 * svm_fpu.c - the x87/SSE state is not part of the world switch (VMRUN and
 * #VMEXIT leave it alone, AMD APM Vol. 2 15.5), so a guest would run on the
 * host thread's FPU registers and leave its own values behind.  Around each
 * pinned stretch of guest entries the host's state is FXSAVEd to a per-CPU
 * page and the guest's FXRSTORed from its vCPU page, and back after the
 * last exit (AMD APM Vol. 5 FXSAVE/FXRSTOR).  XSAVE-only state (AVX upper
 * halves) is not covered.
 */
#include "svm.h"

#define CR0_TS		(1ull << 3)

/* FXSAVE image: FCW at byte 0, MXCSR at byte 24 (APM Vol. 5, FXSAVE). */
#define FX_FCW		0
#define FX_MXCSR	24

/* The guest starts with the FNINIT state: FCW 0x37f, MXCSR 0x1f80 masked. */
void
svm_fpu_init_guest(uint8_t *area)
{
	area[FX_FCW] = 0x7f;
	area[FX_FCW + 1] = 0x03;
	area[FX_MXCSR] = 0x80;
	area[FX_MXCSR + 1] = 0x1f;
}

static uint64_t
read_cr0(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

/*
 * Pinned.  A host that switches the FPU lazily may have CR0.TS set: the
 * FXSAVE/FXRSTOR would fault, so TS is cleared here and set again in
 * svm_fpu_leave.  Returns whether it was set.
 */
bool
svm_fpu_enter(uint8_t *host_area, uint8_t *guest_area)
{
	bool ts = (read_cr0() & CR0_TS) != 0;

	if (ts)
		__asm__ __volatile__("clts");
	__asm__ __volatile__("fxsave64 %0" : "=m"(*(uint8_t (*)[512])host_area));
	__asm__ __volatile__("fxrstor64 %0" : :
	    "m"(*(uint8_t (*)[512])guest_area));
	return ts;
}

void
svm_fpu_leave(uint8_t *host_area, uint8_t *guest_area, bool ts)
{
	__asm__ __volatile__("fxsave64 %0" : "=m"(*(uint8_t (*)[512])guest_area));
	__asm__ __volatile__("fxrstor64 %0" : :
	    "m"(*(uint8_t (*)[512])host_area));
	if (ts)
		__asm__ __volatile__("mov %0, %%cr0" : : "r"(read_cr0() | CR0_TS));
}
