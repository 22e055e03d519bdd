/* kern.h - common kernel declarations: types, errors, console output, panic. */
#ifndef KERN_H
#define KERN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* BSD error numbers (the same values as hv_os.h's HV_E*). */
#define EPERM		1
#define ENOENT		2
#define EIO		5
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOSPC		28
#define ERANGE		34
#define ENOTSUP		45
#define ETIMEDOUT	60
#define ENAMETOOLONG	63
const char *errno_name(int e);

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

#define KERNEL_VMA	0xffffffff80000000UL
#define DIRECT_MAP	0xffff800000000000UL
#define PAGE_SIZE	4096UL

static inline void *phys_to_virt(uint64_t pa) { return (void *)(pa + DIRECT_MAP); }
uint64_t virt_to_phys(const void *va);	/* direct map or kernel image */

/* hv_host.c: called with each complete hv_os_log() line (interrupts off), e.g. to
 * capture guest serial output "guestN.V: text\n"; NULL = none. */
extern void (*volatile hv_log_hook)(const char *line);

/* kprintf.c */
typedef void (*kfmt_out)(void *ctx, char c);
int	kvformat(kfmt_out out, void *ctx, const char *fmt, va_list ap);
int	kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int	ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int	kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	kvprintf(const char *fmt, va_list ap);

/* panic.c */
struct trapframe;
void	panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void	panic_frame(struct trapframe *tf, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
extern volatile int panicking;

/* emu_exit.c: leave the emulator (QEMU isa-debug-exit, Bochs magic break / 0x8900) */
void	emu_exit(bool pass) __attribute__((noreturn));

/* string.c */
void	*memset(void *d, int c, size_t n);
void	*memcpy(void *d, const void *s, size_t n);
void	*memmove(void *d, const void *s, size_t n);
int	memcmp(const void *a, const void *b, size_t n);
size_t	strlen(const char *s);
size_t	strnlen(const char *s, size_t max);
int	strcmp(const char *a, const char *b);
int	strncmp(const char *a, const char *b, size_t n);
char	*strchr(const char *s, int c);
size_t	strlcpy(char *d, const char *s, size_t n);
int	parse_u64(const char *s, uint64_t *out);	/* decimal or 0x hex; 0 or EINVAL/ERANGE */
int	parse_i64(const char *s, int64_t *out);
bool	glob_match(const char *pat, const char *s);	/* '*' and '?' */

#endif
