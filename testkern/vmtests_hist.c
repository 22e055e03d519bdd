/*
 * vmtests_hist.c - the historic 2013 DragonFly VMM bugs as scenarios.  Each
 * test passes with its hw.vmm.quirk.* switch off; with it on, the detector of
 * hist_detect.c prints the named symptom, the test fails with it, and the
 * host goes on (the reports: docs/HISTORY.md).  The two bugs of the report
 * of 10 Aug 2013:
 *   hist_stale_host_cr3  vmspace switched between entries, the
 *                        exit handler copies in from the new address space
 *   hist_zero_host_fs    host threads whose TLS sits at the same
 *                        VA in other address spaces share the CPU with the
 *                        vCPU thread, before and after its exits and after
 *                        migrations; the guest switches TLS (HC_SET_TLS)
 */
#include "vmtests.h"
#include "hv_impl.h"
#include "hist.h"
#include "sched.h"
#include "cpu.h"
#include "mm.h"
#include "x86.h"
#include "ktest.h"
#include "trap.h"

/* ---- hist_stale_host_cr3 --------------------------------------------------- */

#define SC_ROUNDS	40		/* guests/hoststate.asm marks */
#define SC_LEN		200		/* bytes copied, across a page boundary */

struct sc_ctx {
	struct proc	*procs[2];
	uint64_t	 va;		/* where the current process holds the data */
	uint64_t	 stamp;		/* mark that wrote it, 0: nothing yet */
	int		 copies, bad, first_bad_err;
	uint64_t	 first_bad_mark;
};

/* Each process maps its data at its own VA: the other one's page tables
 * (a stale CR3) do not map it at all. */
static uint64_t
sc_va(int i)
{
	return 0x10000000ull * (uint64_t)(i + 1) + PAGE_SIZE - SC_LEN / 2;
}

static void
sc_fill(uint8_t *buf, uint64_t stamp)
{
	for (int i = 0; i < SC_LEN; i++)
		buf[i] = (uint8_t)(stamp * 7 + (uint64_t)i);
}

static int
sc_mark(struct vmrun *r, struct hv_vcpu *vcpu, uint64_t n)
{
	struct sc_ctx *c = r->ctx;
	uint8_t got[SC_LEN], want[SC_LEN];
	int i = (int)(n % 2), error;

	if (c->stamp != 0) {
		/* the exit handler reads a syscall-like argument of the address
		 * space the thread switched to before this entry */
		memset(got, 0, sizeof(got));
		error = copyin(c->va, got, SC_LEN);
		sc_fill(want, c->stamp);
		c->copies++;
		if (error != 0 || memcmp(got, want, SC_LEN) != 0) {
			if (c->bad++ == 0) {
				c->first_bad_mark = n;
				c->first_bad_err = error;
			}
		}
	}
	/* vmspace_ctl: the vCPU thread moves to the other address space */
	thread_vmspace_switch(c->procs[i]);
	c->va = sc_va(i);
	sc_fill(want, n);
	if (copyout(want, c->va, SC_LEN) != 0)
		return EFAULT;
	c->stamp = n;
	return 0;
}

static const struct vmrun_hooks sc_hooks = { .mark = sc_mark };

