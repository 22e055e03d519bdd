/*
 * t_vmmdev.c - hosted test of /dev/vmm (../vmm_dev.c) on the real hv core
 * with the unit tests' fake OS and backend (hv/test) and a fake of the few
 * DragonFly interfaces it uses (fake_dfly.c).  Built with ASan+UBSan and
 * run by module-check.sh.  What it checks:
 *   - the ioctls on one VM: create, vCPUs, run, registers, memory, inject
 *     (with its argument errors), destroy, re-create in the same descriptor;
 *   - VMM_IOC_VM_DESTROY while two threads loop VMM_IOC_RUN (and inject into
 *     each other's vCPU): the destroy succeeds, each loop ends with ENOENT,
 *     nothing freed is touched (ASan), nothing leaks, the slots are usable
 *     again at once;
 *   - the destroy is refused (EBUSY) while a guest-memory copy is in flight;
 *   - the last close frees the VM; unload is refused while a descriptor is
 *     open.
 * Prints "vmmdev: N checks, N failed" last; exit status 1 on a failure.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include "fake_dfly.h"
#include "test.h"
#include "vmm_dev.h"
#include "vmm_dfly.h"

#define ROUNDS	400
#define NV	2

static int checks, failed;

bool
t_check(bool ok, const char *expr, const char *file, int line)
{
	checks++;
	if (!ok) {
		failed++;
		printf("FAIL %s:%d: %s\n", file, line, expr);
	}
	return ok;
}

/* ---- a guest that runs until its CPU is interrupted ---------------------- */

static volatile int kicked[HV_MAX_CPUS];
static __thread bool entered;	/* the current run entered the "guest" */

static void
kick(int cpu)
{
	__atomic_store_n(&kicked[cpu], 1, __ATOMIC_SEQ_CST);
}

/* this CPU was kicked (takes the kick) */
static bool
kicked_now(void)
{
	return __atomic_exchange_n(&kicked[fake_cpu], 0, __ATOMIC_SEQ_CST) != 0;
}

static void
mark_entered(void)
{
	entered = true;
}

/* Reads the VM and the vCPU while "in the guest". */
static int
guest_run(struct hv_vcpu *v, struct hv_exit *ex)
{
	return t_guest_entry(v, ex, 2000, kicked_now, mark_entered);
}

/* ---- helpers ------------------------------------------------------------ */

static int
vm_create(struct file *fp, uint64_t size)
{
	struct vmm_ioc_vm a = { size };

	return dfly_ioctl(fp, VMM_IOC_VM_CREATE, &a);
}

static int
vcpu_create(struct file *fp, int id)
{
	struct vmm_ioc_vcpu a = { id, 0 };

	return dfly_ioctl(fp, VMM_IOC_VCPU_CREATE, &a);
}

static int
run(struct file *fp, int id, struct vmm_ioc_run *r)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = id;
	return dfly_ioctl(fp, VMM_IOC_RUN, r);
}

static int
inject(struct file *fp, int id, unsigned vector)
{
	struct vmm_ioc_irq a = { id, vector };

	return dfly_ioctl(fp, VMM_IOC_INJECT_IRQ, &a);
}

/* ---- one VM through every ioctl -------------------------------------------- */

