/*
 * t_shootdown.c - pageout against a vCPU that really runs concurrently
 * (a second thread playing fake CPU 1).  The "guest" writes through its own
 * TLB of nested translations, filled from the nested table and emptied only
 * by flush_nested, like hardware: if a pageout freed or copied a page while
 * a stale translation could still reach it, ASan reports the use after free
 * or a counter goes missing.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "test.h"

#define NPG	32		/* guest pages exercised */
#define BASE	0x100000ull

static struct hv_vm *vm;
static struct hv_vcpu *vcpu;
static volatile int stop, thread_done;
static volatile int kicked[HV_MAX_CPUS];
static uint64_t tlb[NPG];		/* host address per page, 0 = none */
static uint64_t expect[NPG];		/* writes the guest made per page */
static int mismatches;
static uint64_t guest_writes, guest_faults;

static void
kick(int cpu)
{
	kicked[cpu] = 1;
}

static void
flush_tlb(struct hv_vcpu *v)
{
	memset(tlb, 0, sizeof(tlb));
}

/* One entry: guest accesses through the TLB until kicked or it faults. */
static int
guest_run(struct hv_vcpu *v, struct hv_exit *ex)
{
	static unsigned rnd = 12345;
	uint64_t fault_gpa = 0;
	int k, cpu;

	hv_os_pin();
	cpu = hv_os_cpu_id();
	kicked[cpu] = 0;	/* "interrupts disabled" from here to the entry */
	hv_pre_entry(v, hv_os_cpu_id());
	for (k = 0; k < 4 && !__atomic_load_n(&kicked[cpu], __ATOMIC_SEQ_CST); k++) {
		unsigned pg = (rnd = rnd * 1103515245u + 12345u) >> 16 & (NPG - 1);
		uint64_t gpa = BASE + pg * HV_PAGE_SIZE, hpa;
		volatile uint64_t *word;
		int d;

		/* an IPI takes a while to land: the guest may make one more
		 * access after it was sent (and hv must wait that out) */
		for (d = 0; d < 50; d++)
			hv_cpu_relax();

		if (tlb[pg] == 0) {
			/* a hardware walk of the nested table */
			if (hv_ntable_lookup(&v->vm->nt, gpa, &hpa, NULL, NULL) != 0) {
				fault_gpa = gpa;
				break;
			}
			tlb[pg] = hpa;
		}
		word = (volatile uint64_t *)(uintptr_t)tlb[pg];
		if (*word != expect[pg])
			mismatches++;
		*word = ++expect[pg];
		__atomic_add_fetch(&guest_writes, 1, __ATOMIC_SEQ_CST);
	}
	hv_os_unpin();
	/* the guest is not always busy: pages get a chance to stay out */
	for (k = 0; k < 300; k++)
		hv_cpu_relax();
	if (fault_gpa != 0) {
		__atomic_add_fetch(&guest_faults, 1, __ATOMIC_SEQ_CST);
		if (hv_nested_fault(v->vm, fault_gpa, HV_ACC_WRITE) != 0)
			mismatches += 1000;
	}
	if (__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
		ex->kind = HV_EXIT_INTR;
		return 0;
	}
	return HV_RESUME;
}

static void *
vcpu_thread(void *arg)
{
	struct hv_exit ex;
	intptr_t rc;

	fake_cpu = 1;
	rc = hv_vcpu_run(vcpu, &ex);
	__atomic_store_n(&thread_done, 1, __ATOMIC_SEQ_CST);
	return (void *)rc;
}

void
test_shootdown_concurrent(void)
{
	pthread_t th;
	void *rc;
	uint64_t counter;
	int i, calls, bad = 0, pageout_errors = 0;

	fake_ncpus = 2;
	/* the clock runs per call: a descheduled vCPU thread must not look
	 * like a CPU that never leaves the guest (timeout after 5e8 reads) */
	fake_time_step = 2;
	t_setup_vcpu(&vm, &vcpu);
	memset(tlb, 0, sizeof(tlb));
	memset(expect, 0, sizeof(expect));
	stop = thread_done = 0;
	mismatches = 0;
	guest_writes = guest_faults = 0;
	fake_ipi_hook = kick;
	fake_flush_hook = flush_tlb;
	fake_run_hook = guest_run;
	fake_cpu = 0;
	CHECK_EQ(pthread_create(&th, NULL, vcpu_thread, NULL), 0);
	while (__atomic_load_n(&guest_writes, __ATOMIC_SEQ_CST) == 0 &&
	    !__atomic_load_n(&thread_done, __ATOMIC_SEQ_CST))
		hv_cpu_relax();
	/* at least 3000 pageout calls, and on until 300 guest refaults, 1000
	 * guest writes and 100 pages really paged out (bounded): on a loaded
	 * machine the vCPU thread may get little time, and most calls then
	 * find the pages already out */
	for (i = 0; i < 3000 || ((__atomic_load_n(&guest_faults, __ATOMIC_SEQ_CST) < 300 ||
	    __atomic_load_n(&guest_writes, __ATOMIC_SEQ_CST) <= 1000 ||
	    HV_STAT(pageouts) <= 100) && i < 3000000); i++) {
		unsigned first = (unsigned)(i * 7) % NPG, n = 1 + (unsigned)i % 4;

		if (first + n > NPG)
			n = NPG - first;
		if (hv_vm_pageout(vm, BASE + first * HV_PAGE_SIZE,
		    n * HV_PAGE_SIZE) != 0)
			pageout_errors++;
	}
	calls = i;
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	CHECK_EQ(pthread_join(th, &rc), 0);
	CHECK_EQ((intptr_t)rc, 0);
	CHECK_EQ(pageout_errors, 0);
	CHECK_EQ(mismatches, 0);
	/* every write the guest made is in guest memory */
	for (i = 0; i < NPG; i++) {
		CHECK_EQ(hv_gpa_read(vm, BASE + (uint64_t)i * HV_PAGE_SIZE, &counter, 8), 0);
		if (counter != expect[i])
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* the run really raced: faults, IPIs and both invalidation kinds */
	CHECK(guest_writes > 1000);
	CHECK(guest_faults >= 300);
	printf("  shootdown: %d pageout calls, %llu pages out, %llu guest writes, "
	    "%llu refaults, %llu IPIs, %llu flushes\n", calls,
	    (unsigned long long)HV_STAT(pageouts), (unsigned long long)guest_writes,
	    (unsigned long long)guest_faults, (unsigned long long)HV_STAT(ipis_sent),
	    (unsigned long long)HV_STAT(nested_flushes));
	CHECK(HV_STAT(pageouts) > 100);
	CHECK(HV_STAT(ipis_sent) > 0);
	CHECK_EQ(HV_STAT(inval_timeouts), 0);
	CHECK(HV_STAT(nested_flushes) > 10);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}