KTEST(hist_stale_host_cr3, "2013 stale HOST_CR3: copyin after vmspace switches between entries")
{
	struct sc_ctx c = { 0 };
	struct vmrun r = { .image = "hoststate.bin", .hooks = &sc_hooks, .ctx = &c };
	uint64_t storms0 = copyin_storms, retries0 = copyin_retries;
	char last[160];
	int i;

	if (!vm_begin())
		return;
	if (hv_quirk.stale_host_cr3 && strcmp(vm_backend_name(), "svm") == 0) {
		ktest_skip("stale_host_cr3 has no SVM analogue: VMRUN saves host "
		    "CR3 and #VMEXIT reloads it (APM Vol. 2 15.5.1)");
		return;
	}
	for (i = 0; i < 2; i++) {
		c.procs[i] = proc_create(i ? "hist_cr3b" : "hist_cr3a");
		if (c.procs[i] == NULL ||
		    proc_map_anon(c.procs[i], sc_va(i) & ~(PAGE_SIZE - 1), 2) != 0) {
			report(false, "stale_host_cr3: process %d setup failed", i);
			goto out;
		}
	}
	vm_run_exit0(&r);
	report(c.copies == SC_ROUNDS - 1 && c.bad == 0,
	    "stale_host_cr3: copyins after a vmspace switch: %d, wrong or failed %d "
	    "(first at mark %lu: %s)", c.copies, c.bad,
	    (unsigned long)c.first_bad_mark, vm_err(c.first_bad_err));
	hist_symptom(last, sizeof(last));
	report(copyin_storms == storms0,
	    "stale_host_cr3: copyin fault storms detected: %lu%s%s",
	    (unsigned long)(copyin_storms - storms0),
	    copyin_storms != storms0 ? "; last: " : "", copyin_storms != storms0 ? last : "");
	/* the data pages are mapped before the guest runs: nothing to retry */
	report(copyin_retries - retries0 <= (uint64_t)c.copies,
	    "stale_host_cr3: copyin faults retried %lu (bound: %d, one per copy)",
	    (unsigned long)(copyin_retries - retries0), c.copies);
out:
	thread_vmspace_switch(NULL);
	for (i = 0; i < 2; i++)
		if (c.procs[i] != NULL)
			proc_release(c.procs[i]);
}

/* ---- hist_zero_host_fs ------------------------------------------------------ */

/* Every host thread's TLS block is at this VA of its own process, as a
 * dynamic linker places it: equal FS base values in different address
 * spaces, which the context switch's FS-base cache does not reload. */
#define FS_TLS_VA	0x00007f0000000000ull
#define FS_MARKS	48		/* guests/hist_tls.asm: 2 x ROUNDS */
#define FS_CHECKERS	3

struct fs_checker {
	char		 name[16];
	struct proc	*proc;
	struct thread	*t;
	int		 cpu;
	uint64_t	 checks, bad;
};

struct fs_ctx {
	struct fs_checker chk[FS_CHECKERS];
	int		 nchk;
	volatile int	 stop;
	uint64_t	 vcpu_tls;	/* the vCPU thread's FS base now */
	uint64_t	 vcpu_checks, vcpu_bad;
	int		 migrations;
};

/* Map two TLS pages in p and store their self pointers (in p's address
 * space): the vCPU thread switches between them like two vkernel LWPs. */
static int
fs_tls_setup(struct proc *p)
{
	uint64_t self[2] = { FS_TLS_VA, FS_TLS_VA + PAGE_SIZE };
	int error = proc_map_anon(p, FS_TLS_VA, 2);

	if (error != 0)
		return error;
	thread_vmspace_switch(p);
	error = copyout(&self[0], self[0], sizeof(self[0]));
	if (error == 0)
		error = copyout(&self[1], self[1], sizeof(self[1]));
	thread_vmspace_switch(NULL);
	return error;
}

static void
fs_checker_thread(void *arg)
{
	struct fs_ctx *c = arg;
	struct fs_checker *k = NULL;

	for (int i = 0; i < c->nchk; i++)
		if (c->chk[i].t == curthread() || c->chk[i].proc == curthread()->proc)
			k = &c->chk[i];
	thread_set_fs_base(FS_TLS_VA);
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		k->checks++;
		if (!tls_check(k->name, FS_TLS_VA))
			k->bad++;
		thread_yield();
		if ((k->checks & 15) == 0)
			thread_sleep_ns(1000000);
	}
	thread_exit(0);
}

static int
fs_mark(struct vmrun *r, struct hv_vcpu *vcpu, uint64_t n)
{
	struct fs_ctx *c = r->ctx;
	int cpu = this_cpu()->id;

	/* right after the exit: the vCPU thread's own TLS */
	c->vcpu_checks++;
	if (!tls_check("vcpu", c->vcpu_tls))
		c->vcpu_bad++;
	/* let the checkers on this CPU run after the exit ... */
	thread_yield();
	/* ... and every fourth mark move to the other CPU */
	if (ncpus > 1 && n % 4 == 0 && thread_migrate((cpu + 1) % 2) == 0)
		c->migrations++;
	c->vcpu_checks++;
	if (!tls_check("vcpu", c->vcpu_tls))
		c->vcpu_bad++;
	/* the next entry runs for the other vkernel LWP: its own TLS block */
	c->vcpu_tls = FS_TLS_VA + (n % 2) * PAGE_SIZE;
	thread_set_fs_base(c->vcpu_tls);
	return 0;
}

