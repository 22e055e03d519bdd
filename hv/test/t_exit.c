/*
 * t_exit.c - the core's guest-visible exit rules (hv/exit.c, hv/uart.c,
 * hv_vcpu_stop, hv/xsave.c): port I/O with the COM1 16550 model and absent
 * ports, HLT, shutdown (and no entry after it), XSETBV and CPUID leaf 0xD,
 * and the exception pairs of SDM Vol. 3A 6.15 Table 6-5.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define COM1	HV_GUEST_COM1

/* One IN or OUT through hv_vmexit; returns the new RAX. */
static uint64_t
pio(struct hv_vcpu *vcpu, bool in, unsigned port, unsigned size, uint64_t rax)
{
	struct hv_vmexit vx = { .kind = HV_VX_PIO };
	uint64_t gpr[HV_NGPRS] = { 0 };
	struct hv_exit ex;

	memset(&ex, 0, sizeof(ex));
	vx.io.in = in;
	vx.io.port = (uint16_t)port;
	vx.io.size = (uint8_t)size;
	vx.gpr = gpr;
	gpr[HV_RAX] = rax;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
	CHECK(vx.skip);
	return gpr[HV_RAX];
}

void
test_exit_pio_uart(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_vmexit vx = { .kind = HV_VX_PIO };
	struct hv_exit ex;

	t_setup_vcpu(&vm, &vcpu);
	/* reset state: transmitter empty, no interrupt, a cable on MSR */
	CHECK_EQ(pio(vcpu, true, COM1 + 5, 1, 0x1234), 0x1260);	/* AL only */
	CHECK_EQ(pio(vcpu, true, COM1 + 2, 1, 0), 0x01);
	CHECK_EQ(pio(vcpu, true, COM1 + 6, 1, 0), 0xb0);
	/* scratch, LCR, IER, FCR -> IIR FIFO bits */
	pio(vcpu, false, COM1 + 7, 1, 0x5a);
	CHECK_EQ(pio(vcpu, true, COM1 + 7, 1, 0), 0x5a);
	pio(vcpu, false, COM1 + 1, 1, 0xff);
	CHECK_EQ(pio(vcpu, true, COM1 + 1, 1, 0), 0x0f);
	pio(vcpu, false, COM1 + 2, 1, 0x07);
	CHECK_EQ(pio(vcpu, true, COM1 + 2, 1, 0), 0xc1);
	/* DLAB: ports 0 and 1 are the divisor latch, nothing is sent */
	pio(vcpu, false, COM1 + 3, 1, 0x83);
	pio(vcpu, false, COM1, 1, 0x01);
	pio(vcpu, false, COM1 + 1, 1, 0x02);
	CHECK_EQ(pio(vcpu, true, COM1, 2, 0), 0x0201);	/* DLL, DLM at once */
	CHECK_EQ(HV_STAT(serial_bytes), 0);
	pio(vcpu, false, COM1 + 3, 1, 0x03);
	CHECK_EQ(pio(vcpu, true, COM1 + 1, 1, 0), 0x0f);	/* IER again */
	/* THR: a line on the console; a 16-bit OUT is two byte writes, so
	 * 'h' goes to THR and 'i' to IER (as the bus splits it) */
	fake_log_clear();
	pio(vcpu, false, COM1, 2, 0x6968);
	CHECK_EQ(pio(vcpu, true, COM1 + 1, 1, 0), 0x09);	/* 'i' & 0x0f */
	pio(vcpu, false, COM1, 1, '\n');
	CHECK(strstr(fake_log(), "guest0.0: h\n") != NULL);
	CHECK_EQ(HV_STAT(serial_bytes), 2);
	/* loopback: THR comes back in RBR, modem outputs on MSR inputs */
	pio(vcpu, false, COM1 + 4, 1, 0x1f);
	CHECK_EQ(pio(vcpu, true, COM1 + 6, 1, 0), 0xf0);
	pio(vcpu, false, COM1 + 4, 1, 0x12);		/* loop + RTS */
	CHECK_EQ(pio(vcpu, true, COM1 + 6, 1, 0), 0x10);	/* CTS */
	pio(vcpu, false, COM1, 1, 0xa5);
	CHECK_EQ(pio(vcpu, true, COM1 + 5, 1, 0), 0x61);	/* DR */
	CHECK_EQ(pio(vcpu, true, COM1, 1, 0), 0xa5);
	CHECK_EQ(pio(vcpu, true, COM1 + 5, 1, 0), 0x60);
	CHECK_EQ(HV_STAT(serial_bytes), 2);
	/* absent ports float high, IN EAX zero-extends, writes are dropped */
	CHECK_EQ(pio(vcpu, true, 0x80, 1, 0xffffffff00000000ull),
	    0xffffffff000000ffull);
	CHECK_EQ(pio(vcpu, true, 0x80, 4, 0xffffffff00000000ull), 0xffffffffull);
	/* MSR, SCR, then two absent ports */
	CHECK_EQ(pio(vcpu, true, COM1 + 6, 4, 0), 0xffff5a10ull);
	pio(vcpu, false, 0x80, 1, 0x55);
	/* OUTS to the debug-exit port stops the guest, one message format */
	memset(&ex, 0, sizeof(ex));
	vx.io.port = HV_GUEST_DEBUG_EXIT;
	vx.io.size = 1;
	vx.io.string = true;
	vx.io.rep = true;
	vx.rip = 0x200010;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_ERROR);
	CHECK_EQ(ex.error, HV_ENOTSUP);
	CHECK(strcmp(ex.msg, "guest0.0: string I/O (outs) to the debug-exit port "
	    "0xf4 not supported at rip=0x200010") == 0);
	CHECK(!vx.skip);
	hv_vm_destroy(vm);
	t_teardown();
}

