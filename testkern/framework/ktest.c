/* ktest.c - test registry, report() and the runner (RESULT/SUMMARY lines). */
#include "ktest.h"
#include "mm.h"
#include "sched.h"
#include "spinlock.h"
#include "sysctl.h"
#include "trap.h"

extern const struct ktest __start_ktests[], __stop_ktests[];

struct run {
	const struct ktest *t;
	uint32_t gen;		/* threads of this run carry it in test_gen */
	int checks, failed;
	bool skipped, timed_out, forced_fail;
	char reason[160];
	char backend[8];
	char fields[96];
};

static spinlock_t run_lock = SPINLOCK_INIT;
static struct run *cur_run;
static uint32_t last_gen;

/* The run the calling thread belongs to, or NULL; run_lock held. */
static struct run *
my_run(void)
{
	return cur_run && curthread()->test_gen == cur_run->gen ? cur_run : NULL;
}
int ktest_failures;
uint32_t test_timeout_ms = 120000;

/* Tests registered at run time (scenarios), after the linker-section table. */
#define KTEST_DYN_MAX	128
static const struct ktest *dyn_tests[KTEST_DYN_MAX];
static int ndyn;

int
ktest_count(void)
{
	return (int)(__stop_ktests - __start_ktests) + ndyn;
}

/* i-th test in registration order: the section first, then ktest_add()'s. */
static const struct ktest *
ktest_at(int i)
{
	int nsec = (int)(__stop_ktests - __start_ktests);
	return i < nsec ? &__start_ktests[i] : dyn_tests[i - nsec];
}

int
ktest_add(const struct ktest *t)
{
	if (ktest_find(t->name))
		return EEXIST;
	if (ndyn == KTEST_DYN_MAX)
		return ENOSPC;
	dyn_tests[ndyn++] = t;
	return 0;
}

const struct ktest *
ktest_sorted(int i)
{
	/* rank selection: the table is small and listing is rare */
	int n = ktest_count();
	for (int a = 0; a < n; a++) {
		int rank = 0;
		for (int b = 0; b < n; b++)
			if (strcmp(ktest_at(b)->name, ktest_at(a)->name) < 0)
				rank++;
		if (rank == i)
			return ktest_at(a);
	}
	return NULL;
}

const struct ktest *
ktest_find(const char *name)
{
	for (int i = 0; i < ktest_count(); i++)
		if (strcmp(ktest_at(i)->name, name) == 0)
			return ktest_at(i);
	return NULL;
}

/* Long enough for a decoded hv error quoted as a fact (docs/CONSOLE.md). */
#define REPORT_MSG_MAX	320

static bool
report_v(const char *status, bool cond, const char *fmt, va_list ap)
{
	char msg[REPORT_MSG_MAX];
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	uint64_t f = spin_lock(&run_lock);
	/* a thread left behind by a test that timed out must not count for the next */
	struct run *r = my_run();
	int n = 0;
	if (r) {
		n = ++r->checks;
		if (!cond)
			r->failed++;
	}
	spin_unlock(&run_lock, f);
	if (r)
		kprintf("CHECK %s.%d %s %s\n", r->t->name, n, status, msg);
	else
		kprintf("report outside the running test (ignored): %s %s\n", status, msg);
	return cond;
}

bool
report(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ret = report_v(cond ? "PASS" : "FAIL", cond, fmt, ap);
	va_end(ap);
	return ret;
}

bool
report_status(const char *status, const char *fmt, ...)
{
	bool ok = strcmp(status, "FAIL") != 0 && strcmp(status, "TIMEOUT") != 0;
	va_list ap;
	va_start(ap, fmt);
	report_v(status, ok, fmt, ap);
	va_end(ap);
	return ok;
}

/* Set the reason of the caller's run (formatted) and one flag under the lock. */
static void
set_reason(bool *(*which)(struct run *), const char *fmt, va_list ap)
{
	uint64_t f = spin_lock(&run_lock);
	struct run *r = my_run();
	if (r) {
		kvsnprintf(r->reason, sizeof(r->reason), fmt, ap);
		*which(r) = true;
	}
	spin_unlock(&run_lock, f);
}

static bool *
flag_timeout(struct run *r) { return &r->timed_out; }
static bool *
flag_fail(struct run *r) { return &r->forced_fail; }

void
ktest_timeout(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_reason(flag_timeout, fmt, ap);
	va_end(ap);
}

void
ktest_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_reason(flag_fail, fmt, ap);
	va_end(ap);
}

void
ktest_set_fields(const char *fmt, ...)
{
	uint64_t f = spin_lock(&run_lock);
	struct run *r = my_run();
	if (r) {
		va_list ap;
		va_start(ap, fmt);
		kvsnprintf(r->fields, sizeof(r->fields), fmt, ap);
		va_end(ap);
	}
	spin_unlock(&run_lock, f);
}

