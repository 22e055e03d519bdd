/*
 * hv_sysctl_dfly.c - hv_os_sysctl_add()/remove_all() on DragonFly: the
 * hw.vmm tree is built at run time with dynamic sysctl nodes on one
 * module-wide sysctl context, because which leaves exist depends on the
 * virtualization extension hv found (hw.vmm.vmx.* or hw.vmm.svm.*).
 *
 * Every DragonFly pc64 kernel has its own built-in vmm, which owns hw.vmm
 * too.  While vmm.ko is loaded the built-in node is renamed hw.vmm_builtin
 * so that the module's leaves do not collide with the kernel's, and its
 * enable leaf refuses writes (EBUSY): enabling the built-in vmm would
 * execute VMXON on CPUs already in VMX operation under vmm.ko.  Unload
 * gives the name and the leaf's handler back.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/queue.h>
#include <sys/sysctl.h>

#include "hv_os.h"
#include "vmm_dfly.h"

#define HV_SYSCTL_ROOT		"hw."
#define HV_SYSCTL_NAMEMAX	128
#define BUILTIN_NAME		"vmm_builtin"

/* One published leaf: a private copy, so the caller's struct may go away. */
struct hv_sysctl_rec {
	struct hv_sysctl		leaf;
	SLIST_ENTRY(hv_sysctl_rec)	link;
};

static struct sysctl_ctx_list vmm_sysctl_ctx;
static SLIST_HEAD(, hv_sysctl_rec) vmm_sysctl_recs =
    SLIST_HEAD_INITIALIZER(vmm_sysctl_recs);
static struct sysctl_oid *vmm_builtin_oid;	/* the kernel's hw.vmm, renamed */
static struct sysctl_oid *vmm_builtin_enable;	/* its enable leaf */
static int (*vmm_builtin_enable_handler)(SYSCTL_HANDLER_ARGS);	/* its own */

void
vmm_sysctl_init(void)
{
	sysctl_ctx_init(&vmm_sysctl_ctx);
}

/*
 * Read handler for every leaf; for writable ones, parse the new value and
 * hand it to the leaf's setter, which alone decides whether it is applied
 * (the host never writes the variable itself).
 */
static int
hv_sysctl_handler(SYSCTL_HANDLER_ARGS)
{
	const struct hv_sysctl *leaf = &((struct hv_sysctl_rec *)arg1)->leaf;
	union {
		int i;
		uint32_t u32;
		uint64_t u64;
	} v;		/* the value in the leaf's own width, in and out */
	size_t size;
	uint64_t newval;
	int error;

	switch (leaf->type) {
	case HV_SYSCTL_INT:
		v.i = *(const volatile int *)leaf->ptr;
		size = sizeof(v.i);
		break;
	case HV_SYSCTL_U32:
		v.u32 = *(const volatile uint32_t *)leaf->ptr;
		size = sizeof(v.u32);
		break;
	case HV_SYSCTL_U64:
		v.u64 = *(const volatile uint64_t *)leaf->ptr;
		size = sizeof(v.u64);
		break;
	case HV_SYSCTL_STRING:
		return (sysctl_handle_string(oidp,
		    __DECONST(char *, *(const char *const *)leaf->ptr), 0, req));
	default:
		return (EINVAL);
	}
	error = SYSCTL_OUT(req, &v, size);
	if (error != 0 || req->newptr == NULL)
		return (error);
	error = SYSCTL_IN(req, &v, size);
	if (error != 0)
		return (error);
	newval = leaf->type == HV_SYSCTL_INT ? (uint64_t)(int64_t)v.i :
	    leaf->type == HV_SYSCTL_U32 ? v.u32 : v.u64;
	if (leaf->set == NULL)
		return (EPERM);
	/* HV_E* values are the BSD errno values. */
	return (leaf->set(leaf, newval));
}

static int
hv_sysctl_kind(const struct hv_sysctl *leaf, const char **fmt)
{
	switch (leaf->type) {
	case HV_SYSCTL_INT:
		*fmt = "I";
		return (CTLTYPE_INT);
	case HV_SYSCTL_U32:
		*fmt = "IU";
		return (CTLTYPE_UINT);
	case HV_SYSCTL_U64:
		*fmt = "QU";
		return (CTLTYPE_U64);
	case HV_SYSCTL_STRING:
		*fmt = "A";
		return (CTLTYPE_STRING);
	}
	return (-1);
}

