/*
 * fpu.c - the guest's FPU/SSE/AVX registers, kept apart from the host's.
 *
 * Neither world switch touches the FPU state: VMRUN/#VMEXIT leave it
 * alone (AMD APM Vol. 2 15.5) and VM entry/exit load no FPU register (Intel
 * SDM Vol. 3C 27.3, 28.5), so a guest would run on the host thread's FPU
 * registers and leave its own values behind.  Around each pinned stretch of
 * entries the host's state is saved to a per-CPU area and the guest's
 * restored from its vCPU area, and back after the last exit.
 *
 * Which instructions: with the host's CR4.OSXSAVE set (CPUID.1:ECX.OSXSAVE
 * mirrors it, SDM Vol. 2A CPUID) XSAVE/XRSTOR with the host's XCR0 as the
 * mask, so every component the host enabled is switched, AVX's upper YMM
 * halves included (SDM Vol. 1 13.7, 13.8).  Without OSXSAVE, XSAVE #UDs
 * and the host has only the x87/SSE state: FXSAVE/FXRSTOR (SDM Vol. 2A,
 * 64-bit format).
 *
 * XCR0 is switched with the state.  Neither world switch loads it (VMX:
 * not in the VMCS, SDM Vol. 3C 25.4, 25.5; SVM: not in the VMCB, APM Vol. 2
 * 15.5.1), so the guest's value (reset: x87 only, SDM Vol. 3A 2.6) is kept
 * in the vCPU and set for the stretch, and the host's comes back at its end.
 * The guest may enable only components of the host's XCR0 (hv/xsave.c's
 * XSETBV rule): those are what the saves below cover.  Both the guest's and
 * the host's state are saved and restored under the host's XCR0, so every
 * component is switched whatever the guest enabled: XCR0.SSE clear does not
 * stop SSE instructions (CR4.OSFXSR does), and the guest's XMM registers
 * are its own all the same.
 *
 * Lazy-FPU hosts (DragonFly): CR0.TS is set while the current thread does
 * not own the FPU, and FXSAVE/XSAVE and their restores would raise #NM then
 * (SDM Vol. 3A 2.5, Vol. 1 13.7).  hv_fpu_enter clears TS for the stretch
 * and hv_fpu_leave sets it again, so the FPU registers and TS are exactly as
 * found once the stretch ends; nothing in between may sleep (the backends
 * call hv_fpu_leave before exit handling that may allocate).
 */
#include "core.h"
#include "x86_arch.h"

/* FXSAVE image: FCW at byte 0, MXCSR at byte 24 (SDM Vol. 1 Table 10-2);
 * the XSAVE area starts with the same 512-byte legacy region (13.4.1). */
#define FX_FCW		0
#define FX_MXCSR	24

static uint8_t *hv_fpu_host[HV_MAX_CPUS];	/* host save area per CPU */
static bool hv_fpu_xsave;		/* XSAVE/XRSTOR, else FXSAVE/FXRSTOR */
static uint64_t hv_fpu_mask;		/* XSAVE: the host's XCR0 */
static size_t hv_fpu_pages = 1;		/* pages per save area */

/*
 * XSAVE when the host OS enabled it, in the standard format of the host's
 * XCR0 (hv/xsave.c sizes it from CPUID leaf 0xD, SDM Vol. 1 13.4);
 * XSAVE/XRSTOR want the area 64-byte aligned (13.4), pages are.
 */
static void
fpu_mode(void)
{
	uint32_t r[4];
	size_t size = X86_XSAVE_LEGACY;

	hv_cpuid(1, 0, r);
	hv_fpu_xsave = (r[2] & X86_CPUID1_ECX_OSXSAVE) != 0;
	if (hv_fpu_xsave) {
		hv_fpu_mask = hv_xgetbv0();
		size = hv_xsave_size(hv_fpu_mask, false);
	}
	hv_fpu_pages = (size + HV_PAGE_SIZE - 1) / HV_PAGE_SIZE;
}

static uint8_t *
area_alloc(void)
{
	return hv_fpu_pages == 1 ? hv_os_page_alloc() :
	    hv_os_contig_alloc(hv_fpu_pages);
}

static void
area_free(uint8_t *a)
{
	if (hv_fpu_pages == 1)
		hv_os_page_free(a);
	else
		hv_os_contig_free(a, hv_fpu_pages);
}

uint64_t
hv_fpu_xcr0_supported(void)
{
	return hv_fpu_xsave ? hv_fpu_mask : 0;
}

/* Between hv_fpu_enter and hv_fpu_leave (a pinned exit handler) the new
 * value takes effect on this CPU at once, as the guest's XSETBV would. */
void
hv_fpu_xcr0_set(struct hv_vcpu *vcpu, uint64_t xcr0)
{
	vcpu->xcr0 = xcr0;
	if (vcpu->fpu_live)
		hv_xsetbv0(xcr0);
}

