/*
 * vmtests_smp.c - vm_smp: two vCPUs of one VM run at the same time on two
 * CPUs, each in its own kernel thread; at the guest's mark each thread
 * migrates to the other CPU and the vCPU runs on there (hv_vcpu_run pins
 * only for one entry, so the backend must reload its state on the new CPU).
 */
#include "vmtests.h"
#include "sched.h"
#include "cpu.h"
#include "ktest.h"

#define SMP_VCPUS	2

struct smp_vcpu {
	struct vmrun	*r;
	struct hv_vcpu	*vcpu;
	struct vmrun	 out;
	int		 start_cpu, target_cpu;
	int		 cpu_before, cpu_after;	/* around the migration */
	int		 migrate_error;
};

static int
smp_mark(struct vmrun *out, struct hv_vcpu *vcpu, uint64_t n)
{
	struct smp_vcpu *sv = out->ctx;

	sv->cpu_before = this_cpu()->id;
	sv->migrate_error = thread_migrate(sv->target_cpu);
	sv->cpu_after = this_cpu()->id;
	return sv->migrate_error;
}

static const struct vmrun_hooks smp_hooks = { .mark = smp_mark };

static void
smp_thread(void *arg)
{
	struct smp_vcpu *sv = arg;

	vmrun_loop(sv->r, sv->vcpu, &sv->out);
	thread_exit(0);
}

KTEST(vm_smp, "two vCPUs on two CPUs, vCPU threads migrate between them")
{
	struct vmrun r = { .image = "smp.bin", .hooks = &smp_hooks };
	struct smp_vcpu sv[SMP_VCPUS];
	struct thread *t[SMP_VCPUS];
	int i, error;

	if (!vm_begin())
		return;
	if (ncpus < SMP_VCPUS) {
		ktest_skip("needs %d CPUs, %d online", SMP_VCPUS, ncpus);
		return;
	}
	error = vmrun_setup(&r);
	if (error != 0) {
		report(false, "smp: could not start: %s", r.errmsg);
		return;
	}
	memset(sv, 0, sizeof(sv));
	for (i = 0; i < SMP_VCPUS; i++) {
		sv[i].r = &r;
		sv[i].out.ctx = &sv[i];
		sv[i].out.quiet = true;		/* reports are checked after the join */
		sv[i].out.vcpu_id = i;
		sv[i].start_cpu = i;
		sv[i].target_cpu = (i + 1) % SMP_VCPUS;
		sv[i].cpu_before = sv[i].cpu_after = -1;
		error = hv_vcpu_create(r.vm, i, &sv[i].vcpu);
		report(error == 0, "smp: hv_vcpu_create(%d): %s", i, vm_err(error));
		if (error != 0) {
			vmrun_teardown(&r);
			return;
		}
	}
	for (i = 0; i < SMP_VCPUS; i++)
		t[i] = thread_create("vm_smp", smp_thread, &sv[i], NULL, sv[i].start_cpu);
	for (i = 0; i < SMP_VCPUS; i++) {
		struct thread_exit_info info;

		/* the runner's watchdog ends each thread; the extra margin is slack */
		error = t[i] ? thread_join(t[i], &info, (VM_TIMEOUT_MS + 5000) * 1000000ull)
		    : ENOMEM;
		report(error == 0, "smp: vCPU thread %d joined: %s", i, vm_err(error));
		if (error != 0)
			return;		/* a thread still runs the VM: leave it alive */
	}
	for (i = 0; i < SMP_VCPUS; i++) {
		report(sv[i].out.end == VR_DONE && sv[i].out.exit_code == 0,
		    "smp: vCPU %d ended by %s, exit code %ld%s%s", i,
		    vmrun_end_name(sv[i].out.end), (long)sv[i].out.exit_code,
		    sv[i].out.errmsg[0] ? ": " : "", sv[i].out.errmsg);
		report(sv[i].migrate_error == 0 && sv[i].cpu_before == sv[i].start_cpu &&
		    sv[i].cpu_after == sv[i].target_cpu,
		    "smp: vCPU %d thread migrated cpu %d -> %d (want %d -> %d): %s", i,
		    sv[i].cpu_before, sv[i].cpu_after, sv[i].start_cpu,
		    sv[i].target_cpu, vm_err(sv[i].migrate_error));
	}
	report(sv[0].out.reports == 1 && sv[0].out.reports_failed == 0,
	    "smp: vCPU 0 guest check: %s", sv[0].out.last_report);
	vmrun_teardown(&r);
}
