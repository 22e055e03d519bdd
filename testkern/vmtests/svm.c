/*
 * svm.c - tests of the AMD SVM backend only (hv/amd): the
 * hw.vmm.svm.* sysctls against CPUID 8000_000A, EFER.SVME and VM_HSAVE_PA on
 * every CPU as hw.vmm.enable toggles, VMRUN consistency-check failures
 * decoded by name, and the exits no guest program makes (MSR, I/O, the SVM
 * instructions, INTn, HLT), counted by name.  Each SKIPs when the backend is
 * not SVM.
 */
#include "vmtests.h"
#include "ktest.h"
#include "cpu.h"
#include "x86.h"

/* CHECK that sysctl hw.vmm.svm.<name> reads as want. */
static void
check_leaf(const char *name, uint64_t want)
{
	uint64_t v = 0;
	char full[64];
	int found;

	ksnprintf(full, sizeof(full), "hw.vmm.svm.%s", name);
	found = vm_sysctl_u64(full, &v);
	report(found == 1 && v == want, "%s = %lu (CPUID says %lu)%s", full,
	    (unsigned long)v, (unsigned long)want,
	    found == 1 ? "" : ": leaf missing");
}

/* ---- svm_caps ---------------------------------------------------------------- */

struct cpu_svm_state {
	uint64_t efer[MAX_CPUS];
	uint64_t hsave[MAX_CPUS];
};

static int
read_svm_state(void *arg)
{
	struct cpu_svm_state *st = arg;
	int cpu = hv_os_cpu_id();

	st->efer[cpu] = rdmsr(X86_MSR_EFER);
	st->hsave[cpu] = rdmsr(X86_MSR_VM_HSAVE_PA);
	return 0;
}

/* CHECK EFER.SVME and VM_HSAVE_PA on every CPU: set (on) or clear (!on). */
static void
check_cpus(bool on, const char *when)
{
	static struct cpu_svm_state st;
	int cpu, n = hv_os_ncpus(), good = 0;

	for (cpu = 0; cpu < n; cpu++) {
		st.efer[cpu] = st.hsave[cpu] = ~0ull;
		hv_os_on_cpu(cpu, read_svm_state, &st);
		if (on ? ((st.efer[cpu] & X86_EFER_SVME) && st.hsave[cpu] != 0 &&
		    (st.hsave[cpu] & 0xfff) == 0) :
		    (!(st.efer[cpu] & X86_EFER_SVME) && st.hsave[cpu] == 0))
			good++;
		else
			kprintf("svm_caps: cpu %d EFER 0x%lx VM_HSAVE_PA 0x%lx\n",
			    cpu, (unsigned long)st.efer[cpu],
			    (unsigned long)st.hsave[cpu]);
	}
	report(good == n, "%s: EFER.SVME %s and VM_HSAVE_PA %s: cpus_ok=%d cpus=%d",
	    when, on ? "set" : "clear", on ? "a page" : "0", good, n);
}

KTEST(svm_caps, "hw.vmm.svm.* equal CPUID 8000_000A; EFER.SVME and VM_HSAVE_PA follow hw.vmm.enable on every CPU")
{
	uint32_t a, b, c, d;
	int error;

	if (!vm_begin_backend("svm"))
		return;
	/* AMD APM Vol. 2 15.4 / Vol. 3 CPUID Fn8000_000A */
	cpuid(0x8000000au, 0, &a, &b, &c, &d);
	check_leaf("revision", a & 0xff);
	check_leaf("nasid", b);
	check_leaf("npt", d & 1);
	check_leaf("nrips", (d >> 3) & 1);
	check_leaf("flush_by_asid", (d >> 6) & 1);
	check_leaf("decode_assists", (d >> 7) & 1);
	report(!((rdmsr(X86_MSR_VM_CR) >> 4) & 1), "VM_CR.SVMDIS clear (VM_CR 0x%lx)",
	    (unsigned long)rdmsr(X86_MSR_VM_CR));
	check_cpus(true, "enabled");
	error = hv_set_enable(false);
	report(error == 0, "hw.vmm.enable 1 -> 0: %s", vm_err(error));
	check_cpus(false, "disabled");
	error = hv_set_enable(true);
	report(error == 0, "hw.vmm.enable 0 -> 1: %s", vm_err(error));
	check_cpus(true, "enabled again");
}

