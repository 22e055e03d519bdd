/*
 * ktest.h - built-in kernel tests.
 *
 *   KTEST(name, "description") { ... report(cond, "fmt", ...); ... }
 *
 * defines and registers a test (a linker-section table, so any file can add
 * tests without editing a list).  Each test runs in its own thread on CPU 0;
 * report() prints `CHECK <test>.<n> PASS|FAIL <message>` (docs/CONSOLE.md)
 * and may be called from helper threads of the test too.  A test with no
 * checks fails; a fault in the test thread fails it; it times out after
 * kern.test_timeout_ms.
 */
#ifndef KTEST_H
#define KTEST_H

#include "kern.h"

struct ktest {
	const char *name;
	const char *descr;
	void (*fn)(void);
	/* tests added at run time (ktest_add): run(arg) instead of fn() */
	void (*run)(void *arg);
	void *arg;
};

#define KTEST(nm, descr) \
	static void ktest_fn_##nm(void); \
	static const struct ktest ktest_ent_##nm \
	    __attribute__((used, section("ktests"), aligned(8))) = { #nm, descr, ktest_fn_##nm, NULL, NULL }; \
	static void ktest_fn_##nm(void)

bool	report(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void	ktest_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* RESULT SKIP reason=... */
void	ktest_set_backend(const char *backend);	/* adds backend=... to RESULT */
/* A CHECK line with status "PASS", "FAIL", "SKIP" or "TIMEOUT" (the last two
 * for scenario checks); FAIL and TIMEOUT count as failed. */
bool	report_status(const char *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* RESULT TIMEOUT with this reason, whatever the checks say. */
void	ktest_timeout(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* RESULT FAIL with this reason (checks may all have passed). */
void	ktest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Extra ` key=value` fields for the RESULT line, after backend=. */
void	ktest_set_fields(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Register a test at run time (scenarios); the struct must stay valid.
 * 0, EEXIST (name taken), ENOSPC. */
int	ktest_add(const struct ktest *t);

int	ktest_count(void);
const struct ktest *ktest_sorted(int i);	/* i-th test by name */
const struct ktest *ktest_find(const char *name);
/* Run the tests matching the patterns (exact or globs) in pattern order;
 * prints RESULT lines and SUMMARY.  A pattern matching nothing prints one
 * error line per pattern and nothing runs.  true if at least one test ran and
 * none failed or timed out. */
bool	ktest_run_patterns(int npat, char **pats);
extern int ktest_failures;
extern uint32_t test_timeout_ms;	/* kern.test_timeout_ms */		/* FAIL + TIMEOUT results since boot */

#endif
