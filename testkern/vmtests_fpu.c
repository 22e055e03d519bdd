/*
 * vmtests_fpu.c - the guest's x87/SSE state against the host's (hv/fpu.c),
 * on both backends, and the guest's XSETBV on VMX.
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
 * vmx_xsetbv: XCR0 is not switched, so every guest XSETBV is refused with
 * #GP (the guest has no IDT: the #GP becomes a triple fault at the XSETBV).
 * SVM only under QEMU TCG, which ignores the XSETBV intercept: SKIP there.
 */
#include "vmtests.h"
#include "ktest.h"
#include "sched.h"
#include "x86.h"

#define CR0_TS		(1ull << 3)

/* Guest code: the hypercalls are VMMCALL (0f 01 d9), patched to VMCALL
 * (0f 01 c1) on VMX at the offsets in fpu_hc[]. */
static const uint8_t guest_fpu[] = {
	0xdb, 0xe3,				/* fninit */
	0x48, 0x83, 0xec, 0x10,			/* sub rsp, 16 */
	0x66, 0xc7, 0x04, 0x24, 0x7f, 0x0b,	/* mov word [rsp], 0x0b7f */
	0xd9, 0x2c, 0x24,			/* fldcw [rsp] */
	0xb8, HC_MARK, 0x00, 0x00, 0x00,	/* mov eax, HC_MARK */
	0x31, 0xff,				/* xor edi, edi */
	0x0f, 0x01, 0xd9,			/* +22 vmmcall: the host's turn */
	0xd9, 0x7c, 0x24, 0x02,			/* fnstcw [rsp + 2] */
	0x0f, 0xb7, 0x7c, 0x24, 0x02,		/* movzx edi, word [rsp + 2] */
	0xb8, HC_EXIT, 0x00, 0x00, 0x00,	/* mov eax, HC_EXIT */
	0x0f, 0x01, 0xd9,			/* +39 vmmcall */
	0xeb, 0xfe,				/* jmp $ (never) */
};
static const unsigned fpu_hc[] = { 22, 39 };

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

static uint64_t
cr0_get(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static void
cr0_set(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(v) : "memory");
}

/* Run until an exit other than a host interrupt; 0 or an errno. */
static int
run_until(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	int error, i;

	for (i = 0; i < 1000; i++) {
		error = hv_vcpu_run(vcpu, ex);
		if (error != 0 || ex->kind != HV_EXIT_INTR)
			return error;
	}
	return ETIMEDOUT;
}

/*
 * Copy the guest code src into code (len bytes), patch its VMMCALLs at the
 * nhc offsets in hc[] into VMCALL on VMX, create a VM, load the code and
 * create vCPU 0.  false when hv_vm_create failed (reported, nothing to
 * destroy); otherwise *vmp is the VM to destroy and *errorp the error of
 * the load or the vCPU creation (0: *vcpup is ready to run).
 */
static bool
guest_setup(const uint8_t *src, uint8_t *code, size_t len, const unsigned *hc,
    size_t nhc, struct hv_vm **vmp, struct hv_vcpu **vcpup, int *errorp)
{
	size_t i;
	int error;

	memcpy(code, src, len);
	if (strcmp(vm_backend_name(), "vmx") == 0)
		for (i = 0; i < nhc; i++)
			code[hc[i] + 2] = 0xc1;	/* vmmcall -> vmcall */
	error = hv_vm_create(HV_GUEST_MIN_MEM, vmp);
	if (error != 0) {
		report(false, "hv_vm_create: %s", vm_err(error));
		return false;
	}
	error = hv_vm_load_image(*vmp, code, len);
	if (error == 0)
		error = hv_vcpu_create(*vmp, 0, vcpup);
	*errorp = error;
	return true;
}

