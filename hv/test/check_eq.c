/*
 * check_eq.c - CHECK_EQ's hook (test.h): both values in the failure text,
 * then the program's own t_check.  Shared by the unit runner and the hosted
 * /dev/vmm test (hv/dragonfly/test/t_vmmdev.c).
 */
#include <stdio.h>
#include "test.h"

bool
t_check_eq(uint64_t a, uint64_t b, const char *ea, const char *eb,
    const char *file, int line)
{
	char buf[512];

	if (a == b)
		return t_check(true, ea, file, line);
	snprintf(buf, sizeof(buf), "%s == %s (0x%llx != 0x%llx)", ea, eb,
	    (unsigned long long)a, (unsigned long long)b);
	return t_check(false, buf, file, line);
}
