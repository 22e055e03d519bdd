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

KTEST(vm_fpu, "guest and host x87/SSE state kept apart across entries (FXSAVE/FXRSTOR), host CR0.TS kept")
{
	uint8_t code[sizeof(guest_fpu)];
	struct hv_vm *vm;
	struct hv_vcpu *vcpu = NULL;
	struct hv_exit ex;
	uint16_t host1, host2;
	uint64_t cr0_after = 0;
	size_t i;
	int error;

	if (!vm_begin())
		return;
	memcpy(code, guest_fpu, sizeof(code));
	if (strcmp(vm_backend_name(), "vmx") == 0)
		for (i = 0; i < sizeof(fpu_hc) / sizeof(fpu_hc[0]); i++)
			code[fpu_hc[i] + 2] = 0xc1;	/* vmmcall -> vmcall */
	error = hv_vm_create(HV_GUEST_MIN_MEM, &vm);
	if (error != 0) {
		report(false, "hv_vm_create: %s", vm_err(error));
		return;
	}
	error = hv_vm_load_image(vm, code, sizeof(code));
	if (error == 0)
		error = hv_vcpu_create(vm, 0, &vcpu);
	fcw_set(0x0a7f);
	if (error == 0)
		error = run_until(vcpu, &ex);
	host1 = fcw_get();
	report(error == 0 && ex.kind == HV_EXIT_HYPERCALL && ex.nr == HC_MARK,
	    "guest ran to its mark: %s, kind %d %s", vm_err(error),
	    error == 0 ? (int)ex.kind : -1, error == 0 ? ex.msg : "");
	report(host1 == 0x0a7f, "host FCW after the guest loaded 0x0b7f: 0x%x "
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
	    "guest FCW after the host loaded 0x0e7f: 0x%lx (want the guest's "
	    "0x0b7f): %s", error == 0 ? (unsigned long)ex.code : 0, vm_err(error));
	report(host2 == 0x0e7f, "host FCW at the end: 0x%x (want 0x0e7f)", host2);
	report(error == 0 && (cr0_after & CR0_TS) != 0, "host CR0.TS set before the "
	    "second run, after it: %d (want 1: left as found)",
	    (int)((cr0_after & CR0_TS) != 0));
	fcw_set(0x037f);
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
	    "XSETBV XCR0=1 refused with #GP (no IDT: %s): %s", want,
	    error == 0 ? ex.msg : vm_err(error));
	report(vm_stat("exit.xsetbv") - n == 1 &&
	    vm_stat("exit.triple_fault") - tf == 1,
	    "XSETBV exits: %lu, triple faults: %lu (want 1, 1)",
	    (unsigned long)(vm_stat("exit.xsetbv") - n),
	    (unsigned long)(vm_stat("exit.triple_fault") - tf));
}
