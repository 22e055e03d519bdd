/*
 * guests.c - the vm_* tests: guests (guests/NAME.asm, loaded from the
 * multiboot2 modules) run on hv through the runner of framework/guest_run.c.  Every
 * guest report becomes a CHECK line; the host adds its own checks on how the
 * run ended and on what it measured.  Backend-neutral: the same tests run on
 * VMX (Bochs) and SVM (QEMU).
 */
#include "vmtests.h"
#include "mm.h"
#include "sched.h"
#include "cpu.h"
#include "ktest.h"
#include "sysctl.h"
#include "mb2.h"
#include "x86.h"

/* ---- common ---------------------------------------------------------------- */

/*
 * Every vm_* test starts here: SKIP (with the reason) when hv has no backend,
 * turn virtualization on when it is off.  false: the test is over.
 */
bool
vm_begin(void)
{
	int error;

	/* hv_init() leaves hw.vmm.type "none" when no backend probed usable */
	if (strcmp(hv_type(), "none") == 0) {
		ktest_skip("hv_init failed: no usable VMX or SVM (hw.vmm.type=none)");
		return false;
	}
	ktest_set_backend(vm_backend_name());
	if (!hv_is_enabled()) {
		/* not a check of its own: check numbers must not depend on order */
		error = hv_set_enable(true);
		if (error != 0) {
			report(false, "hw.vmm.enable=1 before the test: %s (%d)",
			    vm_err(error), error);
			return false;
		}
		kprintf("vm: hw.vmm.enable 0 -> 1 for the test\n");
	}
	return true;
}

bool
vm_begin_backend(const char *backend)
{
	if (!vm_begin())
		return false;
	if (strcmp(vm_backend_name(), backend) != 0) {
		ktest_skip("backend is %s, not %s", vm_backend_name(), backend);
		return false;
	}
	return true;
}

bool
vm_contains(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s != '\0'; s++)
		if (strncmp(s, w, n) == 0)
			return true;
	return false;
}

struct leaf_val {
	uint64_t *v;
	int found;
};

static void
leaf_u64(const struct hv_sysctl *leaf, void *ctx)
{
	struct leaf_val *lv = ctx;
	char buf[32];

	sysctl_format(leaf, buf, sizeof(buf));
	if (parse_u64(buf, lv->v) == 0)
		lv->found++;
}

int
vm_sysctl_u64(const char *name, uint64_t *v)
{
	struct leaf_val lv = { v, 0 };

	sysctl_foreach(name, leaf_u64, &lv);
	return lv.found;
}

/* Run the image; false (a failed check) when it could not even start. */
static bool
vm_run_started(const struct guest_run_cfg *cfg, struct guest_run_result *r)
{
	if (guest_run_image(cfg, r) != 0) {
		report(false, "%s: could not start: %s", cfg->image, r->errmsg);
		return false;
	}
	return true;
}

bool
vm_run_exit0(const struct guest_run_cfg *cfg, struct guest_run_result *r)
{
	if (!vm_run_started(cfg, r))
		return false;
	report(r->end == VR_DONE && r->exit_code == 0,
	    "%s: end=%s exit=%ld ms=%lu%s%s", cfg->image,
	    vmrun_end_name(r->end), (long)r->exit_code, (unsigned long)r->ms,
	    r->errmsg[0] ? ": " : "", r->errmsg);
	return r->end == VR_DONE && r->exit_code == 0;
}

void
vm_good_guest_runs(const char *after)
{
	const struct guest_run_cfg cfg = { .image = "hello.bin", .quiet = true };
	struct guest_run_result r = { 0 };

	report(guest_run_image(&cfg, &r) == 0 && r.end == VR_DONE && r.exit_code == 0,
	    "a good guest runs after %s: %s %s", after, vmrun_end_name(r.end), r.errmsg);
}

static void
stat_leaf(const struct hv_sysctl *leaf, void *ctx)
{
	char buf[32];

	sysctl_format(leaf, buf, sizeof(buf));
	if (parse_u64(buf, ctx) != 0)
		*(uint64_t *)ctx = 0;
}