static const struct vmrun_hooks fs_hooks = { .mark = fs_mark };

KTEST(hist_zero_host_fs, "2013 zero HOST_FS_BASE: TLS of host threads and guest across exits")
{
	struct fs_ctx c = { 0 };
	struct vmrun r = { .image = "hist_tls.bin", .hooks = &fs_hooks, .ctx = &c };
	struct proc *vp = NULL;
	uint64_t bad = 0, checks = 0;
	char last[160];
	int i;

	if (!vm_begin())
		return;
	c.nchk = ncpus > 1 ? FS_CHECKERS : FS_CHECKERS - 1;
	vp = proc_create("hist_fs_vcpu");
	if (vp == NULL || fs_tls_setup(vp) != 0) {
		report(false, "zero_host_fs: vCPU process setup failed");
		goto out;
	}
	for (i = 0; i < c.nchk; i++) {
		struct fs_checker *k = &c.chk[i];

		ksnprintf(k->name, sizeof(k->name), "tls-chk%d", i);
		k->cpu = i < 2 ? 0 : 1;	/* two beside the vCPU thread, one elsewhere */
		k->proc = proc_create(k->name);
		if (k->proc == NULL || fs_tls_setup(k->proc) != 0) {
			report(false, "zero_host_fs: checker %d setup failed", i);
			goto out;
		}
	}
	for (i = 0; i < c.nchk; i++)
		c.chk[i].t = thread_create(c.chk[i].name, fs_checker_thread, &c,
		    c.chk[i].proc, c.chk[i].cpu);
	thread_vmspace_switch(vp);
	c.vcpu_tls = FS_TLS_VA;
	thread_set_fs_base(c.vcpu_tls);
	vm_run_exit0(&r);
	report(r.reports == 1 && r.reports_failed == 0,
	    "zero_host_fs: guest TLS (HC_SET_TLS, two vkernel threads): %s",
	    r.last_report);
	if (thread_migrate(0) != 0)
		report(false, "zero_host_fs: could not return to cpu 0");
	thread_set_fs_base(0);
	thread_vmspace_switch(NULL);
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < c.nchk; i++) {
		struct thread_exit_info info;

		if (c.chk[i].t == NULL || thread_join(c.chk[i].t, &info, 5000000000ull) != 0 ||
		    info.killed)
			report(false, "zero_host_fs: checker %s did not end cleanly", c.chk[i].name);
		checks += c.chk[i].checks;
		bad += c.chk[i].bad;
	}
	hist_symptom(last, sizeof(last));
	report(r.marks == FS_MARKS && c.vcpu_bad == 0,
	    "zero_host_fs: vCPU thread TLS after %lu exits: %lu wrong%s%s",
	    (unsigned long)r.marks, (unsigned long)c.vcpu_bad,
	    c.vcpu_bad ? "; last: " : "", c.vcpu_bad ? last : "");
	report(checks > 0 && bad == 0,
	    "zero_host_fs: %d checker threads, %lu TLS checks, %lu wrong%s%s",
	    c.nchk, (unsigned long)checks, (unsigned long)bad, bad ? "; last: " : "",
	    bad ? last : "");
	report(ncpus < 2 || c.migrations > 0,
	    "zero_host_fs: vCPU thread migrations %d", c.migrations);
out:
	thread_set_fs_base(0);
	thread_vmspace_switch(NULL);
	if (vp != NULL)
		proc_release(vp);
	for (i = 0; i < FS_CHECKERS; i++)
		if (c.chk[i].proc != NULL)
			proc_release(c.chk[i].proc);
}

/* ---- hist_no_cpusync_inval ------------------------------------------------------ */

#define NI_P		0x900000ull	/* guests/hist_reader.asm */
#define NI_ROUNDS	100

struct ni_vcpu {
	struct vmrun	*r;
	struct hv_vcpu	*vcpu;
	struct vmrun	 out;
	int		 pageout_err;
};

