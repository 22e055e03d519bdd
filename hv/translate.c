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
	struct hv_gva_ctx c;
	int error;

	error = hv_vcpu_enter(vcpu);	/* HV_ENOENT once torn down */
	if (error != 0)
		return error;
	error = hv_gva_begin(vcpu, &c);
	if (error == 0) {
		c.walk.or64 = NULL;	/* a query, not an access: no A/D flags */
		error = hv_gva_translate(&c, gva, write, gpa);
	}
	hv_vcpu_leave(vcpu);
	return error;
}
