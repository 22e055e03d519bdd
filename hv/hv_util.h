/*
 * hv_util.h - small helpers of hv/ that a host's C library would give:
 * formatting (hv/fmt.c), memory copy/fill and sysctl lists (hv/util.c),
 * host CPUID (hv/cpuid.c).
 */
#ifndef HV_UTIL_H
#define HV_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_os.h"	/* struct hv_sysctl */

/* %s %d %i %u %x %X %p %c %%, flags '-' '0', width, .precision for %s,
 * length h hh l ll z.  Always NUL-terminates (size > 0); returns the length
 * the full output would have. */
int	 hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int	 hv_snprintf(char *buf, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	*hv_memcpy(void *dst, const void *src, size_t n);
void	*hv_memset(void *dst, int c, size_t n);
/* hv_os_sysctl_add() of each of the n leaves in turn; 0 or the first error. */
int	 hv_sysctl_add_all(const struct hv_sysctl *leaves, size_t n);

/* Host CPUID (hv/cpuid.c). */
void	 hv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

/* This CPU's time-stamp counter (RDTSC). */
static inline uint64_t
hv_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* RDMSR / WRMSR on this CPU (the MSR must exist: else #GP in the host);
 * "memory": a segment-base MSR changes what addresses mean. */
static inline uint64_t
hv_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void
hv_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v),
	    "d"((uint32_t)(v >> 32)) : "memory");
}

/* Disable interrupts on this CPU, returning RFLAGS to give back to
 * hv_intr_restore (which enables them again only if they were on). */
static inline uint64_t
hv_intr_save_disable(void)
{
	uint64_t fl;

	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(fl) : : "memory");
	return fl;
}

static inline void
hv_intr_restore(uint64_t fl)
{
	__asm__ __volatile__("pushq %0; popfq" : : "r"(fl) : "memory", "cc");
}

/* hv_rdcr<n>() / hv_wrcr<n>(v): this CPU's control registers; "memory": a
 * write changes what addresses mean (CR0.PG/WP, CR3, CR4's paging bits). */
#define HV_CR_ACCESS(n)							\
static inline uint64_t							\
hv_rdcr##n(void)							\
{									\
	uint64_t v;							\
									\
	__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));		\
	return v;							\
}									\
									\
static inline void							\
hv_wrcr##n(uint64_t v)							\
{									\
	__asm__ __volatile__("mov %0, %%cr" #n : : "r"(v) : "memory");	\
}
HV_CR_ACCESS(0)
HV_CR_ACCESS(3)
HV_CR_ACCESS(4)
HV_CR_ACCESS(8)

/* XGETBV of XCR0 (the host has CR4.OSXSAVE set: else #UD). */
static inline uint64_t
hv_xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* XSETBV of XCR0 (CR4.OSXSAVE set; a value the CPU accepts, else #GP). */
static inline void
hv_xsetbv0(uint64_t v)
{
	__asm__ __volatile__("xsetbv" : : "c"(0), "a"((uint32_t)v),
	    "d"((uint32_t)(v >> 32)));
}

/* The CPU's current selectors, by name. */
enum hv_sel {
	HV_SEL_CS, HV_SEL_SS, HV_SEL_DS, HV_SEL_ES, HV_SEL_FS, HV_SEL_GS,
	HV_SEL_TR, HV_SEL_LDTR,
};

static inline uint16_t
hv_read_sel(enum hv_sel which)
{
	uint16_t s = 0;

	switch (which) {
	case HV_SEL_CS: __asm__ __volatile__("mov %%cs, %0" : "=r"(s)); break;
	case HV_SEL_SS: __asm__ __volatile__("mov %%ss, %0" : "=r"(s)); break;
	case HV_SEL_DS: __asm__ __volatile__("mov %%ds, %0" : "=r"(s)); break;
	case HV_SEL_ES: __asm__ __volatile__("mov %%es, %0" : "=r"(s)); break;
	case HV_SEL_FS: __asm__ __volatile__("mov %%fs, %0" : "=r"(s)); break;
	case HV_SEL_GS: __asm__ __volatile__("mov %%gs, %0" : "=r"(s)); break;
	case HV_SEL_TR: __asm__ __volatile__("str %0" : "=r"(s)); break;
	case HV_SEL_LDTR: __asm__ __volatile__("sldt %0" : "=r"(s)); break;
	}
	return s;
}

#endif /* HV_UTIL_H */
