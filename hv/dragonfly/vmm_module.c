/*
 * vmm_module.c - vmm.ko load/unload.
 *
 * Load: probe the CPU and publish hw.vmm (hv_init), turn virtualization on
 * on every CPU, then create /dev/vmm.  Unload: refused while a VM or an
 * open /dev/vmm exists; otherwise remove the device, turn virtualization
 * off on every CPU and free everything (hv_fini).
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

#include "hv.h"
#include "hv_os.h"
#include "vmm_dfly.h"

static int
vmm_load(void)
{
	int error;

	vmm_sysctl_init();
	error = vmm_sysctl_claim_builtin();
	if (error != 0)
		return (error);
	error = hv_init();
	if (error != 0) {
		kprintf("vmm: no usable VMX or SVM on this machine (error %d)\n",
		    error);
		goto fail;
	}
	error = hv_set_enable(true);
	if (error != 0) {
		kprintf("vmm: could not enable %s on every CPU (error %d)\n",
		    hv_type(), error);
		goto fail_hv;
	}
	error = vmm_dev_init();
	if (error != 0) {
		kprintf("vmm: cannot create /dev/vmm (error %d)\n", error);
		goto fail_hv;
	}
	kprintf("vmm: %s enabled on %d CPUs, control device /dev/vmm\n",
	    hv_type(), ncpus);
	return (0);

fail_hv:
	hv_fini();
fail:
	vmm_sysctl_release_builtin();
	return (error);
}

static int
vmm_unload(void)
{
	int error;

	error = vmm_dev_fini();
	if (error != 0)
		return (error);
	/*
	 * Drop hw.vmm before turning virtualization off, so that no sysctl
	 * write can turn it back on (or make hv_fini() fail and leave
	 * handlers pointing into an unloaded module).  If turning it off
	 * fails, vmm.ko stays loaded, and a later unload tries again.
	 */
	hv_os_sysctl_remove_all();
	error = hv_set_enable(false);
	if (error != 0) {
		kprintf("vmm: cannot turn %s off (error %d); staying loaded\n",
		    hv_type(), error);
		return (error);
	}
	hv_fini();
	vmm_sysctl_release_builtin();
	kprintf("vmm: unloaded\n");
	return (0);
}

static int
vmm_modevent(module_t mod, int type, void *data)
{
	switch (type) {
	case MOD_LOAD:
		return (vmm_load());
	case MOD_UNLOAD:
		return (vmm_unload());
	case MOD_SHUTDOWN:
		/*
		 * VMX operation blocks INIT, which a warm reboot may need; turn
		 * it off unless a VM still exists (then hv refuses, and says so).
		 */
		if (hv_is_enabled() && !vmm_dev_busy() &&
		    hv_set_enable(false) != 0)
			kprintf("vmm: virtualization left on at shutdown\n");
		return (0);
	}
	return (EOPNOTSUPP);
}

static moduledata_t vmm_mod = {
	"vmm",
	vmm_modevent,
	NULL
};

DECLARE_MODULE(vmm, vmm_mod, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION(vmm, 1);
