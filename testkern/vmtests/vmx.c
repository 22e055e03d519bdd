/*
 * vmx.c - tests of the Intel VMX backend only (hv/intel): the
 * hw.vmm.vmx.* sysctls against the capability MSRs, VM-entry failures decoded
 * down to the guest-state field, and the host state (CR3, FS base) after VM
 * exits across address-space and TLS switches between entries (the 2013
 * DragonFly bugs).  Each SKIPs when the backend is not VMX.
 */
#include "vmtests.h"
#include "ktest.h"
#include "sched.h"
#include "cpu.h"
#include "x86.h"

/* sysctl hw.vmm.vmx.<name> as a number; *found: how many leaves matched. */
static uint64_t
leaf_get(const char *name, int *found)
{
	uint64_t v = 0;
	char full[64];
	int n;

	ksnprintf(full, sizeof(full), "hw.vmm.vmx.%s", name);
	n = vm_sysctl_u64(full, &v);
	if (found != NULL)
		*found = n;
	return v;
}

/* CHECK that sysctl hw.vmm.vmx.<name> reads as want. */
static void
check_leaf(const char *name, uint64_t want)
{
	int found;
	uint64_t v = leaf_get(name, &found);

	report(found == 1 && v == want, "hw.vmm.vmx.%s = 0x%lx (MSR says 0x%lx)%s",
	    name, (unsigned long)v, (unsigned long)want,
	    found == 1 ? "" : ": leaf missing");
}

/* A control word in use fits its capability MSR and holds the needed bits. */
static void
check_used(const char *name, const char *used, uint64_t cap, uint32_t need)
{
	uint32_t v = (uint32_t)leaf_get(used, NULL);
	uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);

	report((v & must1) == must1 && (v & ~may1) == 0 && (v & need) == need,
	    "%s in use 0x%x: allowed by the MSR (must-be-1 0x%x, may-be-1 0x%x), "
	    "has 0x%x", name, v, must1, may1, need);
}

KTEST(vmx_caps, "hw.vmm.vmx.* sysctls equal the VMX capability MSRs; controls in use fit them")
{
	uint64_t basic, pin, proc, proc2 = 0, exit, entry, cap = 0;
	bool true_ctls;

	if (!vm_begin_backend("vmx"))
		return;
	/* SDM Vol. 3D A.1: BASIC; bit 55 says the TRUE_ MSRs exist */
	basic = rdmsr(X86_MSR_VMX_BASIC);
	true_ctls = (basic >> 55) & 1;
	check_leaf("basic", basic);
	check_leaf("revision", basic & 0x7fffffff);
	check_leaf("region_size", (basic >> 32) & 0x1fff);
	check_leaf("width_addr", (basic >> 48) & 1);
	pin = rdmsr(true_ctls ? X86_MSR_VMX_TRUE_PINBASED : X86_MSR_VMX_PINBASED_CTLS);
	proc = rdmsr(true_ctls ? X86_MSR_VMX_TRUE_PROCBASED : X86_MSR_VMX_PROCBASED_CTLS);
	exit = rdmsr(true_ctls ? X86_MSR_VMX_TRUE_EXIT : X86_MSR_VMX_EXIT_CTLS);
	entry = rdmsr(true_ctls ? X86_MSR_VMX_TRUE_ENTRY : X86_MSR_VMX_ENTRY_CTLS);
	if ((proc >> 63) & 1)		/* secondary controls may be 1 */
		proc2 = rdmsr(X86_MSR_VMX_PROCBASED_CTLS2);
	if ((proc2 >> 33) & 1 || (proc2 >> 37) & 1)	/* EPT or VPID may be 1 */
		cap = rdmsr(X86_MSR_VMX_EPT_VPID_CAP);
	check_leaf("pinbased_ctls", pin);
	check_leaf("procbased_ctls", proc);
	check_leaf("procbased2_ctls", proc2);
	check_leaf("exit_ctls", exit);
	check_leaf("entry_ctls", entry);
	check_leaf("misc", rdmsr(X86_MSR_VMX_MISC));
	check_leaf("cr0_fixed0", rdmsr(X86_MSR_VMX_CR0_FIXED0));
	check_leaf("cr0_fixed1", rdmsr(X86_MSR_VMX_CR0_FIXED1));
	check_leaf("cr4_fixed0", rdmsr(X86_MSR_VMX_CR4_FIXED0));
	check_leaf("cr4_fixed1", rdmsr(X86_MSR_VMX_CR4_FIXED1));
	check_leaf("ept_vpid_cap", cap);
	check_leaf("ept", (proc2 >> 33) & 1);
	check_leaf("unrestricted_guest", (proc2 >> 39) & 1);
	/* vpid is 1 only with INVVPID single-context (bits 32 and 41) */
	check_leaf("vpid", ((proc2 >> 37) & 1) && ((cap >> 32) & 1) && ((cap >> 41) & 1));
	/* ext-interrupt + NMI exiting; EPT; 64-bit host; IA-32e guest */
	check_used("pin-based", "pinbased_used", pin, 0x9);
	check_used("processor-based", "procbased_used", proc, 1u << 31);
	check_used("secondary", "procbased2_used", proc2, 1u << 1);
	check_used("VM-exit", "exit_used", exit, 1u << 9);
	check_used("VM-entry", "entry_used", entry, 1u << 9);
	report((read_cr4() >> 13) & 1, "CR4.VMXE set on cpu %d while enabled (CR4 0x%lx)",
	    this_cpu()->id, (unsigned long)read_cr4());
}

