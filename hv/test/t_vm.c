/*
 * t_vm.c - life cycle: hw.vmm.enable (rollback when a CPU fails, EBUSY
 * while a VM exists, same-value writes), sysctls, VM and vCPU creation
 * failing at every allocation without leaks, destroy while running.
 */
#include <string.h>
#include "test.h"


void
test_enable_rollback(void)
{
	fake_ncpus = 4;
	fake_fail_enable_cpu = 2;
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(hv_set_enable(true), HV_EIO);
	CHECK(!hv_is_enabled());
	CHECK_EQ(fake_enabled_cpus, 0);		/* cpus 0 and 1 rolled back */
	CHECK_EQ(fake_enable_calls, 3);
	CHECK_EQ(fake_disable_calls, 2);
	CHECK(strstr(fake_log(), "cpu 2 failed") != NULL);
	/* failing on the first CPU rolls back nothing */
	fake_fail_enable_cpu = 0;
	fake_enable_calls = fake_disable_calls = 0;
	CHECK_EQ(hv_set_enable(true), HV_EIO);
	CHECK_EQ(fake_disable_calls, 0);
	/* then it works on all four */
	fake_fail_enable_cpu = -1;
	CHECK_EQ(hv_set_enable(true), 0);
	CHECK_EQ(fake_enabled_cpus, 0xf);
	CHECK(hv_is_enabled());
	t_teardown();
	CHECK_EQ(fake_enabled_cpus, 0);
}

void
test_enable_same_value_and_ebusy(void)
{
	struct hv_vm *vm;
	const struct hv_sysctl *en, *ty;

	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	en = fake_sysctl("hw.vmm.enable");
	ty = fake_sysctl("hw.vmm.type");
	if (!CHECK(en != NULL && ty != NULL)) {
		hv_fini();
		return;
	}
	CHECK_EQ(en->type, HV_SYSCTL_INT);
	CHECK_EQ(*(int *)en->ptr, 0);			/* defaults to off */
	CHECK(strcmp(*(const char **)ty->ptr, "FAKE for tests") == 0);
	CHECK(strcmp(hv_type(), "FAKE for tests") == 0);
	CHECK(fake_sysctl("hw.vmm.stats.exits") != NULL);
	/* disabling when off, no VM: a no-op success */
	CHECK_EQ(hv_set_enable(false), 0);
	CHECK_EQ(fake_disable_calls, 0);
	/* a VM needs virtualization on */
	CHECK_EQ(hv_vm_create(T_MEM, &vm), HV_ENODEV);
	CHECK(vm == NULL);
	CHECK_EQ(en->set(en, 1), 0);
	CHECK_EQ(*(int *)en->ptr, 1);
	CHECK_EQ(en->set(en, 1), 0);			/* same value */
	CHECK_EQ(fake_enable_calls, 2);			/* not enabled twice */
	CHECK_EQ(en->set(en, 2), HV_EINVAL);
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(en->set(en, 0), HV_EBUSY);
	CHECK(hv_is_enabled());
	CHECK_EQ(*(int *)en->ptr, 1);
	CHECK_EQ(fake_enabled_cpus, 3);
	/* fini refuses to pull the rug from under a VM */
	hv_fini();
	CHECK(hv_ops != NULL);
	CHECK(fake_sysctl("hw.vmm.enable") != NULL);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	CHECK_EQ(en->set(en, 0), 0);
	CHECK_EQ(fake_enabled_cpus, 0);
	hv_fini();
	CHECK_EQ(fake_sysctl_count(), 0);
}

void
test_vm_create_fails_at_every_allocation(void)
{
	struct hv_vm *vm = NULL;
	long k, allocs = 0;
	int error = HV_ENOMEM, leaks = 0, bad_out = 0;
	long pages0, mallocs0;

	t_setup_enabled();
	/* what hv_init holds without any VM (per-CPU FPU areas) */
	pages0 = fake_pages_live;
	mallocs0 = fake_mallocs_live;
	for (k = 1; error != 0 && k < 100; k++) {
		fake_allocs = 0;
		fake_fail_at = k;
		error = hv_vm_create(T_MEM, &vm);
		allocs = fake_allocs;
		if (error != 0) {
			if (vm != NULL)
				bad_out++;
			if (fake_pages_live != pages0 ||
			    fake_mallocs_live != mallocs0)
				leaks++;
		}
	}
	fake_fail_at = 0;
	CHECK_EQ(error, 0);
	CHECK(k > 3);		/* vm, pages, root, backend at least */
	CHECK(allocs >= 4);
	CHECK_EQ(leaks, 0);
	CHECK_EQ(bad_out, 0);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	/* a failing backend init: nothing left, no vm_fini of a half VM */
	fake_vm_init_error = HV_EIO;
	CHECK_EQ(hv_vm_create(T_MEM, &vm), HV_EIO);
	CHECK_EQ(fake_mallocs_live + fake_pages_live, mallocs0 + pages0);
	fake_vm_init_error = 0;
	/* bad sizes */
	CHECK_EQ(hv_vm_create(T_MEM + 1, &vm), HV_EINVAL);
	CHECK_EQ(hv_vm_create(1 << 20, &vm), HV_EINVAL);
	CHECK_EQ(hv_vm_create(2ull << 30, &vm), HV_EINVAL);
	/* the failures left no VM behind: disabling works */
	t_teardown();
}

void
test_vm_ids_reused(void)
{
	struct hv_vm *a, *b, *c;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &a), 0);
	CHECK_EQ(hv_vm_create(T_MEM, &b), 0);
	CHECK_EQ(a->id, 0);
	CHECK_EQ(b->id, 1);
	CHECK_EQ(hv_vm_destroy(a), 0);
	CHECK_EQ(hv_vm_create(T_MEM, &c), 0);
	CHECK_EQ(c->id, 0);
	CHECK_EQ(hv_vm_mem_size(c), T_MEM);
	CHECK_EQ(hv_vm_destroy(b), 0);
	CHECK_EQ(hv_vm_destroy(c), 0);
	t_teardown();
}