static int
ni_mark(struct vmrun *out, struct hv_vcpu *vcpu, uint64_t n)
{
	struct ni_vcpu *nv = out->ctx;
	int error;

	if (n != 1)
		return 0;	/* MARK 2: the reader's verdict, reported by itself */
	error = hv_vm_pageout(nv->r->vm, NI_P, PAGE_SIZE);
	if (error != 0 && nv->pageout_err == 0)
		nv->pageout_err = error;
	return 0;
}

static const struct vmrun_hooks ni_hooks = { .mark = ni_mark };

static void
ni_thread(void *arg)
{
	struct ni_vcpu *nv = arg;

	vmrun_loop(nv->r, nv->vcpu, &nv->out);
	thread_exit(0);
}

KTEST(hist_no_cpusync_inval, "2013 pageout without cpusync: a reader vCPU on another CPU sees the new frame")
{
	struct vmrun r = { .image = "hist_reader.bin", .hooks = &ni_hooks };
	struct ni_vcpu nv[2];
	struct thread *t[2];
	int i, error;

	if (!vm_begin())
		return;
	if (ncpus < 2) {
		ktest_skip("needs 2 CPUs, %d online", ncpus);
		return;
	}
	if (vmrun_setup(&r) != 0) {
		report(false, "hist_reader.bin: could not start: %s", r.errmsg);
		return;
	}
	memset(nv, 0, sizeof(nv));
	for (i = 0; i < 2; i++) {
		nv[i].r = &r;
		nv[i].out.ctx = &nv[i];
		nv[i].out.vcpu_id = i;
		error = hv_vcpu_create(r.vm, i, &nv[i].vcpu);
		if (error != 0) {
			report(false, "hv_vcpu_create(%d): %s", i, vm_err(error));
			vmrun_teardown(&r);
			return;
		}
	}
	for (i = 0; i < 2; i++)
		t[i] = thread_create("vm_vcpu", ni_thread, &nv[i], NULL, i);
	for (i = 0; i < 2; i++) {
		struct thread_exit_info info;

		error = t[i] ? thread_join(t[i], &info, (VM_TIMEOUT_MS + 5000) * 1000000ull)
		    : ENOMEM;
		if (error != 0) {
			/* a thread may still run the VM: leave it alone */
			report(false, "vCPU thread %d not joined: %s", i, vm_err(error));
			return;
		}
	}
	for (i = 0; i < 2; i++)
		report(nv[i].out.end == VR_DONE && nv[i].out.exit_code == 0,
		    "no_cpusync_inval: vCPU %d ended by %s, exit code %ld%s%s%s", i,
		    vmrun_end_name(nv[i].out.end), (long)nv[i].out.exit_code,
		    i == 1 ? " (the reader's stale reads)" : "", nv[i].out.errmsg[0] ? ": " : "",
		    nv[i].out.errmsg);
	report(nv[0].out.marks == NI_ROUNDS && nv[0].pageout_err == 0,
	    "no_cpusync_inval: pageouts %lu (want %d), first error %s; "
	    "invalidations local %lu, by IPI %lu", (unsigned long)nv[0].out.marks,
	    NI_ROUNDS, vm_err(nv[0].pageout_err), (unsigned long)vm_stat("inval_local"),
	    (unsigned long)vm_stat("inval_ipi"));
	vmrun_teardown(&r);
}

/* ---- hist_std_copyin_on_guest ---------------------------------------------------- */

#define VK_ARG_GPA	0x700000ull	/* guests/hist_vkern.asm: 3 processes x 16 KiB */
#define VK_ARG_LEN	0xc000ull

static int
vk_mark(struct vmrun *r, struct hv_vcpu *vcpu, uint64_t n)
{
	/* the argument pages leave the nested tables before the syscalls
	 * (MARK 2 is the guest's verdict, reported by itself) */
	return n == 1 ? hv_vm_pageout(r->vm, VK_ARG_GPA, VK_ARG_LEN) : 0;
}

static const struct vmrun_hooks vk_hooks = { .mark = vk_mark };