void
test_exit_hlt_shutdown(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_vmexit vx = { .kind = HV_VX_HLT };
	struct hv_exit ex;

	t_setup_vcpu(&vm, &vcpu);
	/* IF=0: never wakes, stopped */
	memset(&ex, 0, sizeof(ex));
	vx.rip = 0x200004;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), 0);
	CHECK(strcmp(ex.msg, "guest0.0: HLT with interrupts disabled: it would "
	    "never wake at rip=0x200004") == 0);
	CHECK(!vx.skip);
	/* IF=1, nothing queued: completed, a yield */
	memset(&ex, 0, sizeof(ex));
	vx.rflags = 0x202;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_INTR);
	CHECK(vx.skip);
	/* IF=1 with an interrupt queued: completed, entered again */
	CHECK_EQ(hv_vcpu_inject_irq(vcpu, 40), 0);
	vx.skip = false;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
	CHECK(vx.skip);
	/* shutdown: stopped, and no later run enters it */
	memset(&ex, 0, sizeof(ex));
	vx.kind = HV_VX_SHUTDOWN;
	vx.skip = false;
	vx.rip = 0x200008;
	vx.rsp = 0x1fff0;
	vx.cr0 = 0x80000011;
	vx.cr3 = 0x1000;
	vx.idtr_base = 0;
	vx.idtr_limit = 0;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), 0);
	CHECK(strcmp(ex.msg, "guest0.0: triple fault at rip=0x200008 "
	    "rsp=0x1fff0 cr0=0x80000011 cr3=0x1000 idtr=0x0 idtr_limit=0x0") == 0);
	CHECK_EQ(ex.error, HV_EFAULT);
	CHECK_EQ(hv_vcpu_run(vcpu, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_ERROR);
	CHECK(strcmp(ex.msg, "guest0.0: cannot run after a triple fault") == 0);
	CHECK_EQ(vcpu->entries, 0);
	hv_vm_destroy(vm);
	t_teardown();
}

/* INVD, WBINVD, RDPMC, MONITOR, MWAIT: one outcome each, the registers
 * untouched, the guest entered again */
