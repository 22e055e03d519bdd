/*
 * t_misc.c - VMX control math, the formatter, exit statistics, guest
 * CPUID, exit errors.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"
#include "intel/vmx_ctl_math.h"

void
test_ctl_adjust(void)
{
	uint32_t refused = 0;

	/* allowed-0 0x16 (bits 1,2,4 must be 1), allowed-1 0xff */
	CHECK_EQ(hv_ctl_adjust(0x000000ff00000016ull, 0x81, &refused), 0x97);
	CHECK_EQ(refused, 0);
	/* a wanted bit the CPU does not allow */
	CHECK_EQ(hv_ctl_adjust(0x000000ff00000016ull, 0x181, &refused), 0x97);
	CHECK_EQ(refused, 0x100);
	/* Bochs Haswell PROCBASED_CTLS2: EPT (1) and VPID (5) fine, bit 20 not */
	CHECK_EQ(hv_ctl_adjust(0x00047fff00000000ull, 0x100022, &refused), 0x22);
	CHECK_EQ(refused, 0x100000);
	CHECK_EQ(hv_ctl_adjust(0xffffffff00000000ull, 0, NULL), 0);
	CHECK_EQ(hv_ctl_adjust(0xffffffffffffffffull, 0, NULL), 0xffffffffu);
}

void
test_cr_fixed(void)
{
	/* Bochs: CR0_FIXED0 0x80000021 (PG NE PE), FIXED1 all ones */
	CHECK_EQ(hv_cr_fixed_bad(0x80000001ull, 0x80000021ull, 0xffffffffull), 0x20);
	CHECK_EQ(hv_cr_fixed_bad(0x80000031ull, 0x80000021ull, 0xffffffffull), 0);
	CHECK_EQ(hv_cr_fixed_apply(0x80000001ull, 0x80000021ull, 0xffffffffull),
	    0x80000021ull);
	/* CR4_FIXED0 0x2000 (VMXE); FIXED1 without bit 22 */
	CHECK_EQ(hv_cr_fixed_bad(0x400020ull, 0x2000ull, 0x3fffffull), 0x402000ull);
	CHECK_EQ(hv_cr_fixed_apply(0x400020ull, 0x2000ull, 0x3fffffull), 0x2020ull);
}

void
test_fmt(void)
{
	char b[64];

	CHECK_EQ(hv_snprintf(b, sizeof(b), "%d %u %x %X", -42, 42u, 0xbeefu, 0xbeefu), 16);
	CHECK(strcmp(b, "-42 42 beef BEEF") == 0);
	hv_snprintf(b, sizeof(b), "%lld %llx %lu %zu", (long long)-9000000000ll,
	    0x123456789abcdefull, 18446744073709551615ul, (size_t)7);
	CHECK(strcmp(b, "-9000000000 123456789abcdef 18446744073709551615 7") == 0);
	hv_snprintf(b, sizeof(b), "[%5d|%-5d|%05d|%08llx]", 12, 12, -12, 0xabcull);
	CHECK(strcmp(b, "[   12|12   |-0012|00000abc]") == 0);
	hv_snprintf(b, sizeof(b), "[%s|%6s|%-6s|%.2s|%c|%%]", "ab", "ab", "ab", "xyz", 'q');
	CHECK(strcmp(b, "[ab|    ab|ab    |xy|q|%]") == 0);
	hv_snprintf(b, sizeof(b), "%p %s", (void *)0x1000, (const char *)NULL);
	CHECK(strcmp(b, "0x1000 (null)") == 0);
	hv_snprintf(b, sizeof(b), "%d", -2147483647 - 1);
	CHECK(strcmp(b, "-2147483648") == 0);
	hv_snprintf(b, sizeof(b), "%lld", (long long)(-9223372036854775807ll - 1));
	CHECK(strcmp(b, "-9223372036854775808") == 0);
	/* truncation: NUL-terminated, full length returned */
	CHECK_EQ(hv_snprintf(b, 5, "abcdefgh"), 8);
	CHECK(strcmp(b, "abcd") == 0);
	CHECK_EQ(hv_snprintf(b, 1, "abc"), 3);
	CHECK_EQ(b[0], '\0');
	CHECK_EQ(hv_snprintf(NULL, 0, "%d", 12345), 5);
}

