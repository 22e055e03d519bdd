/*
 * fake_dfly.c - the DragonFly kernel interfaces of dfly_shim.h on the build
 * machine, for the hosted test of vmm_dev.c: counted kmalloc, lockmgr as a
 * mutex, one fake cdev, devfs private data on a fake struct file, and
 * copyin/copyout with a hook the test uses to hold a copy in flight.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include "dfly_shim.h"
#include "fake_dfly.h"

struct malloc_type M_HV[1] = { { "hv" } };

long	 dfly_kmallocs_live;
cdev_t	 dfly_cdev;
int	 dfly_cdevs_live;
void	(*dfly_copy_hook)(void);
int	 dfly_yield_after_unlock;
char	 dfly_log[4096];

void *
kmalloc(size_t size, struct malloc_type *type, int flags)
{
	void *p = (flags & M_ZERO) ? calloc(1, size) : malloc(size);

	if (p == NULL && !(flags & M_NULLOK))
		abort();	/* M_WAITOK without M_NULLOK never fails */
	if (p != NULL)
		__atomic_add_fetch(&dfly_kmallocs_live, 1, __ATOMIC_SEQ_CST);
	return p;
}

void
kfree(void *p, struct malloc_type *type)
{
	if (p == NULL)
		abort();	/* kfree(NULL) panics on DragonFly */
	__atomic_sub_fetch(&dfly_kmallocs_live, 1, __ATOMIC_SEQ_CST);
	free(p);
}

void
lockinit(struct lock *lk, const char *name, int timo, int flags)
{
	pthread_mutex_init(&lk->mtx, NULL);
}

void
lockuninit(struct lock *lk)
{
	/* EBUSY here means the lock was destroyed while held */
	if (pthread_mutex_destroy(&lk->mtx) != 0)
		abort();
}

int
lockmgr(struct lock *lk, unsigned flags)
{
	if (flags == LK_EXCLUSIVE)
		pthread_mutex_lock(&lk->mtx);
	else if (flags == LK_RELEASE) {
		pthread_mutex_unlock(&lk->mtx);
		/* a kernel thread may lose its CPU right after: widen the races */
		if (dfly_yield_after_unlock)
			sched_yield();
	} else
		abort();
	return 0;
}

int
kprintf(const char *fmt, ...)
{
	size_t n = strlen(dfly_log);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(dfly_log + n, sizeof(dfly_log) - n, fmt, ap);
	va_end(ap);
	return r;
}

void
bzero(void *p, size_t n)
{
	memset(p, 0, n);
}

size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size != 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

/* copyin and copyout: the test's hook (which may race the copy), then the copy */
static int
user_copy(void *dst, const void *src, size_t len)
{
	if (dfly_copy_hook != NULL)
		dfly_copy_hook();
	memcpy(dst, src, len);
	return 0;
}

int
copyin(const void *uaddr, void *kaddr, size_t len)
{
	return user_copy(kaddr, uaddr, len);
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	return user_copy(uaddr, kaddr, len);
}

cdev_t
make_dev(struct dev_ops *ops, int minor, int uid, int gid, int perms,
    const char *name)
{
	dfly_cdev = ops;
	dfly_cdevs_live++;
	return ops;
}

void
destroy_dev(cdev_t dev)
{
	if (dev != dfly_cdev || dfly_cdevs_live != 1)
		abort();
	dfly_cdev = NULL;
	dfly_cdevs_live--;
}

int
devfs_set_cdevpriv(struct file *fp, void *priv, cdevpriv_dtr_t *dtr)
{
	if (fp->priv != NULL)
		return EBUSY;
	fp->priv = priv;
	fp->dtor = dtr;
	return 0;
}

int
devfs_get_cdevpriv(struct file *fp, void **datap)
{
	if (fp->priv == NULL)
		return EBADF;
	*datap = fp->priv;
	return 0;
}

int
dfly_open(struct file *fp)
{
	struct dev_open_args a = { fp };

	memset(fp, 0, sizeof(*fp));
	return dfly_cdev->d_open(&a);
}

int
dfly_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct dev_ioctl_args a = { fp, cmd, data };

	return dfly_cdev->d_ioctl(&a);
}

int
nullclose(struct dev_close_args *ap)
{
	return 0;
}

int
dfly_close(struct file *fp)
{
	struct dev_close_args a = { fp };
	/* devfs: the device's d_close, then devfs_clear_cdevpriv (the last
	 * fdrop: no ioctl is in progress); a cdev without d_close has
	 * kern_device.c's noclose, so close(2) would say ENODEV */
	int error = dfly_cdev->d_close != NULL ? dfly_cdev->d_close(&a) : ENODEV;

	if (fp->dtor != NULL)
		fp->dtor(fp->priv);
	fp->priv = NULL;
	fp->dtor = NULL;
	return error;
}
