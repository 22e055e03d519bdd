/* string.c - the few libc string routines the kernel (and gcc) need. */
#include "kern.h"

/* rep stosb/movsb: short in emulators (one instruction to decode), and gcc
 * cannot turn them back into calls to memset/memcpy themselves */
void *
memset(void *d, int c, size_t n)
{
	void *p = d;
	__asm__ __volatile__("rep stosb" : "+D"(p), "+c"(n) : "a"(c) : "memory");
	return d;
}

void *
memcpy(void *d, const void *s, size_t n)
{
	void *p = d;
	__asm__ __volatile__("rep movsb" : "+D"(p), "+S"(s), "+c"(n) :: "memory");
	return d;
}

void *
memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp < sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t
strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t
strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int
strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *
strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

size_t
strlcpy(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);
	if (n) {
		size_t k = len < n - 1 ? len : n - 1;
		memcpy(d, s, k);
		d[k] = 0;
	}
	return len;
}

int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	if (!s || !*s)
		return EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return EINVAL;
	}
	for (; *s; s++) {
		uint64_t d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return EINVAL;
		if (v > (~0UL - d) / base)
			return ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int
parse_i64(const char *s, int64_t *out)
{
	uint64_t v;
	bool neg = false;
	int e;
	if (s && *s == '-') {
		neg = true;
		s++;
	}
	if ((e = parse_u64(s, &v)) != 0)
		return e;
	if (v > (neg ? (1UL << 63) : (1UL << 63) - 1))
		return ERANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

bool
glob_match(const char *pat, const char *s)
{
	if (!*pat)
		return !*s;
	if (*pat == '*') {
		for (;; s++) {
			if (glob_match(pat + 1, s))
				return true;
			if (!*s)
				return false;
		}
	}
	if (!*s)
		return false;
	if (*pat == '?' || *pat == *s)
		return glob_match(pat + 1, s + 1);
	return false;
}

const char *
errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ERANGE: return "ERANGE";
	case ENOTSUP: return "ENOTSUP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	default: return "error";
	}
}
