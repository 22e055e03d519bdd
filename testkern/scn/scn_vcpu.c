/*
 * scn_vcpu.c - the scenario runner's threads: one per vCPU (runs the guest,
 * fires the triggers' actions, parks for reboots) and the supervisor in the
 * test thread (whole-run and no-progress watchdogs, the abort).
 *
 * The watchdogs live in the supervising test thread; a vCPU thread sees the
 * abort at its next exit.  A guest spinning with interrupts off still exits:
 * the host timer tick and the kick IPIs (scn_vm.c) are host interrupts,
 * which hv intercepts on both backends (VMX external-interrupt exiting plus
 * the preemption timer where IF=0 blocks it; the SVM INTR intercept).
 */
#include "scn_run_int.h"
#include "sched.h"

#define GRACE_NS	5000000000ull	/* vCPU threads must stop this soon after an abort */
#define POLL_NS		2000000ull	/* supervisor period */

/* ---- the vCPU threads ------------------------------------------------------------------ */

static bool
want_ok(const char *want, int error)
{
	if (strcmp(want, "any") == 0)
		return true;
	if (strcmp(want, "ok") == 0)
		return error == 0;
	return error != 0 && strcmp(errno_name(error), want) == 0;
}

static void
do_step(struct scn_vcpu *sv, const struct scn_step *st)
{
	struct scn_run *run = sv->run;
	const struct scn_action *act = scn_action_get(st->action);
	struct scn_actx a = { .run = run, .sv = sv, .step = st };
	int error;

	error = act->fn(&a);
	scn_progress(run);
	if (!want_ok(st->want, error))
		run_fail(run, "%s:%d: %s: got %s, want %s", run->file, st->line, act->name,
		    vm_err(error), st->want);
}

static void
on_mark(struct scn_vcpu *sv, uint64_t n)
{
	struct scn_run *run = sv->run;
	const struct scn *s = run->s;
	int i;

	for (i = 0; i < s->nexpects; i++)
		if (s->expects[i].kind == SCN_EXP_MARKS && s->expects[i].num == n)
			__atomic_fetch_add(&run->exp_count[i], 1, __ATOMIC_RELAXED);
	for (i = 0; i < s->nsteps && !run->abort; i++) {
		const struct scn_step *st = &s->steps[i];
		uint64_t hit;

		if (st->trigger != SCN_ON_MARK || (st->value != SCN_ANY && st->value != n) ||
		    (st->vcpu >= 0 && st->vcpu != sv->id))
			continue;
		hit = __atomic_add_fetch(&run->step_hits[i], 1, __ATOMIC_RELAXED);
		if (in_range(hit, &st->hits))
			do_step(sv, st);
	}
}

