/*
 * scn_run.c - runs scenario files (guests/NAME.scn, multiboot2 modules) as
 * the tests scn.NAME: parse (scn_parse.c), create the VM, run each vCPU in
 * its own thread while the triggers fire host actions (scn_actions.c),
 * watch it (whole-run and no-progress watchdogs), tear everything down,
 * then print one CHECK line per expectation and the RESULT fields of
 * docs/CONSOLE.md.
 *
 * The watchdogs live in the supervising test thread; a vCPU thread sees the
 * abort at its next exit.  A guest spinning with interrupts off still exits:
 * the host timer tick and the kick IPIs below are host interrupts, which hv
 * intercepts on both backends (VMX external-interrupt exiting plus the
 * preemption timer where IF=0 blocks it; the SVM INTR intercept).
 */
#include "scn_run.h"
#include "ktest.h"
#include "mb2.h"
#include "mm.h"
#include "sched.h"
#include "cpu.h"
#include "sysctl.h"
#include "trap.h"
#include "hv_quirk.h"

#define SCN_MAX		96		/* registered scenarios */
#define GRACE_NS	5000000000ull	/* vCPU threads must stop this soon after an abort */
#define POLL_NS		2000000ull	/* supervisor period */

struct scn_entry {
	struct ktest		 t;
	char			 name[72];	/* scn. + module name less .scn */
	char			 descr[SCN_DESCR_MAX + 40];
	const struct kmodule	*m;
};

extern const struct scn_action __start_scn_actions[], __stop_scn_actions[];
static struct scn_action_info infos[64];
static int ninfos;

int
scn_action_count(void)
{
	return (int)(__stop_scn_actions - __start_scn_actions);
}

const struct scn_action *
scn_action_get(int i)
{
	return &__start_scn_actions[i];
}

/* ---- counters ----------------------------------------------------------------- */

static void
stat_leaf(const struct hv_sysctl *leaf, void *ctx)
{
	char buf[32];

	sysctl_format(leaf, buf, sizeof(buf));
	if (parse_u64(buf, ctx) != 0)
		*(uint64_t *)ctx = 0;
}

/* hw.vmm.stats.<name>; false when there is no such leaf. */
static bool
stat_read(const char *name, uint64_t *v)
{
	char full[96];

	*v = 0;
	ksnprintf(full, sizeof(full), "hw.vmm.stats.%s", name);
	return sysctl_foreach(full, stat_leaf, v) == 1;
}

static uint64_t
stat_or0(const char *name)
{
	uint64_t v;

	return stat_read(name, &v) ? v : 0;
}

/* The leaf an EXITS/STAT/FAULTS expectation reads. */
static void
exp_stat_name(const struct scn_expect *e, char *buf, size_t len)
{
	if (e->kind == SCN_EXP_FAULTS)
		strlcpy(buf, "nested_faults", len);
	else if (e->kind == SCN_EXP_EXITS && strcmp(e->name, "all") == 0)
		strlcpy(buf, "exits", len);
	else if (e->kind == SCN_EXP_EXITS)
		ksnprintf(buf, len, "exit.%s", e->name);
	else
		strlcpy(buf, e->name, len);
}

static bool
in_range(uint64_t v, const struct scn_range *r)
{
	return v >= r->lo && v <= r->hi;
}

static void
range_str(const struct scn_range *r, char *buf, size_t len)
{
	if (r->lo == r->hi)
		ksnprintf(buf, len, "%lu", (unsigned long)r->lo);
	else if (r->hi == UINT64_MAX)
		ksnprintf(buf, len, "%lu..", (unsigned long)r->lo);
	else
		ksnprintf(buf, len, "%lu..%lu", (unsigned long)r->lo, (unsigned long)r->hi);
}

void
scn_progress(struct scn_run *run)
{
	run->progress_ns = time_ns();
}

/* The first failure stops the run and becomes the RESULT reason. */
static void
run_fail(struct scn_run *run, const char *fmt, ...)
{
	uint64_t f = spin_lock(&run->lock);

	if (run->failure[0] == '\0') {
		va_list ap;

		va_start(ap, fmt);
		kvsnprintf(run->failure, sizeof(run->failure), fmt, ap);
		va_end(ap);
	}
	spin_unlock(&run->lock, f);
	run->abort = true;
}

