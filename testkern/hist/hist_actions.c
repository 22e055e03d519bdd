/*
 * hist_actions.c - scenario host actions for the historic-bug scenarios
 * (guests/stale_host_cr3.scn, zero_host_fs.scn).  Each checks what the 2013
 * bug broke; when a detector of hist_detect.c names a symptom, that line
 * becomes the scenario's RESULT reason and the action fails (EIO/EFAULT),
 * which stops the run; the host goes on.
 */
#include "scn_run.h"
#include "hist.h"
#include "sched.h"
#include "cpu.h"
#include "mm.h"
#include "x86.h"
#include "hv_quirk.h"

/* The run's first failure: the detector's symptom line. */
static int
symptom_fail(struct scn_actx *a, int error, const char *fallback)
{
	char line[160];
	uint64_t f;

	hist_symptom(line, sizeof(line));
	f = spin_lock(&a->run->lock);
	if (a->run->failure[0] == '\0')
		ksnprintf(a->run->failure, sizeof(a->run->failure), "%s:%d: %s",
		    a->run->file, a->step->line, line[0] ? line : fallback);
	spin_unlock(&a->run->lock, f);
	return error;
}

/* ---- hostdata LEN, hostcopy ---------------------------------------------------------- */

#define HC_MAXLEN	512

/* The argument the next `hostcopy` reads (one scenario runs at a time). */
static struct {
	struct scn_run	*run;
	int		 idx;		/* host process */
	uint64_t	 va, len;
} hc;
static uint64_t hc_calls;

static uint8_t
hostcopy_byte(int idx, uint64_t i)
{
	return (uint8_t)(i * 13 + (uint64_t)idx * 101 + 7);
}

/*
 * hostdata LEN: put a syscall-like argument of LEN bytes into the vCPU
 * thread's current host process (after `vmspace`), across a page boundary,
 * at a VA the other process does not map and no earlier copy used (so no
 * TLB entry can hide a stale CR3), written through the direct map.
 */
static int
act_hostdata(struct scn_actx *a)
{
	uint64_t len = a->step->args[0].num, va, i;
	int idx = a->sv->proc_idx, error;
	struct proc *p;

	if (len == 0 || len > HC_MAXLEN || idx < 0)
		return EINVAL;	/* needs `vmspace P` first */
	p = a->run->procs[idx];
	va = 0x10000000ull * (uint64_t)(idx + 1) + (hc_calls++ % 4096) * 2 * PAGE_SIZE +
	    PAGE_SIZE - len / 2;
	error = proc_map_anon(p, va & ~(uint64_t)(PAGE_SIZE - 1), 2);
	if (error != 0)
		return error;
	for (i = 0; i < len; i++)
		*(uint8_t *)phys_to_virt(proc_translate(p, va + i)) = hostcopy_byte(idx, i);
	hc.run = a->run;
	hc.idx = idx;
	hc.va = va;
	hc.len = len;
	return 0;
}
SCN_ACTION("hostdata", "n", "hostdata LEN: an argument of LEN bytes across a page in the vCPU "
    "thread's host process, for the next hostcopy", act_hostdata);

/*
 * hostcopy: right after the exit, copy that argument in with the ordinary
 * copyin (the thread is still in that process) and check every byte.
 */
static int
act_hostcopy(struct scn_actx *a)
{
	uint8_t got[HC_MAXLEN];
	uint64_t i, len = hc.len;
	int error;

	if (hc.run != a->run || len == 0 || hc.idx != a->sv->proc_idx)
		return EINVAL;	/* needs `hostdata LEN` before this entry */
	hc.len = 0;
	error = copyin(hc.va, got, len);
	if (error != 0)
		return symptom_fail(a, error, "hostcopy: copyin failed without a symptom line");
	for (i = 0; i < len; i++)
		if (got[i] != hostcopy_byte(hc.idx, i)) {
			char msg[120];

			ksnprintf(msg, sizeof(msg), "hostcopy: byte %lu of process %d is "
			    "0x%x, want 0x%x", (unsigned long)i, hc.idx, got[i],
			    hostcopy_byte(hc.idx, i));
			return symptom_fail(a, EIO, msg);
		}
	return 0;
}
SCN_ACTION("hostcopy", "", "hostcopy: copyin the hostdata argument right after the exit, check "
    "every byte", act_hostcopy);

/* ---- TLS: tlsarea VA, tlscheck, ctxcheck VA -------------------------------------- */

/* A TLS block at va in p: its first word points at itself. */
static int
tls_block(struct proc *p, uint64_t va)
{
	uint64_t pa;
	int error;

	if (va % PAGE_SIZE != 0 || va >= USER_TOP)
		return EINVAL;
	error = proc_map_anon(p, va, 1);
	if (error != 0 && error != EEXIST)
		return error;
	pa = proc_translate(p, va);
	if (pa == ~0ull)
		return EFAULT;
	*(uint64_t *)phys_to_virt(pa) = va;
	return 0;
}

