/*
 * t_fini.c - hv_fini() gives back every per-CPU page: the backend's (the
 * fake probe allocates one per CPU, like a VMXON region or an SVM host save
 * area) through ops->fini, called once every CPU is disabled, and the
 * core's per-CPU host FPU areas; a refused fini frees nothing; init after
 * fini allocates them again; a failing init frees what it got.
 */
#include "test.h"

void
test_hv_fini_frees_percpu(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;

	fake_ncpus = 3;
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	/* one backend page and one host FPU area per CPU */
	CHECK_EQ(fake_pages_live, 2 * 3);
	CHECK_EQ(hv_set_enable(true), 0);
	if (!CHECK_EQ(hv_vm_create(HV_GUEST_MIN_MEM, &vm), 0)) {
		t_teardown();
		return;
	}
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	/* a VM exists: fini refuses and keeps every page */
	hv_fini();
	CHECK(hv_ops != NULL);
	CHECK_EQ(fake_fini_calls, 0);
	CHECK(fake_sysctl("hw.vmm.type") != NULL);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	CHECK_EQ(fake_pages_live, 2 * 3);
	/* fini disables every CPU first, then the backend frees its pages */
	hv_fini();
	CHECK(hv_ops == NULL);
	CHECK_EQ(fake_fini_calls, 1);
	CHECK_EQ(fake_fini_saw_enabled, 0);
	CHECK_EQ(fake_enabled_cpus, 0);
	CHECK_EQ(fake_pages_live, 0);
	CHECK_EQ(fake_sysctl_count(), 0);
	/* fini again: nothing initialised, nothing to do */
	hv_fini();
	CHECK_EQ(fake_fini_calls, 1);
	/* init after fini: the pages and the leaves come back */
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(fake_pages_live, 2 * 3);
	CHECK(fake_sysctl("hw.vmm.type") != NULL);
	CHECK_EQ(hv_set_enable(true), 0);
	CHECK_EQ(fake_enabled_cpus, 7);
	hv_fini();
	CHECK_EQ(fake_fini_calls, 2);
	CHECK_EQ(fake_pages_live, 0);
	/* a probe that fails after allocating: fini frees its pages */
	fake_probe_error = HV_ENODEV;
	CHECK_EQ(hv_init_ops(&fake_ops), HV_ENODEV);
	CHECK_EQ(fake_fini_calls, 3);
	CHECK_EQ(fake_pages_live, 0);
	fake_probe_error = 0;
	fake_ncpus = 2;
}

void
test_hv_init_fails_at_every_allocation(void)
{
	long k;
	int error = HV_ENOMEM, leaks = 0;

	/* every allocation of hv_init_ops fails once in turn */
	for (k = 1; error != 0 && k < 100; k++) {
		fake_allocs = 0;
		fake_fail_at = k;
		error = hv_init_ops(&fake_ops);
		if (error != 0 && (fake_pages_live != 0 || fake_mallocs_live != 0 ||
		    hv_ops != NULL))
			leaks++;
	}
	fake_fail_at = 0;
	CHECK_EQ(error, 0);
	CHECK(k > 4);		/* 2 backend pages, 2 FPU areas at least */
	CHECK_EQ(leaks, 0);
	hv_fini();
	CHECK_EQ(fake_pages_live, 0);
}
