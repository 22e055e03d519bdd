/*
 * out.c - formatting and the CHECK/RESULT/SUMMARY bookkeeping of vmmcheck.
 */
#include <sys/types.h>
#include <sys/fcntl.h>
#include <sys/ttycom.h>
#include <stdarg.h>
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

/* gcc may emit calls to memset for zeroing structures */
void *
vc_memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n-- > 0)
		*p++ = (unsigned char)c;
	return (d);
}
void *memset(void *d, int c, size_t n);
void *
memset(void *d, int c, size_t n)
{
	return (vc_memset(d, c, n));
}

struct fmtbuf {
	char	*p;
	size_t	 left, n;
};

static void
put(struct fmtbuf *b, char c)
{
	if (b->left > 1) {
		*b->p++ = c;
		b->left--;
	}
	b->n++;
}

static void
put_num(struct fmtbuf *b, unsigned long long v, unsigned base, int neg)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	if (neg)
		put(b, '-');
	while (i > 0)
		put(b, tmp[--i]);
}

int
vc_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmtbuf b = { buf, size, 0 };
	const char *s;
	long long sv;
	unsigned long long uv;
	int lng;

	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			put(&b, *fmt);
			continue;
		}
		for (lng = 0; fmt[1] == 'l'; fmt++)
			lng++;
		switch (*++fmt) {
		case 'd':
			sv = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&b, sv < 0 ? -(unsigned long long)sv :
			    (unsigned long long)sv, 10, sv < 0);
			break;
		case 'u':
		case 'x':
			uv = lng ? va_arg(ap, unsigned long) :
			    va_arg(ap, unsigned int);
			put_num(&b, uv, *fmt == 'x' ? 16 : 10, 0);
			break;
		case 's':
			for (s = va_arg(ap, const char *); *s != '\0'; s++)
				put(&b, *s);
			break;
		case 'c':
			put(&b, (char)va_arg(ap, int));
			break;
		case '%':
			put(&b, '%');
			break;
		default:	/* a format this subset lacks: show it */
			put(&b, '?');
			break;
		}
	}
	if (size > 0)
		*b.p = '\0';
	return ((int)b.n);
}

int
vc_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vc_vfmt(buf, size, fmt, ap);
	va_end(ap);
	return (n);
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

	vc_vfmt(line, sizeof(line) - 1, fmt, ap);
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
	vc_vfmt(msg, sizeof(msg), fmt, ap);
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