/*
 * tlsswap A B: the vCPU thread's TLS becomes the block at A of its process,
 * or at B if it is at A now: two vkernel LWPs with their own TLS taking
 * turns on one vCPU thread.
 */
static int
act_tlsswap(struct scn_actx *a)
{
	uint64_t va = a->step->args[0].num, vb = a->step->args[1].num, to;
	int idx = a->sv->proc_idx, error;

	if (idx < 0)
		return EINVAL;	/* needs `vmspace P` first */
	to = curthread()->fs_base == va ? vb : va;
	error = tls_block(a->run->procs[idx], to);
	if (error != 0)
		return error;
	thread_set_fs_base(to);
	return 0;
}
SCN_ACTION("tlsswap", "nn", "tlsswap A B: the vCPU thread's TLS becomes the block at A (B "
    "when at A) of its process", act_tlsswap);

/* tlscheck: the vCPU thread's own TLS right after the exit. */
static int
act_tlscheck(struct scn_actx *a)
{
	if (curthread()->proc == NULL || curthread()->fs_base == 0)
		return EINVAL;	/* needs `vmspace P` and `tlsswap A B` */
	if (!tls_check("vcpu", curthread()->fs_base))
		return symptom_fail(a, EIO, "tlscheck failed");
	return 0;
}
SCN_ACTION("tlscheck", "", "tlscheck: the vCPU thread checks its FS base and %fs:0", act_tlscheck);

struct ctxcheck {
	uint64_t	 va;
	bool		 ok;
};

static void
ctxcheck_thread(void *arg)
{
	struct ctxcheck *c = arg;

	/* first thing after being switched in: the switch decided FS_BASE */
	c->ok = tls_check("tls-checker", c->va);
	thread_exit(0);
}

/*
 * ctxcheck: a thread of another host process, whose TLS block is at the
 * vCPU thread's TLS VA (as a dynamic linker places it), is switched in on
 * this CPU while the vCPU thread waits, and checks its FS base and %fs:0.
 * Equal FS base values are what the context switch's FS-base cache skips.
 */
static int
act_ctxcheck(struct scn_actx *a)
{
	struct ctxcheck c = { curthread()->fs_base, false };
	struct thread_exit_info info;
	struct thread *t = NULL;
	struct proc *p;
	uint64_t f;
	int error;

	if (c.va == 0)
		return EINVAL;	/* needs `tlsswap A B` first */
	p = proc_create("scn_tls");
	if (p == NULL)
		return ENOMEM;
	error = tls_block(p, c.va);
	if (error == 0) {
		/* its TLS pointer is set before it can first be switched in */
		f = irq_save();
		t = thread_create("tls-checker", ctxcheck_thread, &c, p, -1);
		if (t != NULL)
			t->fs_base = c.va;
		irq_restore(f);
		error = t == NULL ? ENOMEM : thread_join(t, &info, 5000000000ull);
		if (error == 0 && info.killed)
			error = EFAULT;
	}
	proc_release(p);
	if (error != 0)
		return error;
	return c.ok ? 0 : symptom_fail(a, EIO, "ctxcheck failed");
}
SCN_ACTION("ctxcheck", "", "ctxcheck: a thread of another process with its TLS at the vCPU "
    "thread's TLS VA is switched in here and checks FS base and %fs:0", act_ctxcheck);

/* ---- guestfail ------------------------------------------------------------------------ */

/*
 * guestfail: the guest marks this only when its own check found the bug;
 * the message it points RSI at (a NUL-terminated string in its memory)
 * becomes the scenario's failure, so the RESULT reason names the symptom.
 */
static int
act_guestfail(struct scn_actx *a)
{
	struct hv_regs r;
	char msg[170];
	size_t done;
	uint64_t f;
	int error;

	error = hv_vcpu_get_regs(a->sv->vcpu, &r);
	if (error == 0)
		error = hv_copyinstr(a->sv->vcpu, r.rsi, msg, sizeof(msg), &done);
	if (error == ENAMETOOLONG) {
		msg[sizeof(msg) - 1] = '\0';	/* a long message, cut */
		error = 0;
	}
	if (error != 0)
		ksnprintf(msg, sizeof(msg), "guest failure message at 0x%lx unreadable: %s",
		    (unsigned long)r.rsi, vm_err(error));
	f = spin_lock(&a->run->lock);
	if (a->run->failure[0] == '\0')
		ksnprintf(a->run->failure, sizeof(a->run->failure), "%s:%d: %s",
		    a->run->file, a->step->line, msg);
	spin_unlock(&a->run->lock, f);
	return EIO;
}
SCN_ACTION("guestfail", "", "guestfail: the guest found the bug; its message at RSI is the "
    "failure", act_guestfail);

