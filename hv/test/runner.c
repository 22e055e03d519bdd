/*
 * runner.c - runs every test in tests.h, checks each for leaked pages or
 * allocations, and ends with exactly "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>
#include "test.h"
#include "tests.h"

static int checks, failed_checks, cur_failed;
static const char *cur_test;

bool
t_check(bool ok, const char *expr, const char *file, int line)
{
	checks++;
	if (!ok) {
		failed_checks++;
		cur_failed++;
		printf("FAIL %s: %s:%d: %s\n", cur_test, file, line, expr);
	}
	return ok;
}

#define TEST_DECL(name) void test_##name(void);
TESTS(TEST_DECL)

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define TEST_ENTRY(name) { #name, test_##name },
	TESTS(TEST_ENTRY)
};

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL)
			continue;
		cur_test = tests[i].name;
		cur_failed = 0;
		fake_os_reset();
		fake_backend_reset();
		fake_cpuid_reset();
		memset(&hv_stats, 0, sizeof(hv_stats));
		tests[i].fn();
		/* every test leaves the fake host as it found it */
		CHECK_EQ(fake_pages_live, 0);
		CHECK_EQ(fake_mallocs_live, 0);
		CHECK_EQ(fake_pin_depth, 0);
		CHECK(hv_ops == NULL);
		if (hv_ops != NULL)
			t_teardown();
		if (cur_failed == 0)
			passed++;
		else
			failed++;
		printf("%s %s\n", cur_failed == 0 ? "ok  " : "FAIL", cur_test);
	}
	printf("checks: %d, %d failed\n", checks, failed_checks);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
