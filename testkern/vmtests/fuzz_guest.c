/*
 * fuzz_guest.c - the fuzz_guest test: episodes of the hostile guest
 * guests/fuzz.asm, episode i with seed kern.fuzz_seed + i, each in a fresh
 * VM for at most EP_EXITS exits (the guest's: host interrupts not counted)
 * and kern.fuzz_episode_ms milliseconds, for
 * kern.fuzz_seconds in all (or kern.fuzz_episodes episodes).  After every
 * episode the host is checked: every CPU answers an IPI, hv is still
 * enabled, no page and no heap byte leaked.  How an episode ends is
 * counted by kind; the ways a guest may end itself (guest_stops[]) are
 * expected, every other stop is a host problem, which ends the test with
 * its seed (a hang ends it by the test watchdog; the RESULT line carries
 * the seed of the episode that was running).  `make fuzz-guest` and
 * pytest/test_fuzz_guest.py run it; docs/CONSOLE.md "fuzz_guest".
 */
#include "vmtests.h"
#include "ktest.h"
#include "cpu.h"
#include "mm.h"
#include "sched.h"
#include "sysctl.h"
#include "x86_arch.h"

uint64_t fuzz_seed = 1;		/* kern.fuzz_seed: seed of the first episode */
uint32_t fuzz_seconds = 30;	/* kern.fuzz_seconds: time of all episodes */
uint32_t fuzz_episodes;		/* kern.fuzz_episodes: at most this many (0: no limit) */
uint32_t fuzz_episode_ms = 1500;	/* kern.fuzz_episode_ms: wall time of one episode */

#define EP_EXITS	3000	/* guest exits to the host's run loop in one episode */
#define PING_NS		1000000000ull
#define FZ_IMAGE	"fuzz.bin"
#define FZ_HOST_STATS	0x667a		/* guests/fuzz.asm: HC_HOST(action, gva, size) */
#define FZ_MAGIC	0x7a7a7566ull	/* "fuzz", the first word of its stats */
#define FZ_OPS		8
#define FZ_VECS		33
#define EXIT_KINDS_MAX	128		/* hw.vmm.stats.exit.* leaves followed */

/* guests/fuzz.asm fz_stats, in its order */
struct fz_stats {
	uint64_t magic, rounds, steps, done, traps;
	uint64_t ops[FZ_OPS];		/* bytes0 bytes3 insn hypercall port msr crdr paging */
	uint64_t vec[FZ_VECS];
};

/*
 * The stops a guest may cause itself: hv's message (hv_vcpu_stop) names
 * what the guest did.  Any other stop is hv's or the host's failure.
 */
static const struct {
	const char *what;	/* in the stop message */
	const char *kind;	/* its fact key */
} guest_stops[] = {
	{ "triple fault", "triple" },
	{ "HLT with interrupts disabled", "hlt_if0" },
	{ "string I/O", "string_io" },
	{ "outside guest memory", "outside_mem" },
	{ "unhandled", "unhandled_exit" },
	{ "INTn: ", "intn_unreadable" },
	{ "registers are refused", "regs_refused" },
	/*
	 * SVM does not intercept MOV to CR0/CR3/CR4 or DR6/DR7 or far loads
	 * of CS: the CPU checks them and raises #GP (APM Vol. 2 3.1, 13.1).
	 * QEMU TCG (7.2) lets some of them through (PG=1 with PE=0) or ends
	 * the guest in VMEXIT_INVALID at once (a reserved CR4 bit, CR3 above
	 * MAXPHYADDR: its helper_write_crN); hv then names the check of APM
	 * 15.5.1 the guest's own state fails, or finds none.  Checks of what
	 * hv owns (EFER, ASID, the maps, EVENTINJ) are not here.
	 */
	{ "no consistency check of APM 15.5.1 fails", "guest_made_invalid" },
	{ "invalid VMCB: CR0", "guest_made_invalid" },
	{ "invalid VMCB: CR3 MBZ", "guest_made_invalid" },
	{ "invalid VMCB: CR4 MBZ", "guest_made_invalid" },
	{ "invalid VMCB: DR", "guest_made_invalid" },
	{ "and CR0.PG=1 with CR0.P", "guest_made_invalid" },
	{ "CS.L and CS.D all set", "guest_made_invalid" },
};

/* Outcomes of an episode besides guest_stops: */
enum { OUT_BUDGET = ARRAY_SIZE(guest_stops), OUT_EXIT, OUT_HOST, OUT_KINDS };

