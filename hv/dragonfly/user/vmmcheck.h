/* vmmcheck.h - the tests of vmmcheck (one RESULT line each), in run order. */
#ifndef VC_VMMCHECK_H
#define VC_VMMCHECK_H

const char *errname(long e);		/* "EBUSY" for -16 or 16, "0" for 0 */
const char *backend_name(void);		/* svm, vmx, or none */
void	apply_env_sysctl(void);		/* kenv vmmcheck.sysctl=NAME=VALUE */

void	test_dev(void);		/* dev.c: every single-vCPU ioctl, hello */
void	test_irq(void);		/* dev.c: INJECT_IRQ, also from a 2nd thread */
void	test_destroy(void);	/* dev.c: VM_DESTROY under a running vCPU */
void	test_fsbase(void);	/* fsbase.c: %fs:0 after every VMM_IOC_RUN */
void	test_sysctl(void);	/* kld.c: hw.vmm.*, hw.vmm_builtin.enable */
void	test_unload(int fileid);	/* kld.c: kldunload busy, then done */

#endif
