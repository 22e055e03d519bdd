/*
 * guest.h - vmmcheck's use of /dev/vmm: building a VM from a guest image
 * on the root file system, the run loop that answers the guest's
 * hypercalls, and the threads that run vCPUs next to the main one.
 */
#ifndef VC_GUEST_H
#define VC_GUEST_H

#include <sys/types.h>
#include "vmm_dev.h"

#define GUEST_MEM	(16UL << 20)
#define GUEST_DIR	"/guests/"

/* One vCPU's run loop and what it saw. */
struct vc_vcpu {
	int		 fd;
	int		 vcpu;
	/* answer to HC_MARK n (its result), in the running thread */
	long		(*on_mark)(struct vc_vcpu *v, uint64_t n);
	/* set: after every VMM_IOC_RUN compare %fs:0 with fs_want */
	int		 fs_check;
	uint64_t	 fs_want;
	/* results */
	int		 runs, hypercalls, marks, tls_sets;
	int		 reports, failed_reports;
	int		 fs_bad;
	uint64_t	 fs_first_bad;
	long		 run_error;	/* -errno that ended the loop, or 0 */
	uint32_t	 kind;		/* VMM_EXIT_* that ended it */
	int64_t		 code;
	char		 report[160];	/* the last report, or the first failed one */
};

/* The image /guests/NAME into buf (at most len bytes): its size or -errno. */
long	guest_image(const char *name, void *buf, size_t len);
/* VM_CREATE of GUEST_MEM, vCPUs 0..nvcpu-1, LOAD_IMAGE: 0 or -errno. */
long	guest_vm(int fd, int nvcpu, const void *img, size_t len);
/* run until the guest is done, stops, or VMM_IOC_RUN fails */
void	guest_run(struct vc_vcpu *v);
/* NUL-terminated guest string at gva into buf (TRANSLATE + MEM_READ) */
long	guest_string(int fd, int vcpu, uint64_t gva, char *buf, size_t len);

struct vc_thread {
	volatile int	 done;
	void		(*fn)(void *);
	void		*arg;
	char		 stack[64 * 1024] __attribute__((aligned(16)));
};
long	thread_start(struct vc_thread *t, void (*fn)(void *), void *arg);
void	thread_join(struct vc_thread *t);

#endif