/* ---- svm_vmcb_checks ------------------------------------------------------------ */

/*
 * Each state breaks one VMRUN consistency check of APM Vol. 2 15.5.1 that
 * QEMU TCG enforces; hv must name that check.
 */
static void bad_nw(struct hv_regs *r) { r->cr0 = (r->cr0 | X86_CR0_NW) & ~X86_CR0_CD; }
static void bad_cr0_high(struct hv_regs *r) { r->cr0 |= 1ull << 32; }
static void bad_pae(struct hv_regs *r) { r->cr4 &= ~X86_CR4_PAE; }
static void bad_pe(struct hv_regs *r) { r->cr0 &= ~X86_CR0_PE; }
static void bad_cr4_mbz(struct hv_regs *r) { r->cr4 |= 1ull << 15; }
static void bad_efer_mbz(struct hv_regs *r) { r->efer |= 1ull << 2; }

static const struct vm_badstate badstates[] = {
	{ "CR0.NW=1 with CR0.CD=0", "CR0.CD=0 with CR0.NW=1", bad_nw },
	{ "CR0 bit 32 set", "CR0[63:32] not zero", bad_cr0_high },
	{ "CR4.PAE clear in long mode", "EFER.LME=1 and CR0.PG=1 with CR4.PAE=0", bad_pae },
	{ "CR0.PE clear with paging", "EFER.LME=1 and CR0.PG=1 with CR0.PE=0", bad_pe },
	{ "CR4 bit 15 set", "CR4 MBZ bits set", bad_cr4_mbz },
	{ "EFER bit 2 set", "EFER MBZ bits set", bad_efer_mbz },
};

static void
one_badstate(const struct vm_badstate *b)
{
	uint64_t inval = vm_stat("exit.invalid");
	struct hv_exit ex;

	if (vm_badstate_run(b, "VMRUN failed: invalid VMCB", &ex) != 0)
		return;
	/* VMEXIT_INVALID, -1 in the VMCB's 32-bit exit code (APM Vol. 2 15.5.1) */
	report((uint32_t)ex.raw_reason == 0xffffffffu, "%s: exit code raw=0x%lx is VMEXIT_INVALID",
	    b->what, (unsigned long)ex.raw_reason);
	report(vm_stat("exit.invalid") - inval == 1,
	    "%s: hw.vmm.stats.exit.invalid counted it: added=%lu", b->what,
	    (unsigned long)(vm_stat("exit.invalid") - inval));
}

/* A non-canonical segment base would go in by VMLOAD, unchecked: refused. */
static void
noncanonical_base(void)
{
	const struct guest_run_cfg cfg = { .image = "hello.bin" };
	struct guest_run_result r = { 0 };
	struct hv_vcpu *vcpu;
	struct hv_regs regs;
	int error;

	if (guest_run_setup(&cfg, &r) != 0) {
		report(false, "non-canonical GS base: could not start: %s", r.errmsg);
		return;
	}
	error = hv_vcpu_create(r.vm, 0, &vcpu);
	if (error == 0)
		error = hv_vcpu_get_regs(vcpu, &regs);
	if (error == 0) {
		regs.gs_base = 0x0000800000000000ull;
		error = hv_vcpu_set_regs(vcpu, &regs);
	}
	report(error == EINVAL, "set_regs with GS base 0x800000000000 "
	    "(non-canonical): %s (want EINVAL)", vm_err(error));
	guest_run_teardown(&r);
}

