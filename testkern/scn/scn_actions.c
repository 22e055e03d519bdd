/*
 * scn_actions.c - the host actions of scenario files (guests/README.md).
 * Each runs in the thread of the vCPU whose trigger fired, between two runs
 * of that vCPU, and returns 0 or an errno (compared with the step's `want`).
 * Another file adds actions with SCN_ACTION (scn_run.h).
 */
#include "scn_run.h"
#include "sched.h"
#include "cpu.h"
#include "mm.h"
#include "trap.h"

static const struct scn_arg *
arg(struct scn_actx *a, int i)
{
	return &a->step->args[i];
}

/* vmspace P|next|none: like DragonFly's vmspace_ctl, the vkernel thread
 * moves to another host address space (a CR3 change) between guest runs. */
static int
act_vmspace(struct scn_actx *a)
{
	const struct scn_arg *p = arg(a, 0);
	int idx;

	if (!p->is_num && strcmp(p->word, "none") == 0)
		idx = -1;
	else if (!p->is_num && strcmp(p->word, "next") == 0)
		idx = (a->sv->proc_idx + 1) % SCN_PROCS;
	else if (p->is_num && p->num < SCN_PROCS)
		idx = (int)p->num;
	else
		return EINVAL;
	thread_vmspace_switch(idx < 0 ? NULL : a->run->procs[idx]);
	a->sv->proc_idx = idx;
	return 0;
}
SCN_ACTION("vmspace", "x", "vmspace P|next|none: vCPU thread to host process P (CR3 switch)",
    act_vmspace);

/* migrate CPU|next */
static int
act_migrate(struct scn_actx *a)
{
	const struct scn_arg *p = arg(a, 0);
	uint64_t cpu;

	if (!p->is_num && strcmp(p->word, "next") == 0)
		cpu = (uint64_t)(this_cpu()->id + 1) % (uint64_t)ncpus;
	else if (p->is_num)
		cpu = p->num;
	else
		return EINVAL;
	if (cpu >= (uint64_t)ncpus)
		return EINVAL;
	return thread_migrate((int)cpu);
}
SCN_ACTION("migrate", "x", "migrate CPU|next: move the vCPU thread", act_migrate);

/* fsbase VA: the vCPU thread's own TLS pointer */
static int
act_fsbase(struct scn_actx *a)
{
	if (!x86_canonical(arg(a, 0)->num))
		return EINVAL;
	thread_set_fs_base(arg(a, 0)->num);
	return 0;
}
SCN_ACTION("fsbase", "n", "fsbase VA: set the vCPU thread's FS base", act_fsbase);

static void
ctxsw_thread(void *p)
{
	thread_set_fs_base(*(uint64_t *)p);
	thread_yield();
	thread_exit(0);
}

/* ctxsw VA: another thread with FS base VA runs on this CPU meanwhile: the
 * switch back must restore the vCPU thread's FS base (the 2013 FS cache). */
static int
act_ctxsw(struct scn_actx *a)
{
	struct thread_exit_info info;
	uint64_t fs = arg(a, 0)->num;
	struct thread *t;

	if (!x86_canonical(fs))
		return EINVAL;
	t = thread_create("scn_ctxsw", ctxsw_thread, &fs, NULL, -1);
	if (t == NULL)
		return ENOMEM;
	/* joining blocks this thread, so the helper runs on this CPU */
	return thread_join(t, &info, 5000000000ull);
}
SCN_ACTION("ctxsw", "n", "ctxsw VA: run another thread with FS base VA on this CPU, then resume",
    act_ctxsw);

/* pageout GPA LEN */
static int
act_pageout(struct scn_actx *a)
{
	return hv_vm_pageout(a->run->vm, arg(a, 0)->num, arg(a, 1)->num);
}
SCN_ACTION("pageout", "nn", "pageout GPA LEN: hv_vm_pageout (unmap + invalidate)", act_pageout);

/* pagein GPA LEN: the host reads each page, which makes it resident again */
static int
act_pagein(struct scn_actx *a)
{
	uint64_t gpa = arg(a, 0)->num, len = arg(a, 1)->num, end, b;
	uint8_t byte;
	int error;

	if (gpa % PAGE_SIZE != 0 || len == 0 || gpa + len < gpa)
		return EINVAL;
	end = gpa + len;
	for (b = gpa; b < end; b += PAGE_SIZE) {
		error = hv_gpa_read(a->run->vm, b, &byte, 1);
		if (error != 0)
			return error;
	}
	return 0;
}
SCN_ACTION("pagein", "nn", "pagein GPA LEN: host reads the range back in", act_pagein);