static const char *
outcome_name(int o)
{
	if (o < OUT_BUDGET)
		return guest_stops[o].kind;
	return o == OUT_BUDGET ? "budget" : o == OUT_EXIT ? "exit" : "host_problem";
}

struct fz_episode {
	uint64_t		 seed;
	uint64_t		 stats_gpa;	/* from the guest's HC_HOST (identity-mapped) */
	uint64_t		 runs;		/* exits but host interrupts */
	uint64_t		 reports;
	int			 outcome;
	char			 why[160];
	struct fz_stats		 st;
};

/* A snapshot of hw.vmm.stats.exit.*: names and values. */
struct exit_kinds {
	int			 n;
	const char		*name[EXIT_KINDS_MAX];
	uint64_t		 v[EXIT_KINDS_MAX];
};

static void
exit_kind_add(const struct hv_sysctl *leaf, void *ctx)
{
	struct exit_kinds *k = ctx;
	char buf[32];
	uint64_t v;

	sysctl_format(leaf, buf, sizeof(buf));
	if (k->n < EXIT_KINDS_MAX && parse_u64(buf, &v) == 0) {
		k->name[k->n] = leaf->name;
		k->v[k->n++] = v;
	}
}

static void
exit_kinds_read(struct exit_kinds *k)
{
	k->n = 0;
	sysctl_foreach("hw.vmm.stats.exit", exit_kind_add, k);
}

/* HC_HOST: the guest says once where its stats are; nothing else is served. */
static int
fz_host(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_vcpu *vcpu, const struct hv_exit *ex, int64_t *result)
{
	struct fz_episode *ep = cfg->ctx;

	*result = -EINVAL;
	if (ex->args[0] == FZ_HOST_STATS && ep->stats_gpa == 0 &&
	    ex->args[2] == sizeof(ep->st)) {
		ep->stats_gpa = ex->args[1];
		*result = 0;
	}
	return 0;
}

/* The outcome of a run that stopped (res->end is not VR_DONE). */
static int
stop_outcome(const struct guest_run_result *res)
{
	size_t i;

	if (res->end == VR_ERROR)
		for (i = 0; i < ARRAY_SIZE(guest_stops); i++)
			if (vm_contains(res->errmsg, guest_stops[i].what))
				return (int)i;
	return OUT_HOST;
}

/*
 * One exit of an episode: a guest report is counted, never printed (its
 * message is random); the rest is the runner's (the guest's INT3 is its
 * own: this VM has no host debugger).  false: the run ended.
 */
static bool
fz_exit(const struct guest_run_cfg *cfg, struct guest_run_result *res,
    struct hv_vcpu *vcpu, const struct hv_exit *ex, struct fz_episode *ep)
{
	if (ex->kind == HV_EXIT_HYPERCALL && ex->nr == HC_REPORT) {
		ep->reports++;
		hv_vcpu_set_hc_result(vcpu, 0);
		return true;
	}
	return guest_run_exit(cfg, res, vcpu, ex);
}

/* The guest's counters, when it told where they are and they read back. */
static void
fz_read_stats(struct hv_vm *vm, struct fz_episode *ep)
{
	if (ep->stats_gpa == 0 || hv_gpa_read(vm, ep->stats_gpa, &ep->st, sizeof(ep->st)) != 0 ||
	    ep->st.magic != FZ_MAGIC)
		memset(&ep->st, 0, sizeof(ep->st));
}

/* Run episode ep->seed for at most limit_ms; ep->outcome and ep->why. */
static void
fz_episode_run(struct fz_episode *ep, uint64_t limit_ms)
{
	const struct guest_run_cfg cfg = { .image = FZ_IMAGE, .quiet = true,
	    .set_r13 = true, .r13 = ep->seed, .ctx = ep,
	    .host = fz_host };
	struct guest_run_result res = { 0 };
	uint64_t end = time_ns() + limit_ms * 1000000ull;
	struct hv_vcpu *vcpu;
	struct hv_exit ex;
	int error;

	ep->outcome = OUT_BUDGET;
	ep->why[0] = '\0';
	if (guest_run_setup(&cfg, &res) != 0 ||
	    guest_run_vcpu(&cfg, &res, 0, &vcpu) != 0) {
		ep->outcome = OUT_HOST;
		strlcpy(ep->why, res.errmsg, sizeof(ep->why));
		guest_run_teardown(&res);
		return;
	}
	while (ep->runs < EP_EXITS && time_ns() < end) {
		error = hv_vcpu_run(vcpu, &ex);
		if (error != 0) {
			ep->outcome = OUT_HOST;
			ksnprintf(ep->why, sizeof(ep->why), "hv_vcpu_run: %s (%d)",
			    errno_name(error), error);
			break;
		}
		if (ex.kind != HV_EXIT_INTR)
			ep->runs++;
		if (fz_exit(&cfg, &res, vcpu, &ex, ep))
			continue;
		if (res.end == VR_DONE)
			ep->outcome = OUT_EXIT;
		else
			ep->outcome = stop_outcome(&res);
		strlcpy(ep->why, res.errmsg, sizeof(ep->why));
		break;
	}
	fz_read_stats(res.vm, ep);
	guest_run_teardown(&res);
}

