/* cpu_ipi.c - CPU tests: every CPU answers IPIs. */
#include "ktest.h"
#include "cpu.h"
#include "sched.h"

static int
whoami(void *arg)
{
	/* runs in the VEC_CALL handler on the target: interrupts must be off */
	*(uint64_t *)arg = read_rflags();
	return this_cpu()->id;
}

KTEST(ipi, "every CPU answers a kick IPI and a call-function IPI")
{
	report(ncpus == ncpus_found, "MADT CPUs online: online=%d found=%d", ncpus, ncpus_found);
	for (int i = 0; i < ncpus; i++) {
		int err = cpu_ping(i, 2000000000UL);
		report(err == 0, "cpu=%d (apic=%u) answers a kick IPI: error=%s", i, cpus[i]->apic_id,
		    err ? errno_name(err) : "ok");
		uint64_t flags = ~0UL;
		int ret = -1;
		err = cpu_call(i, whoami, &flags, &ret, 2000000000UL);
		report(err == 0 && ret == i && !(flags & X86_RFLAGS_IF),
		    "cpu=%d runs a function by IPI: err=%d ran_on=%d interrupts=%s", i, err, ret,
		    flags & X86_RFLAGS_IF ? "on" : "off");
	}
	report(cpu_call(ncpus, whoami, NULL, NULL, 1000000) == EINVAL, "call on absent cpu=%d is EINVAL", ncpus);
}
