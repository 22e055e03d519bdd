/*
 * scn_run.c - runs scenario files (guests/NAME.scn, multiboot2 modules) as
 * the tests scn.NAME: registration, then per scenario parse (scn_parse.c),
 * create the VM (scn_vm.c), run each vCPU in its own thread while the
 * triggers fire host actions (scn_actions.c), watch it (whole-run and
 * no-progress watchdogs; scn_vcpu.c), tear everything down, then print one
 * CHECK line per expectation (scn_check.c) and the RESULT fields of
 * docs/CONSOLE.md.
 */
#include "scn_run_int.h"
#include "ktest.h"
#include "mb2.h"
#include "mm.h"
#include "sched.h"
#include "sysctl.h"

#define SCN_MAX		96		/* registered scenarios */

struct scn_entry {
	struct ktest		 t;
	char			 name[72];	/* scn. + module name less .scn */
	char			 descr[SCN_DESCR_MAX + 40];
	const struct kmodule	*m;
};

extern const struct scn_action __start_scn_actions[], __stop_scn_actions[];
static struct scn_action_info infos[64];
static int ninfos;

int
scn_action_count(void)
{
	return (int)(__stop_scn_actions - __start_scn_actions);
}

const struct scn_action *
scn_action_get(int i)
{
	return &__start_scn_actions[i];
}

/* ---- one scenario ---------------------------------------------------------------------- */

static void
teardown(struct scn_run *run)
{
	char old[32], new_[32];
	int i, serr;

	if (run->vm != NULL) {
		int error = scn_vm_destroy(run);

		if (error != 0)
			run_fail(run, "hv_vm_destroy: %s", vm_err(error));
		run->vm = NULL;
	}
	/* an execve that failed left the handles (its VM is gone) */
	scn_vcpus_drop(run, run->vcpus_freed);
	for (i = 0; i < SCN_PROCS; i++)
		if (run->procs[i] != NULL) {
			proc_release(run->procs[i]);
			run->procs[i] = NULL;
		}
	/* restore in reverse order of the first change */
	for (i = run->nsysctl - 1; i >= 0; i--)
		if (sysctl_write(run->sysctl_name[i], run->sysctl_old[i], old, new_,
		    sizeof(old), &serr) != 0)
			kprintf("scn: %s: cannot restore %s=%s\n", run->file,
			    run->sysctl_name[i], run->sysctl_old[i]);
}

/* Once per boot: what hv allocates on its first VM is not a scenario's leak. */
static void
warm_up(void)
{
	static bool done;
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;

	if (done || hv_vm_create(HV_GUEST_MIN_MEM, &vm) != 0)
		return;
	if (hv_vcpu_create(vm, 0, &vcpu) == 0)
		done = true;
	hv_vm_destroy(vm);
}

static void
execute(struct scn_run *run, struct outcome *o)
{
	const struct scn *s = run->s;
	uint64_t pages0, heap0, exits0, faults0, ticks0;
	char name[96];
	int i;

	warm_up();
	pages0 = pmm_used();
	heap0 = heap_bytes();
	for (i = 0; i < s->nexpects; i++) {
		const struct scn_expect *e = &s->expects[i];

		if (e->kind == SCN_EXP_EXITS || e->kind == SCN_EXP_STAT ||
		    e->kind == SCN_EXP_FAULTS || e->kind == SCN_EXP_SYSCTL) {
			exp_counter_name(e, name, sizeof(name));
			o->has[i] = counter_read(name, &o->base[i]);
		}
	}
	exits0 = run->exits0 = stat_or0("exits");
	faults0 = stat_or0("nested_faults");
	ticks0 = cpus[0]->ticks;
	for (i = 0; i < SCN_PROCS; i++) {
		run->procs[i] = proc_create("scn");
		if (run->procs[i] == NULL)
			run_fail(run, "proc_create: out of memory");
	}
	if (!run->abort && vm_boot(run) == 0) {
		capture_set(run);
		o->leaked = !supervise(run, o->timeout_reason, sizeof(o->timeout_reason));
		capture_set(NULL);
		o->timed_out = o->timeout_reason[0] != '\0';
	}
	o->exits = stat_or0("exits") - exits0;
	o->faults = stat_or0("nested_faults") - faults0;
	o->ticks = cpus[0]->ticks - ticks0;
	if (o->leaked) {
		kprintf("scn: %s: a vCPU thread did not stop; the VM is left alive\n",
		    run->file);
		return;
	}
	teardown(run);
	o->pages = (int64_t)(pmm_used() - pages0);
	o->heap = (int64_t)(heap_bytes() - heap0);
}

static void
unquote(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '"')
			*s = '\'';
}

