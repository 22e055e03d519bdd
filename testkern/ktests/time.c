/* time.c - time base, sleeps, ticks on every CPU, preemption. */
#include "ktest.h"
#include "cpu.h"
#include "sched.h"

KTEST(timer, "calibrated time: monotonic, sleeps last as asked, every CPU ticks")
{
	report(tsc_hz > 0 && lapic_hz > 0, "calibrated: tsc_hz=%lu lapic_hz=%lu", tsc_hz, lapic_hz);
	uint64_t prev = time_ns(), back = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t now = time_ns();
		if (now < prev)
			back++;
		prev = now;
	}
	report(back == 0, "time_ns never went back in 10000 reads: back=%lu", back);

	uint64_t ticks[MAX_CPUS];
	for (int i = 0; i < ncpus; i++)
		ticks[i] = cpus[i]->ticks;
	uint64_t t0 = time_ns();
	thread_sleep_ns(100000000);		/* 100 ms */
	uint64_t slept = time_ns() - t0;
	/* at least as asked; at most two ticks late plus slack for a busy host */
	report(slept >= 100000000 && slept < 100000000 + 3 * (1000000000 / HZ) + 50000000,
	    "thread_sleep_ns(100 ms) slept us=%lu", slept / 1000);
	for (int i = 0; i < ncpus; i++) {
		uint64_t d = cpus[i]->ticks - ticks[i];
		report(d >= 100 * HZ / 1000 / 2 && d <= 100 * HZ / 1000 * 3,
		    "cpu=%d: timer ticks=%lu in 100 ms at hz=%d", i, d, HZ);
	}
}

static volatile int spin_release;

static void
spinner(void *arg)
{
	/* never yields: only a timer preemption lets the other thread run */
	uint64_t deadline = time_ns() + 5000000000UL;
	while (!spin_release && time_ns() < deadline)
		cpu_pause();
	thread_exit(spin_release ? 0 : 1);
}

static void
releaser(void *arg)
{
	spin_release = 1;
}

KTEST(preempt, "a thread spinning without yielding is preempted by the tick")
{
	spin_release = 0;
	/* both on this CPU: the spinner first, so the releaser waits behind it */
	struct thread *s = thread_create("spinner", spinner, NULL, NULL, -1);
	struct thread *r = thread_create("releaser", releaser, NULL, NULL, -1);
	uint64_t t0 = time_ns();
	struct thread_exit_info si, ri;
	int es = s ? thread_join(s, &si, 10000000000UL) : ENOMEM;
	int er = r ? thread_join(r, &ri, 10000000000UL) : ENOMEM;
	uint64_t ms = (time_ns() - t0) / 1000000;
	report(es == 0 && er == 0, "both threads ended: error_spinner=%d error_releaser=%d", es, er);
	report(es == 0 && si.code == 0, "the releaser ran while the spinner spun: ms=%lu", ms);
}
