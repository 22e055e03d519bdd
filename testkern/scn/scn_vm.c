/*
 * scn_vm.c - the scenario runner's VM: guest serial capture (hv_log_hook
 * counts the lines `expect serial` wants), VM boot and teardown, reboots,
 * kicks and the sysctls actions change.
 */
#include "scn_run_int.h"
#include "sched.h"
#include "sysctl.h"
#include "trap.h"
#include "hv_quirk.h"

/* ---- guest serial capture (hv_log_hook) ---------------------------------------- */

static spinlock_t cap_lock = SPINLOCK_INIT;
static struct scn_run *cap_run;

/* "guestN.V: text\n" -> text; NULL for other lines. */
static const char *
guest_text(const char *line)
{
	const char *p = line;

	if (strncmp(p, "guest", 5) != 0)
		return NULL;
	p += 5;
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '.' || *p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != ':' || p[1] != ' ')
		return NULL;
	return p + 2;
}

static void
capture(const char *line)
{
	const char *text = guest_text(line);
	uint64_t f;
	char buf[256];
	size_t n;
	int i;

	if (text == NULL)
		return;
	n = strlcpy(buf, text, sizeof(buf));
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	f = spin_lock(&cap_lock);
	if (cap_run != NULL) {
		const struct scn *s = cap_run->s;

		for (i = 0; i < s->nexpects; i++)
			if (s->expects[i].kind == SCN_EXP_SERIAL &&
			    scn_re_search(s->expects[i].re, buf))
				__atomic_fetch_add(&cap_run->exp_count[i], 1, __ATOMIC_RELAXED);
		scn_progress(cap_run);
	}
	spin_unlock(&cap_lock, f);
}

void
capture_set(struct scn_run *run)
{
	uint64_t f = spin_lock(&cap_lock);

	cap_run = run;
	spin_unlock(&cap_lock, f);
	hv_log_hook = run != NULL ? capture : NULL;
}

/* ---- VM life cycle ---------------------------------------------------------------- */

/*
 * Destroy the VM (hv stops vCPUs still inside a run: they get ENOENT) and
 * drop the run's vCPU references.  Only once no vCPU thread can call hv on
 * them any more: every thread parked or gone.  Under the quirk
 * exec_frees_vmm hv freed the handles itself (the 2013 bug): nothing to drop.
 */
int
scn_vm_destroy(struct scn_run *run)
{
	bool freed = HV_QUIRK(exec_frees_vmm);
	int error;

	if (run->vm != NULL) {
		error = hv_vm_destroy(run->vm);
		if (error != 0)
			return error;
		run->vm = NULL;
	}
	scn_vcpus_drop(run, freed);
	return 0;
}

void
scn_vcpus_drop(struct scn_run *run, bool freed)
{
	int i;

	for (i = 0; i < run->nv; i++) {
		if (run->v[i].vcpu != NULL && !freed)
			hv_vcpu_release(run->v[i].vcpu);
		run->v[i].vcpu = NULL;
	}
}

/* Create the VM with the image and every vCPU; 0 or an errno (failure set). */
int
vm_boot(struct scn_run *run)
{
	const struct scn *s = run->s;
	struct guest_run_result boot = { 0 };
	int error, i;

	error = guest_run_setup(&run->cfg, &boot);
	run->vm = boot.vm;
	if (error != 0) {
		run_fail(run, "%s: %s", run->file, boot.errmsg);
		return error;
	}
	for (i = 0; error == 0 && i < run->nv; i++) {
		error = hv_vcpu_create(run->vm, i, &run->v[i].vcpu);
		/* the run's reference: a vCPU thread may still call run on it
		 * after a teardown (it then gets ENOENT and parks) */
		if (error == 0)
			hv_vcpu_hold(run->v[i].vcpu);
		/* a multiboot kernel starts at the loader's entry state */
		if (error == 0 && run->cfg.multiboot != NULL)
			error = hv_vcpu_boot(run->v[i].vcpu, &boot.mb1_boot);
	}
	if (error != 0) {
		run_fail(run, "creating the vCPUs of %s: %s", s->guest, vm_err(error));
		scn_vm_destroy(run);
		return error;
	}
	for (i = 0; i < run->nv; i++) {
		run->v[i].done = false;
		run->v[i].res.end = VR_HOSTERR;
		run->v[i].res.exit_code = 0;
		run->v[i].res.error = 0;
		run->v[i].res.errmsg[0] = '\0';
	}
	return 0;
}

static bool
others_parked(struct scn_run *run, struct scn_vcpu *self)
{
	int i;

	for (i = 0; i < run->nv; i++)
		if (&run->v[i] != self && !run->v[i].waiting && !run->v[i].exited)
			return false;
	return true;
}

void
kick_vcpus(struct scn_run *run, struct scn_vcpu *self)
{
	int i;

	for (i = 0; i < run->nv; i++) {
		int cpu = run->v[i].cpu;

		if (&run->v[i] != self && !run->v[i].waiting && !run->v[i].exited &&
		    cpu >= 0 && cpu != this_cpu()->id)
			ipi_send(cpu, VEC_KICK);
	}
}

/*
 * reboot: the vkernel's execve.  Every other vCPU is stopped (it parks at
 * its next exit; the kick makes that soon), then the VM is destroyed and
 * made again, and every vCPU thread starts over in the new one.
 */
int
scn_reboot(struct scn_actx *a)
{
	struct scn_run *run = a->run;
	uint32_t gen = run->gen;
	uint64_t f;
	bool mine;
	int error;

	f = spin_lock(&run->lock);
	mine = !run->reboot_req;
	run->reboot_req = true;
	spin_unlock(&run->lock, f);
	if (!mine) {
		/* another vCPU reboots the VM: wait for it like the others */
		a->sv->waiting = true;
		while (run->gen == gen && !run->abort)
			thread_sleep_ns(1000000);
		a->sv->waiting = false;
		return run->abort ? ETIMEDOUT : 0;
	}
	while (!others_parked(run, a->sv) && !run->abort) {
		kick_vcpus(run, a->sv);
		thread_sleep_ns(1000000);
	}
	if (run->abort)
		return ETIMEDOUT;
	error = scn_vm_destroy(run);
	if (error != 0)
		return error;
	return scn_reboot_finish(run);
}

/* The other vCPUs are parked and the old VM is gone: boot the new one. */
int
scn_reboot_finish(struct scn_run *run)
{
	int error = vm_boot(run);

	if (error != 0)
		return error;
	run->reboots++;
	scn_progress(run);
	__atomic_fetch_add(&run->gen, 1, __ATOMIC_SEQ_CST);
	run->reboot_by_hv = false;
	run->reboot_req = false;
	return 0;
}

int
scn_sysctl_set(struct scn_run *run, const char *name, const char *value)
{
	char old[32], new_[32];
	int serr = 0, error, i;
	uint64_t f;

	error = sysctl_write(name, value, old, new_, sizeof(old), &serr);
	if (error == -1)
		return serr;
	if (error != 0)
		return error;
	/* remember the first old value of each name, to restore it at the end */
	f = spin_lock(&run->lock);
	for (i = 0; i < run->nsysctl; i++)
		if (strcmp(run->sysctl_name[i], name) == 0)
			break;
	if (i == run->nsysctl && i < SCN_SYSCTLS) {
		strlcpy(run->sysctl_name[i], name, sizeof(run->sysctl_name[i]));
		strlcpy(run->sysctl_old[i], old, sizeof(run->sysctl_old[i]));
		run->nsysctl++;
		i = -1;
	}
	spin_unlock(&run->lock, f);
	return i >= SCN_SYSCTLS ? ENOSPC : 0;
}
