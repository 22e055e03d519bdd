/*
 * dfly_shim.h - the few DragonFly kernel interfaces vmm_dev.c uses, for the
 * hosted test of vmm_dev.c (t_vmmdev.c; implemented in fake_dfly.c).  The
 * shim/sys headers all include this one.  Error numbers are the BSD
 * values, as hv's HV_E* are (hv_os.h).
 */
#ifndef DFLY_SHIM_H
#define DFLY_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <pthread.h>
#include <sys/types.h>		/* the build machine's: u_long, caddr_t */
#include <sys/ioccom.h>		/* shim: BSD ioctl encoding */

#define ENOENT		2
#define ENXIO		6
#define EBADF		9
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOTTY		25

#define PAGE_SIZE	4096
#define PAGE_MASK	(PAGE_SIZE - 1)
#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#endif

/* malloc(9) */
struct malloc_type {
	const char	*name;
};
#define MALLOC_DECLARE(t)	extern struct malloc_type t[1]
#define M_WAITOK	0x0002
#define M_ZERO		0x0100
#define M_NULLOK	0x0400
void	*kmalloc(size_t size, struct malloc_type *type, int flags);
void	 kfree(void *p, struct malloc_type *type);

/* lockmgr(9): exclusive use only */
struct lock {
	pthread_mutex_t	mtx;
};
#define LK_EXCLUSIVE	0x1
#define LK_RELEASE	0x2
void	 lockinit(struct lock *lk, const char *name, int timo, int flags);
void	 lockuninit(struct lock *lk);
int	 lockmgr(struct lock *lk, unsigned flags);

int	 kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 bzero(void *p, size_t n);
size_t	 strlcpy(char *dst, const char *src, size_t size);
int	 copyin(const void *uaddr, void *kaddr, size_t len);
int	 copyout(const void *kaddr, void *uaddr, size_t len);

/* devices: a cdev, its dev_ops and the per-file private data of devfs */
struct file {
	void	*priv;
	void	(*dtor)(void *priv);
};
struct dev_open_args {
	struct file	*a_fp;
};
struct dev_close_args {
	struct file	*a_fp;
};
struct dev_ioctl_args {
	struct file	*a_fp;
	u_long		 a_cmd;
	caddr_t		 a_data;
};
typedef int d_open_t(struct dev_open_args *ap);
typedef int d_close_t(struct dev_close_args *ap);
typedef int d_ioctl_t(struct dev_ioctl_args *ap);
struct dev_ops {
	struct {
		const char	*name;
		int		 maj;
		unsigned	 flags;
	} head;
	d_open_t	*d_open;
	d_close_t	*d_close;
	d_ioctl_t	*d_ioctl;
};
d_close_t	 nullclose;
#define D_MPSAFE	0x1
#define UID_ROOT	0
#define GID_WHEEL	0
typedef struct dev_ops *cdev_t;		/* the fake cdev is its ops */
typedef void cdevpriv_dtr_t(void *priv);
cdev_t	 make_dev(struct dev_ops *ops, int minor, int uid, int gid, int perms,
	    const char *name);
void	 destroy_dev(cdev_t dev);
int	 devfs_set_cdevpriv(struct file *fp, void *priv, cdevpriv_dtr_t *dtr);
int	 devfs_get_cdevpriv(struct file *fp, void **datap);

#endif
