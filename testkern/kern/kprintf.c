/*
 * kprintf.c - printf formatting for the kernel: %d %i %u %x %X %p %s %c %%
 * with l/ll/z/h length modifiers, width (also *), '-' (left), '0' (zero pad),
 * '#' (0x prefix), '+', ' ' and precision for strings.
 */
#include "kern.h"
#include "console.h"

struct fmtspec {
	int width, prec;
	bool left, zero, alt, plus, space;
};

static int
emit_str(kfmt_out out, void *ctx, const char *s, int len, const struct fmtspec *f)
{
	int n = 0, pad = f->width > len ? f->width - len : 0;
	if (!f->left)
		for (; pad > 0; pad--, n++)
			out(ctx, ' ');
	for (int i = 0; i < len; i++, n++)
		out(ctx, s[i]);
	for (; pad > 0; pad--, n++)
		out(ctx, ' ');
	return n;
}

static int
emit_num(kfmt_out out, void *ctx, uint64_t v, bool neg, unsigned base,
    bool upper, const char *prefix, const struct fmtspec *f)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int len = 0, n = 0;
	do {
		buf[len++] = digits[v % base];
		v /= base;
	} while (v);
	char sign = neg ? '-' : f->plus ? '+' : f->space ? ' ' : 0;
	int plen = prefix ? (int)strlen(prefix) : 0;
	int total = len + plen + (sign ? 1 : 0);
	int pad = f->width > total ? f->width - total : 0;
	if (!f->left && !f->zero)
		for (; pad > 0; pad--, n++)
			out(ctx, ' ');
	if (sign)
		out(ctx, sign), n++;
	for (int i = 0; i < plen; i++, n++)
		out(ctx, prefix[i]);
	if (!f->left && f->zero)
		for (; pad > 0; pad--, n++)
			out(ctx, '0');
	while (len)
		out(ctx, buf[--len]), n++;
	for (; pad > 0; pad--, n++)
		out(ctx, ' ');
	return n;
}

int
kvformat(kfmt_out out, void *ctx, const char *fmt, va_list ap)
{
	int n = 0;
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out(ctx, *fmt);
			n++;
			continue;
		}
		struct fmtspec f = { 0, -1, false, false, false, false, false };
		for (;; fmt++) {
			char c = fmt[1];
			if (c == '-') f.left = true;
			else if (c == '0') f.zero = true;
			else if (c == '#') f.alt = true;
			else if (c == '+') f.plus = true;
			else if (c == ' ') f.space = true;
			else break;
		}
		fmt++;
		if (*fmt == '*') {
			f.width = va_arg(ap, int);
			if (f.width < 0) {
				f.left = true;
				f.width = -f.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				f.width = f.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			f.prec = 0;
			if (*fmt == '*') {
				f.prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					f.prec = f.prec * 10 + (*fmt++ - '0');
			}
		}
		int lng = 0;	/* 0 int, 1 long, 2 long long, -1 short, -2 char */
		for (;; fmt++) {
			if (*fmt == 'l') lng++;
			else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't') lng = 1;
			else if (*fmt == 'h') lng--;
			else break;
		}
		uint64_t u;
		int64_t s;
		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 1) s = va_arg(ap, long);
			else s = va_arg(ap, int);
			if (lng == -1) s = (short)s;
			if (lng <= -2) s = (signed char)s;
			n += emit_num(out, ctx, s < 0 ? 0 - (uint64_t)s : (uint64_t)s, s < 0, 10, false, NULL, &f);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 1) u = va_arg(ap, unsigned long);
			else u = va_arg(ap, unsigned int);
			if (lng == -1) u = (unsigned short)u;
			if (lng <= -2) u = (unsigned char)u;
			f.plus = f.space = false;
			if (*fmt == 'u')
				n += emit_num(out, ctx, u, false, 10, false, NULL, &f);
			else if (*fmt == 'o')
				n += emit_num(out, ctx, u, false, 8, false, f.alt ? "0" : NULL, &f);
			else
				n += emit_num(out, ctx, u, false, 16, *fmt == 'X',
				    f.alt ? (*fmt == 'X' ? "0X" : "0x") : NULL, &f);
			break;
		case 'p':
			u = (uint64_t)va_arg(ap, void *);
			f.plus = f.space = false;
			n += emit_num(out, ctx, u, false, 16, false, "0x", &f);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			n += emit_str(out, ctx, &c, 1, &f);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int len = f.prec >= 0 ? (int)strnlen(str, f.prec) : (int)strlen(str);
			n += emit_str(out, ctx, str, len, &f);
			break;
		}
		case '%':
			out(ctx, '%');
			n++;
			break;
		case 0:
			return n;
		default:	/* unknown conversion: print it verbatim */
			out(ctx, '%');
			out(ctx, *fmt);
			n += 2;
			break;
		}
	}
	return n;
}

struct snbuf {
	char *buf;
	size_t size, len;
};

static void
sn_out(void *ctx, char c)
{
	struct snbuf *b = ctx;
	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

int
kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct snbuf b = { buf, size, 0 };
	int n = kvformat(sn_out, &b, fmt, ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = 0;
	return n;
}

int
ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void
con_out(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

int
kvprintf(const char *fmt, va_list ap)
{
	uint64_t f = console_lock();
	int n = kvformat(con_out, NULL, fmt, ap);
	console_unlock(f);
	return n;
}

int
kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
