/*
 * svm_names.c - SVM exit-code names (the table of svm_exits.h) and the
 * per-reason exit counters hw.vmm.stats.exit.<name>.
 */
#include "svm.h"

/* every named reason (messages) and the handled ones (counters) */
#define NAME_X(reason, name, handler, pinned)	[reason] = #name,
#define NAME_N(reason, name)		[reason] = #name,
#define NONE_N(reason, name)
static const char *const exit_names[SVM_NREASONS] = {
	SVM_EXITS(NAME_X, NAME_N)
};
static const char *const stat_names[SVM_NREASONS] = {
	SVM_EXITS(NAME_X, NONE_N)
};

const char *
hv_svm_exit_name(uint64_t code)
{
	unsigned reason = svm_exit_reason(code);

	return reason < SVM_NREASONS ? exit_names[reason] : NULL;
}

const char *
svm_exit_name_or_unknown(uint64_t code)
{
	const char *n = hv_svm_exit_name(code);

	return n != NULL ? n : "unknown";
}

/*
 * Counters, under the dense reason of svm_exit_reason: only the handled
 * exits are published (the rest would be rows of zeros; one of them stops
 * the VM with its name), anything else is counted in exits_other.
 */
static const char *
stat_name(uint64_t reason)
{
	return reason < SVM_NREASONS ? stat_names[reason] : NULL;
}

int
svm_exit_stats_init(void)
{
	return hv_stats_exits_init(stat_name, SVM_NREASONS);
}

void
svm_exit_count(uint64_t code)
{
	hv_stats_exit(svm_exit_reason(code));
}

void
svm_exit_counts(uint64_t code, uint64_t count)
{
	hv_stats_exits(svm_exit_reason(code), count);
}
