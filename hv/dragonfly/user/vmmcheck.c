/*
 * vmmcheck - the first user process (init) of a DragonFly kernel booted to
 * test vmm.ko from user space, the way a vkernel uses it: it loads
 * /boot/vmm.ko (kldload), drives every ioctl of /dev/vmm (vmm_dev.h) with
 * the guest images under /guests, checks the hw.vmm sysctls, the TLS (FS
 * base) of its threads across VM exits, that vmm.ko refuses to unload
 * while /dev/vmm is open and unloads after, then powers the machine off.
 * Statically linked and freestanding (no libc): raw system calls only.
 * Results are CHECK/RESULT/SUMMARY lines on /dev/console (docs/CONSOLE.md).
 *
 * The kernel environment variable vmmcheck.sysctl=NAME=VALUE (a loader
 * variable) is written through __sysctl inside the FS-base test, before its
 * threads start: a test build of vmm.ko uses it to switch a quirk on
 * (hw.vmm.quirk.*).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include "hv_abi.h"
#include "hv_impl.h"
#include "guest.h"
#include "out.h"
#include "sys.h"
#include "sysctl.h"
#include "vmmcheck.h"

#define VMM_KO		"/boot/vmm.ko"

static char backend[8] = "none";
static int vmm_fileid = -1;

const char *
errname(long e)
{
	static const struct { int no; const char *name; } names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { EBADF, "EBADF" },
		{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
		{ ENOTTY, "ENOTTY" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ENOEXEC, "ENOEXEC" },
	};
	static char other[16];
	unsigned i;

	if (e < 0)
		e = -e;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].no == e)
			return (names[i].name);
	hv_snprintf(other, sizeof(other), "errno %ld", e);
	return (other);
}

const char *
backend_name(void)
{
	return (backend);
}

/* vmm.ko from the root file system, so that kldunload may remove it. */
static void
test_load(void)
{
	char type[64];
	size_t len = sizeof(type);
	long e;

	test_begin("dfly_load");
	e = vc_kldload(VMM_KO);
	check(e > 0, "kldload(" VMM_KO ") = %ld%s%s", e, e < 0 ? " " : "",
	    e < 0 ? errname(e) : "");
	vmm_fileid = (int)e;
	e = sysctl_get("hw.vmm.type", type, &len);
	if (e != 0)
		type[0] = '\0';
	check(e == 0 && len > 4, "hw.vmm.type = \"%s\" (%s)", type, errname(e));
	/* "SVM from AMD", "VMX from Intel" (hv_type) */
	if (type[0] == 'S')
		hv_snprintf(backend, sizeof(backend), "svm");
	else if (type[0] == 'V')
		hv_snprintf(backend, sizeof(backend), "vmx");
	test_end(backend);
}

/* The kernel environment's vmmcheck.sysctl=NAME=VALUE, if any. */
void
apply_env_sysctl(void)
{
	char var[96], *val;
	int n = 0, old = -1;
	long e;

	if (vc_kenv_get("vmmcheck.sysctl", var, sizeof(var)) < 0)
		return;
	for (val = var; *val != '\0' && *val != '='; val++)
		;
	if (*val != '=')
		return;
	*val++ = '\0';
	while (*val >= '0' && *val <= '9')
		n = n * 10 + (*val++ - '0');
	sysctl_get_int(var, &old);
	e = sysctl_set_int(var, n);
	out_line("vmmcheck: sysctl %s: %d -> %d (%s)", var, old, n, errname(e));
}

int vc_main(int argc, char **argv);

int
vc_main(int argc, char **argv)
{
	out_open_console();
	out_line("vmmcheck: %s: /dev/vmm from user space", argc > 0 ? argv[0] :
	    "init");
	test_load();
	if (vmm_fileid > 0) {
		test_dev();
		test_irq();
		test_destroy();
		test_fsbase();
		test_sysctl();
		test_unload(vmm_fileid);
	}
	summary();
	vc_poweroff();
}
