/*
 * fmt.c - a small vsnprintf for hv's own messages (exit decoding into
 * struct hv_exit.msg, sysctl names).  hv_os_log() does console output.
 */
#include "hv_util.h"

struct out {
	char	*buf;
	size_t	 size;
	size_t	 len;		/* characters produced, stored or not */
};

static void
put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void
pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* An unsigned number in base 10 or 16 with width/zero/left flags. */
static void
put_num(struct out *o, uint64_t v, unsigned base, bool upper, bool neg,
    int width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	len = n + (neg ? 1 : 0);
	if (!left && !zero)
		pad(o, ' ', width - len);
	if (neg)
		put(o, '-');
	if (!left && zero)
		pad(o, '0', width - len);
	while (n > 0)
		put(o, tmp[--n]);
	if (left)
		pad(o, ' ', width - len);
}

int
hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	const char *p;

	for (p = fmt; *p != '\0'; p++) {
		bool left = false, zero = false;
		int width = 0, prec = -1, lng = 0;
		uint64_t u;
		int64_t s;

		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				zero = true;
			else
				break;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		if (*p == '.') {
			prec = 0;
			for (p++; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (*p - '0');
		}
		for (;; p++) {
			if (*p == 'l' || *p == 'z')
				lng++;
			else if (*p != 'h')
				break;
		}
		switch (*p) {
		case 'd':
		case 'i':
			/* long, long long and size_t are all 64-bit on x86-64 */
			s = lng ? va_arg(ap, long long) : va_arg(ap, int);
			u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
			put_num(&o, u, 10, false, s < 0, width, zero, left);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
			put_num(&o, u, *p == 'u' ? 10 : 16, *p == 'X', false, width,
			    zero, left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false,
			    false, width > 2 ? width - 2 : 0, zero, left);
			break;
		case 'c':
			pad(&o, ' ', left ? 0 : width - 1);
			put(&o, (char)va_arg(ap, int));
			pad(&o, ' ', left ? width - 1 : 0);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int n = 0;

			if (str == NULL)
				str = "(null)";
			while (str[n] != '\0' && (prec < 0 || n < prec))
				n++;
			pad(&o, ' ', left ? 0 : width - n);
			for (int i = 0; i < n; i++)
				put(&o, str[i]);
			pad(&o, ' ', left ? width - n : 0);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			p--;	/* a lone '%' at the end */
			break;
		default:	/* unknown conversion: show it as written */
			put(&o, '%');
			put(&o, *p);
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int
hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
