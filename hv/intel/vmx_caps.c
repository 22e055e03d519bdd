/*
 * vmx_caps.c - VMX detection (probe): is VMX there and allowed (CPUID,
 * IA32_FEATURE_CONTROL), the capability MSRs read through vmx_ctls.c, the
 * preemption-timer rate; publishes hw.vmm.vmx.* from the raw values.
 */
#include "vmx.h"
#include "vmx_cpu.h"

#define FC_LOCK			(1ull << 0)
#define FC_VMX_OUTSIDE_SMX	(1ull << 2)

static const struct hv_sysctl vmx_leaves[] = {
	{ "hw.vmm.vmx.revision", "VMCS revision identifier (IA32_VMX_BASIC 30:0)",
	  HV_SYSCTL_U32, &vmx_caps.revision, NULL },
	{ "hw.vmm.vmx.region_size", "VMXON/VMCS region size in bytes (BASIC 44:32)",
	  HV_SYSCTL_U32, &vmx_caps.region_size, NULL },
	{ "hw.vmm.vmx.width_addr", "1: VMX structure addresses limited to 32 bits (BASIC 48)",
	  HV_SYSCTL_INT, &vmx_caps.width_addr, NULL },
	{ "hw.vmm.vmx.basic", "IA32_VMX_BASIC",
	  HV_SYSCTL_U64, &vmx_caps.basic, NULL },
	{ "hw.vmm.vmx.pinbased_ctls", "pin-based controls MSR (allowed-1 63:32, allowed-0 31:0)",
	  HV_SYSCTL_U64, &vmx_caps.pinbased, NULL },
	{ "hw.vmm.vmx.procbased_ctls", "primary processor-based controls MSR",
	  HV_SYSCTL_U64, &vmx_caps.procbased, NULL },
	{ "hw.vmm.vmx.procbased2_ctls", "secondary processor-based controls MSR (0: none)",
	  HV_SYSCTL_U64, &vmx_caps.procbased2, NULL },
	{ "hw.vmm.vmx.exit_ctls", "VM-exit controls MSR",
	  HV_SYSCTL_U64, &vmx_caps.exit, NULL },
	{ "hw.vmm.vmx.entry_ctls", "VM-entry controls MSR",
	  HV_SYSCTL_U64, &vmx_caps.entry, NULL },
	{ "hw.vmm.vmx.misc", "IA32_VMX_MISC",
	  HV_SYSCTL_U64, &vmx_caps.misc, NULL },
	{ "hw.vmm.vmx.cr0_fixed0", "CR0 bits that must be 1 in VMX operation",
	  HV_SYSCTL_U64, &vmx_caps.cr0_fixed0, NULL },
	{ "hw.vmm.vmx.cr0_fixed1", "CR0 bits that may be 1 in VMX operation",
	  HV_SYSCTL_U64, &vmx_caps.cr0_fixed1, NULL },
	{ "hw.vmm.vmx.cr4_fixed0", "CR4 bits that must be 1 in VMX operation",
	  HV_SYSCTL_U64, &vmx_caps.cr4_fixed0, NULL },
	{ "hw.vmm.vmx.cr4_fixed1", "CR4 bits that may be 1 in VMX operation",
	  HV_SYSCTL_U64, &vmx_caps.cr4_fixed1, NULL },
	{ "hw.vmm.vmx.ept_vpid_cap", "IA32_VMX_EPT_VPID_CAP (0: none)",
	  HV_SYSCTL_U64, &vmx_caps.ept_vpid_cap, NULL },
	{ "hw.vmm.vmx.ept", "1: EPT supported",
	  HV_SYSCTL_INT, &vmx_caps.ept, NULL },
	{ "hw.vmm.vmx.vpid", "1: VPID supported and used",
	  HV_SYSCTL_INT, &vmx_caps.vpid, NULL },
	{ "hw.vmm.vmx.unrestricted_guest", "1: unrestricted guest supported (used: paging-off boot states)",
	  HV_SYSCTL_INT, &vmx_caps.unrestricted, NULL },
	{ "hw.vmm.vmx.preempt_timer", "VMX-preemption timer value loaded at each "
	  "entry (about 10 ms; 0: no timer)",
	  HV_SYSCTL_U32, &vmx_caps.preempt_value, NULL },
	{ "hw.vmm.vmx.pinbased_used", "pin-based controls the backend runs with",
	  HV_SYSCTL_U32, &vmx_caps.pin_ctls, NULL },
	{ "hw.vmm.vmx.procbased_used", "primary processor-based controls in use",
	  HV_SYSCTL_U32, &vmx_caps.proc_ctls, NULL },
	{ "hw.vmm.vmx.procbased2_used", "secondary processor-based controls in use",
	  HV_SYSCTL_U32, &vmx_caps.proc2_ctls, NULL },
	{ "hw.vmm.vmx.exit_used", "VM-exit controls in use",
	  HV_SYSCTL_U32, &vmx_caps.exit_ctls, NULL },
	{ "hw.vmm.vmx.entry_used", "VM-entry controls in use",
	  HV_SYSCTL_U32, &vmx_caps.entry_ctls, NULL },
};