/* ---- execve ------------------------------------------------------------------------------ */

/* vCPU v is inside hv_vcpu_run, i.e. in its guest. */
static bool
vcpu_in_run(const struct scn_vcpu *v)
{
	return !v->done && v->vcpu != NULL && hv_vcpu_in_run(v->vcpu);
}

/* vCPU v is parked: its run ended. */
static bool
vcpu_parked(const struct scn_vcpu *v)
{
	return v->waiting || v->exited;
}

/* Poll every poll_ns until every vCPU but self satisfies is(), timeout_ns at most. */
static bool
others_until(struct scn_run *run, struct scn_vcpu *self, bool (*is)(const struct scn_vcpu *),
    uint64_t timeout_ns, uint64_t poll_ns)
{
	uint64_t end = time_ns() + timeout_ns;

	while (time_ns() < end && !run->abort) {
		int i, n = 0;

		for (i = 0; i < run->nv; i++)
			n += &run->v[i] == self || is(&run->v[i]);
		if (n == run->nv)
			return true;
		thread_sleep_ns(poll_ns);
	}
	return false;
}

/*
 * execve: the vkernel's reboot as 2013's execve did it: the VMM state is
 * torn down first, while the other vCPUs still run in their guest.  hv
 * stops them itself (each run returns ENOENT; the thread parks, its handle
 * still held by the run), then the VM boots again.  With the quirk
 * exec_frees_vmm hv frees everything under them instead; its frees are
 * quarantined meanwhile, so the stale vCPUs meet hv's use-after-free check,
 * whose message becomes the failure, and the host goes on (that memory
 * stays leaked).  ETIMEDOUT when the other vCPUs are not seen running
 * within 1 s (the scenario would test nothing) or do not park within 2 s.
 */
static int
act_execve(struct scn_actx *a)
{
	struct scn_run *run = a->run;
	bool quirk = HV_QUIRK(exec_frees_vmm);
	char msg[160] = "";
	uint64_t f;
	bool mine, parked;
	int error, i;

	if (run->nv < 2)
		return EINVAL;	/* the point is a vCPU running elsewhere */
	if (!others_until(run, a->sv, vcpu_in_run, 1000000000ull, 100000))
		return ETIMEDOUT;
	f = spin_lock(&run->lock);
	mine = !run->reboot_req;
	if (mine) {
		/* the other threads call hv_vcpu_run again after an exit, as a
		 * vkernel's did, until hv answers ENOENT: with the quirk, their
		 * next call meets the freed handle */
		run->reboot_by_hv = true;
		run->reboot_req = true;
	}
	spin_unlock(&run->lock, f);
	if (!mine)
		return scn_reboot(a);	/* another vCPU reboots: wait for it */
	if (quirk)
		__atomic_store_n(&free_quarantine, 1, __ATOMIC_SEQ_CST);
	error = hv_vm_destroy(run->vm);
	if (error != 0) {
		__atomic_store_n(&free_quarantine, 0, __ATOMIC_SEQ_CST);
		run->reboot_by_hv = false;
		run->reboot_req = false;
		return error;
	}
	run->vm = NULL;
	parked = others_until(run, a->sv, vcpu_parked, 2000000000ull, 1000000);
	for (i = 0; i < run->nv; i++)
		if (msg[0] == '\0' && &run->v[i] != a->sv && run->v[i].res.errmsg[0])
			strlcpy(msg, run->v[i].res.errmsg, sizeof(msg));
	__atomic_store_n(&free_quarantine, 0, __ATOMIC_SEQ_CST);
	if (!parked) {
		/* a thread may still use its handle: keep them all (leak) */
		strlcpy(msg, "execve: the other vCPUs did not stop after the teardown",
		    sizeof(msg));
		error = ETIMEDOUT;
	} else if (msg[0] == '\0' && !quirk) {
		scn_vcpus_drop(run, false);
		return scn_reboot_finish(run);
	} else {
		/* this thread still sets its hypercall result on its handle:
		 * the handles go at the end of the run (none under the quirk) */
		run->vcpus_freed = quirk;
		error = EIO;
	}
	f = spin_lock(&run->lock);
	if (run->failure[0] == '\0')
		ksnprintf(run->failure, sizeof(run->failure), "%s:%d: %s", run->file,
		    a->step->line, msg[0] ? msg : "VM freed under running vCPUs, not detected");
	spin_unlock(&run->lock, f);
	return error;
}
SCN_ACTION("execve", "", "execve: tear the VM down while the other vCPUs run (hv stops them), "
    "then boot again", act_execve);
