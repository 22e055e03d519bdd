/*
 * translate.c - hv_vcpu_translate(): one guest-virtual address to
 * guest-physical, the way the copyin family sees it (guest page tables as of
 * the vCPU's last exit, checked at the guest's CPL).  Hosts need it for a
 * vkernel's "translate a guest address" request (DragonFly /dev/vmm).
 */
#include "core.h"

int
hv_vcpu_translate(struct hv_vcpu *vcpu, uint64_t gva, bool write, uint64_t *gpa)
{
	struct hv_gwalk_ctx ctx;
	bool user, paging;
	unsigned acc;
	int error;

	error = hv_vcpu_walk_ctx(vcpu, &ctx, &user, &paging);
	if (error != 0)
		return error;
	/* without paging a guest-virtual address is guest-physical */
	if (!paging) {
		if (gva >= vcpu->vm->mem_size)
			return HV_EFAULT;
		*gpa = gva;
		return 0;
	}
	acc = (write ? HV_ACC_WRITE : 0) | (user ? HV_ACC_USER : 0);
	return hv_gwalk(&ctx, gva, acc, gpa);
}
