/*
 * vmm_dfly.h - shared between the files of the DragonFly module glue
 * (the .c files in hv/dragonfly).  Kernel-only; user space includes vmm_dev.h instead.
 */
#ifndef HV_VMM_DFLY_H
#define HV_VMM_DFLY_H

#include <sys/malloc.h>

MALLOC_DECLARE(M_HV);

/* hv_sysctl_dfly.c: the module's sysctl context under hw. */
void	vmm_sysctl_init(void);
int	vmm_sysctl_claim_builtin(void);	/* 0, or EBUSY if the built-in vmm is on */
void	vmm_sysctl_release_builtin(void);

/* vmm_dev.c: the /dev/vmm control device. */
int	vmm_dev_init(void);
/* 0 and /dev/vmm is gone (also when it already was), or EBUSY. */
int	vmm_dev_fini(void);
bool	vmm_dev_busy(void);

#endif /* HV_VMM_DFLY_H */
