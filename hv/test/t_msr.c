/*
 * t_msr.c - the core's MSR rule (hv/msr.c) through hv_vmexit, as both
 * backends reach it: which MSRs exist, the value checks (EFER's writable
 * bits, LME under paging, PAT types, canonical addresses, reserved upper
 * halves), #GP without completing, and EDX:EAX on both sides.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define PG	X86_CR0_PG

/* One RDMSR/WRMSR exit: true when it completed, false when it was #GP. */
static bool
msr_exit(struct hv_vcpu *vcpu, bool write, uint32_t msr, uint64_t *val,
    uint64_t cr0)
{
	struct hv_vmexit vx = { .kind = write ? HV_VX_WRMSR : HV_VX_RDMSR };
	uint64_t gpr[HV_NGPRS] = { 0 };
	struct hv_exit ex;

	memset(&ex, 0, sizeof(ex));
	vx.gpr = gpr;
	gpr[HV_RCX] = msr;
	vx.cr0 = cr0;
	/* bits 63:32 of RAX and RDX are ignored by WRMSR */
	gpr[HV_RAX] = write ? (*val & 0xffffffffull) | 0xdead000000000000ull :
	    ~0ull;
	gpr[HV_RDX] = write ? *val >> 32 | 0xbeef000000000000ull : ~0ull;
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
	CHECK(vx.skip != vx.gp);
	if (!write && vx.skip) {
		CHECK_EQ(gpr[HV_RAX] >> 32, 0);
		CHECK_EQ(gpr[HV_RDX] >> 32, 0);
		*val = gpr[HV_RDX] << 32 | gpr[HV_RAX];
	}
	return vx.skip;
}

static bool
wr(struct hv_vcpu *vcpu, uint32_t msr, uint64_t val, uint64_t cr0)
{
	return msr_exit(vcpu, true, msr, &val, cr0);
}

static uint64_t
rd(struct hv_vcpu *vcpu, uint32_t msr)
{
	uint64_t val = 0;

	CHECK(msr_exit(vcpu, false, msr, &val, PG));
	return val;
}

