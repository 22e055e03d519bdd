/*
 * hvtest_vm.c - the guest tests of hvtest.ko and the module itself.  The
 * tests are those of testkern's vm_* tests with the same guests
 * (guests/NAME.asm) and the same expected values, run here on vmm.ko inside a
 * DragonFly kernel: the guest's own checks, how the run ended, nested-fault
 * and page counts around a pageout, two vCPUs on two CPUs with a thread
 * migration, and decoded stops (triple fault, GPA outside guest memory).
 * They run once, when the module loads (at boot when it is preloaded).
 */
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/thread.h>
#include <sys/thread2.h>

#include "hvtest.h"

#define GUEST_PAGE	4096

/* hvt_run_image, then the checks every guest that exits normally gets. */
static void
run_exit0(struct hvt_run *r, uint64_t want_reports)
{
	if (!hvt_run_image(r))
		return;
	hvt_check(r->out.end == HVT_DONE && r->out.exit_code == 0,
	    "%s: ended by %s, exit code %jd, %ju ms%s%s", r->image,
	    hvt_end_name(r->out.end), (intmax_t)r->out.exit_code,
	    (uintmax_t)r->out.ms, r->out.errmsg[0] ? ": " : "", r->out.errmsg);
	hvt_check(r->out.reports == want_reports && r->out.reports_failed == 0,
	    "%s: guest reports=%ju (want %ju) failed=%ju", r->image,
	    (uintmax_t)r->out.reports, (uintmax_t)want_reports,
	    (uintmax_t)r->out.reports_failed);
}

static void
vm_hello(void)
{
	struct hvt_run r = { .image = "hello.bin" };

	run_exit0(&r, 1);
}

static void
vm_boot(void)
{
	struct hvt_run r = { .image = "boot.bin" };

	run_exit0(&r, 10);
}

static void
vm_cpuid(void)
{
	struct hvt_run r = { .image = "cpuid.bin" };

	run_exit0(&r, 7);
}

static void
vm_paging(void)
{
	struct hvt_run r = { .image = "paging.bin" };

	run_exit0(&r, 10);
}

/* ---- vm_demand: nested faults and pageout (guests/demand.asm) ---- */

#define DEMAND_GPA	0x800000ULL
#define DEMAND_PAGES	64

struct demand_ctx {
	uint64_t	 faults, resident, pageins;	/* at the previous mark */
	bool		 paged_out;
};

static int
demand_mark(struct hvt_run *r, struct hvt_out *out, uint64_t n)
{
	struct demand_ctx *d = r->ctx;
	uint64_t faults = hvt_stat("nested_faults"), pageins = hvt_stat("pageins");
	uint64_t res = hv_vm_resident_pages(r->vm);
	int error;

	switch (n) {
	case 1:		/* before the guest touches its 64 fresh pages */
		break;
	case 2:
		hvt_check(faults - d->faults == DEMAND_PAGES,
		    "demand: nested faults for %d fresh pages: %ju", DEMAND_PAGES,
		    (uintmax_t)(faults - d->faults));
		hvt_check(res - d->resident == DEMAND_PAGES,
		    "demand: resident pages grew by %ju (%ju -> %ju)",
		    (uintmax_t)(res - d->resident), (uintmax_t)d->resident,
		    (uintmax_t)res);
		error = hv_vm_pageout(r->vm, DEMAND_GPA, DEMAND_PAGES * GUEST_PAGE);
		d->paged_out = error == 0;
		res = hv_vm_resident_pages(r->vm);
		hvt_check(error == 0 && res == d->resident,
		    "demand: hv_vm_pageout of %d pages: error %d, resident %ju "
		    "(before the touches %ju)", DEMAND_PAGES, error, (uintmax_t)res,
		    (uintmax_t)d->resident);
		faults = hvt_stat("nested_faults");
		break;
	case 3:
		hvt_check(d->paged_out && faults - d->faults == DEMAND_PAGES &&
		    pageins - d->pageins == DEMAND_PAGES,
		    "demand: refaults after pageout: nested faults %ju, page-ins %ju",
		    (uintmax_t)(faults - d->faults), (uintmax_t)(pageins - d->pageins));
		hvt_check(res - d->resident == DEMAND_PAGES,
		    "demand: resident pages after the refaults grew by %ju",
		    (uintmax_t)(res - d->resident));
		break;
	case 4:
		error = hv_vm_pageout(r->vm, 0, hv_vm_mem_size(r->vm));
		res = hv_vm_resident_pages(r->vm);
		hvt_check(error == 0 && res == 0,
		    "demand: hv_vm_pageout of all guest memory: error %d, resident %ju",
		    error, (uintmax_t)res);
		break;
	default:
		hvt_check(false, "demand: unexpected mark %ju", (uintmax_t)n);
		return HV_EINVAL;
	}
	d->faults = faults;
	d->resident = res;
	d->pageins = pageins;
	return 0;
}

