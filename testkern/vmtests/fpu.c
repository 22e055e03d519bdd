/*
 * fpu.c - the guest's x87/SSE state against the host's (hv/fpu.c),
 * on both backends, and the guest's XCR0 against the host's.
 *
 * vm_fpu: the x87 control word is the witness of the FPU state.  The guest
 * loads its own and stops at HC_MARK; the host loads another and runs the
 * guest again, the second time with CR0.TS set as a lazy-FPU host
 * (DragonFly) has it while the thread does not own the FPU: the switch must
 * neither fault on it nor clear it behind the host's back.  Each side must
 * find its own control word.
 *
 * vm_avx: the upper half of ymm0 is the witness of the XSAVE-only state
 * (testkern enables AVX at boot, xsave.c).  The guest sets CR4.OSXSAVE,
 * loads its pattern into ymm0[255:128] with VEX code and stops at HC_MARK;
 * the host, which loaded another pattern there before the run, must find its
 * own, loads a third and runs the guest again, which must find its pattern.
 * With only the FXSAVE part switched both checks see the other side's value.
 *
 * vmx_xsetbv: a guest XSETBV of an XCR0 with x87 clear exits and is
 * refused by hv/xsave.c's rule with #GP (the guest has no IDT: the #GP
 * becomes a triple fault at the XSETBV).  SVM only under QEMU TCG, which
 * ignores the XSETBV intercept and checks the value itself: SKIP there.
 * (guests/xcr0.scn tests the rule value by value on both backends.)
 *
 * vm_xcr0_host: a guest XSETBV of x87 only, then a stop: the host's XCR0
 * is back after the run.
 */
#include "vmtests.h"
#include "ktest.h"
#include "sched.h"
#include "x86.h"

static uint16_t
fcw_get(void)
{
	uint16_t v;

	__asm__ __volatile__("fnstcw %0" : "=m"(v));
	return v;
}

static void
fcw_set(uint16_t v)
{
	__asm__ __volatile__("fldcw %0" : : "m"(v));
}

KTEST(vm_fpu, "guest and host x87/SSE state kept apart across entries (FXSAVE/FXRSTOR), host CR0.TS kept")
{
	struct guest_run_result r = { 0 };
	struct hv_vcpu *vcpu = NULL;
	struct hv_exit ex;
	uint16_t host1, host2;
	uint64_t cr0_after = 0;
	int error;

	if (!vm_begin())
		return;
	error = vm_case_setup("fpu.bin", FPU_X87, &r, &vcpu);
	fcw_set(0x0a7f);
	if (error == 0)
		error = vm_run_until(vcpu, &ex, NULL);
	host1 = fcw_get();
	report(error == 0 && ex.kind == HV_EXIT_HYPERCALL && ex.nr == HC_MARK,
	    "guest ran to its mark: error=%s kind=%d %s", vm_err(error),
	    error == 0 ? (int)ex.kind : -1, error == 0 ? ex.msg : "");
	report(host1 == 0x0a7f, "host FCW after the guest loaded 0x0b7f: fcw=0x%x "
	    "(want the host's 0x0a7f)", host1);
	/*
	 * The second stretch with CR0.TS set, pinned so that no other thread
	 * runs on it (testkern has no #NM handler: the kernel itself is built
	 * without x87/SSE code, this test's FCW accesses are outside).
	 */
	fcw_set(0x0e7f);
	if (error == 0) {
		hv_vcpu_set_hc_result(vcpu, 0);
		sched_pin();
		write_cr0(read_cr0() | X86_CR0_TS);
		error = vm_run_until(vcpu, &ex, NULL);
		cr0_after = read_cr0();
		write_cr0(cr0_after & ~X86_CR0_TS);
		sched_unpin();
	}
	host2 = fcw_get();
	report(error == 0 && ex.kind == HV_EXIT_DONE && ex.code == 0x0b7f,
	    "guest FCW after the host loaded 0x0e7f: fcw=0x%lx (want the guest's "
	    "0x0b7f): error=%s", error == 0 ? (unsigned long)ex.code : 0, vm_err(error));
	report(host2 == 0x0e7f, "host FCW at the end: fcw=0x%x (want 0x0e7f)", host2);
	report(error == 0 && (cr0_after & X86_CR0_TS) != 0, "host CR0.TS set before the "
	    "second run, after it: ts=%d (want 1: left as found)",
	    (int)((cr0_after & X86_CR0_TS) != 0));
	fcw_set(0x037f);
	guest_run_teardown(&r);
}

/* ---- vm_avx ---------------------------------------------------------------- */

/* ymm0[255:128], with explicit VEX code: the kernel is built -mno-sse and
 * the compiler never touches these registers itself. */
static void
ymm0_hi_set(const uint64_t v[2])
{
	__asm__ __volatile__("vinsertf128 $1, (%0), %%ymm0, %%ymm0"
	    : : "r"(v) : "memory");
}

static void
ymm0_hi_get(uint64_t v[2])
{
	__asm__ __volatile__("vextractf128 $1, %%ymm0, (%0)"
	    : : "r"(v) : "memory");
}