KTEST(svm_vmcb_checks, "bad guest states through set_regs: VMRUN refused, failed check named, host lives")
{
	size_t i;

	if (!vm_begin_backend("svm"))
		return;
	for (i = 0; i < sizeof(badstates) / sizeof(badstates[0]); i++)
		one_badstate(&badstates[i]);
	noncanonical_base();
	vm_good_guest_runs("the failed VMRUNs");
}

/* ---- svm_exits ------------------------------------------------------------------ */

/*
 * The guests are the cases of guests/exits.asm.  The boot state has no IDT,
 * so an exception hv reflects into the guest becomes a triple fault at the
 * faulting instruction, whose address the case leaves in R15: proof it was
 * injected there.
 */

/* A case that must end in a triple fault at the instruction R15 names. */
static void
expect_triple(const char *what, enum exits_case which, const char *stat)
{
	uint64_t n = vm_stat(stat), sd = vm_stat("exit.shutdown");
	struct hv_regs regs;
	struct hv_exit ex;
	char want[48];
	int error, intr;

	error = vm_run_case("exits.bin", which, &ex, &regs, &intr);
	report(vm_triple_at_r15(error, &ex, &regs, want, sizeof(want)),
	    "%s: reflected into the guest, no IDT -> triple fault %s: %s", what,
	    want, error == 0 ? ex.msg : vm_err(error));
	report(vm_stat(stat) - n == 1 && vm_stat("exit.shutdown") - sd == 1,
	    "%s: hw.vmm.stats.%s +%lu, exit.shutdown +%lu (want 1, 1)", what, stat,
	    (unsigned long)(vm_stat(stat) - n),
	    (unsigned long)(vm_stat("exit.shutdown") - sd));
}

/* A breakpoint case in a VM whose host debugger takes them: a debug exit
 * with RIP past the whole instruction (R15). */
static void
expect_breakpoint(const char *what, enum exits_case which)
{
	struct guest_run_cfg cfg = VM_CASE_CFG("exits.bin", which);
	struct hv_regs regs;
	struct hv_exit ex;
	int error, intr;

	cfg.debugger = true;
	error = vm_run_case_cfg(&cfg, &ex, &regs, &intr);
	report(error == 0 && ex.kind == HV_EXIT_DEBUG && regs.rip == regs.r15,
	    "%s: breakpoint exit (kind %d) with RIP past it: got=0x%lx want=0x%lx", what,
	    error == 0 ? (int)ex.kind : -1, (unsigned long)regs.rip,
	    (unsigned long)regs.r15);
}

/*
 * An INTn case, no IDT: a triple fault.  INTn exits only in a VM whose host
 * debugger takes breakpoints (hv/amd/vmcb.c), then it is re-injected;
 * otherwise the CPU delivers it without an exit.
 */
static void
expect_int80(const char *what, enum exits_case which, bool debugger)
{
	struct guest_run_cfg cfg = VM_CASE_CFG("exits.bin", which);
	uint64_t swint = vm_stat("exit.swint"), want = debugger ? 1 : 0;
	struct hv_regs regs;
	struct hv_exit ex;
	int error, intr;

	cfg.debugger = debugger;
	error = vm_run_case_cfg(&cfg, &ex, &regs, &intr);
	report(error == 0 && ex.kind == HV_EXIT_ERROR &&
	    vm_contains(ex.msg, "triple fault") && vm_stat("exit.swint") - swint == want,
	    "%s: %lu INTn exits (want %lu), delivered, no IDT -> %s", what,
	    (unsigned long)(vm_stat("exit.swint") - swint), (unsigned long)want,
	    error == 0 ? ex.msg : vm_err(error));
}