void
test_msr_rules(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	uint64_t v, t0, t1;
	uint32_t r[4];
	const uint64_t lma = X86_EFER_LMA, lme = X86_EFER_LME;
	const uint64_t nxe = X86_EFER_NXE, sce = X86_EFER_SCE;

	t_setup_vcpu(&vm, &vcpu);
	CHECK_EQ(rd(vcpu, X86_MSR_TSC_ADJUST), 0);

	/* an MSR no rule names: #GP, once in the log */
	fake_log_clear();
	CHECK(!msr_exit(vcpu, false, 0x12345678, &v, PG));
	CHECK(strstr(fake_log(), "guest0.0: rdmsr of MSR 0x12345678: #GP") != NULL);
	CHECK(!wr(vcpu, X86_MSR_MTRR_DEF_TYPE, 0, PG));

	/* EFER: NXE is the guest's; a written LMA is ignored */
	CHECK_EQ(rd(vcpu, X86_MSR_EFER), lma | lme | nxe);
	CHECK(wr(vcpu, X86_MSR_EFER, lma | lme, PG));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_EFER), lma | lme);
	CHECK(wr(vcpu, X86_MSR_EFER, lme | nxe, PG));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_EFER), lma | lme | nxe);
	/* LME may not change while paging is on, but may with it off */
	CHECK(!wr(vcpu, X86_MSR_EFER, lma | nxe, PG));
	CHECK(wr(vcpu, X86_MSR_EFER, nxe, 0));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_EFER), lma | nxe);
	*fake_msr(vcpu, HV_MSR_EFER) = lma | lme | nxe;
	/* reserved bits (bit 2, SVME) are #GP and leave EFER as it was */
	CHECK(!wr(vcpu, X86_MSR_EFER, lma | lme | nxe | 4, PG));
	CHECK(!wr(vcpu, X86_MSR_EFER, lma | lme | nxe | X86_EFER_SVME, PG));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_EFER), lma | lme | nxe);
	/* SCE only where the backend keeps the SYSCALL MSRs */
	CHECK(wr(vcpu, X86_MSR_EFER, lma | lme | nxe | sce, PG));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_EFER), lma | lme | nxe | sce);
	fake_msr_held &= ~(1u << HV_MSR_STAR);
	CHECK(!wr(vcpu, X86_MSR_EFER, lma | lme | nxe | sce, PG));
	CHECK(!msr_exit(vcpu, false, X86_MSR_STAR, &v, PG));
	fake_msr_held = ~0u;

	/* PAT: types 2, 3 and above 7 are #GP; EDX:EAX both ways */
	CHECK(!wr(vcpu, X86_MSR_PAT, 0x0007040600070402ull, PG));
	CHECK(!wr(vcpu, X86_MSR_PAT, 0x0307040600070406ull, PG));
	CHECK(!wr(vcpu, X86_MSR_PAT, 0x0807040600070406ull, PG));
	CHECK(wr(vcpu, X86_MSR_PAT, 0x0107040500070406ull, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_PAT), 0x0107040500070406ull);
	fake_msr_held &= ~(1u << HV_MSR_PAT);	/* VMX without PAT load */
	CHECK(!msr_exit(vcpu, false, X86_MSR_PAT, &v, PG));
	CHECK(!wr(vcpu, X86_MSR_PAT, 0x0007040600070406ull, PG));
	fake_msr_held = ~0u;

	/* linear addresses must be canonical: in 57 bits where the guest's
	 * CPUID shows LA57 (this host's), else in 48 */
	CHECK(!wr(vcpu, X86_MSR_LSTAR, 0x0100000000000000ull, PG));
	CHECK(!wr(vcpu, X86_MSR_CSTAR, 0xfe00000000000000ull, PG));
	CHECK(!wr(vcpu, X86_MSR_SYSENTER_EIP, 0x8000000000000000ull, PG));
	CHECK(!wr(vcpu, X86_MSR_SYSENTER_ESP, 0x0200000000000000ull, PG));
	CHECK_EQ(wr(vcpu, X86_MSR_LSTAR, 0x0000800000000000ull, PG),
	    (hv_cr4_guest_bits() & X86_CR4_LA57) != 0);
	CHECK_EQ(wr(vcpu, X86_MSR_CSTAR, 0xfff0000000000000ull, PG),
	    (hv_cr4_guest_bits() & X86_CR4_LA57) != 0);
	CHECK(wr(vcpu, X86_MSR_LSTAR, 0xffff800000001000ull, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_LSTAR), 0xffff800000001000ull);
	CHECK(wr(vcpu, X86_MSR_SYSENTER_ESP, 0x00007ffffffff000ull, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_SYSENTER_ESP), 0x00007ffffffff000ull);
	/* the segment bases (their writes exit on SVM): #GP leaves the
	 * base as it was */
	CHECK(wr(vcpu, X86_MSR_FS_BASE, 0x00007f0000001000ull, PG));
	CHECK(!wr(vcpu, X86_MSR_FS_BASE, 0x8000000000000000ull, PG));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_FS_BASE), 0x00007f0000001000ull);
	CHECK(!wr(vcpu, X86_MSR_GS_BASE, 0x0100000000000000ull, PG));
	CHECK(!wr(vcpu, X86_MSR_KERNEL_GS_BASE, 0xfe00000000000000ull, PG));
	CHECK(wr(vcpu, X86_MSR_KERNEL_GS_BASE, 0xffff800000002000ull, PG));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_KERNEL_GS_BASE), 0xffff800000002000ull);

	/* FMASK's upper half is reserved; SYSENTER_CS keeps 32 bits; STAR
	 * and the TSC take any value */
	CHECK(!wr(vcpu, X86_MSR_FMASK, 1ull << 32, PG));
	CHECK(wr(vcpu, X86_MSR_FMASK, 0x47700, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_FMASK), 0x47700);
	CHECK(wr(vcpu, X86_MSR_SYSENTER_CS, 0x123400000010ull, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_SYSENTER_CS), 0x10);
	CHECK(wr(vcpu, X86_MSR_STAR, 0x0023000800000000ull, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_STAR), 0x0023000800000000ull);
	/* the TSC: kept as an offset to the host's, and counting on */
	t0 = hv_rdtsc();
	CHECK(wr(vcpu, X86_MSR_TSC, 0xfedcba9876543210ull, PG));
	t1 = hv_rdtsc();
	v = *fake_msr(vcpu, HV_MSR_TSC_OFFSET);
	CHECK(v >= 0xfedcba9876543210ull - t1 && v <= 0xfedcba9876543210ull - t0);
	v = rd(vcpu, X86_MSR_TSC);
	CHECK(v >= 0xfedcba9876543210ull && v - 0xfedcba9876543210ull < hv_rdtsc() - t0);

	/* TSC_ADJUST: the TSC write above moved it as much as the offset
	 * (both 0 at reset); a write to it moves the offset by as much, and
	 * a TSC write moves it (SDM Vol. 3B 17.17.3) */
	v = rd(vcpu, X86_MSR_TSC_ADJUST);
	CHECK_EQ(v, *fake_msr(vcpu, HV_MSR_TSC_OFFSET));
	CHECK(wr(vcpu, X86_MSR_TSC_ADJUST, v + (1ull << 40), PG));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_TSC_OFFSET), v + (1ull << 40));
	CHECK_EQ(rd(vcpu, X86_MSR_TSC_ADJUST), v + (1ull << 40));
	CHECK(wr(vcpu, X86_MSR_TSC_ADJUST, 0, PG));
	CHECK_EQ(*fake_msr(vcpu, HV_MSR_TSC_OFFSET), 0);
	t0 = hv_rdtsc();
	CHECK(wr(vcpu, X86_MSR_TSC, t0 + (1ull << 44), PG));
	t1 = hv_rdtsc();
	v = rd(vcpu, X86_MSR_TSC_ADJUST);
	CHECK_EQ(v, *fake_msr(vcpu, HV_MSR_TSC_OFFSET));
	CHECK(v > (1ull << 44) - (t1 - t0) && v <= (1ull << 44));

	/* machine checks: no banks; MCG_CAP read-only; MCG_STATUS bits 3:0 */
	CHECK_EQ(rd(vcpu, X86_MSR_MCG_CAP), 0);
	CHECK(!wr(vcpu, X86_MSR_MCG_CAP, 0, PG));
	CHECK(wr(vcpu, X86_MSR_MCG_STATUS, 0xf, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_MCG_STATUS), 0xf);
	CHECK(!wr(vcpu, X86_MSR_MCG_STATUS, 0x10, PG));
	CHECK(!wr(vcpu, X86_MSR_MCG_STATUS, 1ull << 63, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_MCG_STATUS), 0xf);
	CHECK(!msr_exit(vcpu, false, 0x400, &v, PG));	/* MC0_CTL */

	/* TSC_AUX: bits 63:32 reserved; none where the backend keeps none */
	CHECK(wr(vcpu, X86_MSR_TSC_AUX, 0xfffffffful, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_TSC_AUX), 0xffffffffull);
	CHECK(!wr(vcpu, X86_MSR_TSC_AUX, 1ull << 32, PG));
	fake_msr_held &= ~(1u << HV_MSR_TSC_AUX);
	CHECK(!msr_exit(vcpu, false, X86_MSR_TSC_AUX, &v, PG));
	CHECK(!wr(vcpu, X86_MSR_TSC_AUX, 0, PG));
	fake_msr_held = ~0u;

	/* PKRS: bits 63:32 reserved (SDM Vol. 3A 4.6.2); none where the
	 * backend switches none, and then no CPUID.7.0:ECX.PKS, no CR4.PKS */
	CHECK(wr(vcpu, X86_MSR_PKRS, 0x55555556ull, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_PKRS), 0x55555556ull);
	CHECK(!wr(vcpu, X86_MSR_PKRS, 1ull << 32, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_PKRS), 0x55555556ull);
	fake_msr_held &= ~(1u << HV_MSR_PKRS);
	CHECK(!msr_exit(vcpu, false, X86_MSR_PKRS, &v, PG));
	CHECK(!wr(vcpu, X86_MSR_PKRS, 0, PG));
	hv_guest_features(7, 0, r);
	CHECK_EQ(r[2] & X86_CPUID7_ECX_PKS, 0);
	CHECK_EQ(hv_cr4_guest_bits() & X86_CR4_PKS, 0);
	fake_msr_held = ~0u;

	/* a refused APIC_BASE write: #GP, one log line (one hv_ratelog) */
	v = HV_STAT(ratelog);
	CHECK(!wr(vcpu, X86_MSR_APIC_BASE, 1ull << 63, PG));
	CHECK_EQ(HV_STAT(ratelog), v + 1);

	hv_vm_destroy(vm);
	t_teardown();
}