static void
test_basics(void)
{
	struct file fp;
	struct vmm_ioc_run r;
	struct vmm_ioc_regs rg;
	struct vmm_ioc_mem m;
	struct vmm_ioc_xlate xl;
	struct vmm_ioc_val val;
	struct vmm_ioc_user_hc user_hc = { VMM_USER_HC_ALL };
	char out[64], in[64] = "written through VMM_IOC_MEM_WRITE";

	CHECK_EQ(dfly_open(&fp), 0);
	CHECK_EQ(vcpu_create(&fp, 0), ENOENT);		/* no VM yet */
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_USER_HYPERCALLS, &user_hc), ENOENT);
	CHECK_EQ(vm_create(&fp, 12345), EINVAL);	/* not page sized */
	CHECK_EQ(vm_create(&fp, 4 << 20), 0);
	CHECK_EQ(vm_create(&fp, 4 << 20), EEXIST);
	/* the VM's CPL 3 hypercall policy: hv's, for the VM of this descriptor */
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_USER_HYPERCALLS, &user_hc), 0);
	CHECK_EQ(vcpu_create(&fp, VMM_MAX_VCPUS), EINVAL);
	CHECK_EQ(vcpu_create(&fp, 0), 0);
	CHECK_EQ(vcpu_create(&fp, 0), EEXIST);
	CHECK_EQ(run(&fp, 1, &r), ENOENT);
	CHECK_EQ(run(&fp, 0, &r), 0);
	CHECK_EQ(r.kind, VMM_EXIT_INTR);		/* the fake backend's */

	memset(&rg, 0, sizeof(rg));
	rg.vcpu = 0;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_GET_REGS, &rg), 0);
	rg.regs.rip = 0x123456;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_SET_REGS, &rg), 0);
	rg.regs.rip = 0;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_GET_REGS, &rg), 0);
	CHECK_EQ(rg.regs.rip, 0x123456);

	m.gpa = 0x5000;
	m.uaddr = (uint64_t)(uintptr_t)in;
	m.len = sizeof(in);
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_MEM_WRITE, &m), 0);
	m.uaddr = (uint64_t)(uintptr_t)out;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_MEM_READ, &m), 0);
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	m.gpa = (4 << 20) - 8;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_MEM_READ, &m), EFAULT);

	/* an image at HV_GUEST_LOAD_GPA, reached through the boot identity map */
	m.gpa = 0;
	m.uaddr = (uint64_t)(uintptr_t)in;
	m.len = 0;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_LOAD_IMAGE, &m), EINVAL);
	m.len = sizeof(in);
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_LOAD_IMAGE, &m), 0);
	memset(&xl, 0, sizeof(xl));
	xl.vcpu = 0;
	xl.gva = HV_GUEST_LOAD_GPA + 5;
	xl.flags = VMM_XLATE_WRITE;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_TRANSLATE, &xl), 0);
	CHECK_EQ(xl.gpa, HV_GUEST_LOAD_GPA + 5);
	m.gpa = HV_GUEST_LOAD_GPA;
	m.uaddr = (uint64_t)(uintptr_t)out;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_MEM_READ, &m), 0);
	CHECK(memcmp(in, out, sizeof(in)) == 0);
	xl.gva = 0x8000000000ull;			/* unmapped */
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_TRANSLATE, &xl), EFAULT);

	/* vmspace_ctl's CR3 switch and the TLS (canonical only) */
	val.vcpu = 0;
	val.pad = 0;
	val.value = 0x7000;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_SET_CR3, &val), 0);
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_GET_REGS, &rg), 0);
	CHECK_EQ(rg.regs.cr3, 0x7000);
	val.value = HV_GUEST_PML4_GPA;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_SET_CR3, &val), 0);
	val.value = 0x0000800000000000ull;		/* not canonical */
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_SET_TLS, &val), EINVAL);
	val.value = 0x7fff12340000ull;
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_SET_TLS, &val), 0);
	CHECK_EQ(run(&fp, 0, &r), 0);			/* applies the TLS */
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_GET_REGS, &rg), 0);
	CHECK_EQ(rg.regs.fs_base, 0x7fff12340000ull);
	CHECK_EQ(dfly_ioctl(&fp, 0x12345678ul, &rg), ENOTTY);

	/* VMM_IOC_INJECT_IRQ: argument errors, then two vectors queued */
	CHECK_EQ(inject(&fp, 0, 31), EINVAL);		/* an exception vector */
	CHECK_EQ(inject(&fp, 0, 256), EINVAL);
	CHECK_EQ(inject(&fp, -1, 0x40), EINVAL);
	CHECK_EQ(inject(&fp, VMM_MAX_VCPUS, 0x40), EINVAL);
	CHECK_EQ(inject(&fp, 1, 0x40), ENOENT);		/* no such vCPU */
	CHECK_EQ(inject(&fp, 0, 0x40), 0);
	CHECK_EQ(inject(&fp, 0, 0xff), 0);
	CHECK_EQ(inject(&fp, 0, 0x40), 0);		/* merged */
	CHECK_EQ(hv_stats.irqs_queued, 2);
	CHECK_EQ(hv_stats.irqs_merged, 1);

	CHECK_EQ(vmm_dev_fini(), EBUSY);		/* unload: descriptor open */
	CHECK(strstr(dfly_log, "busy: 1 VM(s), 1 open") != NULL);
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_VM_DESTROY, NULL), 0);
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_VM_DESTROY, NULL), ENOENT);
	CHECK_EQ(run(&fp, 0, &r), ENOENT);
	CHECK_EQ(inject(&fp, 0, 0x40), ENOENT);
	/* the same descriptor takes a new VM; the last close frees it */
	CHECK_EQ(vm_create(&fp, 4 << 20), 0);
	CHECK_EQ(vcpu_create(&fp, 0), 0);
	CHECK_EQ(run(&fp, 0, &r), 0);
	CHECK_EQ(dfly_close(&fp), 0);	/* close(2) succeeds */
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_RUN, &r), EBADF);
}

