/*
 * hv.c - global life cycle: pick the backend by CPU vendor, publish hw.vmm.*,
 * turn virtualization on and off on every CPU.
 */
#include "core.h"

/*
 * The backends may be absent from a build (one vendor only, or not yet
 * written): weak references resolve to NULL then and hv_init says so.
 */
#pragma weak hv_vmx_ops
#pragma weak hv_svm_ops

const struct hv_backend_ops *hv_ops;
bool hv_backend_svm;
int hv_guest_maxphyaddr = 36;

static int hv_enabled;		/* hw.vmm.enable as published (exactly an int: its
				 * sysctl type); only hv_set_enable writes it */
static const char *hv_type_str = "none";	/* hw.vmm.type */
static volatile int hv_switching;	/* an enable/disable is in progress */

/*
 * The gate: whether virtualization is on (GATE_ON) and how many VMs exist
 * (the rest, in units of GATE_VM), in one word, so that creation and
 * disabling decide on the same value with a compare-and-swap and neither
 * ever changes what the other sees on a path it then undoes: a create
 * counts itself only while the gate is on, a disable turns the gate off
 * only while it counts no VM.  A refused disable (HV_EBUSY) leaves the
 * gate as it was: runs and creates going on meanwhile see it on.
 */
#define GATE_ON		1u
#define GATE_VM		2u
static volatile unsigned hv_gate;

