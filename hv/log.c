/*
 * log.c - decoded exit errors and rate-limited guest-caused messages (a
 * guest must not be able to flood the host console).
 */
#include "core.h"

void
hv_exit_error(struct hv_exit *ex, int error, uint64_t raw, const char *fmt, ...)
{
	va_list ap;

	ex->kind = HV_EXIT_ERROR;
	ex->error = error;
	ex->raw_reason = raw;
	va_start(ap, fmt);
	hv_vsnprintf(ex->msg, sizeof(ex->msg), fmt, ap);
	va_end(ap);
}

int
hv_vcpu_stop(struct hv_vcpu *vcpu, struct hv_exit *ex, int error, uint64_t raw,
    uint64_t rip, const char *fmt, ...)
{
	char what[sizeof(ex->msg)];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	hv_exit_error(ex, error, raw, "guest%d.%d: %s at rip=0x%llx",
	    vcpu->vm->id, vcpu->id, what, (unsigned long long)rip);
	return 0;
}

#define RATELOG_KINDS	16	/* distinct `what` keys tracked */
#define RATELOG_FIRST	5	/* messages printed per key */

static struct {
	const char	*what;
	volatile uint64_t count;
} ratelog[RATELOG_KINDS];

static bool
same(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

void
hv_ratelog(const char *what, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	uint64_t n = RATELOG_FIRST + 1;	/* untracked key: print nothing */
	int i;

	HV_STAT_INC(ratelog);
	for (i = 0; i < RATELOG_KINDS; i++) {
		const char *cur = __atomic_load_n(&ratelog[i].what, __ATOMIC_ACQUIRE);

		if (cur == NULL) {
			const char *expect = NULL;

			/* claim a free slot for this key (or find it just claimed) */
			if (!__atomic_compare_exchange_n(&ratelog[i].what, &expect, what,
			    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				cur = expect;
			else
				cur = what;
		}
		if (same(cur, what)) {
			n = __atomic_add_fetch(&ratelog[i].count, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	if (n > RATELOG_FIRST) {
		HV_STAT_INC(ratelog_dropped);
		return;
	}
	va_start(ap, fmt);
	hv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hv_os_log("%s%s", msg, n == RATELOG_FIRST ?
	    "hv: (further such messages suppressed; see hw.vmm.stats.ratelog_dropped)\n" :
	    "");
}