/* ---- vmx_entry_checks -------------------------------------------------------- */

/*
 * Each state breaks one VM-entry check of SDM 26.3.1 that Bochs 2.7 enforces
 * (it does not check RIP bits 63:48: such an entry succeeds there and the
 * guest faults at its first fetch, so RIP is not among them).
 */
static void bad_rflags(struct hv_regs *r) { r->rflags &= ~2ull; }
static void bad_efer(struct hv_regs *r) { r->efer &= ~X86_EFER_LMA; }
static void bad_pae(struct hv_regs *r) { r->cr4 &= ~X86_CR4_PAE; }
static void bad_cr0(struct hv_regs *r) { r->cr0 = (r->cr0 | X86_CR0_PG) & ~X86_CR0_PE; }

static const struct vm_badstate badstates[] = {
	{ "RFLAGS bit 1 clear", "GUEST_RFLAGS", bad_rflags },
	{ "EFER.LMA clear in an IA-32e guest", "GUEST_EFER", bad_efer },
	{ "CR4.PAE clear in an IA-32e guest", "CR4.PAE", bad_pae },
	{ "CR0.PG without CR0.PE", "GUEST_CR0", bad_cr0 },
};

static void
one_badstate(const struct vm_badstate *b)
{
	struct hv_exit ex;

	if (vm_badstate_run(b, "VM-entry failure: invalid guest state", &ex) != 0)
		return;
	/* bit 31 of the exit reason: the failure came from the CPU's checks */
	report((ex.raw_reason & 0x80000000u) && (ex.raw_reason & 0xffff) == 33,
	    "%s: exit reason raw=0x%lx is VM-entry failure 33 (invalid guest state)",
	    b->what, (unsigned long)ex.raw_reason);
}

KTEST(vmx_entry_checks, "bad guest states through set_regs: VM entry refused, failed field named, host lives")
{
	size_t i;

	if (!vm_begin_backend("vmx"))
		return;
	for (i = 0; i < sizeof(badstates) / sizeof(badstates[0]); i++)
		one_badstate(&badstates[i]);
	/* the failures left nothing behind: a good guest still runs */
	vm_good_guest_runs("the failed entries");
}

/* ---- vmx_host_state -------------------------------------------------------------- */

/*
 * At each guest mark the vCPU thread moves to another address space and
 * another TLS, as DragonFly's vmspace_ctl and a vkernel thread switch do
 * between two entries.  The backend must enter the next time with those as
 * HOST_CR3 and HOST_FS_BASE; it checks them after every exit and stops the VM
 * with an error if they differ, and this test checks them after the run.
 */
struct host_ctx {
	struct proc *p[2];
	uint64_t tls[2][2];	/* %fs:0 reads tls[i][0] */
	int	 switches;
	bool	 ok;
};

static int
host_mark(const struct guest_run_cfg *cfg, struct guest_run_result *r,
    struct hv_vcpu *vcpu, uint64_t n)
{
	struct host_ctx *h = cfg->ctx;
	int i = h->switches++ & 1;
	uint64_t fs0;

	thread_vmspace_switch(h->p[i]);
	thread_set_fs_base((uint64_t)(uintptr_t)h->tls[i]);
	__asm__ __volatile__("movq %%fs:0, %0" : "=r"(fs0));
	if (read_cr3() != h->p[i]->cr3 || fs0 != h->tls[i][0])
		h->ok = false;
	return 0;
}