/* ---- guest serial capture (hv_log_hook) ---------------------------------------- */

static spinlock_t cap_lock = SPINLOCK_INIT;
static struct scn_run *cap_run;

/* "guestN.V: text\n" -> text; NULL for other lines. */
static const char *
guest_text(const char *line)
{
	const char *p = line;

	if (strncmp(p, "guest", 5) != 0)
		return NULL;
	p += 5;
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '.' || *p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != ':' || p[1] != ' ')
		return NULL;
	return p + 2;
}

static void
capture(const char *line)
{
	const char *text = guest_text(line);
	uint64_t f;
	char buf[256];
	size_t n;
	int i;

	if (text == NULL)
		return;
	n = strlcpy(buf, text, sizeof(buf));
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	f = spin_lock(&cap_lock);
	if (cap_run != NULL) {
		const struct scn *s = cap_run->s;

		for (i = 0; i < s->nexpects; i++)
			if (s->expects[i].kind == SCN_EXP_SERIAL &&
			    scn_re_search(s->expects[i].re, buf))
				__atomic_fetch_add(&cap_run->exp_count[i], 1, __ATOMIC_RELAXED);
		scn_progress(cap_run);
	}
	spin_unlock(&cap_lock, f);
}

static void
capture_set(struct scn_run *run)
{
	uint64_t f = spin_lock(&cap_lock);

	cap_run = run;
	spin_unlock(&cap_lock, f);
	hv_log_hook = run != NULL ? capture : NULL;
}

/* ---- VM life cycle ---------------------------------------------------------------- */

/*
 * Destroy the VM (hv stops vCPUs still inside a run: they get ENOENT) and
 * drop the run's vCPU references.  Only once no vCPU thread can call hv on
 * them any more: every thread parked or gone.  Under the quirk
 * exec_frees_vmm hv freed the handles itself (the 2013 bug): nothing to drop.
 */
int
scn_vm_destroy(struct scn_run *run)
{
	bool freed = HV_QUIRK(exec_frees_vmm);
	int error;

	if (run->vm != NULL) {
		error = hv_vm_destroy(run->vm);
		if (error != 0)
			return error;
		run->vm = NULL;
	}
	scn_vcpus_drop(run, freed);
	return 0;
}

void
scn_vcpus_drop(struct scn_run *run, bool freed)
{
	int i;

	for (i = 0; i < run->nv; i++) {
		if (run->v[i].vcpu != NULL && !freed)
			hv_vcpu_release(run->v[i].vcpu);
		run->v[i].vcpu = NULL;
	}
}

/* Create the VM with the image and every vCPU; 0 or an errno (failure set). */
static int
vm_boot(struct scn_run *run)
{
	const struct scn *s = run->s;
	const struct kmodule *m = module_find(s->guest);
	int error, i;

	run->vm = NULL;
	if (m == NULL) {
		run_fail(run, "%s: no multiboot2 module named %s", run->file, s->guest);
		return ENOENT;
	}
	error = hv_vm_create(s->mem, &run->vm);
	if (error != 0) {
		run->vm = NULL;
		run_fail(run, "hv_vm_create: %s", vm_err(error));
		return error;
	}
	error = hv_vm_load_image(run->vm, m->data, m->size);
	for (i = 0; error == 0 && i < run->nv; i++) {
		error = hv_vcpu_create(run->vm, i, &run->v[i].vcpu);
		/* the run's reference: a vCPU thread may still call run on it
		 * after a teardown (it then gets ENOENT and parks) */
		if (error == 0)
			hv_vcpu_hold(run->v[i].vcpu);
	}
	if (error != 0) {
		run_fail(run, "loading %s / creating vCPUs: %s", s->guest, vm_err(error));
		scn_vm_destroy(run);
		return error;
	}
	for (i = 0; i < run->nv; i++) {
		run->v[i].done = false;
		run->v[i].end = VR_HOSTERR;
		run->v[i].exit_code = 0;
		run->v[i].error = 0;
		run->v[i].errmsg[0] = '\0';
	}
	return 0;
}

