/*
 * t_teardown.c - hv_vm_destroy against vCPU threads of the VM that run, are
 * about to run or sit between two runs (a vkernel's reboot via execve, the
 * 2013 DragonFly bug): destroy kicks and waits, every later call on a held
 * handle gets HV_ENOENT without touching freed memory (ASan would report
 * it), and the last hv_vcpu_release frees the handle (the fake host counts
 * every allocation: no leak).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "test.h"

#define ROUNDS	3000
#define NV	2

static volatile int kicked;
/* per round, summed: how each vCPU thread met the teardown */
static uint64_t ran;		/* it had run before the teardown */
static uint64_t refused;	/* its first run was refused already */
static uint64_t in_guest;	/* the run destroy met had entered the guest */
static uint64_t bad;		/* anything else: wrong code, error exit, UAF */
static uint64_t entries;

static void
kick(int cpu)
{
	__atomic_store_n(&kicked, 1, __ATOMIC_SEQ_CST);
}

static __thread bool entered;	/* the current run entered the guest */

static bool
kicked_now(void)
{
	return __atomic_load_n(&kicked, __ATOMIC_SEQ_CST) != 0;
}

static void
mark_entered(void)
{
	entered = true;
	__atomic_add_fetch(&entries, 1, __ATOMIC_SEQ_CST);
}

/* One entry: the "guest" reads the VM until kicked. */
static int
guest_run(struct hv_vcpu *v, struct hv_exit *ex)
{
	return t_guest_entry(v, ex, 400, kicked_now, mark_entered);
}

struct vthread {
	struct hv_vcpu	*vcpu;
	int		 cpu;
};

