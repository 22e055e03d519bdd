/*
 * hostcheck.c - hw.vmm.hostcheck: the host CPU state of docs/ISOLATION.md
 * read before a pinned stretch of entries and compared after its last exit.
 * Test builds only (HV_HOSTCHECK: testkern); the DragonFly module has none
 * of it (make module-check).
 *
 * With the check on, hv_hostcheck_before gives the backend a fast-path
 * budget of 0, so the stretch is one entry and one exit and the comparison
 * follows every exit.  It runs pinned, before hv_fpu_enter and after
 * hv_fpu_leave, so it also sees what hv itself switches around the stretch
 * (FPU control words, KERNEL_GS_BASE on VMX, the debug registers).  A
 * difference is written back where an instruction can (MSRs, debug
 * registers, CR3, CR8, XCR0, the FPU control words) so that the host goes on
 * with its own state, and the run ends with
 * "host state changed by guest: NAME before=0x... after=0x..." (the first
 * item in table order that differs).
 *
 * CR2 is not an item: the host holds no value in it across an exit (the CPU
 * writes it at a #PF and the host reads it only at the top of its #PF
 * handler), see docs/ISOLATION.md.  Nor are the TSC (it runs) or RFLAGS
 * (the world switches restore the caller's with POPFQ).
 */
#include "core.h"
#include "x86_arch.h"

#ifdef HV_HOSTCHECK

int hv_hostcheck = 1;		/* hw.vmm.hostcheck */
static uint64_t hv_hostchecks;	/* hw.vmm.hostchecks: comparisons made */

enum hs_kind {
	HS_CR,		/* control register arg */
	HS_DR,		/* debug register arg */
	HS_MSR,		/* MSR arg */
	HS_MSR_AUX,	/* MSR arg, only with RDTSCP (TSC_AUX) */
	HS_MSR_PKS,	/* MSR arg, only with PKS (PKRS) */
	HS_DTR,		/* 0 GDTR base, 1 GDTR limit, 2 IDTR base, 3 IDTR limit */
	HS_SEL,		/* arg: enum hv_sel */
	HS_XCR0,	/* only with CR4.OSXSAVE */
	HS_FPU,		/* 0 FCW, 1 MXCSR: only while CR0.TS is clear */
};

static const struct hs_item {
	const char	*name;
	enum hs_kind	 kind;
	uint32_t	 arg;
} hs_items[] = {
	{ "CR0", HS_CR, 0 }, { "CR3", HS_CR, 3 }, { "CR4", HS_CR, 4 },
	{ "CR8", HS_CR, 8 },
	{ "DR0", HS_DR, 0 }, { "DR1", HS_DR, 1 }, { "DR2", HS_DR, 2 },
	{ "DR3", HS_DR, 3 }, { "DR6", HS_DR, 6 }, { "DR7", HS_DR, 7 },
	{ "EFER", HS_MSR, X86_MSR_EFER },
	{ "DEBUGCTL", HS_MSR, X86_MSR_DEBUGCTL },
	{ "PAT", HS_MSR, X86_MSR_PAT },
	{ "FS_BASE", HS_MSR, X86_MSR_FS_BASE },
	{ "GS_BASE", HS_MSR, X86_MSR_GS_BASE },
	{ "KERNEL_GS_BASE", HS_MSR, X86_MSR_KERNEL_GS_BASE },
	{ "STAR", HS_MSR, X86_MSR_STAR },
	{ "LSTAR", HS_MSR, X86_MSR_LSTAR },
	{ "CSTAR", HS_MSR, X86_MSR_CSTAR },
	{ "FMASK", HS_MSR, X86_MSR_FMASK },
	{ "SYSENTER_CS", HS_MSR, X86_MSR_SYSENTER_CS },
	{ "SYSENTER_ESP", HS_MSR, X86_MSR_SYSENTER_ESP },
	{ "SYSENTER_EIP", HS_MSR, X86_MSR_SYSENTER_EIP },
	{ "TSC_AUX", HS_MSR_AUX, X86_MSR_TSC_AUX },
	{ "PKRS", HS_MSR_PKS, X86_MSR_PKRS },
	{ "GDTR.base", HS_DTR, 0 }, { "GDTR.limit", HS_DTR, 1 },
	{ "IDTR.base", HS_DTR, 2 }, { "IDTR.limit", HS_DTR, 3 },
	{ "LDTR", HS_SEL, HV_SEL_LDTR }, { "TR", HS_SEL, HV_SEL_TR },
	{ "CS", HS_SEL, HV_SEL_CS }, { "SS", HS_SEL, HV_SEL_SS },
	{ "DS", HS_SEL, HV_SEL_DS }, { "ES", HS_SEL, HV_SEL_ES },
	{ "FS", HS_SEL, HV_SEL_FS }, { "GS", HS_SEL, HV_SEL_GS },
	{ "XCR0", HS_XCR0, 0 },
	{ "FCW", HS_FPU, 0 }, { "MXCSR", HS_FPU, 1 },
};