static const char *
names3(uint64_t r)
{
	static const char *const n[] = { "zero", NULL, "two" };

	return r < 3 ? n[r] : NULL;
}

void
test_exit_stats(void)
{
	const struct hv_sysctl *l;

	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(hv_stats_exits_init(names3, 3), 0);
	l = fake_sysctl("hw.vmm.stats.exit.two");
	CHECK(l != NULL && l->type == HV_SYSCTL_U64 && l->set == NULL);
	CHECK(fake_sysctl("hw.vmm.stats.exit.zero") != NULL);
	hv_stats_exit(2);
	hv_stats_exit(2);
	hv_stats_exit(0);
	hv_stats_exit(1);		/* unnamed */
	hv_stats_exit(77);		/* beyond the table */
	if (l != NULL)
		CHECK_EQ(*(uint64_t *)l->ptr, 2);
	CHECK_EQ(HV_STAT(exits), 5);
	CHECK_EQ(HV_STAT(exits_other), 2);
	l = fake_sysctl("hw.vmm.stats.exits");
	CHECK(l != NULL && *(uint64_t *)l->ptr == 5);
	/* a backend's HC_NOP loop counts its exits at once */
	hv_stats_exits(2, 40);
	hv_stats_exits(1, 3);		/* unnamed */
	CHECK_EQ(*(uint64_t *)fake_sysctl("hw.vmm.stats.exit.two")->ptr, 42);
	CHECK_EQ(HV_STAT(exits), 48);
	CHECK_EQ(HV_STAT(exits_other), 5);
	CHECK_EQ(hv_stats_exits_init(names3, 0), HV_EINVAL);
	CHECK_EQ(hv_stats_exits_init(names3, 3), HV_EBUSY);
	hv_fini();			/* frees the per-reason tables */
	CHECK_EQ(fake_sysctl_count(), 0);
	CHECK_EQ(fake_mallocs_live, 0);
	/* after fini a backend can register again */
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(hv_stats_exits_init(names3, 3), 0);
	hv_fini();
}

