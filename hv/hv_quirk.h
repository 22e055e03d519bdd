/*
 * hv_quirk.h - the historic-bug switches (hv/quirk.c).  Public to testkern,
 * whose detectors and host-side copy dispatch read them; only builds that
 * define HV_QUIRKS (testkern) have them, elsewhere HV_QUIRK(name) is 0 and
 * the DragonFly module holds none of this (make module-check).
 */
#ifndef HV_QUIRK_H
#define HV_QUIRK_H

#ifdef HV_QUIRKS
/* hw.vmm.quirk.<name> (0/1): each re-introduces one 2013 bug at one place. */
struct hv_quirks {
	int	stale_host_cr3;		/* hv/intel/vmcs.c, vmx.c */
	int	zero_host_fs;		/* hv/intel/vmcs.c, hv/amd/svm.c */
	int	std_copyin_on_guest;	/* the host's copy dispatch (testkern) */
	int	exec_frees_vmm;		/* hv/vm.c teardown */
	int	no_cpusync_inval;	/* hv/gmem.c invalidate() */
};
extern struct hv_quirks hv_quirk;
int	 hv_quirk_publish(void);
#define HV_QUIRK(name)	(__atomic_load_n(&hv_quirk.name, __ATOMIC_RELAXED) != 0)
#else
#define HV_QUIRK(name)	0
#endif

#endif /* HV_QUIRK_H */
