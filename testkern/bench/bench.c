/*
 * bench.c - the `bench` test behind `make bench`: what an exit path, a nested
 * fault, a guest copy and a VM's life cycle cost, in TSC ticks.
 *
 * Under QEMU -icount shift=0 and Bochs with `clock: sync=none` the TSC
 * advances with retired instructions (1 tick per instruction), so these
 * figures are deterministic instruction counts, not wall time.  Guest-side
 * figures are timed by the guest itself (guests/bench/bench.asm) around one
 * instruction that exits: the difference covers the whole exit, the host's
 * handling and the next entry.  Host-side figures are timed here around one
 * call.  Each figure prints one line (docs/CONSOLE.md style):
 *
 *   BENCH <backend> <name> median=<ticks> p10=<ticks> p90=<ticks> n=<iters> unit=tsc
 *
 * kern.bench_iters sets the iterations of every figure (default 1000, at
 * most BENCH_MAX_ITERS); scripts/bench.py collects the lines.
 */
#include "vmtests.h"
#include "cpu.h"
#include "ktest.h"
#include "mm.h"
#include "sched.h"
#include "sysctl.h"
#include "x86.h"

uint32_t bench_iters = 1000;		/* kern.bench_iters */

#define BENCH_MAX_ITERS	8192

/* Guest protocol: keep equal to guests/bench/bench.asm. */
#define BH_NEXT		0x100
#define BH_DONE		0x101
#define BH_PING		0x102
#define BH_MIGRATE	0x103

enum bench_op {
	OP_EMPTY = 1, OP_CALIB, OP_HC_NOP, OP_CPUID, OP_OUT, OP_RDMSR, OP_HLT,
	OP_TOUCH, OP_RETOUCH, OP_PING, OP_MIGRATE,
};

#define BENCH_MEM	(64ull << 20)
#define SAMPLES_GPA	0x400000ull
#define COPYBUF_GPA	0x480000ull	/* 64 KiB the guest made resident */
#define TOUCH_GPA	0x1000000ull
#define COPY_MAX	(64u << 10)

/* Guest-timed figures in the order they run.  OP_RETOUCH must follow
 * OP_TOUCH (it refaults the pages TOUCH backed).  Every figure runs with
 * hw.vmm.hostcheck=0 (the exit paths as vmm.ko has them) but those marked
 * hostcheck, which show what testkern's check after every exit costs. */
static const struct {
	enum bench_op	 op;
	const char	*name;
	bool		 smp;		/* needs a second CPU */
	bool		 hostcheck;	/* with hw.vmm.hostcheck=1 */
} guest_figs[] = {
	{ OP_EMPTY,	"rdtsc_pair",		false, false },
	{ OP_CALIB,	"calib_201_insns",	false, false },
	{ OP_HC_NOP,	"exit_hc_nop",		false, false },
	{ OP_CPUID,	"exit_cpuid",		false, false },
	{ OP_CPUID,	"exit_cpuid_hostcheck",	false, true },
	{ OP_OUT,	"exit_io_out",		false, false },
	{ OP_RDMSR,	"exit_rdmsr",		false, false },
	{ OP_HLT,	"exit_hlt_wake",	false, false },
	{ OP_PING,	"exit_hc_host",		false, false },
	{ OP_TOUCH,	"npf_first_touch",	false, false },
	{ OP_RETOUCH,	"npf_refault",		false, false },
	{ OP_MIGRATE,	"vcpu_migrate",		true, false },
};

struct bench {
	const char	*backend;
	uint32_t	 n;
	uint64_t	*samples;	/* n ticks */
	unsigned	 next;		/* index into guest_figs */
	unsigned	 figures;	/* BENCH lines printed */
	unsigned	 bad;		/* figures without a positive median */
	uint8_t		*buf, *buf2;	/* COPY_MAX each */
};

/* ---- statistics -------------------------------------------------------------- */

static void
sift(uint64_t *a, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		uint64_t t;

		if (c >= n)
			return;
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[i] >= a[c])
			return;
		t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

/* Heap sort: n may be thousands and the emulators count every instruction. */
static void
sort_u64(uint64_t *a, size_t n)
{
	size_t i;
	uint64_t t;

	for (i = n / 2; i-- > 0;)
		sift(a, i, n);
	for (i = n; i-- > 1;) {
		t = a[0];
		a[0] = a[i];
		a[i] = t;
		sift(a, 0, i);
	}
}

static void
bench_print(struct bench *b, const char *name, uint64_t *s, uint32_t n)
{
	sort_u64(s, n);
	kprintf("BENCH %s %s median=%lu p10=%lu p90=%lu n=%u unit=tsc\n",
	    b->backend, name, (unsigned long)s[n / 2], (unsigned long)s[n / 10],
	    (unsigned long)s[n * 9 / 10], n);
	b->figures++;
	if (s[n / 2] == 0)
		b->bad++;
}