int
hv_fpu_cpus_alloc(void)
{
	int cpu;

	/* the mode sizes the areas: fixed while any area exists */
	for (cpu = 0; cpu < HV_MAX_CPUS && hv_fpu_host[cpu] == NULL; cpu++)
		;
	if (cpu == HV_MAX_CPUS)
		fpu_mode();
	for (cpu = 0; cpu < hv_os_ncpus(); cpu++) {
		if (hv_fpu_host[cpu] == NULL &&
		    (hv_fpu_host[cpu] = area_alloc()) == NULL)
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
			area_free(hv_fpu_host[cpu]);
		hv_fpu_host[cpu] = NULL;
	}
}

/*
 * The guest starts with the FNINIT state: FCW 0x37f, MXCSR 0x1f80 (masked).
 * For XRSTOR the zeroed header (XSTATE_BV = 0) puts every component in its
 * init state, FCW 0x37f included, but MXCSR is still loaded from the legacy
 * region when the mask has SSE or AVX (SDM Vol. 1 13.8.1): it must be valid.
 */
int
hv_fpu_vcpu_init(struct hv_vcpu *vcpu)
{
	uint8_t *a = area_alloc();

	if (a == NULL)
		return HV_ENOMEM;
	a[FX_FCW] = 0x7f;
	a[FX_FCW + 1] = 0x03;
	a[FX_MXCSR] = 0x80;
	a[FX_MXCSR + 1] = 0x1f;
	vcpu->fpu = a;
	vcpu->xcr0 = X86_XCR0_X87;
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
	area_free(vcpu->fpu);
}

/*
 * XSAVE writes the components in XCR0 & EDX:EAX and XRSTOR loads them (or
 * their init state where the area's XSTATE_BV bit is clear) (SDM Vol. 1
 * 13.7, 13.8); the "memory" clobbers because the area is larger than any
 * operand type and is both read and written by the instructions.
 */
static inline void
fpu_save(uint8_t *a, bool xsave, uint64_t mask)
{
	if (xsave)
		__asm__ __volatile__("xsave64 (%0)" : : "r"(a),
		    "a"((uint32_t)mask), "d"((uint32_t)(mask >> 32)) : "memory");
	else
		__asm__ __volatile__("fxsave64 (%0)" : : "r"(a) : "memory");
}

static inline void
fpu_restore(uint8_t *a, bool xsave, uint64_t mask)
{
	if (xsave)
		__asm__ __volatile__("xrstor64 (%0)" : : "r"(a),
		    "a"((uint32_t)mask), "d"((uint32_t)(mask >> 32)) : "memory");
	else
		__asm__ __volatile__("fxrstor64 (%0)" : : "r"(a) : "memory");
}

/* (the mode read once: each asm's "memory" clobber would reload it) */
bool
hv_fpu_enter(struct hv_vcpu *vcpu, int cpu)
{
	bool xsave = hv_fpu_xsave, ts = (hv_rdcr0() & X86_CR0_TS) != 0;
	uint64_t mask = hv_fpu_mask;

	/* CLTS before the first FPU instruction: with TS set it would #NM */
	if (ts)
		__asm__ __volatile__("clts");
	fpu_save(hv_fpu_host[cpu], xsave, mask);
	fpu_restore(vcpu->fpu, xsave, mask);
	/* after the restore, which ran under the host's XCR0 (a superset) */
	if (xsave && vcpu->xcr0 != mask)
		hv_xsetbv0(vcpu->xcr0);
	vcpu->fpu_live = true;
	return ts;
}

void
hv_fpu_leave(struct hv_vcpu *vcpu, int cpu, bool ts)
{
	bool xsave = hv_fpu_xsave;
	uint64_t mask = hv_fpu_mask, xcr0;

	vcpu->fpu_live = false;
	if (xsave) {
		/*
		 * What is on the CPU is the guest's XCR0: hv's own, or that of
		 * a guest XSETBV that ran as it is (QEMU TCG ignores the SVM
		 * intercept; the CPU checked it then), kept when it is within
		 * the components hv switches, else dropped.  The
		 * host's comes back before the saves, or XSAVE would skip and
		 * XRSTOR #GP on components the guest's disabled (SDM Vol. 1
		 * 13.7, 13.8.1).
		 */
		xcr0 = hv_xgetbv0();
		if ((xcr0 & ~mask) == 0)
			vcpu->xcr0 = xcr0;
		if (xcr0 != mask)
			hv_xsetbv0(mask);
	}
	fpu_save(vcpu->fpu, xsave, mask);
	fpu_restore(hv_fpu_host[cpu], xsave, mask);
	if (ts)
		hv_wrcr0(hv_rdcr0() | X86_CR0_TS);
}