uint64_t
vm_stat(const char *name)
{
	char full[64];
	uint64_t v = 0;

	ksnprintf(full, sizeof(full), "hw.vmm.stats.%s", name);
	if (sysctl_foreach(full, stat_leaf, &v) != 1)
		kprintf("vm: no sysctl %s\n", full);
	return v;
}

/* Does s contain w, ignoring case? */
static bool
contains_ci(const char *s, const char *w)
{
	size_t n = strlen(w), i;

	for (; *s != '\0'; s++) {
		for (i = 0; i < n; i++) {
			char a = s[i], b = w[i];

			if (a >= 'A' && a <= 'Z')
				a += 'a' - 'A';
			if (b >= 'A' && b <= 'Z')
				b += 'a' - 'A';
			if (a != b)
				break;
		}
		if (i == n)
			return true;
	}
	return false;
}

/* ---- vm_hello ... vm_paging: the guest's own checks ----------------------- */

/*
 * A self-checking guest: it exits 0 after exactly `want` passed reports and
 * none failed.
 */
static void
vm_self_checking(const char *image, const char *name, uint64_t want,
    uint64_t user_hypercalls)
{
	const struct guest_run_cfg cfg = { .image = image,
	    .user_hypercalls = user_hypercalls };
	struct guest_run_result r = { 0 };

	if (!vm_begin())
		return;
	vm_run_exit0(&cfg, &r);
	report(r.reports == want && r.reports_failed == 0,
	    "%s: guest reports=%lu want=%lu failed=%lu", name, (unsigned long)r.reports,
	    (unsigned long)want, (unsigned long)r.reports_failed);
}

/* KTEST vm_NAME: guests/NAME.asm checks itself with `want` reports;
 * _USER: its user mode (CPL 3) makes the hypercalls user_hc allows. */
