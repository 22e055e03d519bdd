/*
 * hv_life.c - hv's global life cycle on the running kernel.
 *
 * hv_reinit: hv_fini() gives back every per-CPU page (the backend's through
 * ops->fini: VMXON regions, or SVM host save areas and host VMCBs; the
 * core's host FPU areas), and hv_init() afterwards brings hv back as it
 * was: the same page count, hw.vmm.* published again, enabled again if it
 * was, and a guest runs.  What vmm.ko's unload relies on.
 */
#include "vmtests.h"
#include "ktest.h"
#include "cpu.h"
#include "mm.h"
#include "sysctl.h"

extern volatile int64_t hv_pages_live;	/* hv_host.c: hv_os_page_alloc - free */

static void
leaf_str(const struct hv_sysctl *leaf, void *ctx)
{
	sysctl_format(leaf, ctx, 64);
}

KTEST(hv_reinit, "hv_fini frees every per-CPU page, hv_init after it restores hv (pages, sysctls, enable, a guest runs)")
{
	char type[64], scratch[64], before_type[64] = "", after_type[64] = "";
	uint64_t before, after;
	int64_t held, held_mid, want;
	bool was_enabled = hv_is_enabled(), svm;
	const struct guest_run_cfg cfg = { .image = "hello.bin", .quiet = true };
	struct guest_run_result r = { 0 };
	int error, n;

	if (strcmp(hv_type(), "none") == 0) {
		/* the words of vm_begin: the harness expects one reason */
		ktest_skip("hv_init failed: no usable VMX or SVM (hw.vmm.type=none)");
		return;
	}
	ktest_set_backend(vm_backend_name());
	svm = strcmp(vm_backend_name(), "svm") == 0;
	ksnprintf(type, sizeof(type), "%s", hv_type());
	sysctl_foreach("hw.vmm.type", leaf_str, before_type);
	before = pmm_used();
	held = hv_pages_live;
	hv_fini();
	held_mid = hv_pages_live;
	/* per CPU: VMXON region, or SVM host save area and host VMCB; and
	 * the host FPU area.  No VM exists, so that is all hv holds. */
	want = (int64_t)ncpus * (svm ? 3 : 2);
	report(strcmp(hv_type(), "none") == 0 && !hv_is_enabled(),
	    "after hv_fini: type=%s enabled=%d (want none, 0)",
	    hv_type(), (int)hv_is_enabled());
	report(held - held_mid == want && held_mid == 0, "hv_fini freed=%ld "
	    "pages want=%ld (cpus=%d x per_cpu=%d), hv holds=%ld (want 0)",
	    (long)(held - held_mid), (long)want, ncpus, svm ? 3 : 2,
	    (long)held_mid);
	n = sysctl_foreach("hw.vmm", leaf_str, scratch);
	report(n == 0, "hw.vmm leaves after hv_fini: leaves=%d (want 0)", n);
	error = hv_init();
	report(error == 0, "hv_init after hv_fini: error=%s", vm_err(error));
	if (error == 0 && was_enabled)
		error = hv_set_enable(true);
	after = pmm_used();
	report(after == before && hv_pages_live == held, "pages in use: before=%lu "
	    "after=%lu hv_fini + hv_init (want equal); hv holds held=%ld, "
	    "held_before=%ld", (unsigned long)before, (unsigned long)after,
	    (long)hv_pages_live, (long)held);
	n = sysctl_foreach("hw.vmm.type", leaf_str, after_type);
	report(n == 1 && strcmp(after_type, before_type) == 0 &&
	    strcmp(hv_type(), type) == 0, "hw.vmm.type readable again: type=\"%s\" "
	    "type_before=\"%s\"", after_type, before_type);
	report(error == 0 && hv_is_enabled() == was_enabled,
	    "hw.vmm.enable enabled=%d as before=%d: error=%s", (int)hv_is_enabled(),
	    (int)was_enabled, vm_err(error));
	/* the new per-CPU pages work: a guest runs (enabling if needed) */
	if (!vm_begin())
		return;
	error = guest_run_image(&cfg, &r);
	report(error == 0 && r.end == VR_DONE && r.exit_code == 0,
	    "hello.bin after the re-init: end=%s exit=%ld%s%s",
	    error == 0 ? vmrun_end_name(r.end) : vm_err(error),
	    (long)r.exit_code, r.errmsg[0] ? ": " : "", r.errmsg);
	if (!was_enabled)
		(void)hv_set_enable(false);
}
