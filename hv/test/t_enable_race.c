/*
 * t_enable_race.c - hw.vmm.enable=0 written again and again while other
 * threads run a vCPU and create and destroy VMs: every such write is
 * refused (a VM exists) and the refusal is invisible to them, no run or
 * create sees HV_ENODEV; and once a disable succeeds no VM exists.
 */
#include <pthread.h>
#include <stdio.h>
#include "test.h"

#define ROUNDS	20000

static volatile int workers_left;
static uint64_t run_enodev, run_other, create_enodev, create_other;
static uint64_t disables, disables_refused, disables_other;
static uint64_t created_while_off;

static void
count(uint64_t *what)
{
	__atomic_add_fetch(what, 1, __ATOMIC_SEQ_CST);
}

static void *
runner(void *arg)
{
	struct hv_vcpu *vcpu = arg;
	struct hv_exit ex;
	int i, rc;

	fake_cpu = 1;
	for (i = 0; i < ROUNDS; i++) {
		rc = hv_vcpu_run(vcpu, &ex);
		if (rc == HV_ENODEV)
			count(&run_enodev);
		else if (rc != 0 || ex.kind != HV_EXIT_INTR)
			count(&run_other);
	}
	__atomic_sub_fetch(&workers_left, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *
creator(void *arg)
{
	struct hv_vm *vm;
	int i, rc;

	for (i = 0; i < ROUNDS; i++) {
		rc = hv_vm_create(T_MEM, &vm);
		if (rc == HV_ENODEV) {
			count(&create_enodev);
			continue;
		}
		if (rc != 0) {
			count(&create_other);
			continue;
		}
		if (!hv_is_enabled())
			count(&created_while_off);
		if (hv_vm_destroy(vm) != 0)
			count(&create_other);
	}
	__atomic_sub_fetch(&workers_left, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *
disabler(void *arg)
{
	const struct hv_sysctl *en = arg;
	int rc;

	while (__atomic_load_n(&workers_left, __ATOMIC_SEQ_CST) > 0) {
		rc = en->set(en, 0);
		count(&disables);
		if (rc == HV_EBUSY)
			count(&disables_refused);
		else
			count(&disables_other);
	}
	return NULL;
}

void
test_enable_refused_invisible(void)
{
	const struct hv_sysctl *en;
	struct hv_vm *vm, *late;
	struct hv_vcpu *vcpu;
	pthread_t th[3];

	t_setup_enabled();
	en = fake_sysctl("hw.vmm.enable");
	if (!CHECK(en != NULL))
		return;
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	workers_left = 2;
	CHECK_EQ(pthread_create(&th[0], NULL, runner, vcpu), 0);
	CHECK_EQ(pthread_create(&th[1], NULL, creator, NULL), 0);
	CHECK_EQ(pthread_create(&th[2], NULL, disabler, (void *)en), 0);
	CHECK_EQ(pthread_join(th[0], NULL), 0);
	CHECK_EQ(pthread_join(th[1], NULL), 0);
	CHECK_EQ(pthread_join(th[2], NULL), 0);
	printf("  enable race: %llu disables refused of %llu\n",
	    (unsigned long long)disables_refused, (unsigned long long)disables);
	CHECK_EQ(run_enodev, 0);
	CHECK_EQ(create_enodev, 0);
	CHECK_EQ(run_other, 0);
	CHECK_EQ(create_other, 0);
	CHECK_EQ(created_while_off, 0);
	CHECK(disables > 0);
	CHECK_EQ(disables_refused, disables);
	CHECK_EQ(disables_other, 0);
	CHECK(hv_is_enabled());
	CHECK_EQ(*(int *)en->ptr, 1);
	CHECK_EQ(fake_disable_calls, 0);
	/* the last VM gone, the disable goes through; then no VM is made */
	CHECK_EQ(hv_vm_destroy(vm), 0);
	CHECK_EQ(en->set(en, 0), 0);
	CHECK_EQ(*(int *)en->ptr, 0);
	CHECK_EQ(hv_vm_create(T_MEM, &late), HV_ENODEV);
	CHECK(late == NULL);
	CHECK_EQ(fake_enabled_cpus, 0);
	hv_fini();
}