KTEST(vm_fpu, "guest and host x87/SSE state kept apart across entries (FXSAVE/FXRSTOR), host CR0.TS kept")
{
	uint8_t code[sizeof(guest_fpu)];
	struct hv_vm *vm;
	struct hv_vcpu *vcpu = NULL;
	struct hv_exit ex;
	uint16_t host1, host2;
	uint64_t cr0_after = 0;
	int error;

	if (!vm_begin())
		return;
	if (!guest_setup(guest_fpu, code, sizeof(code), fpu_hc,
	    sizeof(fpu_hc) / sizeof(fpu_hc[0]), &vm, &vcpu, &error))
		return;
	fcw_set(0x0a7f);
	if (error == 0)
		error = run_until(vcpu, &ex);
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
		cr0_set(cr0_get() | CR0_TS);
		error = run_until(vcpu, &ex);
		cr0_after = cr0_get();
		cr0_set(cr0_after & ~CR0_TS);
		sched_unpin();
	}
	host2 = fcw_get();
	report(error == 0 && ex.kind == HV_EXIT_DONE && ex.code == 0x0b7f,
	    "guest FCW after the host loaded 0x0e7f: fcw=0x%lx (want the guest's "
	    "0x0b7f): error=%s", error == 0 ? (unsigned long)ex.code : 0, vm_err(error));
	report(host2 == 0x0e7f, "host FCW at the end: fcw=0x%x (want 0x0e7f)", host2);
	report(error == 0 && (cr0_after & CR0_TS) != 0, "host CR0.TS set before the "
	    "second run, after it: ts=%d (want 1: left as found)",
	    (int)((cr0_after & CR0_TS) != 0));
	fcw_set(0x037f);
	hv_vm_destroy(vm);
}

/* ---- vm_avx ---------------------------------------------------------------- */

#define CPUID1_ECX_XSAVE	(1u << 26)
#define CPUID1_ECX_OSXSAVE	(1u << 27)
#define CPUID1_ECX_AVX		(1u << 28)
#define XCR0_AVX_SET		0x7u		/* x87 | SSE | YMM */

/* Guest code (VMMCALL at +58 and +96, patched on VMX as in guest_fpu). */
static const uint8_t guest_avx[] = {
	0x0f, 0x20, 0xe0,			/* mov rax, cr4 */
	0x48, 0x0f, 0xba, 0xe8, 0x12,		/* bts rax, 18 (OSXSAVE) */
	0x0f, 0x22, 0xe0,			/* mov cr4, rax */
	0x48, 0x83, 0xec, 0x20,			/* sub rsp, 32 */
	0x48, 0xb8, 0x67, 0x45, 0x23, 0x01,	/* mov rax, 0x6a7b8c9d01234567 */
	0x9d, 0x8c, 0x7b, 0x6a,
	0x48, 0x89, 0x04, 0x24,			/* mov [rsp], rax */
	0x48, 0xb8, 0x55, 0x1e, 0xed, 0x5e,	/* mov rax, 0x0badcafe5eed1e55 */
	0xfe, 0xca, 0xad, 0x0b,
	0x48, 0x89, 0x44, 0x24, 0x08,		/* mov [rsp + 8], rax */
	0xc4, 0xe3, 0x7d, 0x18, 0x04, 0x24, 0x01, /* vinsertf128 ymm0, ymm0, [rsp], 1 */
	0xb8, HC_MARK, 0x00, 0x00, 0x00,	/* mov eax, HC_MARK */
	0x31, 0xff,				/* xor edi, edi */
	0x0f, 0x01, 0xd9,			/* +58 vmmcall: the host's turn */
	0xc4, 0xe3, 0x7d, 0x19, 0x44, 0x24,	/* vextractf128 [rsp + 16], ymm0, 1 */
	0x10, 0x01,
	0x48, 0x8b, 0x7c, 0x24, 0x10,		/* mov rdi, [rsp + 16] */
	0x48, 0x33, 0x3c, 0x24,			/* xor rdi, [rsp] */
	0x48, 0x8b, 0x44, 0x24, 0x18,		/* mov rax, [rsp + 24] */
	0x48, 0x33, 0x44, 0x24, 0x08,		/* xor rax, [rsp + 8] */
	0x48, 0x09, 0xc7,			/* or rdi, rax: 0 if intact */
	0xb8, HC_EXIT, 0x00, 0x00, 0x00,	/* mov eax, HC_EXIT */
	0x0f, 0x01, 0xd9,			/* +96 vmmcall */
	0xeb, 0xfe,				/* jmp $ (never) */
};
static const unsigned avx_hc[] = { 58, 96 };

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
	uint8_t code[sizeof(guest_avx)];
	uint32_t a, b, c, d, xb;
	uint64_t got1[2], got2[2], xcr0;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu = NULL;
	struct hv_exit ex;
	int error;

	if (!vm_begin())
		return;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_OSXSAVE)) {
		ktest_skip("no AVX: CPUID.1 ECX 0x%x (XSAVE %d, AVX %d, OSXSAVE 0)",
		    c, (c & CPUID1_ECX_XSAVE) != 0, (c & CPUID1_ECX_AVX) != 0);
		return;
	}
	xcr0 = xcr0_get();
	cpuid(0xd, 0, &a, &xb, &c, &d);
	if ((xcr0 & XCR0_AVX_SET) != XCR0_AVX_SET) {
		ktest_skip("XCR0 0x%lx has no AVX", (unsigned long)xcr0);
		return;
	}
	report(xcr0 == XCR0_AVX_SET, "host xcr0=0x%lx (want 0x7: set at boot), "
	    "XSAVE area bytes=%u (CPUID.0Dh.0 EBX)", (unsigned long)xcr0, xb);
	if (!guest_setup(guest_avx, code, sizeof(code), avx_hc,
	    sizeof(avx_hc) / sizeof(avx_hc[0]), &vm, &vcpu, &error))
		return;
	/* pinned throughout: ymm0 is this CPU's register */
	sched_pin();
	ymm0_hi_set(host_a);
	if (error == 0)
		error = run_until(vcpu, &ex);
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
		error = run_until(vcpu, &ex);
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
	hv_vm_destroy(vm);
}