static bool
others_parked(struct scn_run *run, struct scn_vcpu *self)
{
	int i;

	for (i = 0; i < run->nv; i++)
		if (&run->v[i] != self && !run->v[i].waiting && !run->v[i].exited)
			return false;
	return true;
}

static void
kick_vcpus(struct scn_run *run, struct scn_vcpu *self)
{
	int i;

	for (i = 0; i < run->nv; i++) {
		int cpu = run->v[i].cpu;

		if (&run->v[i] != self && !run->v[i].waiting && !run->v[i].exited &&
		    cpu >= 0 && cpu != this_cpu()->id)
			ipi_send(cpu, VEC_KICK);
	}
}

/*
 * reboot: the vkernel's execve.  Every other vCPU is stopped (it parks at
 * its next exit; the kick makes that soon), then the VM is destroyed and
 * made again, and every vCPU thread starts over in the new one.
 */
int
scn_reboot(struct scn_actx *a)
{
	struct scn_run *run = a->run;
	uint32_t gen = run->gen;
	uint64_t f;
	bool mine;
	int error;

	f = spin_lock(&run->lock);
	mine = !run->reboot_req;
	run->reboot_req = true;
	spin_unlock(&run->lock, f);
	if (!mine) {
		/* another vCPU reboots the VM: wait for it like the others */
		a->sv->waiting = true;
		while (run->gen == gen && !run->abort)
			thread_sleep_ns(1000000);
		a->sv->waiting = false;
		return run->abort ? ETIMEDOUT : 0;
	}
	while (!others_parked(run, a->sv) && !run->abort) {
		kick_vcpus(run, a->sv);
		thread_sleep_ns(1000000);
	}
	if (run->abort)
		return ETIMEDOUT;
	error = scn_vm_destroy(run);
	if (error != 0)
		return error;
	return scn_reboot_finish(run);
}

/* The other vCPUs are parked and the old VM is gone: boot the new one. */
int
scn_reboot_finish(struct scn_run *run)
{
	int error = vm_boot(run);

	if (error != 0)
		return error;
	run->reboots++;
	scn_progress(run);
	__atomic_fetch_add(&run->gen, 1, __ATOMIC_SEQ_CST);
	run->reboot_req = false;
	return 0;
}

int
scn_sysctl_set(struct scn_run *run, const char *name, const char *value)
{
	char old[32], new_[32];
	int serr = 0, error, i;
	uint64_t f;

	error = sysctl_write(name, value, old, new_, sizeof(old), &serr);
	if (error == -1)
		return serr;
	if (error != 0)
		return error;
	/* remember the first old value of each name, to restore it at the end */
	f = spin_lock(&run->lock);
	for (i = 0; i < run->nsysctl; i++)
		if (strcmp(run->sysctl_name[i], name) == 0)
			break;
	if (i == run->nsysctl && i < SCN_SYSCTLS) {
		strlcpy(run->sysctl_name[i], name, sizeof(run->sysctl_name[i]));
		strlcpy(run->sysctl_old[i], old, sizeof(run->sysctl_old[i]));
		run->nsysctl++;
		i = -1;
	}
	spin_unlock(&run->lock, f);
	return i >= SCN_SYSCTLS ? ENOSPC : 0;
}

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

