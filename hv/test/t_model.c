/*
 * t_model.c - the guest CPU model (hv_vm_set_model, hv/model.c): a VM
 * starts as the host's CPU; the values hv refuses; no change once a vCPU
 * exists; CPUID leaves 0, 0x80000000, 0x80000001 and 0x80000008 and the
 * vendor's MSRs (IA32_MISC_ENABLE, AMD's legacy counters) following it.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

/* CPUID leaf 0 or 0x80000000 names vendor (EBX, EDX, ECX) */
static void
check_vendor(struct hv_vcpu *vcpu, uint32_t leaf, const char *v12)
{
	uint32_t a, b, c, d;
	char s[13];

	hv_guest_cpuid(vcpu, leaf, 0, &a, &b, &c, &d);
	memcpy(s, &b, 4);
	memcpy(s + 4, &d, 4);
	memcpy(s + 8, &c, 4);
	s[12] = '\0';
	CHECK_EQ(strcmp(s, v12), 0);
}

/* One RDMSR exit: true when it completed, false when it was #GP. */
static bool
rdmsr_ok(struct hv_vcpu *vcpu, uint32_t msr)
{
	uint64_t gpr[HV_NGPRS] = { [HV_RCX] = msr };
	struct hv_vmexit vx = { .kind = HV_VX_RDMSR, .gpr = gpr };
	struct hv_exit ex;

	CHECK_EQ(hv_vmexit(vcpu, &vx, &ex), HV_RESUME);
	CHECK(vx.skip != vx.gp);
	return vx.skip;
}

void
test_model_set(void)
{
	struct hv_vm_model m, got;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	unsigned host;

	t_setup_enabled();
	host = (unsigned)hv_guest_maxphyaddr;
	CHECK(host >= 33);
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	/* the host's CPU until set */
	hv_vm_get_model(vm, &got);
	CHECK_EQ(got.vendor, hv_backend_svm ? HV_CPU_AMD : HV_CPU_INTEL);
	CHECK_EQ(got.phys_bits, host);
	CHECK(!got.vmware_backdoor);
	memset(&m, 0, sizeof(m));
	CHECK_EQ(hv_vm_set_model(NULL, &m), HV_EINVAL);
	CHECK_EQ(hv_vm_set_model(vm, NULL), HV_EINVAL);
	m.vendor = (enum hv_cpu_vendor)3;
	CHECK_EQ(hv_vm_set_model(vm, &m), HV_EINVAL);
	CHECK(strstr(fake_log(), "unknown CPU vendor 3") != NULL);
	m.vendor = HV_CPU_INTEL;
	m.phys_bits = 31;
	CHECK_EQ(hv_vm_set_model(vm, &m), HV_EINVAL);
	m.phys_bits = host + 1;
	CHECK_EQ(hv_vm_set_model(vm, &m), HV_EINVAL);
	CHECK(strstr(fake_log(), "outside 32..") != NULL);
	m.phys_bits = 32;
	m.vmware_backdoor = true;
	CHECK_EQ(hv_vm_set_model(vm, &m), HV_ENOTSUP);
	/* nothing refused changed the model */
	hv_vm_get_model(vm, &got);
	CHECK_EQ(got.vendor, hv_backend_svm ? HV_CPU_AMD : HV_CPU_INTEL);
	CHECK_EQ(got.phys_bits, host);
	m.vmware_backdoor = false;
	CHECK_EQ(hv_vm_set_model(vm, &m), 0);
	/* HV_CPU_HOST and 0 resolve to the host's */
	m.vendor = HV_CPU_HOST;
	m.phys_bits = 0;
	CHECK_EQ(hv_vm_set_model(vm, &m), 0);
	hv_vm_get_model(vm, &got);
	CHECK_EQ(got.vendor, hv_backend_svm ? HV_CPU_AMD : HV_CPU_INTEL);
	CHECK_EQ(got.phys_bits, host);
	m.vendor = HV_CPU_INTEL;
	m.phys_bits = host - 1;
	CHECK_EQ(hv_vm_set_model(vm, &m), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	/* fixed once a vCPU exists */
	m.vendor = HV_CPU_AMD;
	CHECK_EQ(hv_vm_set_model(vm, &m), HV_EBUSY);
	hv_vm_get_model(vm, &got);
	CHECK_EQ(got.vendor, HV_CPU_INTEL);
	CHECK_EQ(got.phys_bits, host - 1);
	hv_vm_destroy(vm);
	t_teardown();
}

void
test_model_cpuid_msr(void)
{
	struct hv_vm_model intel = { HV_CPU_INTEL, 36, false };
	struct hv_vm_model amd = { HV_CPU_AMD, 0, false };
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	uint32_t a, b, c, d;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vm_set_model(vm, &intel), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	check_vendor(vcpu, 0, "GenuineIntel");
	/* Intel reserves leaf 0x80000000's EBX..EDX and most of 0x80000001 */
	hv_guest_cpuid(vcpu, 0x80000000u, 0, &a, &b, &c, &d);
	CHECK_EQ(b | c | d, 0);
	hv_guest_cpuid(vcpu, 0x80000001u, 0, &a, &b, &c, &d);
	CHECK_EQ(b, 0);
	CHECK_EQ(c & ~X86_CPUID81_ECX_INTEL, 0);
	CHECK_EQ(d & ~X86_CPUID81_EDX_INTEL, 0);
	hv_guest_cpuid(vcpu, 0x80000008u, 0, &a, &b, &c, &d);
	CHECK_EQ(a & 0xff, 36);
	CHECK_EQ(a & X86_CPUID88_EAX_GUEST_PHYS, 0);
	CHECK(rdmsr_ok(vcpu, X86_MSR_MISC_ENABLE));
	CHECK(!rdmsr_ok(vcpu, X86_MSR_K7_PERFCTR3));
	/* IA32_APIC_BASE's reserved bits begin at the guest's MAXPHYADDR */
	CHECK(!hv_lapic_base_write(vcpu, X86_APIC_DEFAULT_PA | X86_APIC_BASE_EN |
	    X86_APIC_BASE_BSP | (1ull << 36)));
	CHECK(hv_lapic_base_write(vcpu, X86_APIC_DEFAULT_PA | X86_APIC_BASE_EN |
	    X86_APIC_BASE_BSP | (1ull << 35)));
	hv_vm_destroy(vm);

	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vm_set_model(vm, &amd), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	check_vendor(vcpu, 0, "AuthenticAMD");
	check_vendor(vcpu, 0x80000000u, "AuthenticAMD");
	hv_guest_cpuid(vcpu, 0x80000008u, 0, &a, &b, &c, &d);
	CHECK_EQ(a & 0xff, (uint32_t)hv_guest_maxphyaddr);
	CHECK(!rdmsr_ok(vcpu, X86_MSR_MISC_ENABLE));
	CHECK(rdmsr_ok(vcpu, X86_MSR_K7_PERFCTR3));
	hv_vm_destroy(vm);
	t_teardown();
}
