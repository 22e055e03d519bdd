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

/* Exits by reason: one counter per reason below hv_exit_n, and the counter
 * an exit of each reason bumps (its own, or exits_other when unnamed). */
static uint64_t *exit_counts;
unsigned hv_exit_n;
uint64_t **hv_exit_ctr;
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
	if (hv_exit_ctr != NULL)
		hv_os_free(hv_exit_ctr);
	exit_counts = NULL;
	exit_leaves = NULL;
	exit_names = NULL;
	hv_exit_ctr = NULL;
	hv_exit_n = 0;
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
	hv_exit_ctr = hv_os_malloc(n * sizeof(*hv_exit_ctr));
	if (exit_counts == NULL || exit_leaves == NULL || exit_names == NULL ||
	    hv_exit_ctr == NULL) {
		hv_stats_fini();
		return HV_ENOMEM;
	}
	for (r = 0; r < n; r++) {
		const char *nm = name(r);
		char *full = exit_names + (size_t)r * EXIT_NAME_MAX;

		hv_exit_ctr[r] = &hv_stats.exits_other;
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
		hv_exit_ctr[r] = &exit_counts[r];
		error = hv_os_sysctl_add(&exit_leaves[r]);
		if (error != 0)
			return error;	/* hv_fini drops what was added */
	}
	/* Published last: hv_stats_exit() only counts per reason from here on. */
	__atomic_store_n(&hv_exit_n, n, __ATOMIC_RELEASE);
	return 0;
}
