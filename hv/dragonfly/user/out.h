/*
 * out.h - vmmcheck's console output in docs/CONSOLE.md's result-line
 * format: CHECK <test>.<n> PASS|FAIL <message>, RESULT, SUMMARY.  Only the
 * main thread prints result lines (other threads hand it their findings),
 * each line with one write(2).
 */
#ifndef VC_OUT_H
#define VC_OUT_H

#include <sys/types.h>

/* formatting: hv_snprintf (hv/fmt.c, declared in hv_impl.h) */
size_t	vc_strlen(const char *s);
int	vc_strcmp(const char *a, const char *b);
void	*vc_memset(void *d, int c, size_t n);

void	out_open_console(void);
void	out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void	test_begin(const char *name);
/* one CHECK line; returns ok */
int	check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void	test_end(const char *backend);
void	summary(void);

#endif