/* ---- destroy while two threads run their vCPUs ----------------------------- */

struct vthread {
	struct file	*fp;
	int		 id;
	int		 rc;		/* what ended its VMM_IOC_RUN loop */
	int		 runs;		/* runs that returned an exit */
	bool		 in_guest;	/* the last run had entered the guest */
	int		 bad_inject;
};

static void *
vcpu_thread(void *arg)
{
	struct vthread *t = arg;
	struct vmm_ioc_run r;
	int rc;

	fake_cpu = 1 + t->id;
	t_rnd_seed(77u * (unsigned)(t->id + 1) + (unsigned)t->runs);
	for (;;) {
		entered = false;
		rc = run(t->fp, t->id, &r);
		if (rc != 0)
			break;
		t->runs++;
		/* into the other vCPU while its thread runs it */
		if (t_rnd() % 3 == 0) {
			rc = inject(t->fp, NV - 1 - t->id, 0x40 + t->id);
			if (rc != 0 && rc != ENOENT)
				t->bad_inject++;
		}
	}
	t->rc = rc;
	t->in_guest = entered;
	return NULL;
}

static void
test_destroy_while_running(void)
{
	struct vthread vt[NV];
	pthread_t th[NV];
	struct file fp;
	struct vmm_ioc_run r;
	long pages0 = fake_pages_live, mallocs0 = fake_mallocs_live;
	long k0 = dfly_kmallocs_live;
	int round, i, destroy_errors = 0, not_enoent = 0, bad_inject = 0;
	int ran = 0, met_in_guest = 0, refused = 0, reuse_errors = 0;
	unsigned wait, k;

	fake_ipi_hook = kick;
	fake_run_hook = guest_run;
	dfly_yield_after_unlock = 1;
	fake_cpu = 0;
	t_rnd_seed(1);
	CHECK_EQ(dfly_open(&fp), 0);
	/* more rounds (up to 16x: on a loaded machine the vCPU threads may
	 * rarely be inside a run when the destroy comes) while no destroy has
	 * met a run in the guest */
	for (round = 0; round < ROUNDS || (met_in_guest == 0 && round < 16 * ROUNDS);
	    round++) {
		if (vm_create(&fp, 4 << 20) != 0)
			break;
		for (i = 0; i < NV; i++) {
			if (vcpu_create(&fp, i) != 0) {
				printf("FAIL: VMM_IOC_VCPU_CREATE %d in round %d\n",
				    i, round);
				exit(1);
			}
			memset(&vt[i], 0, sizeof(vt[i]));
			vt[i].fp = &fp;
			vt[i].id = i;
			vt[i].runs = round;
			if (pthread_create(&th[i], NULL, vcpu_thread, &vt[i]) != 0)
				abort();
		}
		/* before the first run, inside one, between two */
		wait = (t_rnd() % 64) * 1000;
		for (k = 0; k < wait; k++)
			hv_cpu_relax();
		if (dfly_ioctl(&fp, VMM_IOC_VM_DESTROY, NULL) != 0)
			destroy_errors++;
		for (i = 0; i < NV; i++) {
			pthread_join(th[i], NULL);
			if (vt[i].rc != ENOENT)
				not_enoent++;
			bad_inject += vt[i].bad_inject;
			if (vt[i].runs > round)
				ran++;
			else
				refused++;
			if (vt[i].in_guest)
				met_in_guest++;
		}
		/* the slots are free again at once: a new VM, vCPU 1 runs */
		fake_run_hook = NULL;
		if (vm_create(&fp, 4 << 20) != 0 || vcpu_create(&fp, 1) != 0 ||
		    run(&fp, 1, &r) != 0 || r.kind != VMM_EXIT_INTR ||
		    dfly_ioctl(&fp, VMM_IOC_VM_DESTROY, NULL) != 0)
			reuse_errors++;
		fake_run_hook = guest_run;
	}
	dfly_close(&fp);
	printf("  destroy while running: %d rounds, %d vCPU threads: %d had run "
	    "before it (%d met it inside a run in the guest), %d refused at "
	    "their first run\n", round, NV, ran, met_in_guest, refused);
	CHECK(round >= ROUNDS && round <= 16 * ROUNDS);
	CHECK_EQ(destroy_errors, 0);
	CHECK_EQ(not_enoent, 0);
	CHECK_EQ(bad_inject, 0);
	CHECK_EQ(reuse_errors, 0);
	CHECK_EQ(ran + refused, round * NV);
	CHECK(ran > 0);
	CHECK(met_in_guest > 0);
	CHECK_EQ(fake_pages_live, pages0);
	CHECK_EQ(fake_mallocs_live, mallocs0);
	CHECK_EQ(dfly_kmallocs_live, k0);
	CHECK(strstr(fake_log(), "use-after-free") == NULL);
	CHECK(strstr(fake_log(), "already freed") == NULL);
	CHECK(strstr(fake_log(), "more often than held") == NULL);
	fake_ipi_hook = NULL;
	fake_run_hook = NULL;
	dfly_yield_after_unlock = 0;
}

