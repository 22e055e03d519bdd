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
	VR_STOPPED,	/* stop_at_exit: the first exit other than a host
			 * interrupt is in `exit`, not handled */
};

struct guest_run_result;

/*
 * A guest kernel booted as a multiboot v1 loader boots it (mb1_load.c):
 * the command line it gets ("NAME ARGS..." by convention), and the text of
 * its one module, or NULL for none.
 */
struct mb1_boot {
	const char	*cmdline;
	const char	*module;
};

/*
 * Load `image` into the fresh VM `vm` by its multiboot v1 header and ELF
 * program headers, write the boot information, and fill *boot with the
 * entry state (HV_BOOT_PROT32, EAX = 0x2badb002, EBX = the information) for
 * hv_vcpu_boot.  0, or an errno with err saying why.
 */
int	 mb1_load(struct hv_vm *vm, const void *image, size_t len, const struct mb1_boot *mb,
	    struct hv_boot *boot, char *err, size_t errlen);

/*
 * A hook's return for a mark it handled with the vCPU gone (a reboot): go
 * on, but put no result in the old vCPU.
 */
#define GUEST_RUN_VCPU_GONE	(-1)

/* How to run a guest: set by the test, only read by the runner. */
struct guest_run_cfg {
	const char	*image;		/* module name, e.g. "hello.bin" */
	uint64_t	 mem;		/* 0: VM_MEM_DEFAULT */
	uint64_t	 ram_gpa, ram_size;	/* a second RAM range (hv_vm_add_ram); size 0: none */
	bool		 scratch;	/* a scratch I/O register at scratch_port */
	unsigned	 scratch_port;	/* (hv_vm_add_scratch_port) */
	uint64_t	 timeout_ms;	/* 0: VM_TIMEOUT_MS */
	bool		 quiet;		/* no CHECK lines for guest reports (a failed one
					 * is logged), no summary line for a clean run */
	bool		 debugger;	/* a guest #BP is the host's: the db> prompt
					 * (hv_vm_set_debugger); else the guest's own */
	bool		 stop_at_exit;	/* stop at the first exit other than a host
					 * interrupt and hand it back unhandled */
	uint64_t	 user_hypercalls;	/* allowed from guest CPL 3 (hv.h; 0: none) */
	struct hv_vm_model model;	/* the guest's CPU (hv_vm_set_model; zero:
					 * the host's) */
	void		*ctx;		/* for the hooks */
	/* each vCPU's boot state (hv_vcpu_boot); NULL: hv_abi.h's, or the
	 * multiboot loader's */
	const struct hv_boot *boot;
	/* not NULL: the image is a multiboot v1 kernel, loaded by mb1_load */
	const struct mb1_boot *multiboot;
	/* boot register overrides of each vCPU before its first entry */
	bool		 set_r13;	/* R13 = r13: the case of guests with several */
	uint64_t	 r13;
	void		(*boot_regs)(struct hv_regs *regs);
	/*
	 * Hooks, each 0 to go on or an error to stop the run; res is the
	 * result of this vCPU's run.  HC_MARK(n):
	 */
	int	(*mark)(const struct guest_run_cfg *cfg, struct guest_run_result *res,
		    struct hv_vcpu *vcpu, uint64_t n);
	/* HC_HOST(action, a1, a2): *result goes to the guest's RAX */
	int	(*host)(const struct guest_run_cfg *cfg, struct guest_run_result *res,
		    struct hv_vcpu *vcpu, const struct hv_exit *ex, int64_t *result);
};

