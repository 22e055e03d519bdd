/* ksysctl.c - the kernel's own sysctl leaves (kern.*). */
#include "sysctl.h"
#include "cpu.h"
#include "mb2.h"
#include "mm.h"
#include "sched.h"
#include "ktest.h"

extern uint64_t boot_ms;
static int k_ncpus, k_hz = HZ;
static uint64_t k_tsc_hz, k_lapic_hz, k_pages_total;
static const char *k_version = "testkern 1";
static const char *k_cmdline = mb2_cmdline;
extern uint32_t bench_iters;		/* bench.c */
extern uint64_t fuzz_seed;		/* fuzz_guest.c */
extern uint32_t fuzz_seconds, fuzz_episodes, fuzz_episode_ms;

static const struct hv_sysctl leaves[] = {
	{ "kern.ncpus", "CPUs online", HV_SYSCTL_INT, &k_ncpus, NULL },
	{ "kern.hz", "scheduler tick rate", HV_SYSCTL_INT, &k_hz, NULL },
	{ "kern.tsc_hz", "calibrated TSC frequency", HV_SYSCTL_U64, &k_tsc_hz, NULL },
	{ "kern.lapic_timer_hz", "LAPIC timer input after divide-by-16", HV_SYSCTL_U64, &k_lapic_hz, NULL },
	{ "kern.pages_total", "pages managed by the page allocator", HV_SYSCTL_U64, &k_pages_total, NULL },
	{ "kern.boot_ms", "kmain to shell (ms)", HV_SYSCTL_U64, &boot_ms, NULL },
	{ "kern.version", "kernel version", HV_SYSCTL_STRING, &k_version, NULL },
	{ "kern.test_timeout_ms", "watchdog of one test (ms)", HV_SYSCTL_U32, &test_timeout_ms, sysctl_store },
	{ "kern.cmdline", "kernel command line", HV_SYSCTL_STRING, &k_cmdline, NULL },
	{ "kern.bench_iters", "iterations of each figure of the bench test", HV_SYSCTL_U32, &bench_iters, sysctl_store },
	{ "kern.fuzz_seed", "seed of the first episode of the fuzz_guest test", HV_SYSCTL_U64, &fuzz_seed, sysctl_store },
	{ "kern.fuzz_seconds", "time of all episodes of the fuzz_guest test", HV_SYSCTL_U32, &fuzz_seconds, sysctl_store },
	{ "kern.fuzz_episodes", "most episodes of the fuzz_guest test (0: as time allows)", HV_SYSCTL_U32, &fuzz_episodes, sysctl_store },
	{ "kern.fuzz_episode_ms", "wall time of one episode of the fuzz_guest test", HV_SYSCTL_U32, &fuzz_episode_ms, sysctl_store },
};

void
ksysctl_init(void)
{
	struct pmm_stats s;
	pmm_stats(&s);
	k_ncpus = ncpus;
	k_tsc_hz = tsc_hz;
	k_lapic_hz = lapic_hz;
	k_pages_total = s.total;
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++)
		if (sysctl_add(&leaves[i], false))
			panic("sysctl: cannot add %s", leaves[i].name);
}