static void
on_exit_count(struct scn_vcpu *sv)
{
	struct scn_run *run = sv->run;
	const struct scn *s = run->s;
	uint64_t exits = 0;
	bool read = false;
	int i;

	for (i = 0; i < s->nsteps && !run->abort; i++) {
		const struct scn_step *st = &s->steps[i];
		bool no = false;

		if (st->trigger != SCN_ON_EXITS || run->step_fired[i] ||
		    (st->vcpu >= 0 && st->vcpu != sv->id))
			continue;
		if (!read) {
			exits = stat_or0("exits") - run->exits0;
			read = true;
		}
		if (exits < st->value)
			continue;
		if (!__atomic_compare_exchange_n(&run->step_fired[i], &no, true, false,
		    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			continue;
		__atomic_fetch_add(&run->step_hits[i], 1, __ATOMIC_RELAXED);
		do_step(sv, st);
	}
}

/*
 * HC_MARK(n), the runner's mark hook: the triggers' actions.  After a
 * reboot by one of them this vCPU is gone: the new one starts afresh.
 */
static int
scn_mark(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_vcpu *vcpu, uint64_t n)
{
	struct scn_run *run = cfg->ctx;
	struct scn_vcpu *sv = &run->v[res->vcpu_id];

	on_mark(sv, n);
	return run->gen == sv->gen ? 0 : GUEST_RUN_VCPU_GONE;
}

void
scn_cfg_init(struct scn_run *run)
{
	const struct scn *s = run->s;

	run->cfg = (struct guest_run_cfg){ .image = s->guest, .mem = s->mem,
	    .ram_gpa = s->ram_gpa, .ram_size = s->ram_size,
	    .scratch = s->scratch_port >= 0, .scratch_port = (unsigned)s->scratch_port,
	    .quiet = true,
	    .ctx = run, .mark = scn_mark };
	run->cfg.model = (struct hv_vm_model){
	    .vendor = s->cpu_vendor == SCN_CPU_INTEL ? HV_CPU_INTEL :
	    s->cpu_vendor == SCN_CPU_AMD ? HV_CPU_AMD : HV_CPU_HOST,
	    .phys_bits = (unsigned)s->cpu_phys_bits,
	    .vmware_backdoor = s->cpu_vmware_backdoor };
	if (s->multiboot) {
		ksnprintf(run->mb1_cmdline, sizeof(run->mb1_cmdline), "%s%s%s", s->guest,
		    s->mb_args[0] != '\0' ? " " : "", s->mb_args);
		run->mb1.cmdline = run->mb1_cmdline;
		run->mb1.module = s->mb_module[0] != '\0' ? s->mb_module : NULL;
		run->cfg.multiboot = &run->mb1;
	}
}

static void
end_vcpu(struct scn_vcpu *sv)
{
	sv->done = true;
	scn_progress(sv->run);
}

static void
describe_exit(struct scn_vcpu *sv, const struct hv_exit *ex)
{
	const char *k;

	switch (ex->kind) {
	case HV_EXIT_HYPERCALL:
		if (ex->nr == HC_MARK) {
			ksnprintf(sv->last_exit, sizeof(sv->last_exit), "mark %lu",
			    (unsigned long)ex->args[0]);
			return;
		}
		ksnprintf(sv->last_exit, sizeof(sv->last_exit), "hypercall %lu",
		    (unsigned long)ex->nr);
		return;
	case HV_EXIT_DONE:	k = "exit"; break;
	case HV_EXIT_DEBUG:	k = "breakpoint"; break;
	case HV_EXIT_INTR:	k = "host interrupt"; break;
	case HV_EXIT_ERROR:	k = "error"; break;
	default:		k = "?"; break;
	}
	ksnprintf(sv->last_exit, sizeof(sv->last_exit), "%s (raw reason 0x%lx)", k,
	    (unsigned long)ex->raw_reason);
}

static bool
all_done(struct scn_run *run)
{
	int i;

	for (i = 0; i < run->nv; i++)
		if (!run->v[i].done)
			return false;
	return true;
}

/* Done or stopped for a reboot: wait.  true to run again (new boot). */
static bool
park(struct scn_vcpu *sv, uint32_t *gen)
{
	struct scn_run *run = sv->run;

	sv->waiting = true;
	while (!run->abort && run->gen == *gen && !all_done(run))
		thread_sleep_ns(1000000);
	sv->waiting = false;
	if (run->abort || run->gen == *gen)
		return false;
	*gen = run->gen;
	return true;
}

static void
vcpu_thread(void *arg)
{
	struct scn_vcpu *sv = arg;
	struct scn_run *run = sv->run;
	uint32_t gen = run->gen;
	struct hv_exit ex;
	int error;

	for (;;) {
		if (run->abort)
			break;
		if (run->gen != gen) {
			gen = run->gen;	/* this thread rebooted the VM */
			continue;
		}
		if ((run->reboot_req && !run->reboot_by_hv) || sv->done) {
			if (!park(sv, &gen))
				break;
			continue;
		}
		sv->cpu = this_cpu()->id;
		error = hv_vcpu_run(sv->vcpu, &ex);
		if (error == ENOENT && run->reboot_req) {
			/* its VM was destroyed for a reboot: wait for the new one */
			if (!park(sv, &gen))
				break;
			continue;
		}
		if (error != 0) {
			ksnprintf(sv->last_exit, sizeof(sv->last_exit), "hv_vcpu_run: %s",
			    errno_name(error));
			sv->res.end = VR_HOSTERR;
			sv->res.error = error;
			strlcpy(sv->res.errmsg, sv->last_exit, sizeof(sv->res.errmsg));
			end_vcpu(sv);
			continue;
		}
		describe_exit(sv, &ex);
		on_exit_count(sv);
		if (run->gen != gen)
			continue;	/* an `on exits` action rebooted: a dead boot's exit */
		if (ex.kind == HV_EXIT_HYPERCALL)
			scn_progress(run);
		sv->gen = gen;
		if (!guest_run_exit(&run->cfg, &sv->res, sv->vcpu, &ex))
			end_vcpu(sv);
	}
	__atomic_store_n(&sv->exited, true, __ATOMIC_RELEASE);
	thread_exit(0);
}

/* ---- supervisor ------------------------------------------------------------------------ */

static bool
all_exited(struct scn_run *run)
{
	int i;

	for (i = 0; i < run->nv; i++)
		if (run->v[i].thread != NULL && !run->v[i].exited)
			return false;
	return true;
}

/* The watchdog's reason: what fired and each vCPU's last exit. */
static void
watchdog_reason(struct scn_run *run, char *buf, size_t len, const char *what,
    uint64_t ms)
{
	size_t n = ksnprintf(buf, len, "watchdog: %s %lu ms; last exit", what,
	    (unsigned long)ms);
	int i;

	for (i = 0; i < run->nv && n < len; i++)
		n += ksnprintf(buf + n, len - n, "%s vcpu%d %s", i ? ";" : "", i,
		    run->v[i].last_exit[0] ? run->v[i].last_exit : "none");
}

/*
 * Time since the last progress.  time_ns() of another CPU may run a little
 * ahead of this one's (the TSCs are not synchronised, e.g. in Bochs): a stamp
 * from the future counts as now, never as an unsigned wrap-around.
 */
static uint64_t
idle_ns(uint64_t now, uint64_t stamp)
{
	return (int64_t)(now - stamp) > 0 ? now - stamp : 0;
}

/*
 * Start the vCPU threads and watch them.  Returns false when a thread did
 * not stop after the abort (then the VM is still in use and must leak).
 */
bool
supervise(struct scn_run *run, char *timeout_reason, size_t len)
{
	const struct scn *s = run->s;
	uint64_t start = time_ns(), abort_at = 0, now;
	int i;

	run->progress_ns = start;
	for (i = 0; i < run->nv; i++) {
		run->v[i].thread = thread_create("scn_vcpu", vcpu_thread, &run->v[i], NULL,
		    i % ncpus);
		if (run->v[i].thread == NULL)
			run_fail(run, "cannot create vCPU thread %d", i);
	}
	while (!all_exited(run)) {
		thread_sleep_ns(POLL_NS);
		now = time_ns();
		if (!run->abort && now - start > s->timeout_ms * 1000000ull) {
			watchdog_reason(run, timeout_reason, len, "still running after",
			    s->timeout_ms);
			run->abort = true;
		} else if (!run->abort && s->stall_ms != 0 &&
		    idle_ns(now, run->progress_ns) > s->stall_ms * 1000000ull) {
			watchdog_reason(run, timeout_reason, len, "no progress for",
			    s->stall_ms);
			run->abort = true;
		}
		if (run->abort) {
			if (abort_at == 0)
				abort_at = now;
			if (now - abort_at > GRACE_NS)
				return false;
			kick_vcpus(run, NULL);
		}
	}
	for (i = 0; i < run->nv; i++) {
		struct thread_exit_info info;

		if (run->v[i].thread != NULL &&
		    thread_join(run->v[i].thread, &info, GRACE_NS) != 0)
			return false;
		run->v[i].thread = NULL;
	}
	return true;
}
