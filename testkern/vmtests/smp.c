/*
 * smp.c - VM tests with two vCPUs of one VM running at the same time
 * on two CPUs, each in its own kernel thread:
 *   vm_smp        at the guest's mark each thread migrates to the other CPU
 *                 and its vCPU runs on there (hv_vcpu_run pins only for one
 *                 entry, so the backend must reload its state on the new CPU);
 *   vm_shootdown  the host pages a page out again and again while the other
 *                 vCPU writes it: no update may be lost to a stale nested
 *                 translation (the missing cpusync of 2013).
 */
#include "vmtests.h"
#include "sched.h"
#include "cpu.h"
#include "ktest.h"

#define NVCPUS		2

struct smp_vcpu {
	const struct guest_run_cfg *cfg;
	struct hv_vcpu	*vcpu;
	struct guest_run_result out;	/* of this vCPU's run; out.vm: the VM */
	int		 start_cpu, target_cpu;
	int		 cpu_before, cpu_after;	/* around the migration */
	int		 hook_error;
};

static void
smp_thread(void *arg)
{
	struct smp_vcpu *sv = arg;

	guest_run_loop(sv->cfg, sv->vcpu, &sv->out);
	thread_exit(0);
}

/*
 * Run vCPUs 0 and 1 of r's VM (set up by the caller) in threads on CPUs 0
 * and 1 until both end (cfg quiet: reports are checked after the join).
 * false when a thread could not be started or joined (then a thread may
 * still run the VM: the caller must leave it alone).
 */
static bool
run_two(const struct guest_run_cfg *cfg, struct guest_run_result *r,
    struct smp_vcpu *sv)
{
	struct thread *t[NVCPUS];
	int i, error;

	for (i = 0; i < NVCPUS; i++) {
		sv[i].cfg = cfg;
		sv[i].out.vm = r->vm;
		sv[i].out.vcpu_id = i;
		sv[i].start_cpu = i;
		sv[i].target_cpu = (i + 1) % NVCPUS;
		sv[i].cpu_before = sv[i].cpu_after = -1;
		error = guest_run_vcpu(cfg, r, i, &sv[i].vcpu);
		if (error != 0) {
			report(false, "hv_vcpu_create(%d): %s", i, vm_err(error));
			return false;
		}
	}
	for (i = 0; i < NVCPUS; i++)
		t[i] = thread_create("vm_vcpu", smp_thread, &sv[i], NULL, sv[i].start_cpu);
	for (i = 0; i < NVCPUS; i++) {
		struct thread_exit_info info;

		/* the runner's watchdog ends each thread; the extra margin is slack */
		error = t[i] ? thread_join(t[i], &info, (VM_TIMEOUT_MS + 5000) * 1000000ull)
		    : ENOMEM;
		if (error != 0) {
			report(false, "vCPU thread %d not joined: %s", i, vm_err(error));
			return false;
		}
	}
	return true;
}

/* Common start: backend, 2 CPUs, the VM; false when the test is over. */
static bool
two_cpu_begin(const struct guest_run_cfg *cfg, struct guest_run_result *r)
{
	int error;

	if (!vm_begin())
		return false;
	if (ncpus < NVCPUS) {
		ktest_skip("needs %d CPUs, %d online", NVCPUS, ncpus);
		return false;
	}
	error = guest_run_setup(cfg, r);
	if (error != 0) {
		report(false, "%s: could not start: %s", cfg->image, r->errmsg);
		return false;
	}
	return true;
}

/* ---- vm_smp ------------------------------------------------------------------ */

static int
migrate_mark(const struct guest_run_cfg *cfg, struct guest_run_result *out,
    struct hv_vcpu *vcpu, uint64_t n)
{
	struct smp_vcpu *sv = &((struct smp_vcpu *)cfg->ctx)[out->vcpu_id];

	sv->cpu_before = this_cpu()->id;
	sv->hook_error = thread_migrate(sv->target_cpu);
	sv->cpu_after = this_cpu()->id;
	return sv->hook_error;
}

KTEST(vm_smp, "two vCPUs on two CPUs, vCPU threads migrate between them")
{
	struct smp_vcpu sv[NVCPUS];
	const struct guest_run_cfg cfg = { .image = "smp.bin", .mark = migrate_mark, .ctx = sv,
	    .quiet = true };
	struct guest_run_result r = { 0 };
	int i;

	if (!two_cpu_begin(&cfg, &r))
		return;
	memset(sv, 0, sizeof(sv));
	if (!run_two(&cfg, &r, sv))
		return;
	for (i = 0; i < NVCPUS; i++) {
		report(sv[i].out.end == VR_DONE && sv[i].out.exit_code == 0,
		    "smp: vcpu=%d end=%s exit=%ld%s%s", i,
		    vmrun_end_name(sv[i].out.end), (long)sv[i].out.exit_code,
		    sv[i].out.errmsg[0] ? ": " : "", sv[i].out.errmsg);
		report(sv[i].hook_error == 0 && sv[i].cpu_before == sv[i].start_cpu &&
		    sv[i].cpu_after == sv[i].target_cpu,
		    "smp: vcpu=%d thread migrated from=%d to=%d want_from=%d want_to=%d error=%s", i,
		    sv[i].cpu_before, sv[i].cpu_after, sv[i].start_cpu,
		    sv[i].target_cpu, vm_err(sv[i].hook_error));
	}
	report(sv[0].out.reports == 1 && sv[0].out.reports_failed == 0,
	    "smp: vCPU 0 guest check: %s", sv[0].out.last_report);
	guest_run_teardown(&r);
}