KTEST(hist_std_copyin_on_guest, "2013 EPT-unaware copyin: guest-user syscall arguments across pages arrive intact")
{
	struct vmrun r = { .image = "hist_vkern.bin", .hooks = &vk_hooks };
	uint64_t pageins0;

	if (!vm_begin())
		return;
	pageins0 = vm_stat("pageins");
	vm_run_exit0(&r);
	report(r.marks >= 1 && r.reports_failed == 0,
	    "std_copyin_on_guest: marks %lu, failed guest reports %lu%s%s",
	    (unsigned long)r.marks, (unsigned long)r.reports_failed,
	    r.reports_failed ? ": " : "", r.reports_failed ? r.last_report : "");
	/* the host's reads brought the paged-out argument pages back */
	report(vm_stat("pageins") - pageins0 >= 6,
	    "std_copyin_on_guest: argument pages paged in by the host's copies: %lu "
	    "(want >= 6)", (unsigned long)(vm_stat("pageins") - pageins0));
}

/* ---- hist_exec_frees_vmm ------------------------------------------------------------ */

#define EX_REBOOTS	4
#define EX_VCPUS	2

struct ex_vcpu {
	struct hv_vcpu	*vcpu;
	struct thread	*t;
	volatile int	 stop;
	int		 error;
	uint64_t	 runs;
	char		 msg[160];	/* an HV_EXIT_ERROR that ended it */
};

static void
ex_thread(void *arg)
{
	struct ex_vcpu *v = arg;
	struct hv_exit ex;

	while (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE)) {
		v->error = hv_vcpu_run(v->vcpu, &ex);
		v->runs++;
		if (v->error != 0)
			break;
		if (ex.kind == HV_EXIT_ERROR) {
			strlcpy(v->msg, ex.msg, sizeof(v->msg));
			break;
		}
		if (ex.kind != HV_EXIT_INTR)
			break;
	}
	thread_exit(0);
}

/* Both vCPUs inside hv_vcpu_run (in the guest or about to be), 1 s at most. */
static bool
ex_all_running(struct ex_vcpu *v)
{
	uint64_t end = time_ns() + 1000000000ull;

	while (time_ns() < end) {
		int i, n = 0;

		for (i = 0; i < EX_VCPUS; i++)
			n += v[i].runs > 0 &&
			    __atomic_load_n(&v[i].vcpu->in_run, __ATOMIC_SEQ_CST) == 1;
		if (n == EX_VCPUS)
			return true;
		thread_sleep_ns(100000);
	}
	return false;
}

/* Stop the vCPU threads (a kick takes each out of the guest) and reap them. */
static bool
ex_stop(struct ex_vcpu *v)
{
	bool ok = true;
	int i;

	for (i = 0; i < EX_VCPUS; i++)
		__atomic_store_n(&v[i].stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < EX_VCPUS; i++) {
		struct thread_exit_info info;

		if (v[i].t == NULL)
			continue;
		if (i != this_cpu()->id)
			ipi_send(i, VEC_KICK);
		if (thread_join(v[i].t, &info, 5000000000ull) != 0 || info.killed)
			ok = false;
		v[i].t = NULL;
	}
	return ok;
}

/* The vCPU threads are gone: drop the test's references (none under the
 * quirk, whose teardown freed the handles itself). */
static void
ex_release(struct ex_vcpu *v, bool freed)
{
	int i;

	for (i = 0; i < EX_VCPUS; i++) {
		if (v[i].vcpu != NULL && !freed)
			hv_vcpu_release(v[i].vcpu);
		v[i].vcpu = NULL;
	}
}

/* Orderly: threads already stopped, then the VM and the references go. */
static void
ex_teardown(struct vmrun *r, struct ex_vcpu *v)
{
	bool freed = HV_QUIRK(exec_frees_vmm);

	vmrun_teardown(r);
	ex_release(v, freed);
}

