/*
 * fuzz_check.c - the runner's CHECK hooks (test.h) for the fuzz targets,
 * which link the fake OS and backend: a failed check is a crash.
 */
#include "test.h"
#include "fuzz.h"

bool
t_check(bool ok, const char *expr, const char *file, int line)
{
	if (!ok)
		FUZZ_FAIL("%s:%d: %s", file, line, expr);
	return ok;
}

bool
t_check_eq(uint64_t a, uint64_t b, const char *ea, const char *eb,
    const char *file, int line)
{
	if (a != b)
		FUZZ_FAIL("%s:%d: %s == %s (0x%llx != 0x%llx)", file, line, ea, eb,
		    (unsigned long long)a, (unsigned long long)b);
	return true;
}
