/*
 * fpu.c - the guest's x87/SSE registers, kept apart from the host's.
 *
 * Neither world switch touches the x87/SSE state: VMRUN/#VMEXIT leave it
 * alone (AMD APM Vol. 2 15.5) and VM entry/exit load no FPU register (Intel
 * SDM Vol. 3C 27.3, 28.5), so a guest would run on the host thread's FPU
 * registers and leave its own values behind.  Around each pinned stretch of
 * entries the host's state is FXSAVEd to a per-CPU page and the guest's
 * FXRSTORed from its vCPU page, and back after the last exit (SDM Vol. 2A
 * FXSAVE/FXRSTOR, 64-bit format).  XSAVE-only state (AVX upper halves and
 * beyond) is not covered: XCR0 stays the host's and the backends refuse a
 * guest XSETBV.
 *
 * Lazy-FPU hosts (DragonFly): CR0.TS is set while the current thread does
 * not own the FPU, and FXSAVE/FXRSTOR would raise #NM then (SDM Vol. 3A
 * 2.5).  hv_fpu_enter clears TS for the stretch and hv_fpu_leave sets it
 * again, so the FPU registers and TS are exactly as found once the stretch
 * ends; nothing in between may sleep (the backends call hv_fpu_leave before
 * exit handling that may allocate).
 */
#include "core.h"

#define CR0_TS		(1ull << 3)

/* FXSAVE image: FCW at byte 0, MXCSR at byte 24 (SDM Vol. 1 Table 10-2). */
#define FX_FCW		0
#define FX_MXCSR	24

static uint8_t *hv_fpu_host[HV_MAX_CPUS];	/* host FXSAVE area per CPU */

int
hv_fpu_cpus_alloc(void)
{
	int cpu;

	for (cpu = 0; cpu < hv_os_ncpus(); cpu++) {
		/* a page: FXSAVE wants 16-byte alignment */
		if (hv_fpu_host[cpu] == NULL &&
		    (hv_fpu_host[cpu] = hv_os_page_alloc()) == NULL)
			return HV_ENOMEM;
	}
	return 0;
}

void
hv_fpu_cpus_free(void)
{
	int cpu;

	for (cpu = 0; cpu < HV_MAX_CPUS; cpu++) {
		if (hv_fpu_host[cpu] != NULL)
			hv_os_page_free(hv_fpu_host[cpu]);
		hv_fpu_host[cpu] = NULL;
	}
}

/* The guest starts with the FNINIT state: FCW 0x37f, MXCSR 0x1f80 (masked). */
int
hv_fpu_vcpu_init(struct hv_vcpu *vcpu)
{
	uint8_t *a = hv_os_page_alloc();

	if (a == NULL)
		return HV_ENOMEM;
	a[FX_FCW] = 0x7f;
	a[FX_FCW + 1] = 0x03;
	a[FX_MXCSR] = 0x80;
	a[FX_MXCSR + 1] = 0x1f;
	vcpu->fpu = a;
	return 0;
}

/*
 * The vCPU object is freed right after: its field is left as it is, so a
 * run that goes on after the teardown (the exec_frees_vmm quirk) reaches
 * the freed, quarantined page rather than a NULL pointer, like every other
 * field the backends leave in place.
 */
void
hv_fpu_vcpu_fini(struct hv_vcpu *vcpu)
{
	hv_os_page_free(vcpu->fpu);
}

static uint64_t
read_cr0(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

bool
hv_fpu_enter(struct hv_vcpu *vcpu)
{
	uint8_t *host = hv_fpu_host[hv_os_cpu_id()];
	bool ts = (read_cr0() & CR0_TS) != 0;

	/* CLTS before the first FPU instruction: with TS set it would #NM */
	if (ts)
		__asm__ __volatile__("clts");
	__asm__ __volatile__("fxsave64 %0" : "=m"(*(uint8_t (*)[512])host));
	__asm__ __volatile__("fxrstor64 %0" : :
	    "m"(*(uint8_t (*)[512])vcpu->fpu));
	return ts;
}

void
hv_fpu_leave(struct hv_vcpu *vcpu, bool ts)
{
	uint8_t *host = hv_fpu_host[hv_os_cpu_id()];

	__asm__ __volatile__("fxsave64 %0" : "=m"(*(uint8_t (*)[512])vcpu->fpu));
	__asm__ __volatile__("fxrstor64 %0" : : "m"(*(uint8_t (*)[512])host));
	if (ts)
		__asm__ __volatile__("mov %0, %%cr0" : : "r"(read_cr0() | CR0_TS));
}