/* ---- vm_shootdown -------------------------------------------------------------- */

/* guests/shoot.asm */
#define SHOOT_PAGE	0x900000ull
#define SHOOT_RESULTS	0xa00000ull
#define SHOOT_PAGEOUTS	200

struct shoot_ctx {
	int		 pageouts_ok;
	int		 first_error;
	uint64_t	 pageins, ipis, pageouts, faults;	/* hw.vmm.stats deltas */
};

/* vCPU 0's MARK 1: page the word vCPU 1 is writing out, again and again. */
static int
shoot_mark(const struct guest_run_cfg *cfg, struct guest_run_result *out,
    struct hv_vcpu *vcpu, uint64_t n)
{
	struct shoot_ctx *c = cfg->ctx;
	uint64_t pageins = vm_stat("pageins"), ipis = vm_stat("inval_ipi");
	uint64_t pageouts = vm_stat("pageouts"), faults = vm_stat("nested_faults");
	int i, error;

	for (i = 0; i < SHOOT_PAGEOUTS; i++) {
		error = hv_vm_pageout(out->vm, SHOOT_PAGE, PAGE_SIZE);
		if (error == 0)
			c->pageouts_ok++;
		else if (c->first_error == 0)
			c->first_error = error;
		thread_sleep_ns(500000);	/* let vCPU 1 fault it back in */
	}
	c->pageins = vm_stat("pageins") - pageins;
	c->ipis = vm_stat("inval_ipi") - ipis;
	c->pageouts = vm_stat("pageouts") - pageouts;
	c->faults = vm_stat("nested_faults") - faults;
	return 0;
}

KTEST(vm_shootdown, "pageouts while another CPU's vCPU writes the page: no lost update")
{
	struct shoot_ctx c = { 0 };
	const struct guest_run_cfg cfg = { .image = "shoot.bin", .mark = shoot_mark, .ctx = &c,
	    .quiet = true };
	struct guest_run_result r = { 0 };
	struct smp_vcpu sv[NVCPUS];
	uint64_t res[3] = { 0 }, word = 0;
	int i, error;

	if (!two_cpu_begin(&cfg, &r))
		return;
	memset(sv, 0, sizeof(sv));
	if (!run_two(&cfg, &r, sv))
		return;
	for (i = 0; i < NVCPUS; i++)
		report(sv[i].out.end == VR_DONE,
		    "shootdown: vcpu=%d end=%s%s%s", i, vmrun_end_name(sv[i].out.end),
		    sv[i].out.errmsg[0] ? ": " : "", sv[i].out.errmsg);
	report(c.pageouts_ok == SHOOT_PAGEOUTS,
	    "shootdown: hv_vm_pageout calls that succeeded: ok=%d of calls=%d (first error=%s)",
	    c.pageouts_ok, SHOOT_PAGEOUTS, vm_err(c.first_error));
	error = hv_gpa_read(r.vm, SHOOT_RESULTS, res, sizeof(res));
	if (error == 0)
		error = hv_gpa_read(r.vm, SHOOT_PAGE, &word, sizeof(word));
	report(error == 0 && sv[1].out.exit_code == 0 && res[1] == 0,
	    "shootdown: updates lost by vCPU 1: lost=%lu iterations=%lu exit=%ld",
	    (unsigned long)res[1], (unsigned long)res[0], (long)sv[1].out.exit_code);
	report(error == 0 && word == res[2] && res[2] != 0,
	    "shootdown: word in the page: word=0x%lx, vCPU 1 wrote last=0x%lx",
	    (unsigned long)word, (unsigned long)res[2]);
	/*
	 * The race really happened: the pageouts had to interrupt vCPU 1's CPU,
	 * and vCPU 1 touched the page again after they removed it (a nested
	 * fault; a page-in too when the copy was taken first: timing decides).
	 */
	report(c.faults > 0 && c.ipis > 0,
	    "shootdown: during the pageouts: pageins=%lu pageouts=%lu "
	    "faults=%lu ipis=%lu", (unsigned long)c.pageins,
	    (unsigned long)c.pageouts, (unsigned long)c.faults, (unsigned long)c.ipis);
	guest_run_teardown(&r);
}
