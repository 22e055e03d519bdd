/*
 * t_builtin.c - hosted test of hv_sysctl_dfly.c's handling of the kernel's
 * own vmm (hw.vmm): moved aside to hw.vmm_builtin while vmm.ko is loaded,
 * its enable leaf refusing writes (EBUSY) so that it never executes VMXON
 * on CPUs vmm.ko owns, and everything given back at unload.  The built-in
 * vmm is faked the way sys/platform/pc64/vmm/vmm.c registers it: a
 * writable enable leaf when it found VMX, a read-only one otherwise.
 */
#include <stdio.h>
#include "hv_os.h"
#include "vmm_dfly.h"
#include "fake_dfly.h"
#include "fake_sysctl.h"

static int checks, failed;
#define CHECK(c) do {							\
	checks++;							\
	if (!(c)) {							\
		failed++;						\
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);	\
	}								\
} while (0)

/* ---- the kernel's built-in vmm ---- */
static struct sysctl_ctx_list builtin_ctx;
static int builtin_enabled, builtin_debug;
static int builtin_writes;	/* enable writes that reached its handler */

static int
builtin_enable(SYSCTL_HANDLER_ARGS)
{
	int v = builtin_enabled;
	int error = SYSCTL_OUT(req, &v, sizeof(v));

	if (error != 0 || req->newptr == NULL)
		return error;
	builtin_writes++;	/* here DragonFly would run vmx_enable() */
	error = SYSCTL_IN(req, &v, sizeof(v));
	if (error == 0)
		builtin_enabled = v;
	return error;
}

static void
builtin_register(bool has_vmx)
{
	struct sysctl_oid *node;

	sysctl_ctx_init(&builtin_ctx);
	node = SYSCTL_ADD_NODE(&builtin_ctx, SYSCTL_STATIC_CHILDREN(_hw),
	    OID_AUTO, "vmm", CTLFLAG_RD, 0, "VMM options");
	if (has_vmx)
		SYSCTL_ADD_PROC(&builtin_ctx, SYSCTL_CHILDREN(node), OID_AUTO,
		    "enable", CTLTYPE_INT | CTLFLAG_WR, NULL, 0,
		    builtin_enable, "I", "Control the state of the VMM");
	else
		SYSCTL_ADD_INT(&builtin_ctx, SYSCTL_CHILDREN(node), OID_AUTO,
		    "enable", CTLFLAG_RD, &builtin_enabled, 0,
		    "enable not supported");
	SYSCTL_ADD_INT(&builtin_ctx, SYSCTL_CHILDREN(node), OID_AUTO,
	    "debug", CTLTYPE_INT | CTLFLAG_RW, &builtin_debug, 0, "debug");
}

static int
get_int(const char *name, int *v)
{
	size_t len = sizeof(*v);

	*v = -1;
	return fake_sysctl_rw(name, v, &len, NULL, 0);
}

static int
set_int(const char *name, int v)
{
	return fake_sysctl_rw(name, NULL, NULL, &v, sizeof(v));
}

/* ---- vmm.ko's own hw.vmm.enable, as hv publishes it ---- */
static int module_enable = 1;

static int
module_set(const struct hv_sysctl *leaf, uint64_t v)
{
	module_enable = (int)v;
	return 0;
}

static const struct hv_sysctl module_leaf = {
	"hw.vmm.enable", "virtualization on", HV_SYSCTL_INT, &module_enable,
	module_set
};

int
main(void)
{
	int v;

	/* the built-in vmm enabled: vmm.ko refuses to load */
	builtin_register(true);
	builtin_enabled = 1;
	vmm_sysctl_init();
	CHECK(vmm_sysctl_claim_builtin() == EBUSY);
	CHECK(get_int("hw.vmm.enable", &v) == 0 && v == 1);
	CHECK(strstr(dfly_log, "built-in vmm is enabled") != NULL);
	builtin_enabled = 0;

	/* loaded: the kernel's tree is hw.vmm_builtin, hv's is hw.vmm */
	CHECK(vmm_sysctl_claim_builtin() == 0);
	CHECK(hv_os_sysctl_add(&module_leaf) == 0);
	CHECK(get_int("hw.vmm.enable", &v) == 0 && v == 1);
	CHECK(get_int("hw.vmm_builtin.enable", &v) == 0 && v == 0);
	/* the fix: the write never reaches the built-in vmm's handler */
	CHECK(set_int("hw.vmm_builtin.enable", 1) == EBUSY);
	CHECK(builtin_writes == 0 && builtin_enabled == 0);
	CHECK(get_int("hw.vmm_builtin.enable", &v) == 0 && v == 0);
	/* its other leaves and vmm.ko's own enable are untouched */
	CHECK(set_int("hw.vmm_builtin.debug", 3) == 0 && builtin_debug == 3);
	CHECK(set_int("hw.vmm.enable", 0) == 0 && module_enable == 0);

	/* unloaded: hv's leaves gone, the kernel's name and handler back */
	hv_os_sysctl_remove_all();
	vmm_sysctl_release_builtin();
	CHECK(dfly_kmallocs_live == 0);
	CHECK(get_int("hw.vmm_builtin.enable", &v) == ENOENT);
	CHECK(get_int("hw.vmm.enable", &v) == 0 && v == 0);
	CHECK(set_int("hw.vmm.enable", 1) == 0 && builtin_writes == 1 &&
	    builtin_enabled == 1);
	set_int("hw.vmm.enable", 0);
	sysctl_ctx_free(&builtin_ctx);

	/* a built-in vmm without VMX: a read-only leaf, EPERM either way */
	builtin_register(false);
	CHECK(vmm_sysctl_claim_builtin() == 0);
	CHECK(set_int("hw.vmm_builtin.enable", 1) == EPERM);
	CHECK(get_int("hw.vmm_builtin.enable", &v) == 0 && v == 0);
	vmm_sysctl_release_builtin();
	CHECK(get_int("hw.vmm.enable", &v) == 0 && v == 0);
	sysctl_ctx_free(&builtin_ctx);

	printf("builtin: %d checks, %d failed\n", checks, failed);
	return failed != 0;
}