void
test_guest_cpuid(void)
{
	/* what hv/cpuid.c takes out of leaf 1 ECX besides VMX */
	const uint32_t hidden = X86_CPUID1_ECX_VMX | X86_CPUID1_ECX_X2APIC |
	    X86_CPUID1_ECX_TSC_DEADLINE | X86_CPUID1_ECX_PDCM | X86_CPUID1_ECX_OSXSAVE;
	struct hv_vm *vm;
	struct hv_vcpu *v;
	struct hv_regs regs;
	uint32_t a, b, c, d, r[4];

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(4ull << 20, &vm), 0);
	CHECK_EQ(hv_vcpu_create(vm, 3, &v), 0);
	hv_backend_svm = false;
	hv_guest_cpuid(v, HV_CPUID_LEAF, 0, &a, &b, &c, &d);
	CHECK_EQ(a, 0);
	CHECK_EQ(b, HV_CPUID_SIG_EBX);
	CHECK_EQ(c, HV_CPUID_SIG_ECX);
	CHECK_EQ(d, HV_CPUID_SIG_EDX);
	CHECK(memcmp(&b, "hv h", 4) == 0);
	hv_backend_svm = true;
	hv_guest_cpuid(v, HV_CPUID_LEAF, 0, &a, &b, &c, &d);
	CHECK_EQ(a, HV_CPUID_F_VMMCALL);
	hv_backend_svm = false;
	hv_guest_cpuid(v, 1, 0, &a, &b, &c, &d);
	hv_cpuid(1, 0, r);
	CHECK_EQ(a, r[0]);
	CHECK_EQ(c & hidden, 0);		/* no VMX, x2APIC, ...; CR4.OSXSAVE is 0 */
	CHECK(c & X86_CPUID1_ECX_HV);		/* hypervisor present */
	CHECK_EQ(c & ~(hidden | X86_CPUID1_ECX_HV), r[2] & ~(hidden | X86_CPUID1_ECX_HV));
	CHECK_EQ(b >> 24, 3);			/* APIC id = vCPU id */
	/* OSXSAVE follows the guest's CR4.OSXSAVE */
	CHECK_EQ(hv_vcpu_get_regs(v, &regs), 0);
	regs.cr4 |= X86_CR4_OSXSAVE;
	CHECK_EQ(hv_vcpu_set_regs(v, &regs), 0);
	hv_guest_cpuid(v, 1, 0, &a, &b, &c, &d);
	CHECK_EQ(c & X86_CPUID1_ECX_OSXSAVE, X86_CPUID1_ECX_OSXSAVE);
	hv_guest_cpuid(v, 0x80000001u, 0, &a, &b, &c, &d);
	CHECK_EQ(c & X86_CPUID81_ECX_SVM, 0);	/* no SVM */
	/* RDTSCP as the host has it where the backend keeps TSC_AUX, else
	 * hidden */
	hv_cpuid(0x80000001u, 0, r);
	CHECK_EQ(d & X86_CPUID81_EDX_RDTSCP, r[3] & X86_CPUID81_EDX_RDTSCP);
	fake_msr_held &= ~(1u << HV_MSR_TSC_AUX);
	hv_guest_cpuid(v, 0x80000001u, 0, &a, &b, &c, &d);
	CHECK_EQ(d & X86_CPUID81_EDX_RDTSCP, 0);
	fake_msr_held = ~0u;
	hv_guest_cpuid(v, 0x40000001u, 0, &a, &b, &c, &d);
	CHECK_EQ(a | b | c | d, 0);
	hv_guest_cpuid(v, X86_CPUID_LEAF_PERFMON, 0, &a, &b, &c, &d);
	CHECK_EQ(a | b | c | d, 0);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

void
test_exit_error(void)
{
	struct hv_exit ex;

	memset(&ex, 0, sizeof(ex));
	hv_exit_error(&ex, HV_EIO, 48, "exit %u (%s) at rip 0x%llx", 48u,
	    "ept_violation", 0xffffffff80001234ull);
	CHECK_EQ(ex.kind, HV_EXIT_ERROR);
	CHECK_EQ(ex.error, HV_EIO);
	CHECK_EQ(ex.raw_reason, 48);
	CHECK(strcmp(ex.msg, "exit 48 (ept_violation) at rip 0xffffffff80001234") == 0);
	/* a long message is cut, still terminated */
	hv_exit_error(&ex, HV_EIO, 0, "%0200d", 1);
	CHECK_EQ(strlen(ex.msg), sizeof(ex.msg) - 1);
}

void
test_small_helpers(void)
{
	char b[32];
	const char *odd = "[%q|%y]%";	/* not literal: unknown conversions on purpose */

	/* unknown conversions are shown as written; a final lone % is dropped */
	CHECK_EQ(hv_snprintf(b, sizeof(b), odd, 0), 7);
	CHECK(strcmp(b, "[%q|%y]") == 0);
	/* only HC_NOP takes the backends' fast path, and it is counted */
	CHECK(hv_hypercall_fast(HC_NOP, 0));
	CHECK_EQ(HV_STAT(hypercalls), 1);
	CHECK(!hv_hypercall_fast(HC_PUTS, 0));
	CHECK(!hv_hypercall_fast(HC_EXIT, 0));
	CHECK(!hv_hypercall_fast(~0ull, 0));
	CHECK(!hv_hypercall_fast(HC_NOP, 3));	/* CPL 3: hv_hypercall's policy */
	CHECK_EQ(HV_STAT(hypercalls), 1);
}
