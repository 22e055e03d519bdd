/*
 * fake_sysctl.c - the sysctl(9) tree of shim/sys/sysctl.h on the build
 * machine, for the hosted test of hv_sysctl_dfly.c (t_builtin.c): nodes
 * and leaves with handlers, contexts, renaming, and requests by dotted
 * name that do what the kernel's sysctl_root does before calling a
 * handler (a write to a leaf without CTLFLAG_WR is EPERM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/sysctl.h>
#include "fake_sysctl.h"

struct sysctl_oid_list fake_sysctl_hw = SLIST_HEAD_INITIALIZER(fake_sysctl_hw);
int fake_sysctl_locked;

struct sysctl_ctx_entry {
	struct sysctl_oid		*oid;
	TAILQ_ENTRY(sysctl_ctx_entry)	 link;
};

int
fake_sysctl_out(struct sysctl_req *req, const void *p, size_t len)
{
	if (req->oldptr != NULL) {
		if (req->oldlen < len)
			return ENOMEM;
		memcpy(req->oldptr, p, len);
	}
	req->oldlen = len;
	return 0;
}

int
fake_sysctl_in(struct sysctl_req *req, void *p, size_t len)
{
	if (req->newlen != len)
		return EINVAL;
	memcpy(p, req->newptr, len);
	return 0;
}

int
sysctl_handle_int(SYSCTL_HANDLER_ARGS)
{
	int v = arg1 != NULL ? *(int *)arg1 : arg2;
	int error = SYSCTL_OUT(req, &v, sizeof(v));

	if (error != 0 || req->newptr == NULL)
		return error;
	if (arg1 == NULL)
		return EPERM;
	return SYSCTL_IN(req, arg1, sizeof(int));
}

int
sysctl_handle_string(SYSCTL_HANDLER_ARGS)
{
	return SYSCTL_OUT(req, arg1, strlen(arg1) + 1);
}

void
sysctl_ctx_init(struct sysctl_ctx_list *ctx)
{
	TAILQ_INIT(ctx);
}

static struct sysctl_oid *
find_child(struct sysctl_oid_list *list, const char *name)
{
	struct sysctl_oid *oid;

	SLIST_FOREACH(oid, list, oid_link)
		if (strcmp(oid->oid_name, name) == 0)
			return oid;
	return NULL;
}

struct sysctl_oid *
fake_sysctl_add(struct sysctl_ctx_list *ctx, struct sysctl_oid_list *parent,
    const char *name, int kind, void *arg1, int arg2,
    int (*handler)(SYSCTL_HANDLER_ARGS))
{
	struct sysctl_oid *oid = find_child(parent, name);
	struct sysctl_ctx_entry *e;

	if (oid != NULL) {
		/* an existing node is shared; a leaf cannot be re-used */
		if ((oid->oid_kind & CTLTYPE) != CTLTYPE_NODE ||
		    (kind & CTLTYPE) != CTLTYPE_NODE)
			return NULL;
		oid->refs++;
	} else {
		oid = calloc(1, sizeof(*oid));
		oid->oid_parent = parent;
		oid->oid_kind = kind;
		oid->oid_arg1 = arg1;
		oid->oid_arg2 = arg2;
		oid->oid_name = strdup(name);
		oid->oid_handler = handler;
		oid->refs = 1;
		SLIST_INIT(&oid->children);
		SLIST_INSERT_HEAD(parent, oid, oid_link);
	}
	e = calloc(1, sizeof(*e));
	e->oid = oid;
	TAILQ_INSERT_HEAD(ctx, e, link);
	return oid;
}

int
sysctl_ctx_free(struct sysctl_ctx_list *ctx)
{
	struct sysctl_ctx_entry *e;

	while ((e = TAILQ_FIRST(ctx)) != NULL) {
		TAILQ_REMOVE(ctx, e, link);
		if (--e->oid->refs == 0) {
			SLIST_REMOVE(e->oid->oid_parent, e->oid, sysctl_oid,
			    oid_link);
			free((void *)e->oid->oid_name);
			free(e->oid);
		}
		free(e);
	}
	return 0;
}

void
sysctl_rename_oid(struct sysctl_oid *oidp, const char *name)
{
	free((void *)oidp->oid_name);
	oidp->oid_name = strdup(name);
}

void
fake_sysctl_xlock(void)
{
	if (fake_sysctl_locked++ != 0)
		abort();	/* not recursive in the kernel either */
}

void
fake_sysctl_xunlock(void)
{
	if (--fake_sysctl_locked != 0)
		abort();
}

int
fake_sysctl_rw(const char *name, void *old, size_t *oldlen, const void *new,
    size_t newlen)
{
	struct sysctl_oid_list *list = &fake_sysctl_hw;
	struct sysctl_oid *oid = NULL;
	struct sysctl_req req = { new, newlen, old, oldlen ? *oldlen : 0 };
	char buf[128], *comp, *dot;
	int error;

	if (fake_sysctl_locked)
		abort();	/* a request under the exclusive lock */
	if (strncmp(name, "hw.", 3) != 0)
		return ENOENT;
	snprintf(buf, sizeof(buf), "%s", name + 3);
	for (comp = buf; comp != NULL; comp = dot) {
		dot = strchr(comp, '.');
		if (dot != NULL)
			*dot++ = '\0';
		if (list == NULL || (oid = find_child(list, comp)) == NULL)
			return ENOENT;
		list = (oid->oid_kind & CTLTYPE) == CTLTYPE_NODE ?
		    &oid->children : NULL;
	}
	if (list != NULL)
		return EISDIR;
	if (new != NULL && !(oid->oid_kind & CTLFLAG_WR))
		return EPERM;
	error = oid->oid_handler(oid, oid->oid_arg1, oid->oid_arg2, &req);
	if (oldlen != NULL)
		*oldlen = req.oldlen;
	return error;
}

int
kernel_sysctlbyname(const char *name, void *old, size_t *oldlenp, void *new,
    size_t newlen, size_t *retval)
{
	return fake_sysctl_rw(name, old, oldlenp, new, newlen);
}
