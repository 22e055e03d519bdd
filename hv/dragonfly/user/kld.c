/*
 * kld.c - vmmcheck's tests of vmm.ko as a module: its hw.vmm sysctls read
 * through __sysctl, the kernel's own vmm (renamed hw.vmm_builtin while
 * vmm.ko is loaded) refusing to be enabled, and kldunload refused while
 * /dev/vmm is open and done after the last close.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include "guest.h"
#include "out.h"
#include "sys.h"
#include "sysctl.h"
#include "vmmcheck.h"

void
test_sysctl(void)
{
	uint64_t exits = 0, injected = 0, host_hc = 0;
	int enable = -1, builtin = -1, after = -1;
	long e, e2, e3;

	test_begin("dfly_sysctl");
	e = sysctl_get_int("hw.vmm.enable", &enable);
	check(e == 0 && enable == 1, "hw.vmm.enable = %d (%s)", enable,
	    errname(e));
	e = sysctl_get_u64("hw.vmm.stats.exits", &exits);
	e2 = sysctl_get_u64("hw.vmm.stats.hypercalls_host", &host_hc);
	check(e == 0 && e2 == 0 && exits >= host_hc && host_hc >= 100,
	    "hw.vmm.stats.exits = %lu, hypercalls_host = %lu (%s, %s)",
	    (unsigned long)exits, (unsigned long)host_hc, errname(e),
	    errname(e2));
	e = sysctl_get_u64("hw.vmm.stats.irqs_injected", &injected);
	check(e == 0 && injected == 6, "hw.vmm.stats.irqs_injected = %lu (%s)",
	    (unsigned long)injected, errname(e));
	e = sysctl_set_int("hw.vmm.enable", 0);
	check(e == 0, "hw.vmm.enable=0 with no VM = %s",
	    errname(e));
	e2 = sysctl_set_int("hw.vmm.enable", 1);
	sysctl_get_int("hw.vmm.enable", &enable);
	check(e == 0 && e2 == 0 && enable == 1, "hw.vmm.enable=1 again = %s: "
	    "%d", errname(e2), enable);

	/*
	 * The kernel's own vmm would execute VMXON on CPUs where vmm.ko
	 * already did: the write must be refused and change nothing.
	 */
	e = sysctl_get_int("hw.vmm_builtin.enable", &builtin);
	e2 = sysctl_set_int("hw.vmm_builtin.enable", 1);
	e3 = sysctl_get_int("hw.vmm_builtin.enable", &after);
	sysctl_get_int("hw.vmm.enable", &enable);
	check(e == 0 && e3 == 0 && builtin == 0 && after == 0 &&
	    (e2 == -EBUSY || e2 == -EPERM) && enable == 1,
	    "hw.vmm_builtin.enable = %d; writing 1: %s; then %d, "
	    "hw.vmm.enable = %d", builtin, errname(e2), after, enable);
	test_end(backend_name());
}

void
test_unload(int fileid)
{
	int builtin = -1;
	long fd, e;

	test_begin("dfly_unload");
	fd = vc_open(VMM_DEV_PATH, O_RDWR);
	check(fd >= 0, "open(" VMM_DEV_PATH ") = %ld", fd);
	e = vc_kldunload(fileid);
	check(e == -EBUSY, "kldunload(%d) with /dev/vmm open = %s", fileid,
	    errname(e));
	e = sysctl_get_int("hw.vmm_builtin.enable", &builtin);
	check(e == 0, "vmm.ko still loaded: hw.vmm_builtin.enable = %d (%s)",
	    builtin, errname(e));
	e = vc_close((int)fd);
	check(e == 0, "last close = %s", errname(e));
	e = vc_kldunload(fileid);
	check(e == 0, "kldunload(%d) after = %s", fileid, errname(e));
	fd = vc_open(VMM_DEV_PATH, O_RDWR);
	check(fd == -ENOENT, "open(" VMM_DEV_PATH ") after = %s", errname(fd));
	if (fd >= 0)
		vc_close((int)fd);
	e = sysctl_get_int("hw.vmm_builtin.enable", &builtin);
	check(e == -ENOENT, "hw.vmm_builtin after = %s", errname(e));
	e = sysctl_get_int("hw.vmm.enable", &builtin);
	check(e == 0 && builtin == 0, "hw.vmm.enable (the kernel's own vmm "
	    "again) = %d (%s)", builtin, errname(e));
	test_end(backend_name());
}