/* IA32_MISC_ENABLE: Intel's, with the bits hv gives (SDM Vol. 4 Table 2-2) */
void
test_msr_misc_enable(void)
{
	const uint64_t reset = X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS |
	    X86_MISC_NO_PEBS;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	uint32_t a, b, c, d, r[4];
	uint64_t v;

	t_setup_vcpu(&vm, &vcpu);
	vm->model.vendor = HV_CPU_AMD;	/* an AMD CPU has none */
	CHECK(!msr_exit(vcpu, false, X86_MSR_MISC_ENABLE, &v, PG));
	CHECK(!wr(vcpu, X86_MSR_MISC_ENABLE, reset, PG));
	vm->model.vendor = HV_CPU_INTEL;
	CHECK_EQ(rd(vcpu, X86_MSR_MISC_ENABLE), reset);
	/* reserved bits #GP; the read-only bits stay hv's */
	CHECK(!wr(vcpu, X86_MSR_MISC_ENABLE, reset | 2, PG));
	CHECK(!wr(vcpu, X86_MSR_MISC_ENABLE, reset | (1ull << 35), PG));
	CHECK(wr(vcpu, X86_MSR_MISC_ENABLE, X86_MISC_PERFMON, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_MISC_ENABLE), X86_MISC_NO_BTS | X86_MISC_NO_PEBS);
	/* EIST enable and xTPR message disable are kept with or without
	 * their CPUID.01H bits (an AMD host's leaf 1 has neither) */
	fake_cpuid_set(1, 0, 0, 0, 0, 0);
	CHECK(wr(vcpu, X86_MSR_MISC_ENABLE, reset | X86_MISC_EIST |
	    X86_MISC_XTPR_DISABLE, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_MISC_ENABLE), reset | X86_MISC_EIST |
	    X86_MISC_XTPR_DISABLE);
	fake_cpuid_reset();
	/* Limit CPUID Maxval: CPUID.0:EAX reads 2 */
	CHECK(wr(vcpu, X86_MSR_MISC_ENABLE, reset | X86_MISC_LIMIT_CPUID, PG));
	hv_guest_cpuid(vcpu, 0, 0, &a, &b, &c, &d);
	hv_cpuid(0, 0, r);
	CHECK_EQ(a, r[0] > 2 ? 2 : r[0]);
	CHECK(wr(vcpu, X86_MSR_MISC_ENABLE, reset, PG));
	hv_guest_cpuid(vcpu, 0, 0, &a, &b, &c, &d);
	CHECK_EQ(a, r[0]);
	/* XD Bit Disable (where the CPU has NX): not with EFER.NXE on;
	 * with it, CPUID hides NX and EFER.NXE is #GP */
	hv_cpuid(0x80000001u, 0, r);
	if (r[3] & X86_CPUID81_EDX_NX) {
		*fake_msr(vcpu, HV_MSR_EFER) = X86_EFER_LMA | X86_EFER_LME |
		    X86_EFER_NXE;
		CHECK(!wr(vcpu, X86_MSR_MISC_ENABLE, reset | X86_MISC_XD_DISABLE, PG));
		*fake_msr(vcpu, HV_MSR_EFER) = X86_EFER_LMA | X86_EFER_LME;
		CHECK(wr(vcpu, X86_MSR_MISC_ENABLE, reset | X86_MISC_XD_DISABLE, PG));
		hv_guest_cpuid(vcpu, 0x80000001u, 0, &a, &b, &c, &d);
		CHECK_EQ(d & X86_CPUID81_EDX_NX, 0);
		CHECK(!wr(vcpu, X86_MSR_EFER, X86_EFER_LME | X86_EFER_NXE, PG));
		CHECK(wr(vcpu, X86_MSR_MISC_ENABLE, reset, PG));
		CHECK(wr(vcpu, X86_MSR_EFER, X86_EFER_LME | X86_EFER_NXE, PG));
	}
	hv_vm_destroy(vm);
	t_teardown();
}

