/*
 * model.c - the CPU a VM's guest sees (hv.h: hv_vm_set_model): its vendor,
 * MAXPHYADDR and the VMware backdoor, chosen by the host before the first
 * vCPU.  The rules that follow them are where the guest sees them
 * (hv/cpuid.c, hv/msr.c, hv/vmport.c).
 */
#include "core.h"

/* the smallest MAXPHYADDR of a CPU with long mode hv gives: the 4 GiB a
 * 32-bit entry and the local APIC page need */
#define MODEL_PHYS_BITS_MIN	32

/* the vendor of the CPU under the guest: SVM is AMD's, VMX Intel's */
enum hv_cpu_vendor
hv_host_vendor(void)
{
	return hv_backend_svm ? HV_CPU_AMD : HV_CPU_INTEL;
}

void
hv_vm_model_init(struct hv_vm *vm)
{
	vm->model.vendor = hv_host_vendor();
	vm->model.phys_bits = (unsigned)hv_guest_maxphyaddr;
	vm->model.vmware_backdoor = false;
	hv_model_cpuid_init(vm);
}

int
hv_vm_set_model(struct hv_vm *vm, const struct hv_vm_model *m)
{
	struct hv_vm_model want;

	if (vm == NULL || m == NULL)
		return HV_EINVAL;
	want = *m;
	if (want.vendor == HV_CPU_HOST)
		want.vendor = hv_host_vendor();
	if (want.phys_bits == 0)
		want.phys_bits = (unsigned)hv_guest_maxphyaddr;
	if (want.vendor != HV_CPU_INTEL && want.vendor != HV_CPU_AMD) {
		hv_os_log("hv: guest%d: unknown CPU vendor %d\n", vm->id,
		    (int)m->vendor);
		return HV_EINVAL;
	}
	/* guest-physical addresses are host-physical ones under EPT/NPT: no
	 * wider than the host's (SDM Vol. 3C 28.2, APM Vol. 2 15.25) */
	if (want.phys_bits < MODEL_PHYS_BITS_MIN ||
	    want.phys_bits > (unsigned)hv_guest_maxphyaddr) {
		hv_os_log("hv: guest%d: MAXPHYADDR %u outside %d..%d\n", vm->id,
		    want.phys_bits, MODEL_PHYS_BITS_MIN, hv_guest_maxphyaddr);
		return HV_EINVAL;
	}
	/* the vCPUs' intercepts and MSR state were set from it at their
	 * creation */
	if (__atomic_load_n(&vm->nvcpus, __ATOMIC_SEQ_CST) != 0)
		return HV_EBUSY;
	vm->model = want;
	hv_model_cpuid_init(vm);
	return 0;
}

void
hv_vm_get_model(const struct hv_vm *vm, struct hv_vm_model *m)
{
	*m = vm->model;
}