#define VM_SELF_CHECKING_USER(nm, want, user_hc, descr) \
	KTEST(vm_##nm, descr) { vm_self_checking(#nm ".bin", #nm, want, user_hc); }
#define VM_SELF_CHECKING(nm, want, descr) \
	VM_SELF_CHECKING_USER(nm, want, HV_USER_HC_NONE, descr)

VM_SELF_CHECKING(hello, 1, "guest prints via HC_PUTS and COM1, exits 0")
VM_SELF_CHECKING(cpuid, 7, "hv CPUID leaf: signature, VMCALL/VMMCALL flag vs vendor")
/* copy.asm's CPL 3 code asks for the copies and reports itself, as a vkernel does */
VM_SELF_CHECKING_USER(copy, 47, HV_USER_HC_ALL,
    "copyin family through guest page tables, CPL 0 and 3, EFAULT cases")
VM_SELF_CHECKING(boot, 10, "the guest sees the boot state of hv_abi.h (long mode, caches on, CR3, selectors)")
VM_SELF_CHECKING(tls, 5, "HC_SET_TLS sets the guest FS base; non-canonical refused")
VM_SELF_CHECKING(paging, 10, "guest page tables under nested paging: aliases, NX, WP, U/S faults")

/* guests/boot32.asm: entered in 32-bit protected mode, it enters long mode itself. */
KTEST(vm_boot32, "32-bit protected-mode boot state; the guest's own switch to long mode")
{
	static const struct hv_boot boot = { .mode = HV_BOOT_PROT32,
	    .rip = HV_GUEST_LOAD_GPA, .rsp = HV_GUEST_LOAD_GPA,
	    .eax = 0x2badb002, .ebx = 0x9000 };
	const struct guest_run_cfg cfg = { .image = "boot32.bin", .boot = &boot };
	struct guest_run_result r = { 0 };

	if (!vm_begin())
		return;
	vm_run_exit0(&cfg, &r);
	report(r.reports == 11 && r.reports_failed == 0,
	    "boot32: guest reports=%lu want=11 failed=%lu", (unsigned long)r.reports,
	    (unsigned long)r.reports_failed);
}

/* ---- vm_demand ------------------------------------------------------------- */

#define DEMAND_GPA	0x800000ull	/* guests/demand.asm */
#define DEMAND_PAGES	64

struct demand_ctx {
	uint64_t faults, resident, pageins;
	bool paged_out;
};

static int
demand_mark(const struct guest_run_cfg *cfg, struct guest_run_result *r,
    struct hv_vcpu *vcpu, uint64_t n)
{
	struct demand_ctx *d = cfg->ctx;
	uint64_t faults = vm_stat("nested_faults"), res = hv_vm_resident_pages(r->vm);
	uint64_t pageins = vm_stat("pageins");
	int error;

	switch (n) {
	case 1:
		break;
	case 2:
		report(faults - d->faults == DEMAND_PAGES,
		    "demand: nested faults for fresh pages: pages=%d faults=%lu", DEMAND_PAGES,
		    (unsigned long)(faults - d->faults));
		report(res - d->resident == DEMAND_PAGES,
		    "demand: resident pages grew=%lu before=%lu after=%lu",
		    (unsigned long)(res - d->resident), (unsigned long)d->resident,
		    (unsigned long)res);
		error = hv_vm_pageout(r->vm, DEMAND_GPA, DEMAND_PAGES * PAGE_SIZE);
		d->paged_out = error == 0;
		res = hv_vm_resident_pages(r->vm);
		report(error == 0 && res == d->resident,
		    "demand: hv_vm_pageout pages=%d error=%s resident=%lu, before the "
		    "touches resident_before=%lu", DEMAND_PAGES, vm_err(error),
		    (unsigned long)res, (unsigned long)d->resident);
		faults = vm_stat("nested_faults");
		break;
	case 3:
		report(d->paged_out && faults - d->faults == DEMAND_PAGES &&
		    pageins - d->pageins == DEMAND_PAGES,
		    "demand: refaults after pageout: faults=%lu pageins=%lu",
		    (unsigned long)(faults - d->faults),
		    (unsigned long)(pageins - d->pageins));
		report(res - d->resident == DEMAND_PAGES,
		    "demand: resident pages after the refaults grew=%lu",
		    (unsigned long)(res - d->resident));
		break;
	case 4:
		error = hv_vm_pageout(r->vm, 0, hv_vm_mem_size(r->vm));
		res = hv_vm_resident_pages(r->vm);
		report(error == 0 && res == 0,
		    "demand: hv_vm_pageout of all guest memory: error=%s resident=%lu",
		    vm_err(error), (unsigned long)res);
		break;
	default:
		report(false, "demand: unexpected mark %lu", (unsigned long)n);
		return EINVAL;
	}
	d->faults = faults;
	d->resident = res;
	d->pageins = pageins;
	return 0;
}

KTEST(vm_demand, "64 fresh guest pages: exactly 64 nested faults; pageout and refault, all memory too")
{
	struct demand_ctx d = { 0 };
	const struct guest_run_cfg cfg = { .image = "demand.bin", .mark = demand_mark,
	    .ctx = &d };
	struct guest_run_result r = { 0 };

	if (!vm_begin())
		return;
	vm_run_exit0(&cfg, &r);
	report(r.marks == 4, "demand: marks=%lu want=4", (unsigned long)r.marks);
}

/* ---- vm_int3: db> ---------------------------------------------------------- */

KTEST(vm_int3, "guest int3 drops into db> (regs, x, c, q)")
{
	const struct guest_run_cfg cfg = { .image = "int3.bin", .debugger = true };
	struct guest_run_result r = { 0 };

	if (!vm_begin() || !vm_run_started(&cfg, &r))
		return;
	report(r.debug_exits == 1, "int3: breakpoint exits=%lu want=1",
	    (unsigned long)r.debug_exits);
	report(r.end == VR_DONE && r.exit_code == 0,
	    "int3: after the debugger prompt the guest end=%s exit=%ld%s%s",
	    vmrun_end_name(r.end), (long)r.exit_code, r.errmsg[0] ? ": " : "",
	    r.errmsg);
}

/* ---- vm_runaway, vm_badstate, vm_oob: guests that must be stopped ---------- */

#define RUNAWAY_MS	2000
/*
 * How late the watchdog may stop the guest: it is checked at each exit, and
 * a guest spinning with IF=0 must still exit often (host interrupts, or the
 * VMX-preemption timer where, as in Bochs, IF=0 blocks interrupt exits).
 */
#define RUNAWAY_SLACK_MS 1000

KTEST(vm_runaway, "endless guest loop: preempted, stopped by the watchdog")
{
	const struct guest_run_cfg cfg = { .image = "runaway.bin", .timeout_ms = RUNAWAY_MS };
	struct guest_run_result r = { 0 };

	if (!vm_begin() || !vm_run_started(&cfg, &r))
		return;
	report(r.end == VR_TIMEOUT, "runaway: run end=%s want=timeout",
	    vmrun_end_name(r.end));
	report(r.ms >= RUNAWAY_MS && r.ms < RUNAWAY_MS + RUNAWAY_SLACK_MS,
	    "runaway: stopped ms=%lu watchdog_ms=%d", (unsigned long)r.ms,
	    RUNAWAY_MS);
	report(r.intr_exits > 0, "runaway: host-interrupt exits while spinning: intr_exits=%lu",
	    (unsigned long)r.intr_exits);
}

#define HOST_CORRUPT_CR0	1	/* guests/badstate.asm */

static int
badstate_host(const struct guest_run_cfg *cfg, struct guest_run_result *r,
    struct hv_vcpu *vcpu, const struct hv_exit *ex,
    int64_t *result)
{
	struct hv_regs regs;
	int error;

	if (ex->args[0] != HOST_CORRUPT_CR0) {
		*result = -EINVAL;
		return 0;
	}
	error = hv_vcpu_get_regs(vcpu, &regs);
	if (error == 0) {
		/* paging without protection: illegal for VM entry and VMRUN */
		regs.cr0 = (regs.cr0 | X86_CR0_PG) & ~X86_CR0_PE;
		error = hv_vcpu_set_regs(vcpu, &regs);
	}
	report(error == 0, "badstate: set cr0=0x%lx (PG=1, PE=0): error=%s",
	    (unsigned long)regs.cr0, vm_err(error));
	*result = 0;
	return error;
}

KTEST(vm_badstate, "illegal guest CR0 (PG without PE): entry refused, decoded")
{
	const struct guest_run_cfg cfg = { .image = "badstate.bin", .host = badstate_host,
	    .timeout_ms = 10000 };
	struct guest_run_result r = { 0 };

	if (!vm_begin() || !vm_run_started(&cfg, &r))
		return;
	report(r.end == VR_ERROR, "badstate: run end=%s want=error",
	    vmrun_end_name(r.end));
	report(contains_ci(r.errmsg, "CR0"),
	    "badstate: decoded error: raw=0x%lx error=%s decoded=\"%s\"",
	    (unsigned long)r.raw_reason, vm_err(r.error), r.errmsg);
}

KTEST(vm_oob, "guest maps a GPA beyond its memory: VM stopped, error decoded")
{
	const struct guest_run_cfg cfg = { .image = "oob.bin", .timeout_ms = 10000 };
	struct guest_run_result r = { 0 };

	if (!vm_begin() || !vm_run_started(&cfg, &r))
		return;
	report(r.end == VR_ERROR && r.error == EFAULT,
	    "oob: run end=%s error=%s (want error, EFAULT)", vmrun_end_name(r.end),
	    vm_err(r.error));
	report(contains_ci(r.errmsg, "outside guest memory") &&
	    contains_ci(r.errmsg, "0x7f000000"),
	    "oob: decoded=\"%s\"", r.errmsg);
}

/*
 * A vCPU in shutdown (triple fault) leaves it only by INIT or a reset, which
 * hv has not: every later run is refused before any entry.  The backend's
 * own triple-fault exit (SVM SHUTDOWN, VMX exit reason 2) is counted once.
 */
KTEST(vm_rerun_triple, "a vCPU run again after its triple fault: refused, never entered")
{
	const char *exit_stat = strcmp(vm_backend_name(), "svm") == 0 ?
	    "exit.shutdown" : "exit.triple_fault";
	struct guest_run_result r = { 0 };
	uint64_t tf, exits, errs;
	struct hv_vcpu *vcpu;
	struct hv_exit ex;
	int error, i;

	if (!vm_begin())
		return;
	tf = vm_stat(exit_stat);
	error = vm_case_setup("triple.bin", 0, &r, &vcpu);
	if (error == 0)
		error = vm_run_until(vcpu, &ex, NULL);
	report(error == 0 && ex.kind == HV_EXIT_ERROR &&
	    vm_contains(ex.msg, ": triple fault at rip=0x") &&
	    vm_stat(exit_stat) - tf == 1,
	    "rerun_triple: first run error=%s %s=%lu decoded=\"%s\"", vm_err(error),
	    exit_stat, (unsigned long)(vm_stat(exit_stat) - tf),
	    error == 0 ? ex.msg : r.errmsg);
	if (error != 0) {
		guest_run_teardown(&r);
		return;
	}
	for (i = 1; i <= 2; i++) {
		exits = vm_stat("exits");
		errs = vm_stat("guest_errors");
		error = hv_vcpu_run(vcpu, &ex);
		report(error == 0 && ex.kind == HV_EXIT_ERROR && ex.error == EIO &&
		    vm_stat("exits") == exits && vm_stat("guest_errors") - errs == 1,
		    "rerun_triple: run %d after it: error=%s kind=%d ex_error=%s "
		    "exits=%lu guest_errors=%lu decoded=\"%s\"", i + 1, vm_err(error),
		    (int)ex.kind, vm_err(ex.error),
		    (unsigned long)(vm_stat("exits") - exits),
		    (unsigned long)(vm_stat("guest_errors") - errs), ex.msg);
	}
	guest_run_teardown(&r);
}

VM_SELF_CHECKING(hcbad, 6, "bad hypercalls return errors, the guest and host go on")

/* ---- vm_badinput: the host API refuses bad arguments ----------------------- */

#define BAD_MEM		(4ull << 20)

KTEST(vm_badinput, "hv host API: bad sizes, ids, addresses refused with errors")
{
	static uint8_t big[BAD_MEM];	/* an image that cannot fit */
	const struct kmodule *m = module_find("hello.bin");
	uint64_t pages0, heap0, w = 0;
	struct hv_vcpu *vcpu, *dup;
	struct hv_vm *vm;
	int error;

	if (!vm_begin())
		return;
	if (m == NULL) {
		report(false, "badinput: no module hello.bin");
		return;
	}
	/* one VM first: what hv allocates once for all VMs is not a leak */
	if (hv_vm_create(BAD_MEM, &vm) == 0)
		hv_vm_destroy(vm);
	pages0 = pmm_used();
	heap0 = heap_bytes();
	error = hv_vm_create(0, &vm);
	report(error == EINVAL, "badinput: hv_vm_create(0): error=%s", vm_err(error));
	error = hv_vm_create(BAD_MEM + 1, &vm);
	report(error == EINVAL, "badinput: hv_vm_create(4 MiB + 1): error=%s", vm_err(error));
	error = hv_vm_create(64ull << 30, &vm);
	report(error == EINVAL, "badinput: hv_vm_create(64 GiB): error=%s", vm_err(error));

	error = hv_vm_create(BAD_MEM, &vm);
	report(error == 0, "badinput: hv_vm_create(4 MiB): error=%s", vm_err(error));
	if (error != 0)
		return;
	error = hv_vm_load_image(vm, big, sizeof(big));
	report(error == EINVAL, "badinput: load a 4 MiB image into 4 MiB: error=%s",
	    vm_err(error));
	error = hv_vm_load_image(vm, m->data, 0);
	report(error == EINVAL, "badinput: load an empty image: error=%s", vm_err(error));
	error = hv_vm_load_image(vm, m->data, m->size);
	report(error == 0, "badinput: load hello.bin: error=%s", vm_err(error));
	error = hv_gpa_read(vm, BAD_MEM - 4, &w, sizeof(w));
	report(error == EFAULT, "badinput: hv_gpa_read across the end of memory: error=%s",
	    vm_err(error));
	error = hv_gpa_write(vm, BAD_MEM, &w, sizeof(w));
	report(error == EFAULT, "badinput: hv_gpa_write past the end of memory: error=%s",
	    vm_err(error));
	error = hv_vm_pageout(vm, 0x123, PAGE_SIZE);
	report(error == EINVAL, "badinput: hv_vm_pageout at an unaligned gpa: error=%s",
	    vm_err(error));
	error = hv_vm_pageout(vm, BAD_MEM, PAGE_SIZE);
	report(error == EINVAL, "badinput: hv_vm_pageout past the end: error=%s",
	    vm_err(error));

	error = hv_vcpu_create(vm, -1, &vcpu);
	report(error == EINVAL, "badinput: hv_vcpu_create(-1): error=%s", vm_err(error));
	error = hv_vcpu_create(vm, 1000, &vcpu);
	report(error == EINVAL, "badinput: hv_vcpu_create(1000): error=%s", vm_err(error));
	error = hv_vcpu_create(vm, 0, &vcpu);
	report(error == 0, "badinput: hv_vcpu_create(0): error=%s", vm_err(error));
	if (error == 0) {
		error = hv_vcpu_create(vm, 0, &dup);
		report(error == EEXIST, "badinput: hv_vcpu_create(0) again: error=%s",
		    vm_err(error));
		error = hv_vcpu_set_tls(vcpu, 0x0000800000000000ull);
		report(error == EINVAL, "badinput: non-canonical TLS base: error=%s",
		    vm_err(error));
		/* boot state: guest memory is identity-mapped up to 4 MiB only */
		error = hv_copyin(vcpu, 0x10000000, &w, sizeof(w));
		report(error == EFAULT, "badinput: hv_copyin of an unmapped address: error=%s",
		    vm_err(error));
		error = hv_copyin(vcpu, BAD_MEM - 4, &w, sizeof(w));
		report(error == EFAULT, "badinput: hv_copyin across the end of memory: error=%s",
		    vm_err(error));
	}
	error = hv_vm_destroy(vm);
	report(error == 0, "badinput: hv_vm_destroy: error=%s", vm_err(error));
	report(pmm_used() == pages0 && heap_bytes() == heap0,
	    "badinput: pages_before=%lu pages_after=%lu heap_before=%lu heap_after=%lu",
	    (unsigned long)pages0, (unsigned long)pmm_used(), (unsigned long)heap0,
	    (unsigned long)heap_bytes());
}

/* ---- vm_hoststate: the host's CR3 and FS base survive guest runs ------------- */

#define HS_ROUNDS	40		/* guests/hoststate.asm */
#define HS_FS_BASE	0x00007f0000000000ull

struct hs_ctx {
	struct proc	*procs[2];
	uint64_t	 cr3, fs;	/* what the host set at the last mark */
	uint64_t	 bad_cr3, bad_fs, got_cr3, got_fs;
	int		 checked, first_bad;
};

/* The host state now must be what this thread set before the guest ran. */
static void
hs_check(struct hs_ctx *c, int n)
{
	uint64_t cr3 = read_cr3(), fs = rdmsr(X86_MSR_FS_BASE);

	c->checked++;
	if (cr3 != c->cr3 || fs != c->fs) {
		if (c->first_bad == 0) {
			c->first_bad = n;
			c->got_cr3 = cr3;
			c->got_fs = fs;
		}
		c->bad_cr3 += cr3 != c->cr3;
		c->bad_fs += fs != c->fs;
	}
}

static int
hs_mark(const struct guest_run_cfg *cfg, struct guest_run_result *r,
    struct hv_vcpu *vcpu, uint64_t n)
{
	struct hs_ctx *c = cfg->ctx;
	struct proc *p = c->procs[n % 2];

	if (n > 1)
		hs_check(c, (int)n);
	/* like DragonFly's vmspace_ctl: another address space, another TLS */
	thread_vmspace_switch(p);
	thread_set_fs_base(HS_FS_BASE + n * PAGE_SIZE);
	c->cr3 = p->cr3;
	c->fs = HS_FS_BASE + n * PAGE_SIZE;
	return 0;
}

KTEST(vm_hoststate, "host CR3 and FS base intact after guest runs across vmspace/TLS switches")
{
	struct hs_ctx c = { 0 };
	const struct guest_run_cfg cfg = { .image = "hoststate.bin", .mark = hs_mark,
	    .ctx = &c };
	struct guest_run_result r = { 0 };

	if (!vm_begin())
		return;
	c.procs[0] = proc_create("vm_hs0");
	c.procs[1] = proc_create("vm_hs1");
	if (c.procs[0] != NULL && c.procs[1] != NULL) {
		c.cr3 = read_cr3();
		c.fs = rdmsr(X86_MSR_FS_BASE);
		vm_run_exit0(&cfg, &r);
		hs_check(&c, HS_ROUNDS + 1);	/* after the last run */
	} else
		report(false, "hoststate: proc_create failed");
	thread_vmspace_switch(NULL);
	thread_set_fs_base(0);
	report(r.marks == HS_ROUNDS && c.checked == HS_ROUNDS,
	    "hoststate: marks=%lu checks=%d want=%d",
	    (unsigned long)r.marks, c.checked, HS_ROUNDS);
	report(c.bad_cr3 == 0 && c.bad_fs == 0,
	    "hoststate: runs with a wrong host CR3 bad_cr3=%lu, FS base bad_fs=%lu "
	    "(first at mark=%d: cr3=0x%lx fs=0x%lx)", (unsigned long)c.bad_cr3,
	    (unsigned long)c.bad_fs, c.first_bad, (unsigned long)c.got_cr3,
	    (unsigned long)c.got_fs);
	if (c.procs[0] != NULL)
		proc_release(c.procs[0]);
	if (c.procs[1] != NULL)
		proc_release(c.procs[1]);
}

/* ---- vm_leak --------------------------------------------------------------- */

#define LEAK_VMS	100

KTEST(vm_leak, "100 VMs created, run, destroyed: no page or heap leak")
{
	/* cpuid.bin: seven checks and no console output per run */
	const struct guest_run_cfg warm_cfg = { .image = "cpuid.bin", .mem = HV_GUEST_MIN_MEM,
	    .quiet = true };
	struct guest_run_result warm = { 0 };
	uint64_t pages0, heap0, pages1, heap1;
	int i, ok = 0;

	if (!vm_begin())
		return;
	/* one run first: anything hv sets up once (per-CPU areas) is not a leak */
	if (guest_run_image(&warm_cfg, &warm) != 0) {
		report(false, "leak: warm-up run: %s", warm.errmsg);
		return;
	}
	pages0 = pmm_used();
	heap0 = heap_bytes();
	for (i = 0; i < LEAK_VMS; i++) {
		const struct guest_run_cfg cfg = { .image = "cpuid.bin", .mem = HV_GUEST_MIN_MEM,
		    .quiet = true };
		struct guest_run_result r = { 0 };

		if (guest_run_image(&cfg, &r) == 0 && r.end == VR_DONE && r.exit_code == 0 &&
		    r.reports_failed == 0)
			ok++;
		else
			kprintf("vm: leak run %d: %s %s\n", i, vmrun_end_name(r.end),
			    r.errmsg);
	}
	pages1 = pmm_used();
	heap1 = heap_bytes();
	report(ok == LEAK_VMS, "leak: VMs created, run to exit 0, destroyed: ok=%d of vms=%d",
	    ok, LEAK_VMS);
	report(pages1 == pages0, "leak: pages used before=%lu after=%lu",
	    (unsigned long)pages0, (unsigned long)pages1);
	report(heap1 == heap0, "leak: heap bytes before=%lu after=%lu",
	    (unsigned long)heap0, (unsigned long)heap1);
}

/* ---- vm_enable --------------------------------------------------------------- */

/* Write hw.vmm.enable through the sysctl layer, as the shell does: 0 or
 * the setter's error. */
static int
set_enable(int v)
{
	char old[32], new_[32];
	int serr = 0, error;

	error = sysctl_write("hw.vmm.enable", v ? "1" : "0", old, new_, sizeof(old),
	    &serr);
	return error == -1 ? serr : error;
}

KTEST(vm_enable, "hw.vmm.enable toggles; EBUSY while a VM exists; same value no-op")
{
	const struct guest_run_cfg cfg = { .image = "hello.bin", .quiet = true };
	struct guest_run_result r = { 0 };
	const struct guest_run_cfg held_cfg = { .image = "hello.bin", .quiet = true };
	struct guest_run_result held = { 0 };
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	int error;

	if (!vm_begin())
		return;
	error = set_enable(0);
	report(error == 0 && !hv_is_enabled(), "enable: 1 -> 0: error=%s enabled=%d",
	    vm_err(error), hv_is_enabled());
	error = hv_vm_create(VM_MEM_DEFAULT, &vm);
	report(error != 0, "enable: hv_vm_create while disabled refused: error=%s",
	    vm_err(error));
	if (error == 0)
		hv_vm_destroy(vm);
	error = set_enable(0);
	report(error == 0 && !hv_is_enabled(), "enable: 0 -> 0 (same value): error=%s",
	    vm_err(error));
	error = set_enable(1);
	report(error == 0 && hv_is_enabled(), "enable: 0 -> 1: error=%s enabled=%d",
	    vm_err(error), hv_is_enabled());
	error = guest_run_image(&cfg, &r);
	report(error == 0 && r.end == VR_DONE && r.exit_code == 0,
	    "enable: a guest runs after re-enabling: end=%s exit=%ld %s",
	    error ? r.errmsg : vmrun_end_name(r.end), (long)r.exit_code, r.errmsg);

	/* a VM with a vCPU exists from here to its destroy */
	error = guest_run_setup(&held_cfg, &held);
	if (error == 0) {
		error = guest_run_vcpu(&held_cfg, &held, 0, &vcpu);
		if (error != 0)
			guest_run_teardown(&held);
	}
	report(error == 0, "enable: VM and vCPU created: error=%s %s", vm_err(error),
	    held.errmsg);
	if (error != 0)
		return;
	error = set_enable(0);
	report(error == EBUSY && hv_is_enabled(),
	    "enable: 1 -> 0 while a VM exists: error=%s errno=%d enabled=%d",
	    vm_err(error), error, hv_is_enabled());
	error = set_enable(1);
	report(error == 0 && hv_is_enabled(),
	    "enable: 1 -> 1 (same value) while a VM exists: error=%s", vm_err(error));
	/* the same-value write left the existing VM usable */
	guest_run_loop(&held_cfg, vcpu, &held);
	report(held.end == VR_DONE && held.exit_code == 0,
	    "enable: the VM created before the writes runs: end=%s exit=%ld",
	    vmrun_end_name(held.end), (long)held.exit_code);
	guest_run_teardown(&held);
	error = set_enable(0);
	report(error == 0 && !hv_is_enabled(), "enable: 1 -> 0 after destroy: error=%s",
	    vm_err(error));
	error = set_enable(1);
	report(error == 0 && hv_is_enabled(), "enable: 0 -> 1 again: error=%s",
	    vm_err(error));
	r.end = VR_HOSTERR;
	error = guest_run_image(&cfg, &r);
	report(error == 0 && r.end == VR_DONE && r.exit_code == 0,
	    "enable: a guest runs at the end: end=%s exit=%ld %s",
	    error ? r.errmsg : vmrun_end_name(r.end), (long)r.exit_code, r.errmsg);
}
