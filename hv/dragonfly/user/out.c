/*
 * out.c - the CHECK/RESULT/SUMMARY bookkeeping of vmmcheck; formatting is
 * hv's own small vsnprintf (hv/fmt.c, linked in).
 */
#include <sys/types.h>
#include <sys/fcntl.h>
#include <sys/ttycom.h>
#include <stdarg.h>
#include "hv_impl.h"
#include "out.h"
#include "sys.h"

static int console_fd = -1;

static struct {
	const char	*name;
	int		 checks, failed;
	uint64_t	 t0;
} cur;
static int tests_passed, tests_failed;

size_t
vc_strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return (n);
}

int
vc_strcmp(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return ((unsigned char)*a - (unsigned char)*b);
}

/* also what gcc calls to zero a structure */
void *
vc_memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n-- > 0)
		*p++ = (unsigned char)c;
	return (d);
}

void
out_open_console(void)
{
	long fd = vc_open("/dev/console", O_WRONLY);

	console_fd = fd >= 0 ? (int)fd : -1;
}

static void
out_vline(const char *fmt, va_list ap)
{
	char line[400];
	size_t n;

	hv_vsnprintf(line, sizeof(line) - 1, fmt, ap);
	n = vc_strlen(line);
	line[n++] = '\n';
	/*
	 * Wait until the tty has sent it: the kernel's own messages (kprintf)
	 * go to the console directly and would land inside a line still
	 * queued in the tty.
	 */
	if (console_fd >= 0) {
		vc_write(console_fd, line, n);
		vc_ioctl(console_fd, TIOCDRAIN, NULL);
	}
}

void
out_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vline(fmt, ap);
	va_end(ap);
}

void
test_begin(const char *name)
{
	cur.name = name;
	cur.checks = 0;
	cur.failed = 0;
	cur.t0 = vc_now_ms();
}

int
check(int ok, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cur.checks++;
	if (!ok)
		cur.failed++;
	out_line("CHECK %s.%d %s %s", cur.name, cur.checks, ok ? "PASS" : "FAIL",
	    msg);
	return (ok);
}

void
test_end(const char *backend)
{
	int pass = cur.failed == 0 && cur.checks > 0;

	out_line("RESULT %s %s checks=%d failed=%d ms=%lu backend=%s", cur.name,
	    pass ? "PASS" : "FAIL", cur.checks, cur.failed,
	    (unsigned long)(vc_now_ms() - cur.t0), backend);
	if (pass)
		tests_passed++;
	else
		tests_failed++;
}

void
summary(void)
{
	out_line("SUMMARY passed=%d failed=%d skipped=0 timeout=0",
	    tests_passed, tests_failed);
}