static void
scn_test(void *arg)
{
	struct scn_entry *ent = arg;
	const char *backend = vm_backend_name();
	char err[SCN_ERR_MAX], first_fail[240] = "";
	struct outcome *o = NULL;
	struct scn_run *run = NULL;
	struct scn *s;
	int i;

	/* every RESULT has the same fields, whatever the outcome */
	ktest_set_backend(backend);
	ktest_set_fields("exits=0 faults=0 ticks=0 pages=0");
	s = kmalloc(sizeof(*s));
	if (s == NULL) {
		ktest_fail("%s: out of memory", ent->m->name);
		return;
	}
	if (scn_parse(ent->m->name, ent->m->data, ent->m->size, infos, ninfos, s, err,
	    sizeof(err)) != 0) {
		kprintf("error: %s\n", err);
		unquote(err);
		ktest_fail("%s", err);
		goto out;
	}
	if (strcmp(backend, "none") == 0) {
		skip_all(s, backend, "hv has no usable VMX or SVM backend");
		goto out;
	}
	if ((strcmp(backend, "svm") == 0 && !s->on_svm) ||
	    (strcmp(backend, "vmx") == 0 && !s->on_vmx)) {
		skip_all(s, backend, "not for this backend");
		goto out;
	}
	if (ncpus < s->cpus) {
		ksnprintf(err, sizeof(err), "needs %d CPUs, %d online", s->cpus, ncpus);
		skip_all(s, backend, err);
		goto out;
	}
	if (!hv_is_enabled() && hv_set_enable(true) != 0) {
		ktest_fail("%s: hw.vmm.enable=1 refused", ent->m->name);
		goto out;
	}
	run = kmalloc(sizeof(*run));
	o = kmalloc(sizeof(*o));
	if (run == NULL || o == NULL) {
		ktest_fail("%s: out of memory", ent->m->name);
		goto out;
	}
	run->s = s;
	run->file = ent->m->name;
	run->nv = s->vcpus;
	scn_cfg_init(run);
	for (i = 0; i < run->nv; i++) {
		run->v[i].run = run;
		run->v[i].id = i;
		run->v[i].res.vcpu_id = i;
		run->v[i].cpu = -1;
		run->v[i].proc_idx = -1;
	}
	execute(run, o);
	print_checks(run, o, backend, first_fail, sizeof(first_fail));
	/* the RESULT reason is quoted: no double quote inside it */
	unquote(o->timeout_reason);
	unquote(run->failure);
	unquote(first_fail);
	ktest_set_fields("exits=%lu faults=%lu ticks=%lu pages=%ld", (unsigned long)o->exits,
	    (unsigned long)o->faults, (unsigned long)o->ticks, (long)o->pages);
	if (o->timed_out)
		ktest_timeout("%s%s", o->timeout_reason,
		    o->leaked ? "; a vCPU thread did not stop, VM left alive" : "");
	else if (run->failure[0] != '\0')
		ktest_fail("%s", run->failure);
	else if (o->leaked)
		ktest_fail("a vCPU thread did not stop; VM left alive");
	else if (first_fail[0] != '\0')
		ktest_fail("%s", first_fail);
	if (o->leaked) {
		/* the stuck threads still point into run and s: never free them */
		return;
	}
out:
	kfree(o);
	kfree(run);
	kfree(s);
}

/* ---- registration ---------------------------------------------------------------------- */

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

void
scn_register_all(void)
{
	struct scn *s = kmalloc(sizeof(*s));
	char err[SCN_ERR_MAX];
	int i, n = 0;

	for (i = 0; i < scn_action_count() && ninfos < (int)ARRAY_SIZE(infos); i++) {
		infos[ninfos].name = scn_action_get(i)->name;
		infos[ninfos].argspec = scn_action_get(i)->argspec;
		infos[ninfos].usage = scn_action_get(i)->usage;
		ninfos++;
	}
	for (i = 0; i < module_count() && n < SCN_MAX; i++) {
		const struct kmodule *m = module_get(i);
		struct scn_entry *e;
		size_t base;

		if (!ends_with(m->name, ".scn"))
			continue;
		e = kmalloc(sizeof(*e));
		if (e == NULL)
			break;
		base = strlen(m->name) - 4;
		ksnprintf(e->name, sizeof(e->name), "scn.%.*s", (int)base, m->name);
		e->m = m;
		/* the description from the file; a malformed file says so (run gives the error) */
		if (s != NULL && scn_parse(m->name, m->data, m->size, infos, ninfos, s, err,
		    sizeof(err)) == 0)
			ksnprintf(e->descr, sizeof(e->descr), "%s",
			    s->descr[0] ? s->descr : "scenario");
		else
			ksnprintf(e->descr, sizeof(e->descr), "malformed scenario %s", m->name);
		e->t.name = e->name;
		e->t.descr = e->descr;
		e->t.run = scn_test;
		e->t.arg = e;
		if (ktest_add(&e->t) != 0) {
			kprintf("scn: cannot register %s\n", e->name);
			kfree(e);
			continue;
		}
		n++;
	}
	kfree(s);
}