static void
do_report(struct scn_vcpu *sv, const struct hv_exit *ex)
{
	struct scn_run *run = sv->run;
	char msg[VM_REPORT_MAX + 1];
	size_t done;
	int error;

	error = hv_copyinstr(sv->vcpu, ex->args[1], msg, sizeof(msg), &done);
	if (error == ENAMETOOLONG) {
		msg[sizeof(msg) - 1] = '\0';
		error = 0;
	}
	if (ex->args[0] != 0 && error == 0) {
		__atomic_fetch_add(&run->reports, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&run->failed_reports, 1, __ATOMIC_RELAXED);
	if (error != 0)
		kprintf("scn: %s: vcpu %d: guest report at 0x%lx unreadable: %s\n", run->file,
		    sv->id, (unsigned long)ex->args[1], errno_name(error));
	else
		kprintf("scn: %s: vcpu %d: guest check failed: %s\n", run->file, sv->id, msg);
}

static void
end_vcpu(struct scn_vcpu *sv, enum vmrun_end end, int error, const char *msg)
{
	sv->end = end;
	sv->error = error;
	strlcpy(sv->errmsg, msg, sizeof(sv->errmsg));
	sv->done = true;
	scn_progress(sv->run);
}

/* One exit; false when the vCPU's run is over. */
static void
handle_exit(struct scn_vcpu *sv, const struct hv_exit *ex, uint32_t gen)
{
	struct scn_run *run = sv->run;
	int64_t result = 0;

	switch (ex->kind) {
	case HV_EXIT_HYPERCALL:
		scn_progress(run);
		switch (ex->nr) {
		case HC_REPORT:
			do_report(sv, ex);
			break;
		case HC_MARK:
			on_mark(sv, ex->args[0]);
			break;
		case HC_SET_TLS:
			result = -hv_vcpu_set_tls(sv->vcpu, ex->args[0]);
			break;
		case HC_COPY_TEST:
			result = vm_copy_test(sv->vcpu, ex->args[0], ex->args[1], ex->args[2],
			    ex->args[3]);
			break;
		default:
			result = -EINVAL;
			break;
		}
		/* after a reboot this vCPU is gone: the new one starts afresh */
		if (run->gen == gen)
			hv_vcpu_set_hc_result(sv->vcpu, result);
		break;
	case HV_EXIT_DONE:
		sv->exit_code = ex->code;
		end_vcpu(sv, VR_DONE, 0, "");
		break;
	case HV_EXIT_DEBUG:
		end_vcpu(sv, VR_ERROR, EINVAL, "guest #BP (scenarios have no debugger)");
		break;
	case HV_EXIT_INTR:
		thread_yield();		/* the host's turn */
		break;
	case HV_EXIT_ERROR:
		end_vcpu(sv, VR_ERROR, ex->error, ex->msg);
		break;
	default:
		end_vcpu(sv, VR_HOSTERR, EINVAL, "unknown exit kind");
		break;
	}
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
		if (run->reboot_req || sv->done) {
			if (!park(sv, &gen))
				break;
			continue;
		}
		sv->cpu = this_cpu()->id;
		error = hv_vcpu_run(sv->vcpu, &ex);
		if (error == ENOENT && run->reboot_req)
			continue;	/* its VM was destroyed for a reboot: park */
		if (error != 0) {
			ksnprintf(sv->last_exit, sizeof(sv->last_exit), "hv_vcpu_run: %s",
			    errno_name(error));
			end_vcpu(sv, VR_HOSTERR, error, sv->last_exit);
			continue;
		}
		describe_exit(sv, &ex);
		on_exit_count(sv);
		handle_exit(sv, &ex, gen);
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
static bool
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

/* ---- checks ---------------------------------------------------------------------------- */

struct outcome {
	uint64_t	 exits, faults, ticks;
	int64_t		 pages, heap;
	bool		 timed_out, leaked;
	char		 timeout_reason[200];
	uint64_t	 base[SCN_EXPECTS_MAX];	/* counters at the start */
	bool		 has[SCN_EXPECTS_MAX];	/* the counter exists */
};

static void
ends_str(struct scn_run *run, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < run->nv && n < len; i++) {
		struct scn_vcpu *sv = &run->v[i];

		if (!sv->done)
			n += ksnprintf(buf + n, len - n, "%svcpu%d not ended (last exit %s)",
			    i ? ", " : "", i, sv->last_exit[0] ? sv->last_exit : "none");
		else if (sv->end == VR_DONE)
			n += ksnprintf(buf + n, len - n, "%svcpu%d exit %ld", i ? ", " : "",
			    i, (long)sv->exit_code);
		else
			n += ksnprintf(buf + n, len - n, "%svcpu%d %s: %s", i ? ", " : "", i,
			    vmrun_end_name(sv->end), sv->errmsg);
	}
}

/* One expectation: true when it holds; what was seen in `seen`. */
static bool
check_one(struct scn_run *run, struct outcome *o, int i, char *seen, size_t len)
{
	const struct scn_expect *e = &run->s->expects[i];
	char name[64], rs[48];
	uint64_t v;
	bool ok;
	int k;

	range_str(&e->range, rs, sizeof(rs));
	switch (e->kind) {
	case SCN_EXP_END_EXIT:
		ok = true;
		for (k = 0; k < run->nv; k++)
			ok = ok && run->v[k].done && run->v[k].end == VR_DONE &&
			    run->v[k].exit_code == (int64_t)e->num;
		ends_str(run, seen, len);
		return ok;
	case SCN_EXP_END_ERROR:
		ok = false;
		for (k = 0; k < run->nv; k++)
			ok = ok || (run->v[k].done && run->v[k].end == VR_ERROR &&
			    (e->re[0] == '\0' || scn_re_search(e->re, run->v[k].errmsg)));
		ends_str(run, seen, len);
		return ok;
	case SCN_EXP_SERIAL:
	case SCN_EXP_MARKS:
		v = run->exp_count[i];
		ksnprintf(seen, len, "%lu %s (want %s)", (unsigned long)v,
		    e->kind == SCN_EXP_SERIAL ? "matching lines" : "hits", rs);
		return in_range(v, &e->range);
	case SCN_EXP_EXITS:
	case SCN_EXP_STAT:
	case SCN_EXP_FAULTS:
		exp_stat_name(e, name, sizeof(name));
		if (!o->has[i] || !stat_read(name, &v)) {
			ksnprintf(seen, len, "no sysctl hw.vmm.stats.%s", name);
			return false;
		}
		v -= o->base[i];
		ksnprintf(seen, len, "hw.vmm.stats.%s grew by %lu (want %s)", name,
		    (unsigned long)v, rs);
		return in_range(v, &e->range);
	case SCN_EXP_REPORTS:
	case SCN_EXP_FAILED_REPORTS:
		v = e->kind == SCN_EXP_REPORTS ? run->reports : run->failed_reports;
		ksnprintf(seen, len, "%lu (want %s)", (unsigned long)v, rs);
		return in_range(v, &e->range);
	case SCN_EXP_ALIVE:
		ok = !run->abort && !o->leaked && hv_is_enabled();
		for (k = 0; k < run->nv; k++)
			ok = ok && run->v[k].done && run->v[k].end == VR_DONE;
		ends_str(run, seen, len);
		if (run->abort)
			strlcpy(seen + strlen(seen), "; run aborted", len - strlen(seen));
		if (!hv_is_enabled())
			strlcpy(seen + strlen(seen), "; hw.vmm.enable=0", len - strlen(seen));
		return ok;
	case SCN_EXP_NO_LEAK:
		ksnprintf(seen, len, "pages %+ld, heap bytes %+ld%s", (long)o->pages,
		    (long)o->heap, o->leaked ? " (VM not destroyed: vCPU thread stuck)" : "");
		return o->pages == 0 && o->heap == 0 && !o->leaked;
	}
	strlcpy(seen, "unknown expectation", len);
	return false;
}

static void
print_checks(struct scn_run *run, struct outcome *o, const char *backend, char *first_fail,
    size_t fflen)
{
	const struct scn *s = run->s;
	char seen[200];
	int i;

	for (i = 0; i < s->nexpects; i++) {
		bool ok = check_one(run, o, i, seen, sizeof(seen));
		const char *st = ok ? "PASS" : o->timed_out ? "TIMEOUT" : "FAIL";

		report_status(st, "backend=%s exits=%lu faults=%lu ticks=%lu %s: %s", backend,
		    (unsigned long)o->exits, (unsigned long)o->faults,
		    (unsigned long)o->ticks, s->expects[i].text, seen);
		if (!ok && first_fail[0] == '\0')
			ksnprintf(first_fail, fflen, "check %d (%s:%d) %s: %s", i + 1, run->file,
			    s->expects[i].line, s->expects[i].text, seen);
	}
}

static void
skip_all(const struct scn *s, const char *backend, const char *why)
{
	int i;

	for (i = 0; i < s->nexpects; i++)
		report_status("SKIP", "backend=%s exits=0 faults=0 ticks=0 %s: %s", backend,
		    s->expects[i].text, why);
	ktest_skip("%s", why);
}

/* ---- one scenario ---------------------------------------------------------------------- */

static void
teardown(struct scn_run *run)
{
	char old[32], new_[32];
	int i, serr;

	if (run->vm != NULL) {
		int error = scn_vm_destroy(run);

		if (error != 0)
			run_fail(run, "hv_vm_destroy: %s", vm_err(error));
		run->vm = NULL;
	}
	/* an execve that failed left the handles (its VM is gone) */
	scn_vcpus_drop(run, run->vcpus_freed);
	for (i = 0; i < SCN_PROCS; i++)
		if (run->procs[i] != NULL) {
			proc_release(run->procs[i]);
			run->procs[i] = NULL;
		}
	/* restore in reverse order of the first change */
	for (i = run->nsysctl - 1; i >= 0; i--)
		if (sysctl_write(run->sysctl_name[i], run->sysctl_old[i], old, new_,
		    sizeof(old), &serr) != 0)
			kprintf("scn: %s: cannot restore %s=%s\n", run->file,
			    run->sysctl_name[i], run->sysctl_old[i]);
}

/* Once per boot: what hv allocates on its first VM is not a scenario's leak. */
static void
warm_up(void)
{
	static bool done;
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;

	if (done || hv_vm_create(HV_GUEST_MIN_MEM, &vm) != 0)
		return;
	if (hv_vcpu_create(vm, 0, &vcpu) == 0)
		done = true;
	hv_vm_destroy(vm);
}

static void
execute(struct scn_run *run, struct outcome *o)
{
	const struct scn *s = run->s;
	uint64_t pages0, heap0, exits0, faults0, ticks0;
	char name[64];
	int i;

	warm_up();
	pages0 = pmm_used();
	heap0 = heap_bytes();
	for (i = 0; i < s->nexpects; i++) {
		const struct scn_expect *e = &s->expects[i];

		if (e->kind == SCN_EXP_EXITS || e->kind == SCN_EXP_STAT ||
		    e->kind == SCN_EXP_FAULTS) {
			exp_stat_name(e, name, sizeof(name));
			o->has[i] = stat_read(name, &o->base[i]);
		}
	}
	exits0 = run->exits0 = stat_or0("exits");
	faults0 = stat_or0("nested_faults");
	ticks0 = cpus[0]->ticks;
	for (i = 0; i < SCN_PROCS; i++) {
		run->procs[i] = proc_create("scn");
		if (run->procs[i] == NULL)
			run_fail(run, "proc_create: out of memory");
	}
	if (!run->abort && vm_boot(run) == 0) {
		capture_set(run);
		o->leaked = !supervise(run, o->timeout_reason, sizeof(o->timeout_reason));
		capture_set(NULL);
		o->timed_out = o->timeout_reason[0] != '\0';
	}
	o->exits = stat_or0("exits") - exits0;
	o->faults = stat_or0("nested_faults") - faults0;
	o->ticks = cpus[0]->ticks - ticks0;
	if (o->leaked) {
		kprintf("scn: %s: a vCPU thread did not stop; the VM is left alive\n",
		    run->file);
		return;
	}
	teardown(run);
	o->pages = (int64_t)(pmm_used() - pages0);
	o->heap = (int64_t)(heap_bytes() - heap0);
}

static void
unquote(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '"')
			*s = '\'';
}

