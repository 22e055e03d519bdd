/*
 * t_irq.c - the queue of external interrupts behind hv_vcpu_inject_irq
 * (hv/irq.c): the 256-bit pending bitmap (atomic set/clear, highest vector
 * first, a vector queued twice delivered once), the vector range, the kick
 * of a vCPU inside the guest on another CPU, and no lost interrupt when
 * injections race with a vCPU thread entering and leaving the guest (fake
 * backend playing a backend's entry: hv_pre_entry, then take the queue).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "test.h"


void
test_irq_bitmap(void)
{
	uint64_t bm[HV_IRQ_WORDS];
	int v;

	memset(bm, 0, sizeof(bm));
	CHECK_EQ(hv_irq_highest(bm), (uint64_t)-1);
	CHECK(hv_irq_set(bm, 32));
	CHECK(!hv_irq_set(bm, 32));		/* already pending */
	CHECK_EQ(hv_irq_highest(bm), 32);
	CHECK(hv_irq_set(bm, 63));
	CHECK(hv_irq_set(bm, 64));
	CHECK(hv_irq_set(bm, 255));
	CHECK(hv_irq_set(bm, 0x80));
	CHECK_EQ(bm[0], 1ull << 32 | 1ull << 63);
	CHECK_EQ(bm[1], 1);
	CHECK_EQ(bm[2], 1);
	CHECK_EQ(bm[3], 1ull << 63);
	/* highest first, across the words */
	CHECK_EQ(hv_irq_highest(bm), 255);
	CHECK(hv_irq_clear(bm, 255));
	CHECK(!hv_irq_clear(bm, 255));		/* was not pending any more */
	CHECK_EQ(hv_irq_highest(bm), 0x80);
	CHECK(hv_irq_clear(bm, 0x80));
	CHECK_EQ(hv_irq_highest(bm), 64);
	CHECK(hv_irq_clear(bm, 64));
	CHECK_EQ(hv_irq_highest(bm), 63);
	CHECK(hv_irq_clear(bm, 63));
	CHECK_EQ(hv_irq_highest(bm), 32);
	CHECK(hv_irq_clear(bm, 32));
	CHECK_EQ(hv_irq_highest(bm), (uint64_t)-1);
	/* every vector on its own */
	for (v = 0; v < 256; v++) {
		hv_irq_set(bm, (unsigned)v);
		if (hv_irq_highest(bm) != v)
			break;
		hv_irq_clear(bm, (unsigned)v);
	}
	CHECK_EQ(v, 256);
}