int
hv_vm_count_get(void)
{
	unsigned cur = __atomic_load_n(&hv_gate, __ATOMIC_SEQ_CST);

	do {
		if (!(cur & GATE_ON))
			return HV_ENODEV;
	} while (!__atomic_compare_exchange_n(&hv_gate, &cur, cur + GATE_VM,
	    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return 0;
}

void
hv_vm_count_put(void)
{
	__atomic_sub_fetch(&hv_gate, GATE_VM, __ATOMIC_SEQ_CST);
}

/* Gate on with no VM -> off; false (nothing changed) while a VM exists. */
static bool
gate_close(void)
{
	unsigned on = GATE_ON;

	return __atomic_compare_exchange_n(&hv_gate, &on, 0, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

bool
hv_is_enabled(void)
{
	return (__atomic_load_n(&hv_gate, __ATOMIC_SEQ_CST) & GATE_ON) != 0;
}

const char *
hv_type(void)
{
	return hv_type_str;
}

static void
disable_cpus(int n)
{
	int cpu;

	for (cpu = 0; cpu < n; cpu++)
		(void)hv_os_on_cpu(cpu, hv_ops->cpu_disable, NULL);
}

int
hv_set_enable(bool on)
{
	int cpu, ncpus, error = 0;

	if (hv_ops == NULL)
		return HV_ENODEV;
	if (__atomic_exchange_n(&hv_switching, 1, __ATOMIC_ACQUIRE) != 0)
		return HV_EBUSY;
	if (on == hv_is_enabled())
		goto out;	/* writing the current value changes nothing */
	ncpus = hv_os_ncpus();
	if (on) {
		for (cpu = 0; cpu < ncpus; cpu++) {
			error = hv_os_on_cpu(cpu, hv_ops->cpu_enable, NULL);
			if (error != 0) {
				/* never leave some CPUs in VMX/SVM operation */
				hv_os_log("hv: enabling %s on cpu %d failed (error %d); "
				    "cpus 0..%d rolled back\n", hv_type_str, cpu, error,
				    cpu - 1);
				disable_cpus(cpu);
				goto out;
			}
		}
		/* off, so no VM: on with none */
		__atomic_store_n(&hv_gate, GATE_ON, __ATOMIC_SEQ_CST);
		__atomic_store_n(&hv_enabled, 1, __ATOMIC_SEQ_CST);
	} else {
		if (!gate_close()) {
			error = HV_EBUSY;
			goto out;
		}
		__atomic_store_n(&hv_enabled, 0, __ATOMIC_SEQ_CST);
		disable_cpus(ncpus);
	}
out:
	__atomic_store_n(&hv_switching, 0, __ATOMIC_RELEASE);
	return error;
}

static int
enable_set(const struct hv_sysctl *leaf, uint64_t value)
{
	if (value > 1)
		return HV_EINVAL;
	return hv_set_enable(value != 0);
}

static const struct hv_sysctl hv_leaves[] = {
	{ "hw.vmm.type", "hardware virtualization in use", HV_SYSCTL_STRING,
	    &hv_type_str, NULL },
	{ "hw.vmm.enable", "virtualization on (1) or off (0) on every CPU",
	    HV_SYSCTL_INT, &hv_enabled, enable_set },
};

int
hv_init_ops(const struct hv_backend_ops *ops)
{
	uint32_t r[4];
	int error;

	if (hv_ops != NULL)
		return HV_EBUSY;	/* already initialised */
	if (hv_os_ncpus() > HV_MAX_CPUS) {
		hv_os_log("hv: %d CPUs, at most %d supported\n", hv_os_ncpus(),
		    HV_MAX_CPUS);
		return HV_ENOTSUP;
	}
	hv_cpuid(0x80000000u, 0, r);
	if (r[0] >= 0x80000008u) {
		hv_cpuid(0x80000008u, 0, r);
		hv_guest_maxphyaddr = (int)(r[0] & 0xff);
	}
	hv_ops = ops;
	hv_type_str = ops->type;
	error = ops->probe();
	if (error != 0) {
		hv_os_log("hv: %s not usable (error %d)\n", ops->type, error);
		goto fail;
	}
	error = hv_fpu_cpus_alloc();
	if (error != 0)
		goto fail;
	error = hv_sysctl_add_all(hv_leaves, sizeof(hv_leaves) / sizeof(hv_leaves[0]));
	if (error != 0)
		goto fail;
	error = hv_stats_publish();
	if (error != 0)
		goto fail;
	error = hv_console_publish();
	if (error != 0)
		goto fail;
#ifdef HV_QUIRKS
	error = hv_quirk_publish();
	if (error != 0)
		goto fail;
#endif
#ifdef HV_HOSTCHECK
	error = hv_hostcheck_publish();
	if (error != 0)
		goto fail;
#endif
	return 0;
fail:
	hv_os_sysctl_remove_all();
	hv_stats_fini();
	if (ops->fini != NULL)
		ops->fini();
	hv_fpu_cpus_free();
	hv_ops = NULL;
	hv_type_str = "none";
	return error;
}

int
hv_init(void)
{
	uint32_t r[4];
	char vendor[13];
	const struct hv_backend_ops *ops;

	if (hv_ops != NULL)
		return HV_EBUSY;	/* before hv_backend_svm changes */
	hv_cpuid(0, 0, r);
	/* The vendor string is EBX, EDX, ECX (SDM Vol. 2A, CPUID leaf 0). */
	hv_memcpy(vendor, &r[1], 4);
	hv_memcpy(vendor + 4, &r[3], 4);
	hv_memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';
	if (r[1] == X86_VENDOR_INTEL_EBX && r[3] == X86_VENDOR_INTEL_EDX &&
	    r[2] == X86_VENDOR_INTEL_ECX) {
		ops = &hv_vmx_ops;
		hv_backend_svm = false;
	} else if (r[1] == X86_VENDOR_AMD_EBX && r[3] == X86_VENDOR_AMD_EDX &&
	    r[2] == X86_VENDOR_AMD_ECX) {
		ops = &hv_svm_ops;
		hv_backend_svm = true;
	} else {
		hv_os_log("hv: CPU vendor '%s' has neither VMX nor SVM\n", vendor);
		return HV_ENODEV;
	}
	if (ops == NULL) {
		hv_os_log("hv: no %s backend in this build (CPU vendor '%s')\n",
		    hv_backend_svm ? "SVM" : "VMX", vendor);
		return HV_ENODEV;
	}
	return hv_init_ops(ops);
}

void
hv_fini(void)
{
	int error;

	if (hv_ops == NULL)
		return;
	error = hv_set_enable(false);
	if (error != 0) {
		/* VMs still exist: their backend state must stay valid */
		hv_os_log("hv: fini refused: cannot disable (error %d, %u VMs)\n",
		    error, __atomic_load_n(&hv_gate, __ATOMIC_SEQ_CST) / GATE_VM);
		return;
	}
	hv_os_sysctl_remove_all();
	hv_stats_fini();
	/* no CPU is in VMX/SVM operation now: its pages may go */
	if (hv_ops->fini != NULL)
		hv_ops->fini();
	hv_fpu_cpus_free();
	hv_ops = NULL;
	hv_type_str = "none";
}