static void
scn_test(void *arg)
{
	struct scn_entry *ent = arg;
	const char *backend = vm_backend_name();
	char err[SCN_ERR_MAX], first_fail[240] = "";
	struct outcome *o = NULL;
	struct scn_run *run = NULL;
	struct scn *s;
	int i;

	/* every RESULT has the same fields, whatever the outcome */
	ktest_set_backend(backend);
	ktest_set_fields("exits=0 faults=0 ticks=0 pages=0");
	s = kmalloc(sizeof(*s));
	if (s == NULL) {
		ktest_fail("%s: out of memory", ent->m->name);
		return;
	}
	if (scn_parse(ent->m->name, ent->m->data, ent->m->size, infos, ninfos, s, err,
	    sizeof(err)) != 0) {
		kprintf("error: %s\n", err);
		unquote(err);
		ktest_fail("%s", err);
		goto out;
	}
	if (strcmp(backend, "none") == 0) {
		skip_all(s, backend, "hv has no usable VMX or SVM backend");
		goto out;
	}
	if ((strcmp(backend, "svm") == 0 && !s->on_svm) ||
	    (strcmp(backend, "vmx") == 0 && !s->on_vmx)) {
		skip_all(s, backend, "not for this backend");
		goto out;
	}
	if (ncpus < s->cpus) {
		ksnprintf(err, sizeof(err), "needs %d CPUs, %d online", s->cpus, ncpus);
		skip_all(s, backend, err);
		goto out;
	}
	if (!hv_is_enabled() && hv_set_enable(true) != 0) {
		ktest_fail("%s: hw.vmm.enable=1 refused", ent->m->name);
		goto out;
	}
	run = kmalloc(sizeof(*run));
	o = kmalloc(sizeof(*o));
	if (run == NULL || o == NULL) {
		ktest_fail("%s: out of memory", ent->m->name);
		goto out;
	}
	run->s = s;
	run->file = ent->m->name;
	run->nv = s->vcpus;
	for (i = 0; i < run->nv; i++) {
		run->v[i].run = run;
		run->v[i].id = i;
		run->v[i].cpu = -1;
		run->v[i].proc_idx = -1;
	}
	execute(run, o);
	print_checks(run, o, backend, first_fail, sizeof(first_fail));
	/* the RESULT reason is quoted: no double quote inside it */
	unquote(o->timeout_reason);
	unquote(run->failure);
	unquote(first_fail);
	ktest_set_fields("exits=%lu faults=%lu ticks=%lu pages=%ld", (unsigned long)o->exits,
	    (unsigned long)o->faults, (unsigned long)o->ticks, (long)o->pages);
	if (o->timed_out)
		ktest_timeout("%s%s", o->timeout_reason,
		    o->leaked ? "; a vCPU thread did not stop, VM left alive" : "");
	else if (run->failure[0] != '\0')
		ktest_fail("%s", run->failure);
	else if (o->leaked)
		ktest_fail("a vCPU thread did not stop; VM left alive");
	else if (first_fail[0] != '\0')
		ktest_fail("%s", first_fail);
	if (o->leaked) {
		/* the stuck threads still point into run and s: never free them */
		return;
	}
out:
	kfree(o);
	kfree(run);
	kfree(s);
}