int
hv_os_sysctl_add(const struct hv_sysctl *leaf)
{
	struct sysctl_oid_list *parent;
	struct sysctl_oid *oid;
	struct hv_sysctl_rec *rec;
	char name[HV_SYSCTL_NAMEMAX];
	char *comp, *dot;
	const char *fmt;
	int kind, access;

	if (leaf == NULL || leaf->name == NULL || leaf->ptr == NULL)
		return (HV_EINVAL);
	kind = hv_sysctl_kind(leaf, &fmt);
	if (kind < 0 || (leaf->type == HV_SYSCTL_STRING && leaf->set != NULL))
		return (HV_EINVAL);
	if (strlcpy(name, leaf->name, sizeof(name)) >= sizeof(name))
		return (HV_ENAMETOOLONG);
	/* Only the hw. subtree is ours to extend. */
	if (strncmp(name, HV_SYSCTL_ROOT, strlen(HV_SYSCTL_ROOT)) != 0) {
		kprintf("vmm: sysctl %s is not under hw.\n", leaf->name);
		return (HV_EINVAL);
	}
	parent = SYSCTL_STATIC_CHILDREN(_hw);
	comp = name + strlen(HV_SYSCTL_ROOT);

	/*
	 * Interior nodes: SYSCTL_ADD_NODE returns an existing node of that
	 * name (taking a reference recorded in our context), so a node shared
	 * by several leaves is created once and removed with its last leaf.
	 */
	while ((dot = strchr(comp, '.')) != NULL) {
		*dot = '\0';
		if (*comp == '\0')
			return (HV_EINVAL);
		oid = SYSCTL_ADD_NODE(&vmm_sysctl_ctx, parent, OID_AUTO, comp,
		    CTLFLAG_RD, 0, "hv virtual machine monitor");
		if (oid == NULL)
			return (HV_EEXIST);
		parent = SYSCTL_CHILDREN(oid);
		comp = dot + 1;
	}
	if (*comp == '\0')
		return (HV_EINVAL);

	rec = kmalloc(sizeof(*rec), M_HV, M_WAITOK | M_ZERO);
	rec->leaf = *leaf;
	access = CTLFLAG_RD | (leaf->set != NULL ? CTLFLAG_WR : 0);
	oid = SYSCTL_ADD_PROC(&vmm_sysctl_ctx, parent, OID_AUTO, comp,
	    kind | access, rec, 0, hv_sysctl_handler, fmt,
	    leaf->descr != NULL ? leaf->descr : "");
	if (oid == NULL) {
		/* sysctl_add_oid already said "can't re-use a leaf". */
		kfree(rec, M_HV);
		return (HV_EEXIST);
	}
	SLIST_INSERT_HEAD(&vmm_sysctl_recs, rec, link);
	return (0);
}

void
hv_os_sysctl_remove_all(void)
{
	struct hv_sysctl_rec *rec;

	/* Leaves first (the context is LIFO), then the records they point to. */
	if (sysctl_ctx_free(&vmm_sysctl_ctx) != 0)
		kprintf("vmm: could not remove every hw.vmm sysctl\n");
	sysctl_ctx_init(&vmm_sysctl_ctx);
	while ((rec = SLIST_FIRST(&vmm_sysctl_recs)) != NULL) {
		SLIST_REMOVE_HEAD(&vmm_sysctl_recs, link);
		kfree(rec, M_HV);
	}
}

/*
 * hw.vmm_builtin.enable while vmm.ko is loaded: reads go to the kernel's
 * own handler, writes are refused before they reach it.  (A read-only
 * enable leaf, a built-in vmm that found no usable extension, never gets
 * here for a write: the sysctl layer answers EPERM first.)
 */
static int
vmm_builtin_enable_guard(SYSCTL_HANDLER_ARGS)
{
	if (req->newptr != NULL)
		return (EBUSY);
	return (vmm_builtin_enable_handler(oidp, arg1, arg2, req));
}

/*
 * Move the kernel's own hw.vmm aside.  Refused while the built-in vmm is
 * enabled: it already executed VMXON on every CPU and the two cannot share
 * VMX operation.
 */
int
vmm_sysctl_claim_builtin(void)
{
	char enable_name[] = "hw.vmm.enable";
	struct sysctl_oid *oid, *leaf = NULL;
	size_t len;
	int enabled;

	len = sizeof(enabled);
	enabled = 0;
	if (kernel_sysctlbyname(enable_name, &enabled, &len, NULL, 0,
	    NULL) == 0 && enabled != 0) {
		kprintf("vmm: the kernel's built-in vmm is enabled; "
		    "set hw.vmm.enable=0 before loading vmm.ko\n");
		return (EBUSY);
	}
	SYSCTL_XLOCK();
	SLIST_FOREACH(oid, SYSCTL_STATIC_CHILDREN(_hw), oid_link) {
		if (strcmp(oid->oid_name, "vmm") == 0)
			break;
	}
	if (oid != NULL) {
		SLIST_FOREACH(leaf, SYSCTL_CHILDREN(oid), oid_link) {
			if (strcmp(leaf->oid_name, "enable") == 0)
				break;
		}
	}
	/* no sysctl request runs while the tree is locked exclusively */
	if (leaf != NULL) {
		vmm_builtin_enable_handler = leaf->oid_handler;
		leaf->oid_handler = vmm_builtin_enable_guard;
		vmm_builtin_enable = leaf;
	}
	SYSCTL_XUNLOCK();
	if (oid != NULL) {
		sysctl_rename_oid(oid, BUILTIN_NAME);
		vmm_builtin_oid = oid;
		kprintf("vmm: the kernel's hw.vmm is hw." BUILTIN_NAME
		    " while vmm.ko is loaded%s\n", leaf != NULL ?
		    "; writes to its enable are refused" : "");
	}
	return (0);
}

void
vmm_sysctl_release_builtin(void)
{
	if (vmm_builtin_enable != NULL) {
		SYSCTL_XLOCK();
		vmm_builtin_enable->oid_handler = vmm_builtin_enable_handler;
		SYSCTL_XUNLOCK();
		vmm_builtin_enable = NULL;
	}
	if (vmm_builtin_oid != NULL) {
		sysctl_rename_oid(vmm_builtin_oid, "vmm");
		vmm_builtin_oid = NULL;
	}
}
