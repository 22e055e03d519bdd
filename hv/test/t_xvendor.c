/*
 * t_xvendor.c - a #UD exit of the core (hv/xvendor.c): the compatibility-
 * mode SYSCALL of an AMD guest CPU on the Intel host done as the APM
 * defines it (RCX, R11, RFLAGS masked, CS and SS from STAR, RIP from
 * CSTAR), after legacy prefixes; left to the backend (the guest's #UD)
 * for LOCK, another instruction, 64-bit code, EFER.SCE or LMA clear, a
 * SYSCALL MSR the backend does not keep, an Intel guest and an AMD host.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define STAR	((0x23ull << 48) | (0x53ull << 32))	/* SYSCALL CS RPL 3 */
#define CSTAR	0xffff800000001000ull
#define FMASK	(X86_RFLAGS_AC | X86_RFLAGS_TF)
#define EFER_LONG (X86_EFER_LME | X86_EFER_LMA)

static const uint8_t code[] = {
	0x0f, 0x05,		/* 0: syscall */
	0x66, 0x2e, 0x0f, 0x05,	/* 2: syscall after two legacy prefixes */
	0xf0, 0x0f, 0x05,	/* 6: lock syscall (#UD everywhere) */
	0x0f, 0x0b,		/* 9: ud2 */
};

static struct hv_vm *vm;
static struct hv_vcpu *vcpu;
static uint64_t gpr[HV_NGPRS];

static void
setup(enum hv_cpu_vendor vendor)
{
	struct hv_vm_model m = { .vendor = vendor };

	t_setup_model(&m, code, sizeof(code), &vm, &vcpu);
	*fake_msr(vcpu, HV_MSR_EFER) = EFER_LONG | X86_EFER_SCE;
	*fake_msr(vcpu, HV_MSR_STAR) = STAR;
	*fake_msr(vcpu, HV_MSR_CSTAR) = CSTAR;
	*fake_msr(vcpu, HV_MSR_FMASK) = FMASK;
}

static void
teardown(void)
{
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

/* a #UD at code offset off in code of code_bits with RFLAGS rflags: the
 * record after the core's rule */
static struct hv_vmexit
ud_at(unsigned off, unsigned code_bits, uint64_t rflags)
{
	struct hv_vmexit vx = { .kind = HV_VX_UD };
	struct hv_exit ex;

	memset(&ex, 0, sizeof(ex));
	memset(gpr, 0, sizeof(gpr));
	vx.rip = HV_GUEST_LOAD_GPA + off;
	vx.rflags = rflags;
	vx.code_bits = code_bits;
	vx.gpr = gpr;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
	CHECK(!vx.skip && !vx.gp && !vx.ud);
	return vx;
}

void
test_xvendor_syscall(void)
{
	uint64_t in = 0x2 | X86_RFLAGS_TF | X86_RFLAGS_AC | X86_RFLAGS_RF | 0x401;
	uint64_t before;
	struct hv_vmexit vx;

	setup(HV_CPU_AMD);
	before = HV_STAT(syscalls_emulated);
	vx = ud_at(0, 32, in);
	CHECK(vx.branch);
	CHECK_EQ(gpr[HV_RCX], HV_GUEST_LOAD_GPA + 2);
	CHECK_EQ(gpr[HV_R11], in & ~X86_RFLAGS_RF);
	CHECK_EQ(vx.rflags, 0x403);		/* CF, DF kept; TF, AC, RF gone */
	CHECK_EQ(vx.target, CSTAR);
	/* CS: STAR[47:32] & ~3, 64-bit code DPL 0; SS: STAR[47:32] + 8 */
	CHECK_EQ(vx.cs.sel, 0x50);
	CHECK_EQ(vx.cs.attr, 0xb | X86_DESC_S | X86_DESC_P | X86_DESC_L | X86_DESC_G);
	CHECK_EQ(vx.ss.sel, 0x5b);
	CHECK_EQ(vx.ss.attr, 0x3 | X86_DESC_S | X86_DESC_P | X86_DESC_DB | X86_DESC_G);
	CHECK(vx.cs.base == 0 && vx.ss.base == 0);
	CHECK(vx.cs.limit == 0xffffffffu && vx.ss.limit == 0xffffffffu);
	CHECK_EQ(HV_STAT(syscalls_emulated), before + 1);
	/* after prefixes: RCX past all of it; 16-bit code: IP wraps */
	vx = ud_at(2, 32, 0x2);
	CHECK(vx.branch);
	CHECK_EQ(gpr[HV_RCX], HV_GUEST_LOAD_GPA + 6);
	vx = ud_at(0, 16, 0x2);
	CHECK(vx.branch);
	CHECK_EQ(gpr[HV_RCX], 2);
	/* the guest's #UD: LOCK, UD2, 64-bit code */
	CHECK(!ud_at(6, 32, 0x2).branch);
	CHECK(!ud_at(9, 32, 0x2).branch);
	CHECK(!ud_at(0, 64, 0x2).branch);
	/* EFER.SCE clear (#UD on AMD too), legacy mode (not done) */
	*fake_msr(vcpu, HV_MSR_EFER) = EFER_LONG;
	CHECK(!ud_at(0, 32, 0x2).branch);
	*fake_msr(vcpu, HV_MSR_EFER) = X86_EFER_SCE;
	CHECK(!ud_at(0, 32, 0x2).branch);
	*fake_msr(vcpu, HV_MSR_EFER) = EFER_LONG | X86_EFER_SCE;
	/* a backend without CSTAR */
	fake_msr_held &= ~(1u << HV_MSR_CSTAR);
	CHECK(!ud_at(0, 32, 0x2).branch);
	fake_msr_held = ~0u;
	/* on an AMD host the CPU runs it: a #UD there is the guest's */
	hv_backend_svm = true;
	CHECK(!ud_at(0, 32, 0x2).branch);
	hv_backend_svm = false;
	CHECK(ud_at(0, 32, 0x2).branch);
	CHECK_EQ(HV_STAT(syscalls_emulated), before + 4);
	teardown();
}

void
test_xvendor_intel_guest(void)
{
	setup(HV_CPU_INTEL);
	CHECK(!ud_at(0, 32, 0x2).branch);
	CHECK(!ud_at(2, 32, 0x2).branch);
	CHECK_EQ(gpr[HV_RCX], 0);
	teardown();
}