/* What a run did: filled by the runner. */
struct guest_run_result {
	struct hv_vm		*vm;		/* guest_run_setup's VM (NULL after teardown) */
	struct hv_boot		 mb1_boot;	/* cfg->multiboot: the entry state mb1_load gave */
	int			 vcpu_id;	/* of the vCPU this result is for */
	enum vmrun_end		 end;
	int64_t			 exit_code;
	int			 error;
	uint64_t		 raw_reason;
	char			 errmsg[160];
	uint64_t		 ms;
	uint64_t		 prompt_ns;	/* spent at the db> prompt (not the guest's) */
	struct hv_exit		 exit;		/* VR_STOPPED: the exit */
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

/*
 * The guest runner.  guest_run_setup: a VM with cfg->image loaded in
 * res->vm; 0 or an errno (res->errmsg says why; nothing to tear down).
 * guest_run_vcpu: vCPU `id` of res->vm with cfg's boot register overrides;
 * 0 or an errno (res->errmsg says why).  guest_run_loop: run that vCPU until
 * it ends (one result per vCPU: res may be another than setup's).
 * guest_run_exit: one exit of a run, false when it ended the run (the step
 * of guest_run_loop and of the scenario runner's vCPU threads).
 * guest_run_image: setup, vCPU 0, loop, teardown: 0 when the run ended (any
 * way), else errno.
 */
int	 guest_run_setup(const struct guest_run_cfg *cfg, struct guest_run_result *res);
int	 guest_run_vcpu(const struct guest_run_cfg *cfg, struct guest_run_result *res, int id,
	    struct hv_vcpu **vcpup);
void	 guest_run_loop(const struct guest_run_cfg *cfg, struct hv_vcpu *vcpu,
	    struct guest_run_result *res);
bool	 guest_run_exit(const struct guest_run_cfg *cfg, struct guest_run_result *res,
	    struct hv_vcpu *vcpu, const struct hv_exit *ex);
void	 guest_run_teardown(struct guest_run_result *res);
int	 guest_run_image(const struct guest_run_cfg *cfg, struct guest_run_result *res);
/* vCPU 0 of res->vm (after guest_run_setup) with cfg's boot register
 * overrides, run to its first exit other than a host interrupt: 0 with *ex
 * filled, else the errno of the first call that failed. */
int	 vm_run_changed_regs(const struct guest_run_cfg *cfg, struct guest_run_result *res,
	    struct hv_exit *ex);
/* A guest state that breaks one of the backend's entry checks. */
struct vm_badstate {
	const char *what;
	const char *check;	/* what hv's decoded message must name */
	void	  (*corrupt)(struct hv_regs *r);
};
/*
 * hello.bin with b->corrupt() applied to vCPU 0's boot registers, run to
 * its first exit: CHECK (naming b->what) that the entry was refused, an
 * HV_EXIT_ERROR whose decoded message holds both `refusal` and b->check.
 * 0 with *ex filled for the backend's own checks of it, else an errno (that
 * CHECK failed).
 */
int	 vm_badstate_run(const struct vm_badstate *b, const char *refusal,
	    struct hv_exit *ex);
/*
 * Guests with several short cases (guests/exits.asm, fpu.asm): the host
 * picks one in R13 before the first entry.  vm_case_setup: image loaded
 * into a fresh VM of HV_GUEST_MIN_MEM (res->vm) and vCPU 0 created
 * with R13 = which; 0, else the errno (res->errmsg may say why; nothing to
 * tear down).  vm_run_until: run until an exit other than HV_EXIT_INTR
 * (ETIMEDOUT after VM_TIMEOUT_MS); *intr_exits (if not NULL) counts those
 * on the way.  vm_run_case: all of it for one run, then *regs after it;
 * the VM is destroyed.  vm_run_case_cfg: the same from VM_CASE_CFG's
 * configuration with more set (e.g. .debugger).
 */
#define VM_CASE_CFG(img, which)	{ .image = (img), .mem = HV_GUEST_MIN_MEM,	\
	    .set_r13 = true, .r13 = (which) }
int	 vm_case_setup(const char *image, uint64_t which, struct guest_run_result *res,
	    struct hv_vcpu **vcpup);
int	 vm_run_until(struct hv_vcpu *vcpu, struct hv_exit *ex, int *intr_exits);
int	 vm_run_case(const char *image, uint64_t which, struct hv_exit *ex,
	    struct hv_regs *regs, int *intr_exits);
int	 vm_run_case_cfg(const struct guest_run_cfg *cfg, struct hv_exit *ex,
	    struct hv_regs *regs, int *intr_exits);

/* After vm_run_case: the case ended in a triple fault at the instruction
 * whose address it left in R15; want gets the RIP text looked for. */
bool	 vm_triple_at_r15(int error, const struct hv_exit *ex, const struct hv_regs *regs,
	    char *want, size_t len);

/* The cases of guests/exits.asm, in the order of its `cases` table. */
enum exits_case {
	EXITS_MSR_IO, EXITS_BAD_RDMSR, EXITS_BAD_PAT, EXITS_BAD_LSTAR, EXITS_VMLOAD,
	EXITS_UD, EXITS_INT80, EXITS_STI_HLT, EXITS_CLI_HLT, EXITS_CR_MSR_IO,
	EXITS_BAD_WRMSR, EXITS_XSETBV, EXITS_INT_3, EXITS_REX_INT3, EXITS_REX_INT80,
	EXITS_XSETBV_STOP,
};
/* The cases of guests/fpu.asm. */
enum fpu_case { FPU_X87, FPU_AVX };
/* guest_run_image(), then CHECK that the run ended with HC_EXIT(0); true if so. */
bool	 vm_run_exit0(const struct guest_run_cfg *cfg, struct guest_run_result *r);
/* CHECK that a good guest (hello.bin) still runs to HC_EXIT(0) after AFTER. */
void	 vm_good_guest_runs(const char *after);

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
