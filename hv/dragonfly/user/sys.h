/*
 * sys.h - vmmcheck's raw DragonFly system calls (numbers from
 * <sys/syscall.h>, structures from the kernel's own headers).  Each returns
 * its result, or -errno; vc_syscall is in start.S.
 */
#ifndef VC_SYS_H
#define VC_SYS_H

#include <sys/types.h>
#include <sys/tls.h>
#include <sys/lwp.h>
#include <sys/time.h>

long	vc_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
	    long a6, long a7);
uint64_t vc_read_fs0(void);

long	vc_open(const char *path, int flags);
long	vc_close(int fd);
long	vc_read(int fd, void *buf, size_t len);
long	vc_write(int fd, const void *buf, size_t len);
long	vc_ioctl(int fd, unsigned long cmd, void *arg);
long	vc_mmap_fixed(uint64_t addr, size_t len);	/* anonymous, RW */
long	vc_kldload(const char *path);		/* the file id */
long	vc_kldunload(int fileid);
long	vc_sysctl(const int *mib, unsigned len, void *old, size_t *oldlen,
	    const void *new, size_t newlen);
long	vc_kenv_get(const char *name, char *value, int len);
long	vc_set_tls(void *base, long size);
long	vc_lwp_create(void (*fn)(void *), void *arg, void *stack_top);
void	vc_lwp_exit(void) __attribute__((noreturn));
long	vc_pin_cpu(int cpu);			/* this thread onto CPU cpu */
long	vc_umtx_sleep(volatile const int *ptr, int value, int timeout_us);
long	vc_umtx_wakeup(volatile const int *ptr);
uint64_t vc_now_ms(void);			/* monotonic */
void	vc_poweroff(void) __attribute__((noreturn));

#endif