static void *
vcpu_thread(void *arg)
{
	struct vthread *t = arg;
	struct hv_exit ex;
	struct hv_regs r;
	bool before = false;
	uint64_t word;
	int rc;

	fake_cpu = t->cpu;
	t_rnd_seed((unsigned)(uintptr_t)t->vcpu);
	for (;;) {
		__atomic_store_n(&kicked, 0, __ATOMIC_SEQ_CST);
		entered = false;
		rc = hv_vcpu_run(t->vcpu, &ex);
		if (rc == HV_ENOENT) {
			if (entered)
				__atomic_add_fetch(&in_guest, 1, __ATOMIC_SEQ_CST);
			break;
		}
		if (rc != 0 || ex.kind != HV_EXIT_INTR) {
			fprintf(stderr, "  teardown: run gave %d, kind %d: %s\n", rc,
			    ex.kind, ex.msg);
			__atomic_add_fetch(&bad, 1, __ATOMIC_SEQ_CST);
			return NULL;
		}
		before = true;
		/* between runs the host uses the vCPU too */
		if (t_rnd() % 4 == 0 && hv_vcpu_get_regs(t->vcpu, &r) == HV_EBUSY) {
			fprintf(stderr, "  teardown: registers busy between runs\n");
			__atomic_add_fetch(&bad, 1, __ATOMIC_SEQ_CST);
		}
		if (t_rnd() % 4 == 0)
			(void)hv_copyin(t->vcpu, 0x1000, &word, sizeof(word));
	}
	__atomic_add_fetch(before ? &ran : &refused, 1, __ATOMIC_SEQ_CST);
	/* torn down: every call refuses, nothing freed is read */
	if (hv_vcpu_run(t->vcpu, &ex) != HV_ENOENT ||
	    hv_vcpu_get_regs(t->vcpu, &r) != HV_ENOENT ||
	    hv_vcpu_set_regs(t->vcpu, &r) != HV_ENOENT ||
	    hv_copyin(t->vcpu, 0x1000, &word, sizeof(word)) != HV_ENOENT ||
	    hv_vcpu_translate(t->vcpu, 0x1000, false, &word) != HV_ENOENT) {
		fprintf(stderr, "  teardown: a call on the torn-down vCPU did not "
		    "give HV_ENOENT\n");
		__atomic_add_fetch(&bad, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

void
test_destroy_races_runs(void)
{
	struct vthread vt[NV];
	pthread_t th[NV];
	struct hv_vm *vm;
	long pages0, mallocs0;
	int round, i, errors = 0;
	unsigned wait, k;

	fake_ncpus = NV + 1;
	t_setup_enabled();
	fake_ipi_hook = kick;
	fake_run_hook = guest_run;
	fake_cpu = 0;
	ran = refused = in_guest = bad = entries = 0;
	pages0 = fake_pages_live;
	mallocs0 = fake_mallocs_live;
	t_rnd_seed(1);
	for (round = 0; round < ROUNDS && bad == 0; round++) {
		if (hv_vm_create(T_MEM, &vm) != 0) {
			errors++;
			break;
		}
		for (i = 0; i < NV; i++) {
			vt[i].cpu = 1 + i;
			if (hv_vcpu_create(vm, i, &vt[i].vcpu) != 0) {
				errors++;
				break;
			}
			/* the host's reference: its thread may still call run */
			hv_vcpu_hold(vt[i].vcpu);
		}
		if (errors != 0) {
			hv_vm_destroy(vm);
			break;
		}
		for (i = 0; i < NV; i++)
			if (pthread_create(&th[i], NULL, vcpu_thread, &vt[i]) != 0)
				errors++;
		/* destroy at a different moment each round: before the first
		 * run, inside one, between two */
		wait = t_rnd() % 3000;
		for (k = 0; k < wait; k++)
			hv_cpu_relax();
		if (hv_vm_destroy(vm) != 0)
			errors++;
		for (i = 0; i < NV; i++) {
			pthread_join(th[i], NULL);
			hv_vcpu_release(vt[i].vcpu);
		}
	}
	printf("  teardown: %d rounds, %d vCPU threads each: %llu had run before "
	    "it (%llu met it inside a run that had entered the guest), %llu "
	    "refused at their first run; %llu entries\n", round, NV,
	    (unsigned long long)ran, (unsigned long long)in_guest,
	    (unsigned long long)refused, (unsigned long long)entries);
	CHECK_EQ(round, ROUNDS);
	CHECK_EQ(errors, 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(ran + refused, (uint64_t)ROUNDS * NV);
	/* every kind of timing really happened */
	CHECK(ran > 0);
	CHECK(in_guest > 0);
	CHECK(refused > 0);
	CHECK_EQ(fake_pages_live, pages0);
	CHECK_EQ(fake_mallocs_live, mallocs0);
	CHECK(strstr(fake_log(), "use-after-free") == NULL);
	t_teardown();
}

void
test_destroy_held_handle(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *a, *b;
	struct hv_exit ex;
	struct hv_regs r;
	uint64_t gpa;
	long mallocs0;

	t_setup_enabled();
	mallocs0 = fake_mallocs_live;
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &a), 0);
	CHECK_EQ(hv_vcpu_create(vm, 1, &b), 0);
	hv_vcpu_hold(a);
	hv_vcpu_hold(a);	/* two holders */
	CHECK_EQ(hv_vm_destroy(vm), 0);	/* b had no holder: gone with the VM */
	CHECK_EQ(hv_vcpu_run(a, &ex), HV_ENOENT);
	CHECK_EQ(hv_vcpu_get_regs(a, &r), HV_ENOENT);
	CHECK_EQ(hv_vcpu_set_regs(a, &r), HV_ENOENT);
	CHECK_EQ(hv_vcpu_translate(a, 0, false, &gpa), HV_ENOENT);
	CHECK_EQ(hv_fubyte(a, 0), -1);
	hv_vcpu_destroy(a);		/* torn down already: nothing, no message */
	CHECK(strstr(fake_log(), "not destroyed") == NULL);
	/* the handle alone is left until the last release */
	CHECK_EQ(fake_mallocs_live, mallocs0 + 1);
	hv_vcpu_release(a);
	CHECK_EQ(fake_mallocs_live, mallocs0 + 1);
	hv_vcpu_release(a);
	CHECK_EQ(fake_mallocs_live, mallocs0);
	/* a vCPU destroyed on its own while held: same */
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &a), 0);
	hv_vcpu_hold(a);
	hv_vcpu_destroy(a);
	CHECK(vm->vcpus[0] == NULL);
	CHECK_EQ(hv_vcpu_run(a, &ex), HV_ENOENT);
	hv_vcpu_release(a);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	CHECK_EQ(fake_mallocs_live, mallocs0);
	t_teardown();
}