KTEST(vmx_host_state, "HOST_CR3/HOST_FS_BASE follow vmspace and TLS switches between entries")
{
	struct host_ctx h = { .ok = true };
	const struct guest_run_cfg cfg = { .image = "demand.bin", .mark = host_mark, .ctx = &h,
	    .quiet = true };
	struct guest_run_result r = { 0 };
	uint64_t fs0, fs_msr, cr3;
	int last;

	if (!vm_begin_backend("vmx"))
		return;
	h.p[0] = proc_create("vmx_host_a");
	h.p[1] = proc_create("vmx_host_b");
	h.tls[0][0] = 0x1111222233334444ull;
	h.tls[1][0] = 0x5555666677778888ull;
	if (h.p[0] == NULL || h.p[1] == NULL) {
		report(false, "proc_create failed");
		goto out;
	}
	thread_vmspace_switch(h.p[1]);
	thread_set_fs_base((uint64_t)(uintptr_t)h.tls[1]);
	if (guest_run_image(&cfg, &r) != 0) {
		report(false, "demand.bin: could not start: %s", r.errmsg);
		goto out;
	}
	report(r.end == VR_DONE && r.marks >= 2 && h.switches == (int)r.marks,
	    "the guest ran to its end across %d address-space/TLS switches: %s%s%s",
	    h.switches, vmrun_end_name(r.end), r.errmsg[0] ? ": " : "", r.errmsg);
	report(h.ok, "each switch took effect in the host (CR3 and %%fs:0)");
	last = (h.switches - 1) & 1;
	sched_pin();
	cr3 = read_cr3();
	fs_msr = rdmsr(X86_MSR_FS_BASE);
	__asm__ __volatile__("movq %%fs:0, %0" : "=r"(fs0));
	report(cr3 == h.p[last]->cr3 && cr3 == hv_os_cur_cr3(),
	    "after the last exit CR3 0x%lx is the thread's address space 0x%lx",
	    (unsigned long)cr3, (unsigned long)h.p[last]->cr3);
	report(fs_msr == (uint64_t)(uintptr_t)h.tls[last] &&
	    fs_msr == this_cpu()->fs_base_cache && fs0 == h.tls[last][0],
	    "after the last exit FS_BASE 0x%lx = the thread's TLS 0x%lx = the "
	    "switch's cache 0x%lx; %%fs:0 = 0x%lx", (unsigned long)fs_msr,
	    (unsigned long)(uintptr_t)h.tls[last],
	    (unsigned long)this_cpu()->fs_base_cache, (unsigned long)fs0);
	sched_unpin();
out:
	thread_set_fs_base(0);
	thread_vmspace_switch(NULL);
	if (h.p[0] != NULL)
		proc_release(h.p[0]);
	if (h.p[1] != NULL)
		proc_release(h.p[1]);
}

/* ---- vmx_ept_outside ---------------------------------------------------------- */

/*
 * A guest CR3 beyond guest memory: the CPU's first page walk reads it through
 * EPT, takes an EPT violation there, and hv_nested_fault refuses a GPA
 * outside the VM.  The run must end with the decoded error naming the GPA.
 */
#define EPT_OUTSIDE_CR3	0x40000000ull	/* 1 GiB: beyond 4 MiB of guest memory */

static void
cr3_outside(struct hv_regs *regs)
{
	regs->cr3 = EPT_OUTSIDE_CR3;
}

KTEST(vmx_ept_outside, "EPT violation outside guest memory ends the run decoded (gpa, access)")
{
	const struct guest_run_cfg cfg = { .image = "hello.bin", .mem = HV_GUEST_MIN_MEM,
	    .boot_regs = cr3_outside };
	struct guest_run_result r = { 0 };
	const uint64_t bad_cr3 = EPT_OUTSIDE_CR3;
	struct hv_exit ex;
	char want[64];
	int error;

	if (!vm_begin_backend("vmx"))
		return;
	if (guest_run_setup(&cfg, &r) != 0) {
		report(false, "could not start: %s", r.errmsg);
		return;
	}
	error = vm_run_changed_regs(&cfg, &r, &ex);
	ksnprintf(want, sizeof(want), "gpa=0x%lx", (unsigned long)bad_cr3);
	report(error == 0 && ex.kind == HV_EXIT_ERROR &&
	    vm_contains(ex.msg, "EPT violation outside guest memory") && vm_contains(ex.msg, want),
	    "guest CR3 0x%lx outside its memory: %s (kind %d, raw 0x%lx, %s)",
	    (unsigned long)bad_cr3, error == 0 ? ex.msg : "", error == 0 ? (int)ex.kind : -1,
	    error == 0 ? (unsigned long)ex.raw_reason : 0, vm_err(error));
	report(error == 0 && ex.raw_reason == 48, "exit reason %lu is 48 (EPT violation)",
	    error == 0 ? (unsigned long)ex.raw_reason : 0);
	guest_run_teardown(&r);
}