/* One MONITOR or MWAIT exit with ECX = ecx: 'k' completed, 'g' #GP(0),
 * 'u' #UD. */
static char
monitor_exit(struct hv_vcpu *vcpu, enum hv_vmexit_kind kind, uint64_t ecx)
{
	uint64_t gpr[HV_NGPRS] = { [HV_RAX] = 0x1000, [HV_RCX] = ecx };
	struct hv_vmexit vx = { .kind = kind, .gpr = gpr };
	struct hv_exit ex;

	memset(&ex, 0, sizeof(ex));
	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
	CHECK_EQ(vx.skip + vx.gp + vx.ud, 1);
	return vx.skip ? 'k' : vx.gp ? 'g' : 'u';
}

/* IA32_MISC_ENABLE's ENABLE MONITOR FSM (bit 18, R/W where the CPU has
 * SSE3 and MONITOR; SDM Vol. 4 Table 2-2): CPUID.01H:ECX.MONITOR and the
 * instructions follow it (SDM Vol. 2B MONITOR, MWAIT) */
void
test_msr_misc_enable_monitor(void)
{
	const uint64_t reset = X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS |
	    X86_MISC_NO_PEBS;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	uint32_t a, b, c, d;

	t_setup_vcpu(&vm, &vcpu);
	vm->model.vendor = HV_CPU_INTEL;
	fake_cpuid_set(0, 0, 5, 0, 0, 0);
	fake_cpuid_set(1, 0, 0, 0, X86_CPUID1_ECX_SSE3 | X86_CPUID1_ECX_MONITOR, 0);
	fake_cpuid_set(X86_CPUID_LEAF_MWAIT, 0, 64, 64, 1, 0);
	/* off at reset: CPUID says no, both instructions #UD */
	CHECK_EQ(rd(vcpu, X86_MSR_MISC_ENABLE), reset);
	hv_guest_cpuid(vcpu, 1, 0, &a, &b, &c, &d);
	CHECK_EQ(c & X86_CPUID1_ECX_MONITOR, 0);
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MONITOR, 0), 'u');
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MWAIT, 0), 'u');
	/* on: kept, CPUID says so, MONITOR and MWAIT complete; extensions
	 * #GP: none for MONITOR, MWAIT's bit 0 only with CPUID.05H:ECX[1] */
	CHECK(wr(vcpu, X86_MSR_MISC_ENABLE, reset | X86_MISC_MONITOR, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_MISC_ENABLE), reset | X86_MISC_MONITOR);
	hv_guest_cpuid(vcpu, 1, 0, &a, &b, &c, &d);
	CHECK_EQ(c & X86_CPUID1_ECX_MONITOR, X86_CPUID1_ECX_MONITOR);
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MONITOR, 0), 'k');
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MONITOR, 1), 'g');
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MWAIT, 0), 'k');
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MWAIT, 1), 'g');
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MWAIT, 2), 'g');
	fake_cpuid_set(X86_CPUID_LEAF_MWAIT, 0, 64, 64, 3, 0);
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MWAIT, 1), 'k');
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MWAIT, 2), 'g');
	/* off again */
	CHECK(wr(vcpu, X86_MSR_MISC_ENABLE, reset, PG));
	hv_guest_cpuid(vcpu, 1, 0, &a, &b, &c, &d);
	CHECK_EQ(c & X86_CPUID1_ECX_MONITOR, 0);
	CHECK_EQ(monitor_exit(vcpu, HV_VX_MWAIT, 0), 'u');
	/* a CPU without MONITOR (or SSE3) has no such bit to set: #GP */
	fake_cpuid_set(1, 0, 0, 0, X86_CPUID1_ECX_SSE3, 0);
	CHECK(!wr(vcpu, X86_MSR_MISC_ENABLE, reset | X86_MISC_MONITOR, PG));
	fake_cpuid_set(1, 0, 0, 0, X86_CPUID1_ECX_MONITOR, 0);
	CHECK(!wr(vcpu, X86_MSR_MISC_ENABLE, reset | X86_MISC_MONITOR, PG));
	CHECK_EQ(rd(vcpu, X86_MSR_MISC_ENABLE), reset);
	hv_vm_destroy(vm);
	t_teardown();
}