/* ---- vmx_xsetbv ------------------------------------------------------------ */

static const uint8_t guest_xsetbv[] = {
	0x0f, 0x20, 0xe0,			/* mov rax, cr4 */
	0x48, 0x0f, 0xba, 0xe8, 0x12,		/* bts rax, 18 (OSXSAVE) */
	0x0f, 0x22, 0xe0,			/* mov cr4, rax */
	0x31, 0xc9,				/* xor ecx, ecx: XCR0 */
	0xb8, 0x01, 0x00, 0x00, 0x00,		/* mov eax, 1: x87 only, valid */
	0x31, 0xd2,				/* xor edx, edx */
	0x0f, 0x01, 0xd1,			/* +20 xsetbv: exits, #GP */
	0xeb, 0xfe,				/* jmp $ (never) */
};

KTEST(vmx_xsetbv, "guest XSETBV of a valid XCR0 refused with #GP (XCR0 stays the host's)")
{
	uint64_t n, tf;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
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
	error = hv_vm_create(HV_GUEST_MIN_MEM, &vm);
	if (error != 0) {
		report(false, "hv_vm_create: %s", vm_err(error));
		return;
	}
	error = hv_vm_load_image(vm, guest_xsetbv, sizeof(guest_xsetbv));
	if (error == 0)
		error = hv_vcpu_create(vm, 0, &vcpu);
	if (error == 0)
		error = run_until(vcpu, &ex);
	hv_vm_destroy(vm);
	ksnprintf(want, sizeof(want), "triple fault at rip=0x%x",
	    HV_GUEST_LOAD_GPA + 20);
	report(error == 0 && ex.kind == HV_EXIT_ERROR && vm_contains(ex.msg, want),
	    "XSETBV XCR0=1 refused with #GP (no IDT: %s): decoded=\"%s\"",
	    want, error == 0 ? ex.msg : vm_err(error));
	report(vm_stat("exit.xsetbv") - n == 1 &&
	    vm_stat("exit.triple_fault") - tf == 1,
	    "XSETBV exits: %lu, triple faults: %lu (want 1, 1)",
	    (unsigned long)(vm_stat("exit.xsetbv") - n),
	    (unsigned long)(vm_stat("exit.triple_fault") - tf));
}