KTEST(svm_exits, "MSR emulation and pass-through, I/O ports, SVM instructions -> #UD, INTn, #UD/#GP reflection, HLT; counted by name")
{
	uint64_t msr = vm_stat("exit.msr"), io = vm_stat("exit.ioio");
	uint64_t hlt;
	struct hv_regs regs;
	struct hv_exit ex;
	int error, intr;

	if (!vm_begin_backend("svm"))
		return;
	error = vm_run_case("exits.bin", EXITS_MSR_IO, &ex, &regs, &intr);
	report(error == 0 && ex.kind == HV_EXIT_DONE && ex.code == 0,
	    "MSR/IO guest ran to HC_EXIT(0): %s, kind %d %s", vm_err(error),
	    error == 0 ? (int)ex.kind : -1, error == 0 ? ex.msg : "");
	report(error == 0 && regs.r8 == 0xd00,
	    "RDMSR EFER = 0x%lx (want 0xd00: LME, LMA, NXE; SVME hidden)",
	    (unsigned long)regs.r8);
	report(error == 0 && regs.r9 == 0x60,
	    "IN COM1 LSR = 0x%lx (want 0x60: transmitter empty)",
	    (unsigned long)regs.r9);
	report(error == 0 && regs.r10 == 0xff,
	    "IN port 0x80 = 0x%lx (want 0xff: nothing answers)",
	    (unsigned long)regs.r10);
	report(error == 0 && regs.r11 == 0x00230008,
	    "WRMSR/RDMSR STAR round trip, high half 0x%lx (want 0x230008)",
	    (unsigned long)regs.r11);
	report(error == 0 && regs.fs_base == 0x11223344,
	    "guest WRMSR FS_BASE: guest FS base 0x%lx (want "
	    "0x11223344), host FS base intact", (unsigned long)regs.fs_base);
	report(vm_stat("exit.msr") - msr == 4, "MSR exits: %lu (want 4: the WRMSR "
	    "of FS_BASE exits for its canonical check)",
	    (unsigned long)(vm_stat("exit.msr") - msr));
	report(vm_stat("exit.ioio") - io == 2, "IOIO exits: %lu (want 2)",
	    (unsigned long)(vm_stat("exit.ioio") - io));

	expect_triple("RDMSR of MSR 0x12345678 -> #GP", EXITS_BAD_RDMSR, "exit.msr");
	expect_triple("WRMSR PAT with reserved type 2 -> #GP", EXITS_BAD_PAT, "exit.msr");
	expect_triple("WRMSR LSTAR non-canonical -> #GP", EXITS_BAD_LSTAR, "exit.msr");
	expect_triple("VMLOAD -> #UD", EXITS_VMLOAD, "exit.vmload");
	expect_triple("UD2 -> #UD", EXITS_UD, "exit.excp_ud");

	expect_int80("INT 0x80, no host debugger", EXITS_INT80, false);
	expect_breakpoint("INT 3 (CD 03)", EXITS_INT_3);
	/* without the host debugger it is the guest's #BP, no exit */
	expect_int80("INT 3 (CD 03), no host debugger", EXITS_INT_3, false);
	expect_breakpoint("INT3 after REX (48 CC)", EXITS_REX_INT3);
	/* with it, INTn exits and is re-injected (decoded past the REX) */
	expect_int80("INT 0x80 after REX (41 CD 80), host debugger", EXITS_REX_INT80,
	    true);

	hlt = vm_stat("exit.hlt");
	error = vm_run_case("exits.bin", EXITS_STI_HLT, &ex, &regs, &intr);
	report(error == 0 && ex.kind == HV_EXIT_DONE && ex.code == 0 &&
	    vm_stat("exit.hlt") - hlt == 1 && intr >= 1,
	    "HLT with IF=1: one HLT exit (%lu) returned as a yield (%d), then "
	    "HC_EXIT(0): kind %d %s", (unsigned long)(vm_stat("exit.hlt") - hlt),
	    intr, error == 0 ? (int)ex.kind : -1, error == 0 ? ex.msg : vm_err(error));
	error = vm_run_case("exits.bin", EXITS_CLI_HLT, &ex, &regs, &intr);
	report(error == 0 && ex.kind == HV_EXIT_ERROR &&
	    vm_contains(ex.msg, "HLT with interrupts disabled"),
	    "HLT with IF=0 stops the guest, decoded: %s",
	    error == 0 ? ex.msg : vm_err(error));
}
