/*
 * xsave.c - CR4.OSXSAVE and XCR0 = x87|SSE|AVX on every CPU that has them,
 * as DragonFly sets them (initcpu.c), so that hv/fpu.c's XSAVE path and the
 * vm_avx test run against a host with live YMM state.
 *
 * The kernel itself is built -mno-sse and never uses these registers; only
 * the tests touch them, through explicit inline assembly.
 */
#include "kern.h"
#include "cpu.h"
#include "x86.h"

void
xsave_cpu_init(void)
{
	uint32_t a, b, c, d, xa, xb, xc, xd;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & X86_CPUID1_ECX_XSAVE) || !(c & X86_CPUID1_ECX_AVX))
		return;
	/* XCR0 may only name components the CPU supports (CPUID.0Dh.0 EAX),
	 * else XSETBV raises #GP (SDM Vol. 1 13.3) */
	cpuid(0xd, 0, &xa, &xb, &xc, &xd);
	if ((xa & X86_XCR0_AVX) != X86_XCR0_AVX)
		return;
	/* XSETBV #UDs while CR4.OSXSAVE is clear (SDM Vol. 2C XSETBV) */
	write_cr4(read_cr4() | X86_CR4_OSXSAVE);
	__asm__ __volatile__("xsetbv" : : "c"(0), "a"(X86_XCR0_AVX), "d"(0));
}
