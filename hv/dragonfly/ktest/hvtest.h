/*
 * hvtest.h - the in-kernel test module of vmm.ko: result lines
 * (hvtest_report.c), the guest runner (hvtest_run.c) and the tests
 * (hvtest_vm.c).  Everything runs in the kernel thread that loads the
 * module; only the vCPU threads of a two-vCPU run are extra, and they print
 * nothing (their results are checked after they end).
 */
#ifndef HVTEST_H
#define HVTEST_H

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/stdarg.h>

#include "hv.h"
#include "hv_abi.h"

#define HVT_GUEST_TYPE	"hv_guest"	/* preload type of a guest image */
#define HVT_VM_MEM	(16ULL << 20)	/* guest memory of a test VM */
#define HVT_TIMEOUT_MS	20000		/* watchdog of one guest run */
#define HVT_REPORT_MAX	200		/* longest guest check message (guests/lib/hv.inc) */

/* ---- result lines (docs/CONSOLE.md) ---- */

struct hvt_test {
	const char	*name;
	void		(*fn)(void);
};

/* One CHECK <test>.<n> line of the running test. */
void	 hvt_check(bool ok, const char *fmt, ...) __printflike(2, 3);
/* The running test is skipped: RESULT ... SKIP reason="...". */
void	 hvt_skip(const char *reason);
/* Run the tests in order, then print the SUMMARY line. */
void	 hvt_run_tests(const struct hvt_test *tests, int n);
/* "vmx", "svm" or "none", from hv_type(). */
const char *hvt_backend(void);
/* Milliseconds since boot, from the tick counter. */
uint64_t hvt_ms(void);
/* Does s contain w, ignoring case? */
bool	 hvt_contains(const char *s, const char *w);

/* ---- the guest runner ---- */

enum hvt_end { HVT_DONE, HVT_ERROR, HVT_TIMEOUT, HVT_HOSTERR };

/* How one vCPU's run ended and what its guest reported. */
struct hvt_out {
	int		 vcpu_id;
	bool		 quiet;		/* no CHECK line per guest report */
	enum hvt_end	 end;
	int64_t		 exit_code;	/* HVT_DONE: the guest's HC_EXIT code */
	int		 error;		/* HVT_ERROR: HV_E*; HVT_HOSTERR: the error */
	uint64_t	 reports, reports_failed, marks, intr_exits;
	uint64_t	 ms;
	char		 errmsg[160];	/* HVT_ERROR: hv's decoded reason */
	char		 last_report[HVT_REPORT_MAX + 1];
};

struct hvt_run;
/* Called at each HC_MARK of the guest; non-zero stops the run (HVT_HOSTERR). */
typedef int hvt_mark_fn(struct hvt_run *r, struct hvt_out *out, uint64_t n);

struct hvt_run {
	const char	*image;		/* preloaded hv_guest file, e.g. "hello.bin" */
	hvt_mark_fn	*mark;		/* NULL: marks are only counted */
	void		*ctx;		/* for mark */
	struct hv_vm	*vm;		/* set by hvt_setup */
	struct hvt_out	 out;		/* vCPU 0 of a one-vCPU run */
};

/* Create the VM and load the image; 0, or an error with a FAIL check printed. */
int	 hvt_setup(struct hvt_run *r);
/* Run vcpu until the guest ends or the watchdog stops it. */
void	 hvt_loop(struct hvt_run *r, struct hv_vcpu *vcpu, struct hvt_out *out);
/* Destroy the VM; a failure is a FAIL check. */
void	 hvt_teardown(struct hvt_run *r);
/* setup, one vCPU, loop, teardown; false when the run could not start. */
bool	 hvt_run_image(struct hvt_run *r);
const char *hvt_end_name(enum hvt_end e);
/* hw.vmm.stats.NAME through the kernel's sysctl tree (0 with a line if absent). */
uint64_t hvt_stat(const char *name);

#endif