/* ---- destroy during a guest-memory copy ------------------------------------ */

static pthread_mutex_t copy_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t copy_cv = PTHREAD_COND_INITIALIZER;
static int copy_state;		/* 1: the copy waits in copyin, 2: go on */

static void
copy_wait(void)
{
	pthread_mutex_lock(&copy_mtx);
	copy_state = 1;
	pthread_cond_broadcast(&copy_cv);
	while (copy_state != 2)
		pthread_cond_wait(&copy_cv, &copy_mtx);
	pthread_mutex_unlock(&copy_mtx);
}

static void *
copy_thread(void *arg)
{
	static char buf[100];
	struct vmm_ioc_mem m = { 0x3000, (uint64_t)(uintptr_t)buf, sizeof(buf) };

	return (void *)(intptr_t)dfly_ioctl(arg, VMM_IOC_MEM_WRITE, &m);
}

static void
test_destroy_during_copy(void)
{
	struct file fp;
	pthread_t th;
	void *rc;

	CHECK_EQ(dfly_open(&fp), 0);
	CHECK_EQ(vm_create(&fp, 4 << 20), 0);
	CHECK_EQ(vcpu_create(&fp, 0), 0);
	copy_state = 0;
	dfly_copy_hook = copy_wait;
	if (pthread_create(&th, NULL, copy_thread, &fp) != 0)
		abort();
	pthread_mutex_lock(&copy_mtx);
	while (copy_state != 1)
		pthread_cond_wait(&copy_cv, &copy_mtx);
	pthread_mutex_unlock(&copy_mtx);
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_VM_DESTROY, NULL), EBUSY);
	pthread_mutex_lock(&copy_mtx);
	copy_state = 2;
	pthread_cond_broadcast(&copy_cv);
	pthread_mutex_unlock(&copy_mtx);
	pthread_join(th, &rc);
	dfly_copy_hook = NULL;
	CHECK_EQ((intptr_t)rc, 0);
	CHECK_EQ(dfly_ioctl(&fp, VMM_IOC_VM_DESTROY, NULL), 0);
	dfly_close(&fp);
}

int
main(void)
{
	fake_os_reset();
	fake_backend_reset();
	fake_cpuid_reset();
	fake_ncpus = NV + 1;
	t_setup_enabled();
	CHECK_EQ(vmm_dev_init(), 0);
	CHECK(dfly_cdev != NULL);

	test_basics();
	test_destroy_while_running();
	test_destroy_during_copy();

	CHECK(!vmm_dev_busy());
	CHECK_EQ(vmm_dev_fini(), 0);
	CHECK_EQ(dfly_cdevs_live, 0);
	t_teardown();
	CHECK_EQ(fake_pages_live, 0);
	CHECK_EQ(fake_mallocs_live, 0);
	CHECK_EQ(dfly_kmallocs_live, 0);
	printf("vmmdev: %d checks, %d failed\n", checks, failed);
	return failed == 0 ? 0 : 1;
}