void
test_vcpu_create_fails_at_every_allocation(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu = NULL, *other;
	long k, pages, mallocs;
	int error = HV_ENOMEM, leaks = 0;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	pages = fake_pages_live;
	mallocs = fake_mallocs_live;
	for (k = 1; error != 0 && k < 100; k++) {
		fake_allocs = 0;
		fake_fail_at = k;
		error = hv_vcpu_create(vm, 3, &vcpu);
		if (error != 0 && (fake_pages_live != pages ||
		    fake_mallocs_live != mallocs || vcpu != NULL || vm->vcpus[3] != NULL))
			leaks++;
	}
	fake_fail_at = 0;
	CHECK_EQ(error, 0);
	CHECK(k > 3);
	CHECK_EQ(leaks, 0);
	CHECK(vm->vcpus[3] == vcpu);
	CHECK_EQ(vm->nvcpus, 1);
	CHECK_EQ(vcpu->running_on, -1);
	CHECK_EQ(fake_regs(vcpu)->rsi, 3);
	CHECK_EQ(hv_vcpu_create(vm, 3, &other), HV_EEXIST);
	CHECK_EQ(hv_vcpu_create(vm, HV_MAX_VCPUS, &other), HV_EINVAL);
	CHECK_EQ(hv_vcpu_create(vm, -1, &other), HV_EINVAL);
	hv_vcpu_destroy(vcpu);
	CHECK(vm->vcpus[3] == NULL);
	CHECK_EQ(vm->nvcpus, 0);
	/* destroying the VM destroys its vCPUs */
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	CHECK_EQ(hv_vcpu_create(vm, 1, &other), 0);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

static struct hv_vm *busy_vm;
static struct hv_vcpu *busy_vcpu;
static int busy_regs_rc, busy_vcpu_rc;

/* While "in the guest", others try to re-enter, to read the registers and
 * to destroy the vCPU alone (hv_vm_destroy would wait for this run:
 * t_teardown.c races it from another thread). */
static int
run_destroy_hook(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct hv_exit ex2;
	struct hv_regs r;

	busy_regs_rc = hv_vcpu_get_regs(busy_vcpu, &r);
	busy_vcpu_rc = hv_vcpu_run(busy_vcpu, &ex2);
	hv_vcpu_destroy(busy_vcpu);		/* refused, logged */
	ex->kind = HV_EXIT_INTR;
	return 0;
}

void
test_destroy_while_running(void)
{
	struct hv_exit ex;
	struct hv_regs r;

	t_setup_vcpu(&busy_vm, &busy_vcpu);
	fake_run_hook = run_destroy_hook;
	CHECK_EQ(hv_vcpu_run(busy_vcpu, &ex), 0);
	CHECK_EQ(busy_regs_rc, HV_EBUSY);
	CHECK_EQ(busy_vcpu_rc, HV_EBUSY);
	CHECK(busy_vm->vcpus[0] == busy_vcpu);
	CHECK(strstr(fake_log(), "guest0.0 is running") != NULL);
	CHECK_EQ(ex.kind, HV_EXIT_INTR);
	CHECK_EQ(busy_vcpu->in_run, 0);
	CHECK_EQ(busy_vm->dying, 0);
	/* after the run everything works */
	CHECK_EQ(hv_vcpu_get_regs(busy_vcpu, &r), 0);
	CHECK_EQ(r.rip, HV_GUEST_LOAD_GPA);
	r.rbx = 77;
	CHECK_EQ(hv_vcpu_set_regs(busy_vcpu, &r), 0);
	CHECK_EQ(fake_regs(busy_vcpu)->rbx, 77);
	CHECK_EQ(hv_vm_destroy(busy_vm), 0);
	t_teardown();
}

void
test_init_failures(void)
{
	/* this test binary links no backend: hv_init says so, publishes nothing */
	CHECK_EQ(hv_init(), HV_ENODEV);
	CHECK(strstr(fake_log(), "backend in this build") != NULL ||
	    strstr(fake_log(), "neither VMX nor SVM") != NULL);
	CHECK(hv_ops == NULL);
	CHECK_EQ(fake_sysctl_count(), 0);
	CHECK_EQ(hv_set_enable(true), HV_ENODEV);
	CHECK(strcmp(hv_type(), "none") == 0);
	/* a backend whose probe fails: its leaves are dropped too */
	fake_probe_error = HV_ENODEV;
	CHECK_EQ(hv_init_ops(&fake_ops), HV_ENODEV);
	CHECK(hv_ops == NULL);
	CHECK_EQ(fake_sysctl_count(), 0);
	CHECK(strstr(fake_log(), "FAKE for tests not usable") != NULL);
	/* too many CPUs for the cpus_ran masks */
	fake_probe_error = 0;
	fake_ncpus = HV_MAX_CPUS + 1;
	CHECK_EQ(hv_init_ops(&fake_ops), HV_ENOTSUP);
	fake_ncpus = 2;
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK(fake_sysctl("hw.vmm.fake.rev") != NULL);
	/* a second init changes nothing */
	CHECK_EQ(hv_init_ops(&fake_ops), HV_EBUSY);
	CHECK_EQ(hv_init(), HV_EBUSY);
	CHECK(hv_ops == &fake_ops);
	CHECK(fake_sysctl("hw.vmm.enable") != NULL);
	hv_fini();
	CHECK_EQ(fake_sysctl_count(), 0);
}