void
test_exit_host_cpu_insns(void)
{
	static const struct {
		enum hv_vmexit_kind kind;
		bool skip, gp, ud;
	} want[] = {
		{ HV_VX_INVD, true, false, false },
		{ HV_VX_WBINVD, true, false, false },
		{ HV_VX_RDPMC, false, true, false },
		{ HV_VX_MONITOR, false, false, true },
		{ HV_VX_MWAIT, false, false, true },
	};
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_exit ex;
	uint32_t a, b, c, d;
	size_t i;

	t_setup_vcpu(&vm, &vcpu);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t gpr[HV_NGPRS] = { [HV_RAX] = 1, [HV_RBX] = 2,
		    [HV_RCX] = 3, [HV_RDX] = 4 };
		struct hv_vmexit vx = { .kind = want[i].kind, .gpr = gpr };

		memset(&ex, 0, sizeof(ex));
		CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
		CHECK_EQ(vx.skip, want[i].skip);
		CHECK_EQ(vx.gp, want[i].gp);
		CHECK_EQ(vx.ud, want[i].ud);
		CHECK(gpr[HV_RAX] == 1 && gpr[HV_RBX] == 2 && gpr[HV_RCX] == 3 &&
		    gpr[HV_RDX] == 4);
	}
	/* what the guest is told, on a host that has them all: no
	 * MONITOR/MWAIT, no performance counters */
	fake_cpuid_set(1, 0, 0, 0, X86_CPUID1_ECX_MONITOR, 0);
	fake_cpuid_set(X86_CPUID_LEAF_PERFMON, 0, 0x07300404, 0, 0, 0x603);
	fake_cpuid_set(0x80000001u, 0, 0, 0, X86_CPUID81_ECX_MONITORX, 0);
	hv_guest_cpuid(vcpu, 1, 0, &a, &b, &c, &d);
	CHECK_EQ(c & X86_CPUID1_ECX_MONITOR, 0);
	hv_guest_cpuid(vcpu, X86_CPUID_LEAF_PERFMON, 0, &a, &b, &c, &d);
	CHECK(a == 0 && b == 0 && c == 0 && d == 0);
	hv_guest_cpuid(vcpu, 0x80000001u, 0, &a, &b, &c, &d);
	CHECK_EQ(c & X86_CPUID81_ECX_MONITORX, 0);
	hv_vm_destroy(vm);
	t_teardown();
}

/* One XSETBV through hv_vmexit with the guest's CR4 and CPL as given. */
static struct hv_vmexit
xsetbv(struct hv_vcpu *vcpu, uint64_t cr4, int cpl, uint64_t rcx,
    uint64_t rdx, uint64_t rax)
{
	static uint64_t gpr[HV_NGPRS];
	struct hv_vmexit vx = { .kind = HV_VX_XSETBV, .gpr = gpr };
	struct hv_regs regs;
	struct hv_exit ex;

	memset(&ex, 0, sizeof(ex));
	CHECK_EQ(hv_vcpu_get_regs(vcpu, &regs), 0);
	regs.cr4 = cr4;
	regs.cpl = cpl;
	CHECK_EQ(hv_vcpu_set_regs(vcpu, &regs), 0);
	gpr[HV_RCX] = rcx;
	gpr[HV_RDX] = rdx;
	gpr[HV_RAX] = rax;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
	CHECK_EQ(vx.skip + vx.gp + vx.ud, 1);
	return vx;
}

/*
 * XSETBV (hv/xsave.c): the guest's XCR0 from x87 only at reset; each
 * refusal of SDM Vol. 2B XSETBV leaves it as it was; CPUID leaf 0xD
 * follows it and offers only the host's components.  Needs a build
 * machine whose XCR0 has AVX.
 */
