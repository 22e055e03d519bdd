/*
 * scn_run_int.h - what the scenario runner's files (scn_run.c, scn_vm.c,
 * scn_vcpu.c, scn_check.c) share; actions use scn_run.h.
 */
#ifndef SCN_RUN_INT_H
#define SCN_RUN_INT_H

#include "scn_run.h"

/* What one run measured, for the checks and the RESULT fields. */
struct outcome {
	uint64_t	 exits, faults, ticks;
	int64_t		 pages, heap;
	bool		 timed_out, leaked;
	char		 timeout_reason[200];
	uint64_t	 base[SCN_EXPECTS_MAX];	/* counters at the start */
	bool		 has[SCN_EXPECTS_MAX];	/* the counter exists */
};

/* scn_vm.c */
/* Guest serial lines go to run's `expect serial` counters (NULL: none). */
void	 capture_set(struct scn_run *run);
/* Create the VM with the image and every vCPU; 0 or an errno (failure set). */
int	 vm_boot(struct scn_run *run);
/* IPI the CPUs of the vCPUs other than self that are in the guest. */
void	 kick_vcpus(struct scn_run *run, struct scn_vcpu *self);

/* scn_vcpu.c */
/* Start the vCPU threads and watch them; false when a thread did not stop
 * after the abort (the VM is still in use and must leak). */
bool	 supervise(struct scn_run *run, char *timeout_reason, size_t len);
/* run->cfg: the guest, quiet, no debugger, marks to the scenario's triggers. */
void	 scn_cfg_init(struct scn_run *run);

/* scn_check.c */
/* hw.vmm.stats.<name>; false (and 0) when there is no such leaf. */
bool	 stat_read(const char *name, uint64_t *v);
uint64_t stat_or0(const char *name);
/* A numeric sysctl by its whole name; false (and 0) when there is no such leaf. */
bool	 counter_read(const char *full, uint64_t *v);
/* The whole sysctl name an EXITS/STAT/FAULTS/SYSCTL expectation reads. */
void	 exp_counter_name(const struct scn_expect *e, char *buf, size_t len);
bool	 in_range(uint64_t v, const struct scn_range *r);
/* The first failure stops the run and becomes the RESULT reason. */
void	 run_fail(struct scn_run *run, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* One CHECK line per expectation; the first failed one's text in first_fail. */
void	 print_checks(struct scn_run *run, struct outcome *o, const char *backend,
	    char *first_fail, size_t fflen);
/* Every expectation SKIP with why, and the test too. */
void	 skip_all(const struct scn *s, const char *backend, const char *why);

#endif