#define HS_N	(sizeof(hs_items) / sizeof(hs_items[0]))

struct hs_snap {
	uint64_t	 present;	/* bit i: item i was readable */
	uint64_t	 v[HS_N];
};

static struct hs_snap hs_before[HV_MAX_CPUS];

static uint64_t
read_cr(uint32_t n)
{
	uint64_t v = 0;

	switch (n) {
	case 0: v = hv_rdcr0(); break;
	case 3: v = hv_rdcr3(); break;
	case 4: v = hv_rdcr4(); break;
	case 8: v = hv_rdcr8(); break;
	}
	return v;
}

static uint64_t
read_dtr(uint32_t n)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d;

	if (n < 2)
		__asm__ __volatile__("sgdt %0" : "=m"(d));
	else
		__asm__ __volatile__("sidt %0" : "=m"(d));
	return (n & 1) ? d.limit : d.base;
}

static uint64_t
read_fpu(uint32_t n)
{
	uint32_t mxcsr = 0;
	uint16_t fcw = 0;

	if (n == 0) {
		__asm__ __volatile__("fnstcw %0" : "=m"(fcw));
		return fcw;
	}
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	return mxcsr;
}

static void
write_fpu(uint32_t n, uint64_t v)
{
	uint32_t mxcsr = (uint32_t)v;
	uint16_t fcw = (uint16_t)v;

	if (n == 0)
		__asm__ __volatile__("fldcw %0" : : "m"(fcw));
	else
		__asm__ __volatile__("ldmxcsr %0" : : "m"(mxcsr));
}

/* Whether the host CPU has an item of this kind: its CPUID, which does not
 * change, is asked once (hv_hostcheck_publish), not at every snapshot. */
static bool
cpu_has(enum hs_kind kind)
{
	uint32_t r[4];

	switch (kind) {
	case HS_MSR_AUX:
		hv_cpuid(0x80000000u, 0, r);
		if (r[0] < 0x80000001u)
			return false;
		hv_cpuid(0x80000001u, 0, r);
		return (r[3] & X86_CPUID81_EDX_RDTSCP) != 0;
	case HS_MSR_PKS:
		hv_cpuid(0, 0, r);
		if (r[0] < 7)
			return false;
		hv_cpuid(7, 0, r);
		return (r[2] & X86_CPUID7_ECX_PKS) != 0;
	default:
		return true;
	}
}

static uint64_t hs_cpu_has;	/* bit i: cpu_has(hs_items[i].kind) */

/* Which items this CPU has now (an absent MSR or instruction would fault). */
static bool
readable(const struct hs_item *it, uint64_t cr0, uint64_t cr4)
{
	switch (it->kind) {
	case HS_MSR_AUX:
	case HS_MSR_PKS:
		return (hs_cpu_has >> (it - hs_items) & 1) != 0;
	case HS_XCR0:
		return (cr4 & X86_CR4_OSXSAVE) != 0;
	case HS_FPU:
		/* CR0.TS: the FPU is not this thread's (lazy hosts) and would #NM */
		return !(cr0 & X86_CR0_TS) &&
		    (it->arg == 0 || (cr4 & X86_CR4_OSFXSR));
	default:
		return true;
	}
}

