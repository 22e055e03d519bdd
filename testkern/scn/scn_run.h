/*
 * scn_run.h - the scenario runner (scn_run.c) and its host actions
 * (scn_actions.c, and any file that adds one with SCN_ACTION).
 *
 * A scenario's vCPUs each run in a kernel thread; the test thread is the
 * supervisor (watchdogs, teardown, checks).  An action runs in the thread of
 * the vCPU whose trigger fired, between two runs of that vCPU.
 */
#ifndef SCN_RUN_H
#define SCN_RUN_H

#include "scn.h"
#include "vmtests.h"
#include "spinlock.h"

#define SCN_PROCS	2	/* host processes for the vmspace action */
#define SCN_SYSCTLS	4	/* sysctls an action may change (restored at the end) */

struct scn_run;
struct thread;
struct proc;

struct scn_vcpu {
	struct scn_run		*run;
	int			 id;
	struct thread		*thread;
	struct hv_vcpu		*vcpu;		/* of the current boot */
	volatile int		 cpu;		/* CPU of its last run */
	volatile bool		 done;		/* ended in this boot */
	volatile bool		 waiting;	/* parked: done, or stopped for a reboot */
	volatile bool		 exited;	/* the thread is returning */
	int			 proc_idx;	/* vmspace: -1 kernel, else procs[] */
	/* the runner's result: how it ended (end, exit_code, error, errmsg:
	 * this boot), guest reports (all boots) */
	struct guest_run_result	 res;
	uint32_t		 gen;		/* boot of the exit being handled */
	char			 last_exit[96];	/* for watchdog reasons */
};

struct scn_run {
	const struct scn	*s;
	const char		*file;		/* module name, e.g. "hello.scn" */
	struct guest_run_cfg	 cfg;		/* the guest and the runner's hooks */
	/* `multiboot`: cfg.multiboot, its command line "IMAGE ARGS..." */
	struct mb1_boot		 mb1;
	char			 mb1_cmdline[SCN_WORD_MAX + SCN_LINE_MAX + 2];
	struct hv_vm		*vm;
	struct proc		*procs[SCN_PROCS];
	int			 nv;
	struct scn_vcpu		 v[SCN_VCPUS_MAX];
	spinlock_t		 lock;		/* reboot and sysctl bookkeeping */
	volatile bool		 abort;		/* watchdog or host failure: stop */
	char			 failure[200];	/* a host action or setup failure */
	volatile uint64_t	 progress_ns;	/* last hypercall, serial line or action */
	uint64_t		 exits0;	/* hw.vmm.stats.exits at the start */
	volatile uint32_t	 gen;		/* boot generation (reboot bumps it) */
	volatile bool		 reboot_req;	/* vCPU threads park at their next exit */
	volatile bool		 reboot_by_hv;	/* execve: they run on until hv stops
						 * them (ENOENT), as a vkernel did */
	uint64_t		 reboots;
	bool			 vcpus_freed;	/* by hv (quirk exec_frees_vmm): not ours */
	/* counters (atomic: several vCPU threads) */
	uint64_t		 step_hits[SCN_STEPS_MAX];
	volatile bool		 step_fired[SCN_STEPS_MAX];	/* on exits: once */
	uint64_t		 exp_count[SCN_EXPECTS_MAX];	/* marks, serial lines */
	/* sysctls to restore */
	int			 nsysctl;
	char			 sysctl_name[SCN_SYSCTLS][64];
	char			 sysctl_old[SCN_SYSCTLS][32];
	bool			 enabled_before;
};

/* What an action gets: its run, its vCPU, its line and arguments. */
struct scn_actx {
	struct scn_run		*run;
	struct scn_vcpu		*sv;
	const struct scn_step	*step;
};

/*
 * A host action: a row of the linker-section table "scn_actions", so any
 * file can add one:
 *   SCN_ACTION(name, "argspec", "usage", fn)
 * argspec as in scn.h (struct scn_action_info).  fn returns 0 or an errno;
 * the runner compares it with the step's `want`.
 */
struct scn_action {
	const char	*name;
	const char	*argspec;
	const char	*usage;
	int		(*fn)(struct scn_actx *a);
};

#define SCN_ACTION(nm, spec, use, func) \
	static const struct scn_action scn_action_##func \
	    __attribute__((used, section("scn_actions"), aligned(8))) = \
	    { nm, spec, use, func }

/* Action table in a stable order (by name) for the parser; n entries. */
const struct scn_action *scn_action_get(int i);
int	 scn_action_count(void);

/* Boot: register every *.scn module as test scn.NAME. */
void	 scn_register_all(void);

/* Helpers for actions (scn_run.c). */
int	 scn_reboot(struct scn_actx *a);
/* After the other vCPUs parked and the VM was destroyed: the new boot. */
int	 scn_reboot_finish(struct scn_run *run);
/* hv_vm_destroy, then the run's vCPU references go (threads parked or gone). */
int	 scn_vm_destroy(struct scn_run *run);
/* Forget the vCPU handles; release them unless hv freed them (`freed`). */
void	 scn_vcpus_drop(struct scn_run *run, bool freed);
int	 scn_sysctl_set(struct scn_run *run, const char *name, const char *value);
void	 scn_progress(struct scn_run *run);

#endif /* SCN_RUN_H */
