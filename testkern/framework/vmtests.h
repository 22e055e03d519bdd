/*
 * vmtests.h - the VM test runner shared by vmtests*.c and db.c: runs one
 * guest image (a multiboot2 module) on hv and turns what the guest does into
 * CHECK lines.
 */
#ifndef VMTESTS_H
#define VMTESTS_H

#include "kern.h"
#include "hv.h"

#define VM_MEM_DEFAULT	(16ull << 20)	/* guest memory of a test VM */
#define VM_TIMEOUT_MS	20000		/* wall-clock watchdog of one run */
#define VM_REPORT_MAX	200		/* longest guest check message (guests/lib/hv.inc) */

/* How a run ended. */
enum vmrun_end {
	VR_DONE,	/* HC_EXIT: exit_code */
	VR_ERROR,	/* HV_EXIT_ERROR: errmsg, error, raw_reason */
	VR_TIMEOUT,	/* the watchdog fired */
	VR_QUIT,	/* `q` at the db> prompt */
	VR_HOSTERR,	/* hv refused an operation: errmsg */
};

struct vmrun;

/*
 * Per-test hooks; each returns 0 to go on or an error to stop the run.  They
 * get the struct vmrun that receives the outcome: r itself for vmrun_image(),
 * `out` for vmrun_loop() (whose vm field is not set: reach the VM via ctx).
 */
struct vmrun_hooks {
	/* HC_MARK(n) */
	int	(*mark)(struct vmrun *r, struct hv_vcpu *vcpu, uint64_t n);
	/* HC_HOST(action, a1, a2): *result goes to the guest's RAX */
	int	(*host)(struct vmrun *r, struct hv_vcpu *vcpu, const struct hv_exit *ex,
		    int64_t *result);
};

struct vmrun {
	/* set by the test */
	const char		*image;		/* module name, e.g. "hello.bin" */
	uint64_t		 mem;		/* 0: VM_MEM_DEFAULT */
	uint64_t		 timeout_ms;	/* 0: VM_TIMEOUT_MS */
	const struct vmrun_hooks *hooks;
	bool			 quiet;		/* no CHECK lines for guest reports, no
						 * summary line for a clean run */
	void			*ctx;		/* for the hooks */
	int			 vcpu_id;	/* of the vCPU this outcome is for */
	/* filled by the runner */
	struct hv_vm		*vm;
	enum vmrun_end		 end;
	int64_t			 exit_code;
	int			 error;
	uint64_t		 raw_reason;
	char			 errmsg[160];
	uint64_t		 ms;
	uint64_t		 intr_exits, reports, reports_failed, marks, debug_exits;
	char			 last_report[VM_REPORT_MAX + 1];	/* message of the last guest report */
};

/*
 * Start of every vm_* test: false (test over, SKIP recorded) when hv has no
 * backend; turns virtualization on when it is off.
 */
bool	 vm_begin(void);
/* vm_begin(), and SKIP when the backend is not `backend` ("vmx", "svm"). */
bool	 vm_begin_backend(const char *backend);

/* Sysctl `name` read as a number into *v; returns how many leaves matched
 * and parsed (1: the leaf exists). */
int	 vm_sysctl_u64(const char *name, uint64_t *v);

/* Does s contain w? */
bool	 vm_contains(const char *s, const char *w);

/* Create a VM with the image loaded; 0 or an errno (errmsg says why). */
int	 vmrun_setup(struct vmrun *r);
/* Run one vCPU of r->vm until it ends; fills the outcome fields of r
 * (or of `out` when several vCPUs share r). */
void	 vmrun_loop(struct vmrun *r, struct hv_vcpu *vcpu, struct vmrun *out);
void	 vmrun_teardown(struct vmrun *r);
/* All three, with one vCPU: 0 when the run ended (any way), else errno. */
int	 vmrun_image(struct vmrun *r);
/* vCPU 0 of r->vm (after vmrun_setup) with its boot registers passed
 * through change(), then one hv_vcpu_run: 0 with *ex filled, else the errno
 * of the first call that failed. */
int	 vm_run_changed_regs(struct vmrun *r, void (*change)(struct hv_regs *regs),
	    struct hv_exit *ex);
/*
 * Guests with several short cases (guests/exits.asm, fpu.asm): the host
 * picks one in R13 before the first entry.  vm_case_setup: r->image loaded
 * into a fresh VM of HV_GUEST_MIN_MEM (r->vm) and vCPU 0 created with
 * R13 = which; 0, else the errno (r->errmsg may say why; nothing to tear
 * down).  vm_run_until: run until an exit other than HV_EXIT_INTR (at
 * most 1000 runs, else ETIMEDOUT); *intr_exits (if not NULL) counts those
 * on the way.  vm_run_case: all of it for one run, then *regs after it; the
 * VM is destroyed.
 */
int	 vm_case_setup(struct vmrun *r, uint64_t which, struct hv_vcpu **vcpup);
int	 vm_run_until(struct hv_vcpu *vcpu, struct hv_exit *ex, int *intr_exits);
int	 vm_run_case(const char *image, uint64_t which, struct hv_exit *ex,
	    struct hv_regs *regs, int *intr_exits);

/* After vm_run_case: the case ended in a triple fault at the instruction
 * whose address it left in R15; want gets the RIP text looked for. */
bool	 vm_triple_at_r15(int error, const struct hv_exit *ex, const struct hv_regs *regs,
	    char *want, size_t len);

/* The cases of guests/exits.asm, in the order of its `cases` table. */
enum exits_case {
	EXITS_MSR_IO, EXITS_BAD_RDMSR, EXITS_BAD_PAT, EXITS_BAD_LSTAR, EXITS_VMLOAD,
	EXITS_UD, EXITS_INT80, EXITS_STI_HLT, EXITS_CLI_HLT, EXITS_CR_MSR_IO,
	EXITS_BAD_WRMSR, EXITS_XSETBV,
};
/* The cases of guests/fpu.asm. */
enum fpu_case { FPU_X87, FPU_AVX };
/* vmrun_image(), then CHECK that the run ended with HC_EXIT(0); true if so. */
bool	 vm_run_exit0(struct vmrun *r);

/*
 * What every guest runner (vmrun_loop, the scenario runner) does alike.
 * vm_report_read: HC_REPORT(cond, gva): the guest's message into msg (cut
 * at len - 1; an unreadable one is replaced by why); true when the check
 * passed.  vm_hc_common: HC_SET_TLS and HC_COPY_TEST; true with the guest's
 * RAX in *result when ex->nr is one of them.
 */
bool	 vm_report_read(struct hv_vcpu *vcpu, const struct hv_exit *ex, char *msg,
	    size_t len);
bool	 vm_hc_common(struct hv_vcpu *vcpu, const struct hv_exit *ex, int64_t *result);

/* A hw.vmm.stats counter, read through the sysctl tree like any reader. */
uint64_t vm_stat(const char *name);

/* errno_name() that says "ok" for 0, for check messages. */
const char *vm_err(int error);

/* "vmx", "svm" or "none" for RESULT lines. */
const char *vm_backend_name(void);
const char *vmrun_end_name(enum vmrun_end e);

/* HC_COPY_TEST (vmtests/hc_copy_test.c): the result for the guest's RAX. */
int64_t	 vm_copy_test(struct hv_vcpu *vcpu, uint64_t gva, uint64_t len,
	    uint64_t op, uint64_t val);

/* db.c: the db> prompt on a guest #BP. */
enum db_verdict { DB_CONTINUE, DB_QUIT };
enum db_verdict db_prompt(struct hv_vcpu *vcpu);

#endif
