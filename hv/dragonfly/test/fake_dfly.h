/* fake_dfly.h - controls of fake_dfly.c for t_vmmdev.c. */
#ifndef FAKE_DFLY_H
#define FAKE_DFLY_H

#include "dfly_shim.h"

extern long	 dfly_kmallocs_live;
extern cdev_t	 dfly_cdev;		/* what vmm_dev_init made */
extern int	 dfly_cdevs_live;
extern void	(*dfly_copy_hook)(void);	/* at each copyin/copyout */
extern int	 dfly_yield_after_unlock;	/* sched_yield after each unlock */
extern char	 dfly_log[4096];		/* kprintf output */

/* open(2), ioctl(2) and the last close(2) of /dev/vmm, as devfs does them */
int	 dfly_open(struct file *fp);
int	 dfly_ioctl(struct file *fp, unsigned long cmd, void *data);
int	 dfly_close(struct file *fp);

#endif
