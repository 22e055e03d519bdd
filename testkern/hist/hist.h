/*
 * hist.h - detectors that name the symptoms of the 2013 DragonFly VMM bugs
 * (hist_detect.c), used by the historic-bug scenarios (guests/<bug>.scn,
 * hist_actions.c) with hw.vmm.quirk.* on and off.
 */
#ifndef HIST_H
#define HIST_H

#include "kern.h"

/* Faults at one VA, mapped in the thread's own address space while CR3 is
 * not that space's, before the storm detector aborts the copy with EFAULT
 * (a fault the kernel resolved never repeats; few, because a context switch
 * reloads CR3 and ends a storm early, as in 2013). */
#define STORM_LIMIT	8

extern uint64_t copyin_retries;		/* kern.copyin_retries */
extern uint64_t copyin_storms;		/* kern.copyin_storms */
extern uint64_t fs_mismatches;		/* kern.fs_mismatches */
extern int free_quarantine;		/* kern.free_quarantine */
extern uint64_t quarantined;		/* kern.quarantined */

/*
 * hv_host.c's frees ask this first: with kern.free_quarantine=1 the memory
 * is kept as it is (true: do not free), so a vCPU still running on a torn
 * down VM reads the dead object (its HV_DEAD_MAGIC) and hv names the
 * use-after-free instead of the host running on reused memory.
 */
bool	 quarantine_keep(void *p);

/* Called from copyin_init(): registers the storm detector first on the #PF
 * hook list and publishes the counters. */
void	 hist_detect_init(void);

/*
 * The calling thread's TLS as a user program would use it: the FS_BASE MSR
 * must be `expected` (checked before any dereference) and %fs:0 must read
 * the self pointer stored there.  On a mismatch prints
 * `fs base mismatch: thread=NAME expected=0x... got=0x...`, counts it and
 * returns false.
 */
bool	 tls_check(const char *name, uint64_t expected);
/* The last symptom line a detector printed ("" if none). */
void	 hist_symptom(char *buf, size_t len);

#endif