/* ---- registration ---------------------------------------------------------------------- */

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

void
scn_register_all(void)
{
	struct scn *s = kmalloc(sizeof(*s));
	char err[SCN_ERR_MAX];
	int i, n = 0;

	for (i = 0; i < scn_action_count() && ninfos < (int)ARRAY_SIZE(infos); i++) {
		infos[ninfos].name = scn_action_get(i)->name;
		infos[ninfos].argspec = scn_action_get(i)->argspec;
		ninfos++;
	}
	for (i = 0; i < module_count() && n < SCN_MAX; i++) {
		const struct kmodule *m = module_get(i);
		struct scn_entry *e;
		size_t base;

		if (!ends_with(m->name, ".scn"))
			continue;
		e = kmalloc(sizeof(*e));
		if (e == NULL)
			break;
		base = strlen(m->name) - 4;
		ksnprintf(e->name, sizeof(e->name), "scn.%.*s", (int)base, m->name);
		e->m = m;
		/* the description from the file; a malformed file says so (run gives the error) */
		if (s != NULL && scn_parse(m->name, m->data, m->size, infos, ninfos, s, err,
		    sizeof(err)) == 0)
			ksnprintf(e->descr, sizeof(e->descr), "%s",
			    s->descr[0] ? s->descr : "scenario");
		else
			ksnprintf(e->descr, sizeof(e->descr), "malformed scenario %s", m->name);
		e->t.name = e->name;
		e->t.descr = e->descr;
		e->t.run = scn_test;
		e->t.arg = e;
		if (ktest_add(&e->t) != 0) {
			kprintf("scn: cannot register %s\n", e->name);
			kfree(e);
			continue;
		}
		n++;
	}
	kfree(s);
}