void
test_irq_inject(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	int v;

	fake_ncpus = 2;
	t_setup_vcpu(&vm, &vcpu);
	/* 0-31 are exceptions: refused, nothing queued */
	for (v = 0; v < HV_IRQ_VECTOR_MIN; v++)
		CHECK_EQ(hv_vcpu_inject_irq(vcpu, (uint8_t)v), HV_EINVAL);
	CHECK_EQ(hv_irq_next(vcpu), (uint64_t)-1);
	CHECK_EQ(HV_STAT(irqs_queued), 0);
	/* not running: queued, nobody interrupted */
	fake_cpu = 0;
	CHECK_EQ(hv_vcpu_inject_irq(vcpu, 0x40), 0);
	CHECK_EQ(hv_vcpu_inject_irq(vcpu, 0x40), 0);	/* merged */
	CHECK_EQ(hv_vcpu_inject_irq(vcpu, 0x20), 0);
	CHECK_EQ(hv_vcpu_inject_irq(vcpu, 0xff), 0);
	CHECK_EQ(hv_vcpu_inject_irq(vcpu, 0x41), 0);
	CHECK_EQ(HV_STAT(irqs_queued), 4);
	CHECK_EQ(HV_STAT(irqs_merged), 1);
	CHECK_EQ(fake_ipis[0] + fake_ipis[1], 0);
	CHECK_EQ(HV_STAT(irq_kicks), 0);
	/* a backend takes them highest first, each once */
	CHECK_EQ(hv_irq_next(vcpu), 0xff);
	hv_irq_taken(vcpu, 0xff);
	CHECK_EQ(hv_irq_next(vcpu), 0x41);
	hv_irq_taken(vcpu, 0x41);
	hv_irq_taken(vcpu, 0x41);		/* not pending: not counted */
	CHECK_EQ(hv_irq_next(vcpu), 0x40);
	hv_irq_taken(vcpu, 0x40);
	CHECK_EQ(hv_irq_next(vcpu), 0x20);
	hv_irq_taken(vcpu, 0x20);
	CHECK_EQ(hv_irq_next(vcpu), (uint64_t)-1);
	CHECK_EQ(HV_STAT(irqs_injected), 4);
	/* in the guest on CPU 1: that CPU is interrupted */
	vcpu->running_on = 1;
	CHECK_EQ(hv_vcpu_inject_irq(vcpu, 0x50), 0);
	CHECK_EQ(fake_ipis[1], 1);
	CHECK_EQ(HV_STAT(irq_kicks), 1);
	/* on this CPU: it cannot be in the guest now (and no self-IPI) */
	vcpu->running_on = 0;
	CHECK_EQ(hv_vcpu_inject_irq(vcpu, 0x51), 0);
	CHECK_EQ(fake_ipis[0], 0);
	CHECK_EQ(HV_STAT(irq_kicks), 1);
	vcpu->running_on = -1;
	CHECK_EQ(hv_irq_next(vcpu), 0x51);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

/* ---- racing injections against a vCPU thread entering and leaving ---- */

#define ROUNDS	20000

static struct hv_vcpu *rvcpu;
static volatile int kicked, stop;
static uint64_t delivered[256];
static volatile uint64_t ndelivered;

static void
kick(int cpu)
{
	__atomic_store_n(&kicked, 1, __ATOMIC_SEQ_CST);
}

/*
 * One "entry" as a backend makes it: hv_pre_entry, then take everything
 * queued (highest first), then stay "in the guest" until a kick (a host
 * interrupt makes the entry exit even if it came before the entry).
 */
static int
guest_run(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	int vec;

	hv_os_pin();
	hv_pre_entry(vcpu, hv_os_cpu_id());
	while ((vec = hv_irq_next(vcpu)) >= 0) {
		hv_irq_taken(vcpu, (unsigned)vec);
		delivered[vec]++;
		__atomic_add_fetch(&ndelivered, 1, __ATOMIC_SEQ_CST);
	}
	while (!__atomic_load_n(&kicked, __ATOMIC_SEQ_CST) &&
	    !__atomic_load_n(&stop, __ATOMIC_SEQ_CST))
		hv_cpu_relax();
	__atomic_store_n(&kicked, 0, __ATOMIC_SEQ_CST);
	hv_os_unpin();
	if (__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
		ex->kind = HV_EXIT_DONE;
		return 0;
	}
	return HV_RESUME;
}

static void *
vcpu_thread(void *arg)
{
	struct hv_exit ex;

	fake_cpu = 1;
	return (void *)(intptr_t)hv_vcpu_run(rvcpu, &ex);
}

/* Wait until the vCPU thread has taken `want` vectors in all; false when
 * they never come (a lost wake-up). */
static bool
delivered_reach(uint64_t want)
{
	uint64_t spins;

	for (spins = 0; __atomic_load_n(&ndelivered, __ATOMIC_SEQ_CST) < want; spins++) {
		if (spins > 200000000ull)
			return false;
		hv_cpu_relax();
	}
	return true;
}

void
test_irq_inject_racing_entries(void)
{
	struct hv_vm *vm;
	pthread_t th;
	void *rc;
	uint64_t want;
	int i, lost = 0, v;

	fake_ncpus = 2;
	t_setup_vcpu(&vm, &rvcpu);
	memset(delivered, 0, sizeof(delivered));
	ndelivered = 0;
	kicked = stop = 0;
	fake_ipi_hook = kick;
	fake_run_hook = guest_run;
	fake_cpu = 0;
	CHECK_EQ(pthread_create(&th, NULL, vcpu_thread, NULL), 0);
	/* one vector at a time, each must arrive before the next is queued:
	 * a lost wake-up leaves it queued while the vCPU sits in the guest */
	for (i = 0; i < ROUNDS && lost == 0; i++) {
		v = HV_IRQ_VECTOR_MIN + i % (256 - HV_IRQ_VECTOR_MIN);
		want = (uint64_t)i + 1;
		CHECK_EQ(hv_vcpu_inject_irq(rvcpu, (uint8_t)v), 0);
		lost = !delivered_reach(want);
	}
	/* then bursts: three queued at once (the order of arrival depends on
	 * when the vCPU thread looks: highest-first is test_irq_inject's) */
	for (i = 0; i < 200 && lost == 0; i++) {
		want = __atomic_load_n(&ndelivered, __ATOMIC_SEQ_CST) + 3;
		CHECK_EQ(hv_vcpu_inject_irq(rvcpu, 0x30), 0);
		CHECK_EQ(hv_vcpu_inject_irq(rvcpu, 0x90), 0);
		CHECK_EQ(hv_vcpu_inject_irq(rvcpu, 0x60), 0);
		lost = !delivered_reach(want);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	CHECK_EQ(pthread_join(th, &rc), 0);
	CHECK_EQ((intptr_t)rc, 0);
	CHECK_EQ(lost, 0);
	CHECK_EQ(ndelivered, HV_STAT(irqs_injected));
	CHECK_EQ(HV_STAT(irqs_queued), HV_STAT(irqs_injected));
	CHECK_EQ(HV_STAT(irqs_queued) + HV_STAT(irqs_merged), ROUNDS + 600);
	CHECK_EQ(hv_irq_next(rvcpu), (uint64_t)-1);
	/* the thread was really in the guest when some of them came */
	CHECK(HV_STAT(irq_kicks) > 0);
	printf("  irq: %llu injected, %llu merged, %llu kicks\n",
	    (unsigned long long)HV_STAT(irqs_injected),
	    (unsigned long long)HV_STAT(irqs_merged),
	    (unsigned long long)HV_STAT(irq_kicks));
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}