void
test_exit_xsetbv(void)
{
	static const struct {
		uint64_t rcx, rdx, rax;
	} refused[] = {
		{ 1, 0, X86_XCR0_X87 },			/* XCR1 */
		{ 0, 0, 0 },				/* x87 clear */
		{ 0, 0, X86_XCR0_SSE },
		{ 0, 0, X86_XCR0_X87 | X86_XCR0_YMM },	/* AVX without SSE */
		{ 0, 0, X86_XCR0_AVX | X86_BIT(8) },	/* reserved */
		{ 0, 1, X86_XCR0_AVX },			/* bit 32 */
		{ 0, 0, X86_XCR0_AVX | X86_XCR0_BNDREGS },	/* half of MPX */
		{ 0, 0, X86_XCR0_AVX | X86_BIT(5) },	/* a third of AVX-512 */
	};
	const uint64_t osx = X86_CR4_OSXSAVE;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_vmexit vx;
	uint32_t a, b, c, d, ymm[4];
	uint64_t supported;
	size_t i;

	t_setup_vcpu(&vm, &vcpu);
	supported = hv_fpu_xcr0_supported();
	if (!CHECK_EQ(supported & X86_XCR0_AVX, X86_XCR0_AVX))
		goto out;
	CHECK_EQ(vcpu->xcr0, X86_XCR0_X87);
	hv_guest_cpuid(vcpu, X86_CPUID_LEAF_XSAVE, 0, &a, &b, &c, &d);
	CHECK_EQ(a, (uint32_t)supported);
	CHECK_EQ(d, (uint32_t)(supported >> 32));
	CHECK_EQ(b, X86_XSAVE_LEGACY + X86_XSAVE_HEADER);
	CHECK_EQ(c, hv_xsave_size(supported, false));

	vx = xsetbv(vcpu, osx, 0, 0, 0, X86_XCR0_X87 | X86_XCR0_SSE);
	CHECK(vx.skip && vcpu->xcr0 == (X86_XCR0_X87 | X86_XCR0_SSE));
	/* RCX[63:32], RDX[63:32], RAX[63:32] are ignored */
	vx = xsetbv(vcpu, osx, 0, 1ull << 32, 0xffffffff00000000ull,
	    0xffffffff00000000ull | X86_XCR0_AVX);
	CHECK(vx.skip && vcpu->xcr0 == X86_XCR0_AVX);
	hv_cpuid(X86_CPUID_LEAF_XSAVE, 2, ymm);
	hv_guest_cpuid(vcpu, X86_CPUID_LEAF_XSAVE, 0, &a, &b, &c, &d);
	CHECK_EQ(b, ymm[1] + ymm[0]);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		vx = xsetbv(vcpu, osx, 0, refused[i].rcx, refused[i].rdx,
		    refused[i].rax);
		CHECK(vx.gp && vcpu->xcr0 == X86_XCR0_AVX);
	}
	vx = xsetbv(vcpu, osx, 3, 0, 0, X86_XCR0_X87);		/* CPL 3 */
	CHECK(vx.gp && vcpu->xcr0 == X86_XCR0_AVX);
	vx = xsetbv(vcpu, 0, 0, 0, 0, X86_XCR0_X87);		/* no OSXSAVE */
	CHECK(vx.ud && vcpu->xcr0 == X86_XCR0_AVX);

	/* no XSAVES (IA32_XSS is the host's), no supervisor components, no
	 * sub-leaf for a component the host did not enable */
	hv_guest_cpuid(vcpu, X86_CPUID_LEAF_XSAVE, 1, &a, &b, &c, &d);
	CHECK(!(a & (X86_CPUIDD1_EAX_XSAVES | X86_CPUIDD1_EAX_XFD)) && c == 0 && d == 0);
	hv_guest_cpuid(vcpu, X86_CPUID_LEAF_XSAVE, 8, &a, &b, &c, &d);
	CHECK(a == 0 && b == 0 && c == 0 && d == 0);
	hv_guest_cpuid(vcpu, X86_CPUID_LEAF_XSAVE, 2, &a, &b, &c, &d);
	CHECK(a == ymm[0] && b == ymm[1]);
out:
	hv_vm_destroy(vm);
	t_teardown();
}

/* a host #MC taken in the guest: handed to the host on this CPU, pinned;
 * the guest goes on where it was, told nothing */
void
test_exit_machine_check(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	uint64_t gpr[HV_NGPRS] = { [HV_RAX] = 7 };
	struct hv_vmexit vx = { .kind = HV_VX_MACHINE_CHECK, .gpr = gpr };
	struct hv_exit ex;

	t_setup_vcpu(&vm, &vcpu);
	memset(&ex, 0, sizeof(ex));
	fake_cpu = 1;
	hv_os_pin();
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
	hv_os_unpin();
	fake_cpu = 0;
	CHECK_EQ(fake_machine_checks[1], 1);
	CHECK_EQ(fake_machine_checks[0], 0);
	CHECK_EQ(HV_STAT(machine_checks), 1);
	CHECK(!vx.skip && !vx.gp && !vx.ud && gpr[HV_RAX] == 7);
	CHECK_EQ(ex.kind, 0);
	hv_vm_destroy(vm);
	t_teardown();
}