/* Is the host still itself?  Every CPU answers, hv is enabled; else why. */
static bool
host_alive(char *why, size_t len)
{
	int cpu;

	for (cpu = 0; cpu < ncpus; cpu++)
		if (cpu_ping(cpu, PING_NS) != 0) {
			ksnprintf(why, len, "cpu %d does not answer an IPI", cpu);
			return false;
		}
	if (!hv_is_enabled()) {
		strlcpy(why, "hv is no longer enabled", len);
		return false;
	}
	return true;
}

/* Totals over the episodes. */
struct fz_totals {
	uint32_t		 episodes;
	uint64_t		 runs, reports;
	uint64_t		 outcomes[OUT_KINDS];
	struct fz_stats		 st;
};

static void
totals_add(struct fz_totals *t, const struct fz_episode *ep)
{
	const uint64_t *src = &ep->st.rounds;
	uint64_t *dst = &t->st.rounds;
	size_t i, n = sizeof(ep->st) / sizeof(uint64_t) - 1;	/* after magic */

	t->episodes++;
	t->runs += ep->runs;
	t->reports += ep->reports;
	t->outcomes[ep->outcome]++;
	for (i = 0; i < n; i++)
		dst[i] += src[i];
}

/* " key=value" of every outcome seen (one per name), into buf. */
static void
fmt_outcomes(const struct fz_totals *t, char *buf, size_t len)
{
	size_t n = 0;
	uint64_t sum;
	int o, p;

	buf[0] = '\0';
	for (o = 0; o < OUT_KINDS && n < len; o++) {
		for (p = 0; p < o && strcmp(outcome_name(p), outcome_name(o)) != 0; p++)
			;
		if (p < o)
			continue;	/* counted with its first entry */
		for (sum = 0, p = o; p < OUT_KINDS; p++)
			if (strcmp(outcome_name(p), outcome_name(o)) == 0)
				sum += t->outcomes[p];
		if (sum != 0)
			n += ksnprintf(buf + n, len - n, " %s=%lu", outcome_name(o),
			    (unsigned long)sum);
	}
}

/*
 * The exits by kind (deltas of hw.vmm.stats.exit.*) as facts, as many
 * CHECK lines as they need; their sum must be the exits counted in all.
 */
static void
report_exit_kinds(const struct exit_kinds *a, const struct exit_kinds *b,
    uint64_t total)
{
	char line[280];
	size_t n = 0;
	uint64_t sum = 0, d;
	int i, part = 1;

	for (i = 0; i < b->n; i++)
		if (i < a->n && a->name[i] == b->name[i])
			sum += b->v[i] - a->v[i];
	line[0] = '\0';
	for (i = 0; i < b->n; i++) {
		if (i >= a->n || a->name[i] != b->name[i] || (d = b->v[i] - a->v[i]) == 0)
			continue;
		if (n > sizeof(line) - 100) {
			report(sum == total, "fuzz: exits by kind (%d):%s", part++, line);
			n = 0;
			line[0] = '\0';
		}
		/* "hw.vmm.stats.exit.cpuid" -> "exit.cpuid=N" */
		n += ksnprintf(line + n, sizeof(line) - n, " %s=%lu",
		    b->name[i] + sizeof("hw.vmm.stats.") - 1, (unsigned long)d);
	}
	report(sum == total, "fuzz: exits by kind (%d):%s sum=%lu exits=%lu", part, line,
	    (unsigned long)sum, (unsigned long)total);
}