static uint64_t
item_read(const struct hs_item *it)
{
	switch (it->kind) {
	case HS_CR:	return read_cr(it->arg);
	case HS_DR:	return hv_dr_read((int)it->arg);
	case HS_MSR:
	case HS_MSR_AUX:
	case HS_MSR_PKS: return hv_rdmsr(it->arg);
	case HS_DTR:	return read_dtr(it->arg);
	case HS_SEL:	return hv_read_sel((enum hv_sel)it->arg);
	case HS_XCR0:	return hv_xgetbv0();
	case HS_FPU:	return read_fpu(it->arg);
	}
	return 0;
}

/* Put the host's value back where one instruction can. */
static void
item_restore(const struct hs_item *it, uint64_t v)
{
	switch (it->kind) {
	case HS_CR:
		if (it->arg == 3)
			hv_wrcr3(v);
		else if (it->arg == 8)
			hv_wrcr8(v);
		break;
	case HS_DR:
		hv_dr_write((int)it->arg, v);
		break;
	case HS_MSR:
	case HS_MSR_AUX:
	case HS_MSR_PKS:
		hv_wrmsr(it->arg, v);
		break;
	case HS_XCR0:
		hv_xsetbv0(v);
		break;
	case HS_FPU:
		write_fpu(it->arg, v);
		break;
	default:
		break;
	}
}

static void
snap_take(struct hs_snap *s)
{
	uint64_t cr0 = read_cr(0), cr4 = read_cr(4);
	size_t i;

	s->present = 0;
	for (i = 0; i < HS_N; i++) {
		if (!readable(&hs_items[i], cr0, cr4))
			continue;
		s->present |= 1ull << i;
		s->v[i] = item_read(&hs_items[i]);
	}
}

bool hv_hostcheck_armed[HV_MAX_CPUS];

void
hv_hostcheck_take(int cpu)
{
	snap_take(&hs_before[cpu]);
	hv_hostcheck_armed[cpu] = true;
}

int
hv_hostcheck_compare(int cpu, struct hv_exit *ex)
{
	struct hs_snap *s = &hs_before[cpu], now;
	size_t i, first = HS_N;

	hv_hostcheck_armed[cpu] = false;
	__atomic_fetch_add(&hv_hostchecks, 1, __ATOMIC_RELAXED);
	snap_take(&now);
	for (i = 0; i < HS_N; i++) {
		if (!((s->present & now.present) >> i & 1) || s->v[i] == now.v[i])
			continue;
		item_restore(&hs_items[i], s->v[i]);
		if (first == HS_N)
			first = i;
	}
	if (first == HS_N)
		return 0;
	hv_exit_error(ex, HV_EIO, 0, "host state changed by guest: %s "
	    "before=0x%llx after=0x%llx", hs_items[first].name,
	    (unsigned long long)s->v[first], (unsigned long long)now.v[first]);
	return HV_EIO;
}

static int
hostcheck_set(const struct hv_sysctl *leaf, uint64_t value)
{
	if (value > 1)
		return HV_EINVAL;
	/* read when the next pinned stretch starts */
	__atomic_store_n(&hv_hostcheck, (int)value, __ATOMIC_SEQ_CST);
	return 0;
}

static const struct hv_sysctl hv_hostcheck_leaves[] = {
	{ "hw.vmm.hostcheck", "compare the host's CPU state before each entry "
	    "and after each exit; stop the VM on a difference (test builds)",
	    HV_SYSCTL_INT, &hv_hostcheck, hostcheck_set },
	{ "hw.vmm.hostchecks", "host-state comparisons made (hw.vmm.hostcheck)",
	    HV_SYSCTL_U64, &hv_hostchecks, NULL },
};

int
hv_hostcheck_publish(void)
{
	size_t i;

	for (i = 0; i < HS_N; i++)
		if (cpu_has(hs_items[i].kind))
			hs_cpu_has |= 1ull << i;
	return hv_sysctl_add_all(hv_hostcheck_leaves,
	    sizeof(hv_hostcheck_leaves) / sizeof(hv_hostcheck_leaves[0]));
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int hostcheck_not_built;
#endif
