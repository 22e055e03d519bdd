/*
 * hvtest_report.c - the result lines of docs/CONSOLE.md, so that the same
 * parser (scripts/hvrun.py) reads testkern's console and this module's:
 *   CHECK <test>.<n> <PASS|FAIL> <message>
 *   RESULT <test> <PASS|FAIL|SKIP|TIMEOUT> checks=<N> failed=<N> ms=<N> backend=<b> [reason="..."]
 *   SUMMARY passed=<N> failed=<N> skipped=<N> timeout=<N>
 * Each line is one kprintf, so lines of other CPUs never cut into one.
 */
#include <sys/kernel.h>
#include <sys/ctype.h>

#include "hvtest.h"

/* The running test (tests run one after another in the loading thread). */
static struct {
	const char	*name;
	int		 checks, failed;
	bool		 skipped;
	char		 reason[120];
} cur;

void
hvt_check(bool ok, const char *fmt, ...)
{
	char msg[HVT_REPORT_MAX + 64];
	__va_list ap;

	__va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	__va_end(ap);
	cur.checks++;
	if (!ok)
		cur.failed++;
	kprintf("CHECK %s.%d %s %s\n", cur.name, cur.checks, ok ? "PASS" : "FAIL", msg);
}

void
hvt_skip(const char *reason)
{
	cur.skipped = true;
	strlcpy(cur.reason, reason, sizeof(cur.reason));
}

const char *
hvt_backend(void)
{
	const char *t = hv_type();

	if (t != NULL && strncmp(t, "VMX", 3) == 0)
		return "vmx";
	if (t != NULL && strncmp(t, "SVM", 3) == 0)
		return "svm";
	return "none";
}

uint64_t
hvt_ms(void)
{
	return (uint64_t)(unsigned int)ticks * 1000 / hz;
}

bool
hvt_contains(const char *s, const char *w)
{
	size_t n = strlen(w), i;

	for (; *s != '\0'; s++) {
		for (i = 0; i < n; i++)
			if (tolower((unsigned char)s[i]) != tolower((unsigned char)w[i]))
				break;
		if (i == n)
			return true;
	}
	return false;
}

void
hvt_run_tests(const struct hvt_test *tests, int n)
{
	int i, passed = 0, failed = 0, skipped = 0;
	const char *status;
	uint64_t t0;

	for (i = 0; i < n; i++) {
		memset(&cur, 0, sizeof(cur));
		cur.name = tests[i].name;
		t0 = hvt_ms();
		tests[i].fn();
		if (cur.failed > 0) {
			status = "FAIL";
			failed++;
		} else if (cur.skipped) {
			status = "SKIP";
			skipped++;
		} else if (cur.checks == 0) {
			/* a test that checked nothing proved nothing */
			status = "FAIL";
			strlcpy(cur.reason, "no checks", sizeof(cur.reason));
			failed++;
		} else {
			status = "PASS";
			passed++;
		}
		kprintf("RESULT %s %s checks=%d failed=%d ms=%ju backend=%s%s%s%s\n",
		    cur.name, status, cur.checks, cur.failed, (uintmax_t)(hvt_ms() - t0),
		    hvt_backend(), cur.reason[0] ? " reason=\"" : "", cur.reason,
		    cur.reason[0] ? "\"" : "");
	}
	/* a watchdog stop is a failed check here, never a TIMEOUT status */
	kprintf("SUMMARY passed=%d failed=%d skipped=%d timeout=0\n", passed, failed,
	    skipped);
}