/* #BP is the guest's unless the VM's host debugger takes it; the choice is
 * made before the first vCPU, which takes its intercepts from it */
void
test_exit_debugger_choice(void)
{
	const uint32_t hv_own = (1u << X86_VEC_UD) | (1u << X86_VEC_MC);
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_exception_intercepts(vm), hv_own);
	CHECK_EQ(hv_vm_set_debugger(vm, true), 0);
	CHECK_EQ(hv_exception_intercepts(vm), hv_own | (1u << X86_VEC_BP));
	CHECK_EQ(hv_vm_set_debugger(vm, false), 0);
	CHECK_EQ(hv_exception_intercepts(vm), hv_own);
	CHECK_EQ(hv_vm_set_debugger(vm, true), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	/* too late now: the vCPU's intercepts are set */
	CHECK_EQ(hv_vm_set_debugger(vm, false), HV_EBUSY);
	CHECK_EQ(hv_exception_intercepts(vm), hv_own | (1u << X86_VEC_BP));
	CHECK_EQ(hv_vm_set_debugger(NULL, true), HV_EINVAL);
	hv_vm_destroy(vm);
	t_teardown();
}

/* an instruction hv completes: the single-step trap at its end (TF alone
 * decides), the next RIP in the width of the code */
void
test_exit_insn_completion(void)
{
	CHECK(hv_single_step_trap(X86_RFLAGS_TF | 2));
	CHECK(hv_single_step_trap(X86_RFLAGS_TF | X86_RFLAGS_IF | X86_RFLAGS_RF));
	CHECK(!hv_single_step_trap(2));
	CHECK(!hv_single_step_trap(X86_RFLAGS_IF | X86_RFLAGS_RF | 2));
	CHECK_EQ(hv_next_rip(0x200000, 2, 64), 0x200002);
	CHECK_EQ(hv_next_rip(0xfffffffe, 2, 32), 0);
	CHECK_EQ(hv_next_rip(0xfffffffd, 2, 32), 0xffffffff);
	CHECK_EQ(hv_next_rip(0xfffe, 3, 16), 1);
	/* no wrap in 64-bit code: past the canonical edge, and past 4 GiB */
	CHECK_EQ(hv_next_rip(0x7ffffffffffdull, 3, 64), 0x800000000000ull);
	CHECK_EQ(hv_next_rip(0xfffffffe, 2, 64), 0x100000000ull);
}

/* interruption information of a hardware exception being delivered */
#define EXC(v)	((1u << 31) | (3u << 8) | (v))

void
test_exit_exception_merge(void)
{
	/* nothing, an interrupt or a software interrupt in flight: the second */
	CHECK_EQ(hv_exception_merge(0, 13), HV_MERGE_SECOND);
	CHECK_EQ(hv_exception_merge((1u << 31) | 40, 13), HV_MERGE_SECOND);
	CHECK_EQ(hv_exception_merge((1u << 31) | (4u << 8) | 0x80, 14),
	    HV_MERGE_SECOND);
	/* benign first: serially, whatever the second */
	CHECK_EQ(hv_exception_merge(EXC(6), 13), HV_MERGE_SECOND);
	CHECK_EQ(hv_exception_merge(EXC(3), 14), HV_MERGE_SECOND);
	/* contributory first */
	CHECK_EQ(hv_exception_merge(EXC(13), 11), HV_MERGE_DOUBLE_FAULT);
	CHECK_EQ(hv_exception_merge(EXC(0), 10), HV_MERGE_DOUBLE_FAULT);
	CHECK_EQ(hv_exception_merge(EXC(12), 14), HV_MERGE_SECOND);
	CHECK_EQ(hv_exception_merge(EXC(13), 6), HV_MERGE_SECOND);
	/* page fault first */
	CHECK_EQ(hv_exception_merge(EXC(14), 14), HV_MERGE_DOUBLE_FAULT);
	CHECK_EQ(hv_exception_merge(EXC(14), 13), HV_MERGE_DOUBLE_FAULT);
	CHECK_EQ(hv_exception_merge(EXC(14), 6), HV_MERGE_SECOND);
	/* double fault first */
	CHECK_EQ(hv_exception_merge(EXC(8), 13), HV_MERGE_SHUTDOWN);
	CHECK_EQ(hv_exception_merge(EXC(8), 14), HV_MERGE_SHUTDOWN);
	CHECK_EQ(hv_exception_merge(EXC(8), 6), HV_MERGE_SECOND);
}