static uint64_t
xcr0_get(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

KTEST(vm_avx, "guest and host AVX state (ymm upper halves) kept apart across entries (XSAVE/XRSTOR)")
{
	static const uint64_t host_a[2] = { 0x1111222233334444ull, 0x5555666677778888ull };
	static const uint64_t host_b[2] = { 0x99990000aaaabbbbull, 0xccccddddeeeeffffull };
	struct guest_run_result r = { 0 };
	uint32_t a, b, c, d, xb;
	uint64_t got1[2], got2[2], xcr0;
	struct hv_vcpu *vcpu = NULL;
	struct hv_exit ex;
	int error;

	if (!vm_begin())
		return;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & X86_CPUID1_ECX_OSXSAVE)) {
		ktest_skip("no AVX: CPUID.1 ECX 0x%x (XSAVE %d, AVX %d, OSXSAVE 0)",
		    c, (c & X86_CPUID1_ECX_XSAVE) != 0, (c & X86_CPUID1_ECX_AVX) != 0);
		return;
	}
	xcr0 = xcr0_get();
	cpuid(0xd, 0, &a, &xb, &c, &d);
	if ((xcr0 & X86_XCR0_AVX) != X86_XCR0_AVX) {
		ktest_skip("XCR0 0x%lx has no AVX", (unsigned long)xcr0);
		return;
	}
	report(xcr0 == X86_XCR0_AVX, "host xcr0=0x%lx (want 0x7: set at boot), "
	    "XSAVE area bytes=%u (CPUID.0Dh.0 EBX)", (unsigned long)xcr0, xb);
	error = vm_case_setup("fpu.bin", FPU_AVX, &r, &vcpu);
	/* pinned throughout: ymm0 is this CPU's register */
	sched_pin();
	ymm0_hi_set(host_a);
	if (error == 0)
		error = vm_run_until(vcpu, &ex, NULL);
	ymm0_hi_get(got1);
	ymm0_hi_set(host_b);
	report(error == 0 && ex.kind == HV_EXIT_HYPERCALL && ex.nr == HC_MARK,
	    "guest ran to its mark: error=%s kind=%d %s", vm_err(error),
	    error == 0 ? (int)ex.kind : -1, error == 0 ? ex.msg : "");
	report(got1[0] == host_a[0] && got1[1] == host_a[1],
	    "host ymm0[255:128] after the guest loaded its own: "
	    "got=0x%016lx%016lx want=0x%016lx%016lx", (unsigned long)got1[1],
	    (unsigned long)got1[0], (unsigned long)host_a[1],
	    (unsigned long)host_a[0]);
	if (error == 0 && ex.kind == HV_EXIT_HYPERCALL) {
		hv_vcpu_set_hc_result(vcpu, 0);
		error = vm_run_until(vcpu, &ex, NULL);
	}
	ymm0_hi_get(got2);
	sched_unpin();
	report(error == 0 && ex.kind == HV_EXIT_DONE && ex.code == 0,
	    "guest ymm0[255:128] XOR its pattern after a host round trip: "
	    "xor=0x%lx (want 0): error=%s %s", error == 0 ? (unsigned long)ex.code : 0,
	    vm_err(error), error == 0 ? ex.msg : "");
	report(got2[0] == host_b[0] && got2[1] == host_b[1],
	    "host ymm0[255:128] at the end: got=0x%016lx%016lx want=0x%016lx%016lx",
	    (unsigned long)got2[1], (unsigned long)got2[0],
	    (unsigned long)host_b[1], (unsigned long)host_b[0]);
	guest_run_teardown(&r);
}

/* ---- vmx_xsetbv ------------------------------------------------------------ */

KTEST(vmx_xsetbv, "guest XSETBV of XCR0=0 (x87 clear) exits and is refused with #GP")
{
	uint64_t n, tf;
	struct hv_regs regs;
	struct hv_exit ex;
	char want[48];
	int error;

	if (!vm_begin())
		return;
	if (strcmp(vm_backend_name(), "vmx") != 0) {
		ktest_skip("backend is %s, not vmx (QEMU TCG ignores the SVM "
		    "XSETBV intercept)", vm_backend_name());
		return;
	}
	n = vm_stat("exit.xsetbv");
	tf = vm_stat("exit.triple_fault");
	error = vm_run_case("exits.bin", EXITS_XSETBV, &ex, &regs, NULL);
	report(vm_triple_at_r15(error, &ex, &regs, want, sizeof(want)),
	    "XSETBV XCR0=0 refused with #GP (no IDT: %s): decoded=\"%s\"", want,
	    error == 0 ? ex.msg : vm_err(error));
	report(vm_stat("exit.xsetbv") - n == 1 &&
	    vm_stat("exit.triple_fault") - tf == 1,
	    "XSETBV exits: %lu, triple faults: %lu (want 1, 1)",
	    (unsigned long)(vm_stat("exit.xsetbv") - n),
	    (unsigned long)(vm_stat("exit.triple_fault") - tf));
}

/* ---- vm_xcr0_host ---------------------------------------------------------- */

KTEST(vm_xcr0_host, "a guest XSETBV never leaves its XCR0 to the host (switched back at the end of the run)")
{
	struct hv_regs regs;
	struct hv_exit ex;
	uint64_t before, after;
	int error;

	if (!vm_begin())
		return;
	if (!(read_cr4() & X86_CR4_OSXSAVE)) {
		ktest_skip("the host has no XSAVE (CR4.OSXSAVE clear)");
		return;
	}
	before = xcr0_get();
	error = vm_run_case("exits.bin", EXITS_XSETBV_STOP, &ex, &regs, NULL);
	after = xcr0_get();
	report(error == 0 && ex.kind == HV_EXIT_ERROR,
	    "the case ended with a decoded stop: %s", error == 0 ? ex.msg : vm_err(error));
	report(after == before, "host XCR0 after the run: got=0x%lx want=0x%lx",
	    (unsigned long)after, (unsigned long)before);
}