static void
vm_demand(void)
{
	struct demand_ctx d = { 0 };
	struct hvt_run r = { .image = "demand.bin", .mark = demand_mark, .ctx = &d };

	run_exit0(&r, 4);
	hvt_check(r.out.marks == 4, "demand: marks seen %ju (want 4)",
	    (uintmax_t)r.out.marks);
}

/* ---- vm_smp: two vCPUs in two kernel threads (guests/smp.asm) ---- */

#define NVCPUS	2

struct smp_vcpu {
	struct hvt_run	*r;
	struct hv_vcpu	*vcpu;
	struct hvt_out	 out;
	int		 start_cpu, target_cpu;
	int		 cpu_before, cpu_after;	/* around the migration */
	volatile int	 done;
};

/* The guest's mark: move this vCPU's thread to the other CPU. */
static int
migrate_mark(struct hvt_run *r, struct hvt_out *out, uint64_t n)
{
	struct smp_vcpu *sv = (struct smp_vcpu *)((char *)out -
	    offsetof(struct smp_vcpu, out));

	sv->cpu_before = mycpuid;
	lwkt_migratecpu(sv->target_cpu);
	sv->cpu_after = mycpuid;
	return 0;
}

static void
smp_thread(void *arg)
{
	struct smp_vcpu *sv = arg;

	hvt_loop(sv->r, sv->vcpu, &sv->out);
	sv->done = 1;
	wakeup(sv);
}

/* Start both vCPU threads and wait for them; false if one never ended. */
static bool
run_two(struct hvt_run *r, struct smp_vcpu *sv)
{
	uint64_t deadline = hvt_ms() + HVT_TIMEOUT_MS + 5000;
	int i, error;

	for (i = 0; i < NVCPUS; i++) {
		sv[i].r = r;
		sv[i].out.vcpu_id = i;
		sv[i].out.quiet = true;		/* checked after the join */
		sv[i].start_cpu = i;
		sv[i].target_cpu = (i + 1) % NVCPUS;
		sv[i].cpu_before = sv[i].cpu_after = -1;
		error = hv_vcpu_create(r->vm, i, &sv[i].vcpu);
		if (error != 0) {
			hvt_check(false, "smp: hv_vcpu_create(%d): error %d", i, error);
			return false;
		}
	}
	for (i = 0; i < NVCPUS; i++) {
		error = lwkt_create(smp_thread, &sv[i], NULL, NULL, 0, sv[i].start_cpu,
		    "hvtest_vcpu%d", i);
		if (error != 0) {
			hvt_check(false, "smp: lwkt_create on cpu %d: error %d",
			    sv[i].start_cpu, error);
			return false;
		}
	}
	for (i = 0; i < NVCPUS; i++) {
		/* the vCPU loop's watchdog ends each thread; this is a backstop */
		while (!sv[i].done && hvt_ms() < deadline)
			tsleep(&sv[i], 0, "hvtjoin", hz / 10);
		if (!sv[i].done) {
			hvt_check(false, "smp: vCPU %d thread still running after %d ms",
			    i, HVT_TIMEOUT_MS + 5000);
			return false;
		}
	}
	return true;
}

