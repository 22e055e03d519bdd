/*
 * stats.c - hw.vmm.stats.*: the global counters of stats.h and the
 * per-backend exit-by-reason counters.
 */
#include "hv_impl.h"

struct hv_stats hv_stats;

static const struct hv_sysctl hv_stats_leaves[] = {
#define HV_STATS_LEAF(name, descr) \
	{ "hw.vmm.stats." #name, descr, HV_SYSCTL_U64, &hv_stats.name, NULL },
	HV_STATS_LIST(HV_STATS_LEAF)
#undef HV_STATS_LEAF
};

int
hv_stats_publish(void)
{
	return hv_sysctl_add_all(hv_stats_leaves,
	    sizeof(hv_stats_leaves) / sizeof(hv_stats_leaves[0]));
}

/* Exits by reason: one counter per reason below exit_n. */
static uint64_t *exit_counts;
static unsigned exit_n;
static struct hv_sysctl *exit_leaves;	/* exit_n entries, unnamed ones unused */
static char *exit_names;		/* storage of the leaf names */

#define EXIT_PREFIX	"hw.vmm.stats.exit."
#define EXIT_NAME_MAX	48

void
hv_stats_fini(void)
{
	/* The host has dropped the leaves (hv_os_sysctl_remove_all) first. */
	if (exit_counts != NULL)
		hv_os_free(exit_counts);
	if (exit_leaves != NULL)
		hv_os_free(exit_leaves);
	if (exit_names != NULL)
		hv_os_free(exit_names);
	exit_counts = NULL;
	exit_leaves = NULL;
	exit_names = NULL;
	exit_n = 0;
}

int
hv_stats_exits_init(const char *(*name)(uint64_t reason), unsigned n)
{
	unsigned r;
	int error;

	if (n == 0)
		return HV_EINVAL;
	/* published leaves point into the tables: never replace them */
	if (exit_counts != NULL)
		return HV_EBUSY;
	exit_counts = hv_os_malloc(n * sizeof(*exit_counts));
	exit_leaves = hv_os_malloc(n * sizeof(*exit_leaves));
	exit_names = hv_os_malloc((size_t)n * EXIT_NAME_MAX);
	if (exit_counts == NULL || exit_leaves == NULL || exit_names == NULL) {
		hv_stats_fini();
		return HV_ENOMEM;
	}
	for (r = 0; r < n; r++) {
		const char *nm = name(r);
		char *full = exit_names + (size_t)r * EXIT_NAME_MAX;

		if (nm == NULL)
			continue;
		if (hv_snprintf(full, EXIT_NAME_MAX, "%s%s", EXIT_PREFIX, nm) >=
		    EXIT_NAME_MAX)
			continue;	/* a name that long is a table bug; skip it */
		exit_leaves[r].name = full;
		exit_leaves[r].descr = "VM exits with this reason";
		exit_leaves[r].type = HV_SYSCTL_U64;
		exit_leaves[r].ptr = &exit_counts[r];
		exit_leaves[r].set = NULL;
		error = hv_os_sysctl_add(&exit_leaves[r]);
		if (error != 0)
			return error;	/* hv_fini drops what was added */
	}
	/* Published last: hv_stats_exit() only counts per reason from here on. */
	__atomic_store_n(&exit_n, n, __ATOMIC_RELEASE);
	return 0;
}

/* inline in both callers: the one-exit count (every exit) stays a constant */
static inline void
count_exits(uint64_t reason, uint64_t count)
{
	unsigned n = __atomic_load_n(&exit_n, __ATOMIC_ACQUIRE);

	HV_STAT_ADD(exits, count);
	if (reason < n && exit_leaves[reason].name != NULL)
		__atomic_fetch_add(&exit_counts[reason], count, __ATOMIC_RELAXED);
	else
		HV_STAT_ADD(exits_other, count);
}

void
hv_stats_exit(uint64_t reason)
{
	count_exits(reason, 1);
}

void
hv_stats_exits(uint64_t reason, uint64_t count)
{
	count_exits(reason, count);
}
