/* libkern.c - kernel library pieces: formatting, sysctl registry, #PF hooks, modules. */
#include "ktest.h"
#include "mb2.h"
#include "mm.h"
#include "sched.h"
#include "sysctl.h"
#include "trap.h"

static void fmt_check(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
fmt_check(const char *want, const char *fmt, ...)
{
	char buf[80];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	report(strcmp(buf, want) == 0 && n == (int)strlen(want), "'%s' -> '%s' (want '%s')", fmt, buf, want);
}

KTEST(kprintf, "ksnprintf formats, widths, padding, truncation")
{
	fmt_check("-42 42 4294967254", "%d %i %u", -42, 42, -42);
	fmt_check("ff FF 0xff", "%x %X %#x", 255, 255, 255);
	fmt_check("  7|7  |007", "%3d|%-3d|%03d", 7, 7, 7);
	fmt_check("18446744073709551615 -9223372036854775808", "%lu %ld", ~0UL, (long)(1UL << 63));
	fmt_check("ffffffffffffffff 123", "%llx %zu", ~0ULL, (size_t)123);
	fmt_check("0x1000 c ab%", "%p %c %.2s%%", (void *)0x1000, 'c', "abc");
	const char *volatile nullp = NULL;	/* hidden from gcc's format check */
	fmt_check("[  hi][hi  ](null)", "[%4s][%-4s]%s", "hi", "hi", nullp);
	char small[5];
	int n = ksnprintf(small, sizeof(small), "%s", "truncated");
	report(n == 9 && strcmp(small, "trun") == 0, "truncation keeps the NUL and returns the full length (%d, '%s')", n, small);
}

static int t_int = 5;
static uint64_t t_u64 = 7;
static const char *t_str = "text";

static int
set_even(const struct hv_sysctl *leaf, uint64_t v)
{
	if (v & 1)
		return EBUSY;
	return sysctl_store(leaf, v);
}

static const struct hv_sysctl t_leaves[] = {
	{ "test.ktest.b_int", "", HV_SYSCTL_INT, &t_int, sysctl_store },
	{ "test.ktest.a_u64", "", HV_SYSCTL_U64, &t_u64, set_even },
	{ "test.ktest.c_str", "", HV_SYSCTL_STRING, &t_str, NULL },
};
static const struct hv_sysctl t_bad[] = {
	{ "test.ktest.b_int.x", "", HV_SYSCTL_INT, &t_int, NULL },	/* under a leaf */
	{ "test.ktest", "", HV_SYSCTL_INT, &t_int, NULL },		/* an interior node */
	{ "test..x", "", HV_SYSCTL_INT, &t_int, NULL },
	{ "test.x y", "", HV_SYSCTL_INT, &t_int, NULL },
};

static int count_cb_n;
static char count_first[40];
static void
count_cb(const struct hv_sysctl *leaf, void *ctx)
{
	if (count_cb_n++ == 0)
		strlcpy(count_first, leaf->name, sizeof(count_first));
}

KTEST(sysctl, "sysctl registry: sorted, prefix lookup, conflicts, parsing, setters")
{
	static bool added;
	static int add_errors;
	if (!added) {		/* leaves cannot be removed: add them once per boot */
		for (size_t i = 0; i < ARRAY_SIZE(t_leaves); i++)
			add_errors += sysctl_add(&t_leaves[i], false) != 0;
		added = true;
	}
	report(add_errors == 0, "3 test.ktest leaves added (at the first run): %d errors", add_errors);
	t_int = 5;
	t_u64 = 7;
	report(sysctl_add(&t_leaves[0], false) == EEXIST, "adding a name twice: EEXIST");
	report(sysctl_add(&t_bad[0], false) == EEXIST && sysctl_add(&t_bad[1], false) == EEXIST,
	    "a leaf below a leaf, or on an interior node: EEXIST");
	report(sysctl_add(&t_bad[2], false) == EINVAL && sysctl_add(&t_bad[3], false) == EINVAL,
	    "malformed names: EINVAL");
	count_cb_n = 0;
	int n = sysctl_foreach("test.ktest", count_cb, NULL);
	report(n == 3 && strcmp(count_first, "test.ktest.a_u64") == 0, "prefix lists 3 leaves sorted, first %s", count_first);
	report(sysctl_foreach("test.kt", count_cb, NULL) == 0, "a partial component matches nothing");
	report(sysctl_foreach("test.ktest.b_int", count_cb, NULL) == 1, "a leaf name lists that leaf");

	char old[32], new_[32];
	int serr = 0;
	report(sysctl_write("test.ktest.b_int", "-12", old, new_, 32, &serr) == 0 && t_int == -12 &&
	    strcmp(old, "5") == 0 && strcmp(new_, "-12") == 0, "int set: %s -> %s", old, new_);
	report(sysctl_write("test.ktest.b_int", "3000000000", old, new_, 32, &serr) == EINVAL, "int out of range: EINVAL");
	report(sysctl_write("test.ktest.b_int", "12x", old, new_, 32, &serr) == EINVAL, "garbage: EINVAL");
	report(sysctl_write("test.ktest.a_u64", "0x10", old, new_, 32, &serr) == 0 && t_u64 == 16, "u64 hex set");
	report(sysctl_write("test.ktest.a_u64", "3", old, new_, 32, &serr) == -1 && serr == EBUSY && t_u64 == 16,
	    "setter refusal is passed on (EBUSY) and the value kept");
	report(sysctl_write("test.ktest.c_str", "x", old, new_, 32, &serr) == EPERM, "string leaf: read-only");
	report(sysctl_write("test.ktest.none", "1", old, new_, 32, &serr) == ENOENT, "unknown name: ENOENT");
}

static volatile int hook_calls;
static volatile uint64_t hook_cr2;
static volatile bool hook_armed;
static volatile uint8_t *hook_page;

/* Maps nothing: resolves the test's fault by pointing RAX at a good page. */
static enum pf_result
test_hook(struct trapframe *tf, uint64_t cr2, void *arg)
{
	if (!hook_armed || cr2 != 0xbad000UL)
		return PF_CONTINUE;
	hook_calls++;
	hook_cr2 = cr2;
	tf->rax = (uint64_t)hook_page;	/* the load below retries through RAX */
	return PF_HANDLED;
}

static struct pf_hook hook = { "ktest", test_hook, NULL, NULL };

/* An observer in front of copyin's hook: sees the faults copyin resolves. */
static volatile int observed;
static enum pf_result
observer(struct trapframe *tf, uint64_t cr2, void *arg)
{
	if (hook_armed && cr2 == 0xbad000UL)
		observed++;
	return PF_CONTINUE;
}

static struct pf_hook obs_hook = { "ktest-observer", observer, NULL, NULL };

KTEST(pf_hook, "a registered #PF hook sees the fault and can resume the thread")
{
	static bool registered;
	if (!registered) {
		pf_hook_register(&hook);
		pf_hook_register_first(&obs_hook);
		registered = true;
	}
	uint64_t pa = pmm_alloc();
	hook_page = phys_to_virt(pa);
	hook_page[0] = 0x5a;
	hook_calls = 0;
	observed = 0;
	hook_armed = true;
	uint64_t addr = 0xbad000UL;	/* unmapped: the hook redirects RAX */
	uint8_t v;
	__asm__ __volatile__("movb (%%rax), %0" : "=r"(v), "+a"(addr) :: "memory");
	hook_armed = false;
	report(hook_calls == 1 && hook_cr2 == 0xbad000UL, "hook called %d time(s), cr2 %#lx", hook_calls, hook_cr2);
	report(v == 0x5a, "the faulting load resumed and read %#x", v);
	report(observed == 1, "an observer registered first saw the fault (%d)", observed);
	/* a copyin fault is resolved by copyin's hook, after the observer */
	char c;
	hook_armed = true;
	int e = copyin(0xbad000UL, &c, 1);
	hook_armed = false;
	report(e == EFAULT && observed == 2 && hook_calls == 1,
	    "copyin's fault: EFAULT from copyin's hook, seen by the observer only (%d, %d)", observed, hook_calls);
	pmm_free(pa);
}

KTEST(modules, "multiboot2 modules: names, sizes, lookup by name")
{
	int n = module_count();
	if (n == 0) {
		ktest_skip("no modules loaded");
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct kmodule *m = module_get(i);
		report(m->size > 0 && m->name[0] && module_find(m->name) == m,
		    "module %d '%s' %lu bytes at %#lx, found by name", i, m->name, m->size, m->pa);
	}
	report(module_find("no-such-module") == NULL, "an unknown name is not found");
}
