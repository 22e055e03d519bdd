/*
 * quirk.c - hw.vmm.quirk.<name>: switches that put each historic 2013
 * DragonFly VMM bug back into hv/ exactly where it lived, so that testkern's
 * detectors can prove they name the symptom.  Only testkern builds define
 * HV_QUIRKS; the DragonFly module never contains any of this (make
 * module-check asserts it).
 */
#include "hv_quirk.h"
#include "hv_util.h"

#ifdef HV_QUIRKS

struct hv_quirks hv_quirk;

static int
quirk_set(const struct hv_sysctl *leaf, uint64_t value)
{
	if (value > 1)
		return HV_EINVAL;
	/* read at the next VM entry / pageout / teardown: no lock needed */
	__atomic_store_n((int *)leaf->ptr, (int)value, __ATOMIC_SEQ_CST);
	return 0;
}

/* the leaf hw.vmm.quirk.<field> of hv_quirk.<field> */
#define QUIRK(field, descr)						\
	{ "hw.vmm.quirk." #field, descr, HV_SYSCTL_INT, &hv_quirk.field,	\
	    quirk_set }

static const struct hv_sysctl hv_quirk_leaves[] = {
	QUIRK(stale_host_cr3, "VMX: HOST_CR3 written only when the vCPU moves "
	    "to another CPU (2013 bug)"),
	QUIRK(zero_host_fs, "HOST_FS_BASE not refreshed at entry (VMX: left 0; "
	    "SVM: host VMSAVE taken once) (2013 bug)"),
	QUIRK(std_copyin_on_guest, "guest addresses copied with the host's own "
	    "copyin routines (2013 bug)"),
	QUIRK(exec_frees_vmm, "VM teardown frees vCPU state while the vCPU "
	    "still runs (2013 reboot bug)"),
	QUIRK(no_cpusync_inval, "pageout skips the cross-CPU invalidation as "
	    "if only this CPU ran the VM (2013 bug)"),
};

int
hv_quirk_publish(void)
{
	return hv_sysctl_add_all(hv_quirk_leaves,
	    sizeof(hv_quirk_leaves) / sizeof(hv_quirk_leaves[0]));
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int quirks_not_built;
#endif