/* what the backends inject for such a pair (hv_exception_reflect) */
void
test_exit_exception_reflect(void)
{
	unsigned vector = X86_VEC_NP;
	bool has_err = true;
	uint32_t err = 0x18;

	/* benign first: the second as it is */
	CHECK(hv_exception_reflect(EXC(6), &vector, &has_err, &err));
	CHECK_EQ(vector, X86_VEC_NP);
	CHECK(has_err);
	CHECK_EQ(err, 0x18);
	/* two contributory: #DF with error code 0 */
	CHECK(hv_exception_reflect(EXC(13), &vector, &has_err, &err));
	CHECK_EQ(vector, X86_VEC_DF);
	CHECK(has_err);
	CHECK_EQ(err, 0);
	vector = X86_VEC_UD;
	has_err = false;
	CHECK(hv_exception_reflect(0, &vector, &has_err, &err));
	CHECK_EQ(vector, X86_VEC_UD);
	CHECK(!has_err);
	/* a fault while delivering #DF: shutdown */
	vector = X86_VEC_PF;
	CHECK(!hv_exception_reflect(EXC(8), &vector, &has_err, &err));
}

/* the event layout both backends use (x86_arch.h), against the numbers of
 * APM Vol. 2 15.20 and SDM Vol. 3C 25.8.3 */
void
test_exit_event_format(void)
{
	CHECK_EQ(x86_event(X86_VEC_PF, X86_EVENT_HW_EXC), 0x8000030eu);
	CHECK_EQ(x86_event(X86_VEC_NMI, X86_EVENT_NMI), 0x80000202u);
	CHECK_EQ(x86_event(0x20, X86_EVENT_EXTINT), 0x80000020u);
	CHECK_EQ(x86_event(0x80, X86_EVENT_SW_INT), 0x80000480u);
	/* the vector is 8 bits wide */
	CHECK_EQ(x86_event(0x10e, X86_EVENT_HW_EXC), 0x8000030eu);
	CHECK_EQ(X86_EVENT_ERR_VALID, 0x800u);
	CHECK_EQ(X86_EVENT_VALID, 0x80000000u);
	/* the type beside an error code (bit 11) and SVM's in bits 63:32 */
	CHECK_EQ(x86_event_type(0x80000b0dull | (0x18ull << 32)), X86_EVENT_HW_EXC);
	CHECK_EQ(x86_event_type(0x80000603u), X86_EVENT_SW_EXC);
	CHECK_EQ(x86_event_type(0x80000501u), X86_EVENT_PRIV_SW_EXC);
}

/* RIP after a completed instruction: as wide as the code (hv_next_rip) */
void
test_exit_next_rip(void)
{
	/* 64-bit code: no wrap below 2^64 */
	CHECK_EQ(hv_next_rip(0xfffffffeull, 2, 64), 0x100000000ull);
	/* 32-bit code (CS.D=1): EIP wraps at 4 GiB */
	CHECK_EQ(hv_next_rip(0xfffffffeull, 3, 32), 1);
	CHECK_EQ(hv_next_rip(0xfffe, 2, 32), 0x10000);
	/* 16-bit code (real mode): IP wraps at 64 KiB */
	CHECK_EQ(hv_next_rip(0xfffe, 2, 16), 0);
	CHECK_EQ(hv_next_rip(0xffff, 1, 16), 0);
	CHECK_EQ(hv_next_rip(0x1234, 2, 16), 0x1236);
	/* error codes are pushed only with CR0.PE */
	CHECK(!hv_exception_pushes_error(0x10));
	CHECK(hv_exception_pushes_error(0x11));
}