/* enable 0|1 through the sysctl layer, as a user would */
static int
act_enable(struct scn_actx *a)
{
	if (arg(a, 0)->num > 1)
		return EINVAL;
	return scn_sysctl_set(a->run, "hw.vmm.enable", arg(a, 0)->num ? "1" : "0");
}
SCN_ACTION("enable", "n", "enable 0|1: write hw.vmm.enable", act_enable);

/* sysctl NAME=VALUE */
static int
act_sysctl(struct scn_actx *a)
{
	char name[64];
	const char *w = arg(a, 0)->word, *eq = strchr(w, '=');

	if (eq == NULL || (size_t)(eq - w) >= sizeof(name) || eq == w)
		return EINVAL;
	memcpy(name, w, (size_t)(eq - w));
	name[eq - w] = '\0';
	return scn_sysctl_set(a->run, name, eq + 1);
}
SCN_ACTION("sysctl", "w", "sysctl NAME=VALUE: write a sysctl (restored at the end)", act_sysctl);

/* user-hypercalls all|none|MASK: what the VM allows from guest CPL 3 */
static int
act_user_hypercalls(struct scn_actx *a)
{
	const struct scn_arg *p = arg(a, 0);
	uint64_t mask;

	if (p->is_num)
		mask = p->num;
	else if (strcmp(p->word, "all") == 0)
		mask = HV_USER_HC_ALL;
	else if (strcmp(p->word, "none") == 0)
		mask = HV_USER_HC_NONE;
	else
		return EINVAL;
	return hv_vm_set_user_hypercalls(a->run->vm, mask);
}
SCN_ACTION("user-hypercalls", "x", "user-hypercalls all|none|MASK: the hypercalls the VM allows "
    "from guest CPL 3 (bit n: number n)", act_user_hypercalls);

static int
act_reboot(struct scn_actx *a)
{
	return scn_reboot(a);
}
SCN_ACTION("reboot", "", "reboot: stop all vCPUs, destroy and re-create the VM, restart", act_reboot);

/* kick V: a host interrupt for the CPU vCPU V runs on (an interrupt exit) */
static int
act_kick(struct scn_actx *a)
{
	uint64_t v = arg(a, 0)->num;
	int cpu;

	if (v >= (uint64_t)a->run->nv)
		return EINVAL;
	cpu = a->run->v[v].cpu;
	/* not run yet, or on this CPU (so not in the guest now): nothing to interrupt */
	if (cpu < 0 || cpu == this_cpu()->id)
		return 0;
	return ipi_send(cpu, VEC_KICK);
}
SCN_ACTION("kick", "n", "kick V: IPI the CPU running vCPU V (host interrupt exit)", act_kick);

/*
 * irq VECTOR [V]: queue external interrupt VECTOR for vCPU V (default: the
 * vCPU whose trigger fired) with hv_vcpu_inject_irq; a vCPU running on
 * another CPU is kicked and takes it as soon as it is interruptible.
 */
static int
act_irq(struct scn_actx *a)
{
	uint64_t vec = arg(a, 0)->num, v = a->sv->id;
	struct hv_vcpu *vcpu;

	if (a->step->nargs > 1)
		v = arg(a, 1)->num;
	if (v >= (uint64_t)a->run->nv || vec > 255)
		return EINVAL;
	vcpu = a->run->v[v].vcpu;
	if (vcpu == NULL)
		return ENOENT;		/* not created yet in this boot */
	return hv_vcpu_inject_irq(vcpu, (uint8_t)vec);
}
SCN_ACTION("irq", "n|n", "irq VECTOR [V]: inject external interrupt VECTOR (32..255) into vCPU V",
    act_irq);

/* sleep MS */
static int
act_sleep(struct scn_actx *a)
{
	if (arg(a, 0)->num > 10000)
		return EINVAL;
	thread_sleep_ns(arg(a, 0)->num * 1000000ull);
	return 0;
}
SCN_ACTION("sleep", "n", "sleep MS: the vCPU thread sleeps", act_sleep);