KTEST(hist_exec_frees_vmm, "2013 reboot via execve: VM teardown while its vCPUs run on other CPUs")
{
	struct vmrun r = { .image = "hist_spin.bin" };
	struct ex_vcpu v[EX_VCPUS];
	uint64_t pages0 = 0, heap0 = 0;
	int boot, i, clean = 0, error;
	char uaf[160] = "";
	bool threads_ok = true, quirk, stopped, reaped;

	if (!vm_begin())
		return;
	if (ncpus < EX_VCPUS) {
		ktest_skip("needs %d CPUs, %d online", EX_VCPUS, ncpus);
		return;
	}
	for (boot = 0; boot <= EX_REBOOTS && uaf[0] == '\0'; boot++) {
		if (vmrun_setup(&r) != 0) {
			report(false, "hist_spin.bin: could not start: %s", r.errmsg);
			return;
		}
		memset(v, 0, sizeof(v));
		for (i = 0; i < EX_VCPUS; i++) {
			error = hv_vcpu_create(r.vm, i, &v[i].vcpu);
			if (error != 0) {
				report(false, "hv_vcpu_create(%d): %s", i, vm_err(error));
				ex_teardown(&r, v);
				return;
			}
			/* its thread's reference: it may call run after the teardown */
			hv_vcpu_hold(v[i].vcpu);
		}
		for (i = 0; i < EX_VCPUS; i++)
			v[i].t = thread_create("vm_vcpu", ex_thread, &v[i], NULL, i);
		if (boot == 0) {
			/* the first boot warms per-CPU state up: not counted */
			threads_ok &= ex_stop(v);
			ex_teardown(&r, v);
			pages0 = pmm_used();
			heap0 = heap_bytes();
			continue;
		}
		if (!ex_all_running(v)) {
			report(false, "exec_frees_vmm: boot %d: vCPUs not running", boot);
			threads_ok &= ex_stop(v);
			ex_teardown(&r, v);
			break;
		}
		/* execve's cleanup: tear the VM down while both vCPUs run.  hv
		 * must stop them (their runs return ENOENT).  Under the quirk it
		 * frees everything under them; its frees are quarantined then, so
		 * that shows as hv's use-after-free report, not as a host crash. */
		quirk = HV_QUIRK(exec_frees_vmm);
		if (quirk)
			__atomic_store_n(&free_quarantine, 1, __ATOMIC_SEQ_CST);
		error = hv_vm_destroy(r.vm);
		if (error != 0) {
			__atomic_store_n(&free_quarantine, 0, __ATOMIC_SEQ_CST);
			report(false, "exec_frees_vmm: teardown with vCPUs running: %s "
			    "(want it done)", vm_err(error));
			threads_ok &= ex_stop(v);
			ex_teardown(&r, v);
			break;
		}
		r.vm = NULL;
		stopped = true;
		for (i = 0; i < EX_VCPUS; i++) {
			struct thread_exit_info info;

			/* each run ends by itself: no stop flag, no kick */
			if (thread_join(v[i].t, &info, 5000000000ull) != 0 || info.killed)
				stopped = false;
			else
				v[i].t = NULL;
		}
		/* a thread still alive may use its handle: then it is kept */
		reaped = stopped || ex_stop(v);
		threads_ok &= reaped;
		__atomic_store_n(&free_quarantine, 0, __ATOMIC_SEQ_CST);
		for (i = 0; i < EX_VCPUS; i++)
			if (uaf[0] == '\0' && v[i].msg[0] != '\0')
				strlcpy(uaf, v[i].msg, sizeof(uaf));
		if (quirk && uaf[0] == '\0')
			strlcpy(uaf, "VM freed under running vCPUs, not detected", sizeof(uaf));
		if (uaf[0] != '\0') {
			kprintf("exec_frees_vmm: %s\n", uaf);
			if (!quirk && reaped)
				ex_release(v, false);
			break;	/* quarantined memory stays leaked */
		}
		if (stopped && v[0].error == ENOENT && v[1].error == ENOENT)
			clean++;
		else
			report(false, "exec_frees_vmm: boot %d: runs ended with %s / %s "
			    "(want ENOENT from both)%s", boot, vm_err(v[0].error),
			    vm_err(v[1].error), stopped ? "" : ", threads not ending by themselves");
		if (reaped)
			ex_release(v, false);
	}
	report(clean == EX_REBOOTS && uaf[0] == '\0',
	    "exec_frees_vmm: %d of %d teardowns stopped the running vCPUs (ENOENT), "
	    "then clean%s%s", clean, EX_REBOOTS, uaf[0] ? ": " : "", uaf);
	report(threads_ok, "exec_frees_vmm: vCPU threads stopped and reaped");
	if (uaf[0] == '\0')
		report(pmm_used() == pages0 && heap_bytes() == heap0,
		    "exec_frees_vmm: pages used before=%lu after=%lu, heap before=%lu "
		    "after=%lu", (unsigned long)pages0, (unsigned long)pmm_used(),
		    (unsigned long)heap0, (unsigned long)heap_bytes());
}