void
ktest_skip(const char *fmt, ...)
{
	uint64_t f = spin_lock(&run_lock);
	struct run *r = my_run();
	if (r) {
		va_list ap;
		va_start(ap, fmt);
		kvsnprintf(r->reason, sizeof(r->reason), fmt, ap);
		va_end(ap);
		r->skipped = true;
	}
	spin_unlock(&run_lock, f);
}

void
ktest_set_backend(const char *backend)
{
	uint64_t f = spin_lock(&run_lock);
	struct run *r = my_run();
	if (r)
		strlcpy(r->backend, backend, sizeof(r->backend));
	spin_unlock(&run_lock, f);
}

struct start {
	const struct ktest *t;
	uint32_t gen;
};

static void
test_thread(void *arg)
{
	struct start s = *(struct start *)arg;	/* the runner's frame may be gone after a timeout */
	kfree(arg);
	curthread()->test_gen = s.gen;		/* inherited by the threads it creates */
	if (s.t->run)
		s.t->run(s.t->arg);
	else
		s.t->fn();
}


/* returns 0 pass, 1 fail, 2 skip, 3 timeout */
static int
run_one(const struct ktest *t)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	r.t = t;
	r.gen = ++last_gen;
	uint64_t f = spin_lock(&run_lock);
	cur_run = &r;
	spin_unlock(&run_lock, f);

	uint64_t t0 = time_ns();
	char tname[24];
	ksnprintf(tname, sizeof(tname), "test:%s", t->name);
	struct start *st = kmalloc(sizeof(*st));
	struct thread *th = NULL;
	if (st) {
		st->t = t;
		st->gen = r.gen;
		th = thread_create(tname, test_thread, st, NULL, 0);
		if (!th)
			kfree(st);
	}
	struct thread_exit_info info;
	int err = th ? thread_join(th, &info, (uint64_t)test_timeout_ms * 1000000) : ENOMEM;
	uint64_t ms = (time_ns() - t0) / 1000000;

	f = spin_lock(&run_lock);
	cur_run = NULL;
	spin_unlock(&run_lock, f);

	const char *status;
	int rc;
	if (err == ETIMEDOUT) {
		status = "TIMEOUT", rc = 3;
		ksnprintf(r.reason, sizeof(r.reason), "no end after %u ms", test_timeout_ms);
	} else if (err) {
		status = "FAIL", rc = 1;
		ksnprintf(r.reason, sizeof(r.reason), "cannot start test thread: %s", errno_name(err));
	} else if (info.killed) {
		status = "FAIL", rc = 1;
		ksnprintf(r.reason, sizeof(r.reason), "test thread killed by %s at %#lx",
		    trap_short(info.vector), info.rip);
	} else if (r.timed_out) {
		status = "TIMEOUT", rc = 3;
	} else if (r.failed || r.forced_fail) {
		status = "FAIL", rc = 1;
	} else if (r.skipped) {
		status = "SKIP", rc = 2;
	} else if (r.checks == 0) {
		status = "FAIL", rc = 1;
		strlcpy(r.reason, "no checks", sizeof(r.reason));
	} else {
		status = "PASS", rc = 0;
	}
	char extra[300] = "";
	size_t n = 0;
	if (r.backend[0])
		n += ksnprintf(extra + n, sizeof(extra) - n, " backend=%s", r.backend);
	if (r.fields[0] && n < sizeof(extra))
		n += ksnprintf(extra + n, sizeof(extra) - n, " %s", r.fields);
	if (r.reason[0] && n < sizeof(extra))
		ksnprintf(extra + n, sizeof(extra) - n, " reason=\"%s\"", r.reason);
	kprintf("RESULT %s %s checks=%d failed=%d ms=%lu%s\n", t->name, status, r.checks, r.failed, ms, extra);
	if (rc == 1 || rc == 3)
		ktest_failures++;
	return rc;
}

bool
ktest_run_patterns(int npat, char **pats)
{
	int counts[4] = { 0, 0, 0, 0 };
	bool all_matched = true;
	/* every name must match something before anything runs */
	for (int p = 0; p < npat; p++) {
		bool matched = false;
		for (int i = 0; i < ktest_count() && !matched; i++)
			matched = glob_match(pats[p], ktest_at(i)->name);
		if (!matched) {
			kprintf("error: run: no test named '%s'\n", pats[p]);
			all_matched = false;
		}
	}
	if (!all_matched)
		return false;
	for (int p = 0; p < npat; p++)
		for (int i = 0; i < ktest_count(); i++) {
			const struct ktest *t = ktest_sorted(i);
			if (glob_match(pats[p], t->name))
				counts[run_one(t)]++;
		}
	kprintf("SUMMARY passed=%d failed=%d skipped=%d timeout=%d\n",
	    counts[0], counts[1], counts[2], counts[3]);
	int ran = counts[0] + counts[1] + counts[2] + counts[3];
	return ran > 0 && counts[1] == 0 && counts[3] == 0;
}