static void
vm_smp(void)
{
	struct hvt_run r = { .image = "smp.bin", .mark = migrate_mark };
	struct smp_vcpu sv[NVCPUS];
	int i;

	if (ncpus < NVCPUS) {
		hvt_skip("needs 2 CPUs");
		return;
	}
	if (hvt_setup(&r) != 0)
		return;
	memset(sv, 0, sizeof(sv));
	if (!run_two(&r, sv))
		return;		/* a vCPU thread may still use the VM: leave it */
	for (i = 0; i < NVCPUS; i++) {
		hvt_check(sv[i].out.end == HVT_DONE && sv[i].out.exit_code == 0,
		    "smp: vCPU %d ended by %s, exit code %jd%s%s", i,
		    hvt_end_name(sv[i].out.end), (intmax_t)sv[i].out.exit_code,
		    sv[i].out.errmsg[0] ? ": " : "", sv[i].out.errmsg);
		hvt_check(sv[i].cpu_before == sv[i].start_cpu &&
		    sv[i].cpu_after == sv[i].target_cpu,
		    "smp: vCPU %d thread migrated cpu %d -> %d (want %d -> %d)", i,
		    sv[i].cpu_before, sv[i].cpu_after, sv[i].start_cpu,
		    sv[i].target_cpu);
	}
	hvt_check(sv[0].out.reports == 1 && sv[0].out.reports_failed == 0,
	    "smp: vCPU 0 guest check: %s", sv[0].out.last_report);
	hvt_teardown(&r);
}

/* ---- guests hv must stop, with the reason decoded ---- */

static void
vm_triple(void)
{
	struct hvt_run r = { .image = "triple.bin" };

	if (!hvt_run_image(&r))
		return;
	hvt_check(r.out.end == HVT_ERROR, "triple: run ended by %s (want error)",
	    hvt_end_name(r.out.end));
	hvt_check(hvt_contains(r.out.errmsg, "triple"), "triple: decoded error: %s",
	    r.out.errmsg);
}

static void
vm_oob(void)
{
	struct hvt_run r = { .image = "oob.bin" };

	if (!hvt_run_image(&r))
		return;
	hvt_check(r.out.end == HVT_ERROR && r.out.error == HV_EFAULT,
	    "oob: run ended by %s, error %d (want error, %d)",
	    hvt_end_name(r.out.end), r.out.error, HV_EFAULT);
	hvt_check(hvt_contains(r.out.errmsg, "outside guest memory") &&
	    hvt_contains(r.out.errmsg, "0x7f000000"), "oob: decoded error: %s",
	    r.out.errmsg);
}

static const struct hvt_test tests[] = {
	{ "vm_hello",	vm_hello },
	{ "vm_boot",	vm_boot },
	{ "vm_cpuid",	vm_cpuid },
	{ "vm_paging",	vm_paging },
	{ "vm_demand",	vm_demand },
	{ "vm_smp",	vm_smp },
	{ "vm_triple",	vm_triple },
	{ "vm_oob",	vm_oob },
};

static int
hvtest_modevent(module_t mod, int type, void *data)
{
	if (type != MOD_LOAD)
		return 0;
	kprintf("hvtest: %d tests on %s, %d CPUs\n", (int)NELEM(tests), hv_type(),
	    ncpus);
	hvt_run_tests(tests, NELEM(tests));
	return 0;
}

static moduledata_t hvtest_mod = { "hvtest", hvtest_modevent, NULL };
/* After vmm's own MOD_LOAD (SI_SUB_PSEUDO), which turns VMX/SVM on. */
DECLARE_MODULE(hvtest, hvtest_mod, SI_SUB_PSEUDO + 1, SI_ORDER_ANY);
MODULE_DEPEND(hvtest, vmm, 1, 1, 1);
MODULE_VERSION(hvtest, 1);
