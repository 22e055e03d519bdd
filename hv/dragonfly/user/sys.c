/*
 * sys.c - vmmcheck's system call wrappers: one line each over vc_syscall.
 */
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/fcntl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/kenv.h>
#include <sys/unistd.h>
#include <sys/usched.h>
#include <sys/errno.h>
#include "sys.h"

#define SC(nr, a, b, c, d, e, f) \
	vc_syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), \
	    (long)(e), (long)(f), 0)

long vc_open(const char *p, int fl)	{ return SC(SYS_open, p, fl, 0, 0, 0, 0); }
long vc_close(int fd)			{ return SC(SYS_close, fd, 0, 0, 0, 0, 0); }
long vc_read(int fd, void *b, size_t n)	{ return SC(SYS_read, fd, b, n, 0, 0, 0); }
long vc_write(int fd, const void *b, size_t n) { return SC(SYS_write, fd, b, n, 0, 0, 0); }
long vc_ioctl(int fd, unsigned long c, void *a) { return SC(SYS_ioctl, fd, c, a, 0, 0, 0); }
long
vc_kldload(const char *p)		{ return SC(SYS_kldload, p, 0, 0, 0, 0, 0); }
long
vc_kldunload(int id)		{ return SC(SYS_kldunload, id, 0, 0, 0, 0, 0); }

/* mmap(addr, len, prot, flags, fd, pad, pos): pos is the seventh argument */
long
vc_mmap_fixed(uint64_t addr, size_t len)
{
	return (vc_syscall(SYS_mmap, (long)addr, (long)len,
	    PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE | MAP_FIXED, -1, 0, 0));
}

long
vc_sysctl(const int *mib, unsigned len, void *old, size_t *oldlen,
    const void *new, size_t newlen)
{
	return (SC(SYS___sysctl, mib, len, old, oldlen, new, newlen));
}

long
vc_kenv_get(const char *name, char *value, int len)
{
	return (SC(SYS_kenv, KENV_GET, name, value, len, 0, 0));
}

long
vc_set_tls(void *base, long size)
{
	struct tls_info info;

	info.base = base;
	info.size = size;
	return (SC(SYS_set_tls_area, TLS_WHICH_FS, &info, sizeof(info), 0, 0, 0));
}

long
vc_lwp_create(void (*fn)(void *), void *arg, void *stack_top)
{
	struct lwp_params p;

	p.lwp_func = fn;
	p.lwp_arg = arg;
	p.lwp_stack = stack_top;
	p.lwp_tid1 = NULL;
	p.lwp_tid2 = NULL;
	return (SC(SYS_lwp_create, &p, 0, 0, 0, 0, 0));
}

void
vc_lwp_exit(void)
{
	for (;;)
		SC(SYS_extexit, EXTEXIT_LWP | EXTEXIT_SIMPLE, 0, 0, 0, 0, 0);
}

long
vc_pin_cpu(int cpu)
{
	return (SC(SYS_usched_set, 0, USCHED_SET_CPU, &cpu, sizeof(cpu), 0, 0));
}

long
vc_umtx_sleep(volatile const int *ptr, int value, int timeout_us)
{
	return (SC(SYS_umtx_sleep, ptr, value, timeout_us, 0, 0, 0));
}

long
vc_umtx_wakeup(volatile const int *ptr)
{
	return (SC(SYS_umtx_wakeup, ptr, 0, 0, 0, 0, 0));
}

uint64_t
vc_now_ms(void)
{
	struct timespec ts;

	if (SC(SYS_clock_gettime, CLOCK_MONOTONIC, &ts, 0, 0, 0, 0) != 0)
		return (0);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

void
vc_poweroff(void)
{
	for (;;)
		SC(SYS_reboot, RB_POWEROFF | RB_HALT, 0, 0, 0, 0, 0);
}