#define PREEMPT_MS		10	/* guest time between two forced exits */
#define CALIBRATE_NS		2000000	/* TSC measured against hv_os_time_ns */

/*
 * The VMX-preemption timer bounds every entry: a guest that spins with
 * interrupts off still exits every PREEMPT_MS, so the host's watchdog runs on
 * time.  External-interrupt exits should do that on their own, but Bochs 2.7
 * never takes one while the guest has RFLAGS.IF=0 from the entry on (it
 * computes the interrupt mask before it counts itself in VMX non-root).  The
 * timer counts TSC >> MISC[4:0] (SDM 25.5.1); the TSC rate is measured.
 */
static uint32_t
preempt_value(void)
{
	uint64_t t0, t1, c0, c1, per_ms, v;

	t0 = hv_os_time_ns();
	c0 = hv_rdtsc();
	do {
		t1 = hv_os_time_ns();
		c1 = hv_rdtsc();
	} while (t1 - t0 < CALIBRATE_NS && c1 - c0 < (1ull << 40));
	if (t1 <= t0)
		return 0xffffffffu;
	per_ms = (c1 - c0) * 1000000 / (t1 - t0);
	v = (per_ms * PREEMPT_MS) >> vmx_caps.preempt_shift;
	if (v == 0)
		v = 1;
	return v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

/*
 * SDM 23.7: VMXON outside SMX needs IA32_FEATURE_CONTROL bit 2 and the lock
 * bit.  Locked without bit 2 (the BIOS said no) only a reset changes it;
 * unlocked, we enable and lock it.  The MSR is per core: probe checks the
 * boot CPU, cpu_enable every CPU.
 */
int
vmx_feature_control(void)
{
	uint64_t fc = hv_rdmsr(X86_MSR_FEATURE_CONTROL);

	if ((fc & FC_LOCK) && !(fc & FC_VMX_OUTSIDE_SMX)) {
		hv_os_log("hv: vmx: cpu %d: VMX disabled by BIOS "
		    "(IA32_FEATURE_CONTROL 0x%llx locked without VMX)\n",
		    hv_os_cpu_id(), (unsigned long long)fc);
		return HV_ENODEV;
	}
	if (!(fc & FC_LOCK))
		hv_wrmsr(X86_MSR_FEATURE_CONTROL,
		    fc | FC_LOCK | FC_VMX_OUTSIDE_SMX);
	return 0;
}

int
vmx_probe(void)
{
	uint32_t r[4];
	int error;

	hv_cpuid(1, 0, r);
	if (!(r[2] & X86_CPUID1_ECX_VMX)) {
		hv_os_log("hv: vmx: CPU has no VMX (CPUID.1:ECX bit 5 clear)\n");
		return HV_ENODEV;
	}
	if ((error = vmx_feature_control()) != 0)
		return error;
	if ((error = vmx_caps_read(&vmx_caps, hv_rdmsr)) != 0)
		return error;
	if ((error = vmx_caps_pick(&vmx_caps)) != 0)
		return error;
	vmx_caps.preempt_value = vmx_caps.preempt_timer ? preempt_value() : 0;
	if ((error = vmx_percpu_alloc()) != 0)
		return error;
	error = hv_sysctl_add_all(vmx_leaves, sizeof(vmx_leaves) / sizeof(vmx_leaves[0]));
	if (error != 0)
		return error;
	return hv_stats_exits_init(hv_vmx_exit_stat_name, VMX_NREASONS);
}