/* ---- host-timed figures ------------------------------------------------------ */

static const uint32_t copy_sizes[] = { 64, 4096, COPY_MAX };
static const char *const copy_names[][3] = {
	{ "copyin_64", "copyin_4k", "copyin_64k" },
	{ "copyout_64", "copyout_4k", "copyout_64k" },
	{ "memcpy_64", "memcpy_4k", "memcpy_64k" },
};

/* hv_copyin/hv_copyout through the guest's page tables (boot identity map,
 * pages resident) against a plain memcpy of the same size. */
static void
bench_copies(struct bench *b, struct hv_vcpu *vcpu)
{
	unsigned kind, sz;
	uint32_t i;
	int error = 0;

	for (kind = 0; kind < 3; kind++) {
		for (sz = 0; sz < ARRAY_SIZE(copy_sizes); sz++) {
			size_t len = copy_sizes[sz];

			for (i = 0; i < b->n && error == 0; i++) {
				uint64_t t0 = rdtsc();

				if (kind == 0)
					error = hv_copyin(vcpu, COPYBUF_GPA, b->buf, len);
				else if (kind == 1)
					error = hv_copyout(vcpu, b->buf, COPYBUF_GPA, len);
				else
					memcpy(b->buf2, b->buf, len);
				b->samples[i] = rdtsc() - t0;
			}
			if (error != 0) {
				report(false, "bench: %s: %s", copy_names[kind][sz],
				    vm_err(error));
				return;
			}
			bench_print(b, copy_names[kind][sz], b->samples, b->n);
		}
	}
}

/* Write a 0/1 sysctl (hw.vmm.enable, hw.vmm.hostcheck) as a user would. */
static int
set_switch(const char *name, bool on)
{
	char old[32], new_[32];
	int serr = 0, error;

	error = sysctl_write(name, on ? "1" : "0", old, new_, sizeof(old), &serr);
	return error == -1 ? serr : error;
}

static int
set_enable(bool on)
{
	return set_switch("hw.vmm.enable", on);
}

/* VM life cycle and hw.vmm.enable, with no VM left over. */
static void
bench_lifecycle(struct bench *b)
{
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	uint32_t i;
	int error = 0;

	for (i = 0; i < b->n && error == 0; i++) {
		uint64_t t0 = rdtsc();

		error = hv_vm_create(HV_GUEST_MIN_MEM, &vm);
		if (error == 0) {
			error = hv_vcpu_create(vm, 0, &vcpu);
			if (error == 0)
				hv_vcpu_destroy(vcpu);
			(void)hv_vm_destroy(vm);
		}
		b->samples[i] = rdtsc() - t0;
	}
	report(error == 0, "bench: VM + vCPU create and destroy x%u: %s", b->n,
	    vm_err(error));
	if (error == 0)
		bench_print(b, "vm_create_destroy", b->samples, b->n);

	for (i = 0; i < b->n && error == 0; i++) {
		uint64_t t0 = rdtsc();

		error = set_enable(false);
		if (error == 0)
			error = set_enable(true);
		b->samples[i] = rdtsc() - t0;
	}
	report(error == 0 && hv_is_enabled(), "bench: hw.vmm.enable 1 -> 0 -> 1 "
	    "x%u: %s", b->n, vm_err(error));
	if (error == 0)
		bench_print(b, "vmm_enable_toggle", b->samples, b->n);
}

/* ---- the guest's requests ------------------------------------------------------ */

static bool
fig_usable(unsigned i)
{
	return !guest_figs[i].smp || ncpus >= 2;
}

/* BH_NEXT: the next guest figure (op | n << 8), 0 when done. */
static int
bench_next(struct bench *b, struct hv_vm *vm, int64_t *result)
{
	int error;

	while (b->next < ARRAY_SIZE(guest_figs) && !fig_usable(b->next)) {
		kprintf("bench: %s skipped: needs 2 CPUs\n", guest_figs[b->next].name);
		b->next++;
	}
	if (b->next == ARRAY_SIZE(guest_figs)) {
		*result = 0;
		return 0;
	}
	if (guest_figs[b->next].op == OP_RETOUCH) {
		/* the pages TOUCH backed go out; the guest refaults each */
		error = hv_vm_pageout(vm, TOUCH_GPA, (uint64_t)b->n * PAGE_SIZE);
		if (error != 0) {
			report(false, "bench: hv_vm_pageout before the refaults: %s",
			    vm_err(error));
			return error;
		}
	}
	/* read at the next entry: this HC_HOST has left the pinned stretch */
	error = set_switch("hw.vmm.hostcheck", guest_figs[b->next].hostcheck);
	if (error != 0) {
		report(false, "bench: hw.vmm.hostcheck: %s", vm_err(error));
		return error;
	}
	*result = (int64_t)guest_figs[b->next].op | (int64_t)b->n << 8;
	return 0;
}

