/*
 * scn_check.c - the scenario runner's counters (hw.vmm.stats deltas,
 * ranges) and checks: one CHECK line per expectation.
 */
#include "scn_run_int.h"
#include "ktest.h"
#include "sched.h"

/* ---- counters ----------------------------------------------------------------- */

/* hw.vmm.stats.<name>; false when there is no such leaf. */
bool
stat_read(const char *name, uint64_t *v)
{
	char full[96];

	ksnprintf(full, sizeof(full), "hw.vmm.stats.%s", name);
	return counter_read(full, v);
}

/* A numeric sysctl by its whole name; false when there is no such leaf. */
bool
counter_read(const char *full, uint64_t *v)
{
	*v = 0;
	return vm_sysctl_u64(full, v) == 1;
}

uint64_t
stat_or0(const char *name)
{
	uint64_t v;

	return stat_read(name, &v) ? v : 0;
}

/* The whole sysctl name an EXITS/STAT/FAULTS/SYSCTL expectation reads. */
void
exp_counter_name(const struct scn_expect *e, char *buf, size_t len)
{
	if (e->kind == SCN_EXP_FAULTS)
		strlcpy(buf, "hw.vmm.stats.nested_faults", len);
	else if (e->kind == SCN_EXP_EXITS && strcmp(e->name, "all") == 0)
		strlcpy(buf, "hw.vmm.stats.exits", len);
	else if (e->kind == SCN_EXP_EXITS)
		ksnprintf(buf, len, "hw.vmm.stats.exit.%s", e->name);
	else if (e->kind == SCN_EXP_STAT)
		ksnprintf(buf, len, "hw.vmm.stats.%s", e->name);
	else
		strlcpy(buf, e->name, len);
}

bool
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
void
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

/* ---- checks ---------------------------------------------------------------------------- */

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
		else if (sv->res.end == VR_DONE)
			n += ksnprintf(buf + n, len - n, "%svcpu%d exit %ld", i ? ", " : "",
			    i, (long)sv->res.exit_code);
		else
			n += ksnprintf(buf + n, len - n, "%svcpu%d %s: %s", i ? ", " : "", i,
			    vmrun_end_name(sv->res.end), sv->res.errmsg);
	}
}

/* One expectation: true when it holds; what was seen in `seen`. */
static bool
check_one(struct scn_run *run, struct outcome *o, int i, char *seen, size_t len)
{
	const struct scn_expect *e = &run->s->expects[i];
	char name[96], rs[48];
	uint64_t v;
	bool ok;
	int k;

	range_str(&e->range, rs, sizeof(rs));
	switch (e->kind) {
	case SCN_EXP_END_EXIT:
		ok = true;
		for (k = 0; k < run->nv; k++)
			ok = ok && run->v[k].done && run->v[k].res.end == VR_DONE &&
			    run->v[k].res.exit_code == (int64_t)e->num;
		ends_str(run, seen, len);
		return ok;
	case SCN_EXP_END_ERROR:
		ok = false;
		for (k = 0; k < run->nv; k++)
			ok = ok || (run->v[k].done && run->v[k].res.end == VR_ERROR &&
			    (e->re[0] == '\0' || scn_re_search(e->re, run->v[k].res.errmsg)));
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
	case SCN_EXP_SYSCTL:
		exp_counter_name(e, name, sizeof(name));
		if (!o->has[i] || !counter_read(name, &v)) {
			ksnprintf(seen, len, "no sysctl %s", name);
			return false;
		}
		v -= o->base[i];
		ksnprintf(seen, len, "%s grew by %lu (want %s)", name,
		    (unsigned long)v, rs);
		return in_range(v, &e->range);
	case SCN_EXP_REPORTS:
	case SCN_EXP_FAILED_REPORTS:
		v = 0;
		for (k = 0; k < run->nv; k++)
			v += e->kind == SCN_EXP_REPORTS ?
			    run->v[k].res.reports - run->v[k].res.reports_failed :
			    run->v[k].res.reports_failed;
		ksnprintf(seen, len, "%lu (want %s)", (unsigned long)v, rs);
		return in_range(v, &e->range);
	case SCN_EXP_ALIVE:
		ok = !run->abort && !o->leaked && hv_is_enabled();
		for (k = 0; k < run->nv; k++)
			ok = ok && run->v[k].done && run->v[k].res.end == VR_DONE;
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

void
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

void
skip_all(const struct scn *s, const char *backend, const char *why)
{
	int i;

	for (i = 0; i < s->nexpects; i++)
		report_status("SKIP", "backend=%s exits=0 faults=0 ticks=0 %s: %s", backend,
		    s->expects[i].text, why);
	ktest_skip("%s", why);
}