KTEST(fuzz_guest, "hostile seeded guest at CPL 0 and 3 in episodes: host alive, no leak (kern.fuzz_*)")
{
	static struct exit_kinds k0, k1;
	static struct fz_episode ep;
	struct fz_totals t = { 0 };
	uint64_t deadline, exits0, pages0, heap0, left;
	char why[160] = "", outs[160];
	bool alive = true, leak = false;

	if (!vm_begin())
		return;
	ktest_set_backend(vm_backend_name());
	kprintf("fuzz: seed=%lu seconds=%u episodes=%u (kern.fuzz_seed, kern.fuzz_seconds, "
	    "kern.fuzz_episodes)\n", (unsigned long)fuzz_seed, fuzz_seconds, fuzz_episodes);
	exit_kinds_read(&k0);
	exits0 = vm_stat("exits");
	pages0 = pmm_used();
	heap0 = heap_bytes();
	deadline = time_ns() + (uint64_t)fuzz_seconds * 1000000000ull;
	do {
		memset(&ep, 0, sizeof(ep));
		ep.seed = fuzz_seed + t.episodes;
		ktest_set_fields("seed=%lu", (unsigned long)ep.seed);
		left = (deadline - time_ns()) / 1000000;
		fz_episode_run(&ep, left < fuzz_episode_ms && left > 0 ? left : fuzz_episode_ms);
		totals_add(&t, &ep);
		leak = pmm_used() != pages0 || heap_bytes() != heap0;
		alive = host_alive(why, sizeof(why));
		kprintf("fuzz: seed=%lu rounds=%lu instructions=%lu exits=%lu outcome=%s%s%s%s\n",
		    (unsigned long)ep.seed, (unsigned long)ep.st.rounds,
		    (unsigned long)ep.st.steps, (unsigned long)ep.runs,
		    outcome_name(ep.outcome), ep.why[0] ? " why=\"" : "", ep.why,
		    ep.why[0] ? "\"" : "");
		if (ep.outcome == OUT_HOST || leak || !alive)
			break;
	} while (time_ns() < deadline && (fuzz_episodes == 0 || t.episodes < fuzz_episodes));
	exit_kinds_read(&k1);
	fmt_outcomes(&t, outs, sizeof(outs));
	ktest_set_fields("seed=%lu episodes=%u", (unsigned long)fuzz_seed, t.episodes);
	report(t.outcomes[OUT_HOST] == 0, "fuzz: host problems: got=%lu want=0 episodes=%u "
	    "seed=%lu last_seed=%lu%s%s", (unsigned long)t.outcomes[OUT_HOST], t.episodes,
	    (unsigned long)fuzz_seed, (unsigned long)ep.seed,
	    t.outcomes[OUT_HOST] ? " stop=" : "", t.outcomes[OUT_HOST] ? ep.why : "");
	report(!leak, "fuzz: leaks after the episodes: pages=%ld heap=%ld",
	    (long)(pmm_used() - pages0), (long)(heap_bytes() - heap0));
	report(alive, "fuzz: host alive: cpus=%d enabled=%d%s%s", ncpus, hv_is_enabled(),
	    alive ? "" : " why=", alive ? "" : why);
	report(t.episodes > 0, "fuzz: outcomes:%s", outs);
	report(t.st.rounds > 0 && t.st.steps > 0, "fuzz: guest work: instructions=%lu "
	    "rounds=%lu done=%lu traps=%lu bytes0=%lu bytes3=%lu insn=%lu hypercall=%lu "
	    "port=%lu msr=%lu crdr=%lu paging=%lu ud=%lu gp=%lu pf=%lu runs=%lu bp=%lu",
	    (unsigned long)t.st.steps, (unsigned long)t.st.rounds, (unsigned long)t.st.done,
	    (unsigned long)t.st.traps, (unsigned long)t.st.ops[0], (unsigned long)t.st.ops[1],
	    (unsigned long)t.st.ops[2], (unsigned long)t.st.ops[3], (unsigned long)t.st.ops[4],
	    (unsigned long)t.st.ops[5], (unsigned long)t.st.ops[6], (unsigned long)t.st.ops[7],
	    (unsigned long)t.st.vec[X86_VEC_UD], (unsigned long)t.st.vec[X86_VEC_GP],
	    (unsigned long)t.st.vec[X86_VEC_PF], (unsigned long)t.runs,
	    (unsigned long)t.st.vec[X86_VEC_BP]);
	report_exit_kinds(&k0, &k1, vm_stat("exits") - exits0);
}