/* BH_DONE(op, n): the guest's tick counts are at SAMPLES_GPA. */
static int
bench_done(struct bench *b, struct hv_vm *vm, uint64_t op, uint64_t n)
{
	int error;

	if (b->next >= ARRAY_SIZE(guest_figs) || op != guest_figs[b->next].op ||
	    n != b->n) {
		report(false, "bench: guest finished op %lu x%lu, expected the "
		    "figure at %u", (unsigned long)op, (unsigned long)n, b->next);
		return EINVAL;
	}
	error = hv_gpa_read(vm, SAMPLES_GPA, b->samples, n * sizeof(uint64_t));
	if (error != 0) {
		report(false, "bench: reading the guest's samples: %s", vm_err(error));
		return error;
	}
	bench_print(b, guest_figs[b->next].name, b->samples, b->n);
	b->next++;
	return 0;
}

static int
bench_host(const struct guest_run_cfg *cfg, struct guest_run_result *r,
    struct hv_vcpu *vcpu, const struct hv_exit *ex,
    int64_t *result)
{
	struct bench *b = cfg->ctx;
	struct hv_vm *vm = r->vm;
	int cpu;

	*result = 0;
	switch (ex->args[0]) {
	case BH_NEXT:
		return bench_next(b, vm, result);
	case BH_DONE:
		return bench_done(b, vm, ex->args[1], ex->args[2]);
	case BH_PING:
		return 0;
	case BH_MIGRATE:
		/* the vCPU's next entry happens on the other CPU */
		cpu = this_cpu()->id == 0 ? 1 : 0;
		return thread_migrate(cpu) == 0 ? 0 : EBUSY;
	default:
		*result = -EINVAL;
		return 0;
	}
}

KTEST(bench, "make bench: exit paths, nested faults, guest copies, VM life cycle in TSC ticks (BENCH lines)")
{
	struct bench b = { 0 };
	const struct guest_run_cfg cfg = { .image = "bench.bin", .mem = BENCH_MEM,
	    .host = bench_host, .ctx = &b, .quiet = true,
	    /* emulated time: Bochs counts 4M instructions a second */
	    .timeout_ms = 3600000 };
	struct guest_run_result r = { 0 };
	struct hv_vcpu *vcpu;
	char hc_old[32], hc_new[32];
	unsigned want;
	int error, serr = 0;
	bool hostcheck;

	if (!vm_begin())
		return;
	if (bench_iters < 10 || bench_iters > BENCH_MAX_ITERS) {
		report(false, "bench: kern.bench_iters=%u is outside 10..%d",
		    bench_iters, BENCH_MAX_ITERS);
		return;
	}
	b.backend = vm_backend_name();
	b.n = bench_iters;
	b.samples = kmalloc(b.n * sizeof(uint64_t));
	b.buf = kmalloc(COPY_MAX);
	b.buf2 = kmalloc(COPY_MAX);
	if (b.samples == NULL || b.buf == NULL || b.buf2 == NULL) {
		report(false, "bench: no memory for %u samples", b.n);
		goto out;
	}
	/* off but for the figures that ask for it (bench_next); put back after */
	hostcheck = sysctl_write("hw.vmm.hostcheck", "0", hc_old, hc_new,
	    sizeof(hc_old), &serr) == 0 && hc_old[0] == '1';
	error = guest_run_setup(&cfg, &r);
	if (error == 0) {
		error = guest_run_vcpu(&cfg, &r, 0, &vcpu);
		if (error != 0)
			guest_run_teardown(&r);
	}
	if (error != 0) {
		report(false, "bench: guest setup: %s %s", vm_err(error), r.errmsg);
		goto out;
	}
	guest_run_loop(&cfg, vcpu, &r);
	(void)set_switch("hw.vmm.hostcheck", hostcheck);
	/* the guest is done but its vCPU and page tables are still there */
	if (r.end == VR_DONE)
		bench_copies(&b, vcpu);
	guest_run_teardown(&r);
	(void)thread_migrate(0);
	report(r.end == VR_DONE && r.exit_code == 0 && r.reports_failed == 0,
	    "bench: guest ended by %s, exit code %ld%s%s", vmrun_end_name(r.end),
	    (long)r.exit_code, r.errmsg[0] ? ": " : "", r.errmsg);
	bench_lifecycle(&b);
	/* life cycle 2, copies 9, the guest's figures (migration: 2 CPUs) */
	want = 2 + 9 + ARRAY_SIZE(guest_figs) - 1 + (ncpus >= 2);
	report(b.figures == want && b.bad == 0,
	    "bench: %u figures printed (want %u), %u with a zero median",
	    b.figures, want, b.bad);
out:
	kfree(b.samples);
	kfree(b.buf);
	kfree(b.buf2);
}