/* ---- vmx_exits ------------------------------------------------------------------ */

/*
 * The exits no other guest program makes, as cases of guests/exits.asm: MOV
 * to CR0 of a host-owned bit (CD), RDMSR of an emulated MSR, IN from the COM1
 * line status register, and WRMSR of an MSR hv refuses (#GP; the guest has
 * no IDT, so the #GP becomes a triple fault at the WRMSR, whose address the
 * case leaves in R15: proof the #GP was injected there), HLT with and
 * without IF.
 */
KTEST(vmx_exits, "CR0 host-owned bit via the shadow, RDMSR EFER, IN COM1 LSR, refused WRMSR -> #GP, HLT")
{
	uint64_t cr0 = vm_stat("exit.cr_access"), msr = vm_stat("exit.rdmsr");
	uint64_t io = vm_stat("exit.io_instruction"), wr = vm_stat("exit.wrmsr"), hlt;
	struct hv_regs regs;
	struct hv_exit ex;
	char want[48];
	int error;

	if (!vm_begin_backend("vmx"))
		return;
	error = vm_run_case("exits.bin", EXITS_CR_MSR_IO, &ex, &regs, NULL);
	report(error == 0 && ex.kind == HV_EXIT_DONE && ex.code == 0,
	    "CR/MSR/IO guest ran to HC_EXIT(0): %s, kind %d %s", vm_err(error),
	    error == 0 ? (int)ex.kind : -1, error == 0 ? ex.msg : "");
	report(error == 0 && regs.r10 == (regs.cr0 | (1ull << 30)) &&
	    !(regs.cr0 >> 30 & 1) && (regs.cr0 & 0x80000001) == 0x80000001,
	    "guest read CR0 0x%lx after setting CD (the same plus CD), 0x%lx at the "
	    "end (CD cleared again, PE/PG kept)", (unsigned long)regs.r10,
	    (unsigned long)regs.cr0);
	report(vm_stat("exit.cr_access") - cr0 == 2, "CR access exits: %lu (want 2)",
	    (unsigned long)(vm_stat("exit.cr_access") - cr0));
	report(error == 0 && regs.r8 == (regs.efer & 0xffffffff) && (regs.r8 & 0x500) == 0x500,
	    "RDMSR EFER gave 0x%lx, EFER is 0x%lx (LME, LMA set)", (unsigned long)regs.r8,
	    (unsigned long)regs.efer);
	report(vm_stat("exit.rdmsr") - msr == 1, "RDMSR exits: %lu (want 1)",
	    (unsigned long)(vm_stat("exit.rdmsr") - msr));
	report(error == 0 && regs.r9 == 0x60, "IN from COM1 LSR = 0x%lx (want 0x60: "
	    "transmitter empty)", (unsigned long)regs.r9);
	report(vm_stat("exit.io_instruction") - io == 1, "I/O exits: %lu (want 1)",
	    (unsigned long)(vm_stat("exit.io_instruction") - io));

	error = vm_run_case("exits.bin", EXITS_BAD_WRMSR, &ex, &regs, NULL);
	report(vm_triple_at_r15(error, &ex, &regs, want, sizeof(want)),
	    "WRMSR 0x2ff refused with #GP (no IDT: %s): decoded=\"%s\"", want,
	    error == 0 ? ex.msg : vm_err(error));
	report(vm_stat("exit.wrmsr") - wr == 1, "WRMSR exits: %lu (want 1)",
	    (unsigned long)(vm_stat("exit.wrmsr") - wr));

	hlt = vm_stat("exit.hlt");
	error = vm_run_case("exits.bin", EXITS_STI_HLT, &ex, &regs, NULL);
	report(error == 0 && ex.kind == HV_EXIT_DONE && ex.code == 0 &&
	    vm_stat("exit.hlt") - hlt == 1,
	    "HLT with IF=1: one HLT exit (%lu), then the guest went on to HC_EXIT(0): "
	    "kind %d %s", (unsigned long)(vm_stat("exit.hlt") - hlt),
	    error == 0 ? (int)ex.kind : -1, error == 0 ? ex.msg : vm_err(error));
	error = vm_run_case("exits.bin", EXITS_CLI_HLT, &ex, &regs, NULL);
	report(error == 0 && ex.kind == HV_EXIT_ERROR &&
	    vm_contains(ex.msg, "HLT with interrupts disabled"),
	    "HLT with IF=0 stops the guest, decoded: %s",
	    error == 0 ? ex.msg : vm_err(error));
}
