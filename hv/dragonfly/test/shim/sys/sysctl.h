/*
 * sysctl.h - test shim: the parts of DragonFly's sysctl(9) that
 * hv_sysctl_dfly.c uses, for its hosted test (t_builtin.c, fake_sysctl.c).
 * The tree is one list per node as in the kernel; requests go through
 * fake_sysctl_rw, which does what sysctl_root does before a handler runs.
 */
#ifndef SHIM_SYS_SYSCTL_H
#define SHIM_SYS_SYSCTL_H

#include <sys/queue.h>
#include "../dfly_shim.h"

#define EPERM		1
#ifndef __DECONST
#define __DECONST(type, var)	((type)(uintptr_t)(const void *)(var))
#endif
#define OID_AUTO	(-1)
#define CTLTYPE		0xf
#define CTLTYPE_NODE	1
#define CTLTYPE_INT	2
#define CTLTYPE_STRING	3
#define CTLTYPE_UINT	6
#define CTLTYPE_U64	13
#define CTLFLAG_RD	0x80000000
#define CTLFLAG_WR	0x40000000
#define CTLFLAG_RW	(CTLFLAG_RD | CTLFLAG_WR)

struct sysctl_req {
	const void	*newptr;	/* the value to write, or NULL */
	size_t		 newlen;
	void		*oldptr;	/* where the old value goes, or NULL */
	size_t		 oldlen;
};
struct sysctl_oid;
#define SYSCTL_HANDLER_ARGS \
	struct sysctl_oid *oidp, void *arg1, int arg2, struct sysctl_req *req

SLIST_HEAD(sysctl_oid_list, sysctl_oid);
struct sysctl_oid {
	struct sysctl_oid_list	*oid_parent;
	SLIST_ENTRY(sysctl_oid)	 oid_link;
	int			 oid_kind;
	void			*oid_arg1;
	int			 oid_arg2;
	const char		*oid_name;
	int			(*oid_handler)(SYSCTL_HANDLER_ARGS);
	struct sysctl_oid_list	 children;	/* nodes */
	int			 refs;
};

struct sysctl_ctx_entry;
TAILQ_HEAD(sysctl_ctx_list, sysctl_ctx_entry);

extern struct sysctl_oid_list fake_sysctl_hw;	/* hw. */
#define SYSCTL_STATIC_CHILDREN(parent)	(&fake_sysctl ## parent)
#define SYSCTL_CHILDREN(oid)	(&(oid)->children)

int	fake_sysctl_out(struct sysctl_req *req, const void *p, size_t len);
int	fake_sysctl_in(struct sysctl_req *req, void *p, size_t len);
#define SYSCTL_OUT(r, p, l)	fake_sysctl_out((r), (p), (l))
#define SYSCTL_IN(r, p, l)	fake_sysctl_in((r), (p), (l))

int	sysctl_handle_int(SYSCTL_HANDLER_ARGS);
int	sysctl_handle_string(SYSCTL_HANDLER_ARGS);
void	sysctl_ctx_init(struct sysctl_ctx_list *ctx);
int	sysctl_ctx_free(struct sysctl_ctx_list *ctx);
struct sysctl_oid *fake_sysctl_add(struct sysctl_ctx_list *ctx,
	    struct sysctl_oid_list *parent, const char *name, int kind,
	    void *arg1, int arg2, int (*handler)(SYSCTL_HANDLER_ARGS));
#define SYSCTL_ADD_NODE(ctx, parent, nbr, name, access, handler, descr) \
	fake_sysctl_add((ctx), (parent), (name), CTLTYPE_NODE | (access), \
	    NULL, 0, NULL)
#define SYSCTL_ADD_PROC(ctx, parent, nbr, name, access, ptr, arg, handler, \
	    fmt, descr) \
	fake_sysctl_add((ctx), (parent), (name), (access), (ptr), (arg), \
	    (handler))
#define SYSCTL_ADD_INT(ctx, parent, nbr, name, access, ptr, val, descr) \
	fake_sysctl_add((ctx), (parent), (name), CTLTYPE_INT | (access), \
	    (ptr), (val), sysctl_handle_int)
void	sysctl_rename_oid(struct sysctl_oid *oidp, const char *name);
void	fake_sysctl_xlock(void);
void	fake_sysctl_xunlock(void);
#define SYSCTL_XLOCK()		fake_sysctl_xlock()
#define SYSCTL_XUNLOCK()	fake_sysctl_xunlock()
int	kernel_sysctlbyname(const char *name, void *old, size_t *oldlenp,
	    void *new, size_t newlen, size_t *retval);

#endif
