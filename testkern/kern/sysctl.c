/* sysctl.c - sorted array of leaves; interior nodes exist implicitly. */
#include "sysctl.h"
#include "spinlock.h"

#define SYSCTL_MAX	256

struct entry {
	const struct hv_sysctl *leaf;
	bool hv_owned;
};

static struct entry entries[SYSCTL_MAX];
static int nentries;
static spinlock_t sysctl_lock = SPINLOCK_INIT;

static bool
name_valid(const char *n)
{
	if (!n || !*n || *n == '.')
		return false;
	for (const char *p = n; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.';
		if (!ok || (*p == '.' && (p[1] == '.' || p[1] == 0)))
			return false;
	}
	return true;
}

/* Is `a` an interior node of `b` ("hw.vmm" of "hw.vmm.enable")? */
static bool
is_prefix_node(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strncmp(a, b, n) == 0 && b[n] == '.';
}

int
sysctl_add(const struct hv_sysctl *leaf, bool hv_owned)
{
	if (!leaf || !name_valid(leaf->name) || !leaf->ptr || leaf->type > HV_SYSCTL_STRING)
		return EINVAL;
	uint64_t f = spin_lock(&sysctl_lock);
	int err = 0, pos = nentries;
	for (int i = 0; i < nentries; i++) {
		const char *n = entries[i].leaf->name;
		if (strcmp(n, leaf->name) == 0 || is_prefix_node(n, leaf->name) ||
		    is_prefix_node(leaf->name, n)) {
			err = EEXIST;
			break;
		}
		if (pos == nentries && strcmp(leaf->name, n) < 0)
			pos = i;
	}
	if (!err && nentries == SYSCTL_MAX)
		err = ENOSPC;
	if (!err) {
		memmove(&entries[pos + 1], &entries[pos], (nentries - pos) * sizeof(entries[0]));
		entries[pos].leaf = leaf;
		entries[pos].hv_owned = hv_owned;
		nentries++;
	}
	spin_unlock(&sysctl_lock, f);
	return err;
}

void
sysctl_remove_hv(void)
{
	uint64_t f = spin_lock(&sysctl_lock);
	int j = 0;
	for (int i = 0; i < nentries; i++)
		if (!entries[i].hv_owned)
			entries[j++] = entries[i];
	nentries = j;
	spin_unlock(&sysctl_lock, f);
}

/* Leaves are only added/removed at init and by hv_init/hv_fini, from thread
 * context; listing copies the matching pointers first and prints unlocked. */
int
sysctl_foreach(const char *name, void (*fn)(const struct hv_sysctl *leaf, void *ctx), void *ctx)
{
	const struct hv_sysctl *match[SYSCTL_MAX];
	int n = 0;
	uint64_t f = spin_lock(&sysctl_lock);
	for (int i = 0; i < nentries; i++) {
		const char *ln = entries[i].leaf->name;
		if (!*name || strcmp(ln, name) == 0 || is_prefix_node(name, ln))
			match[n++] = entries[i].leaf;
	}
	spin_unlock(&sysctl_lock, f);
	for (int i = 0; i < n; i++)
		fn(match[i], ctx);
	return n;
}

void
sysctl_format(const struct hv_sysctl *leaf, char *buf, size_t size)
{
	switch (leaf->type) {
	case HV_SYSCTL_INT:
		ksnprintf(buf, size, "%d", *(const int *)leaf->ptr);
		break;
	case HV_SYSCTL_U32:
		ksnprintf(buf, size, "%u", *(const uint32_t *)leaf->ptr);
		break;
	case HV_SYSCTL_U64:
		ksnprintf(buf, size, "%lu", *(const uint64_t *)leaf->ptr);
		break;
	case HV_SYSCTL_STRING: {
		const char *s = *(const char *const *)leaf->ptr;
		ksnprintf(buf, size, "%s", s ? s : "");
		break;
	}
	}
}

/* Binary search: entries are sorted by name (sysctl_add), and hv adds a
 * leaf per exit reason and statistic, so a write looks up among hundreds. */
static const struct hv_sysctl *
find(const char *name)
{
	const struct hv_sysctl *r = NULL;
	uint64_t f = spin_lock(&sysctl_lock);
	int lo = 0, hi = nentries;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(entries[mid].leaf->name, name);

		if (c == 0) {
			r = entries[mid].leaf;
			break;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	spin_unlock(&sysctl_lock, f);
	return r;
}

int
sysctl_write(const char *name, const char *value, char *old, char *new_, size_t size,
    int *setter_err)
{
	const struct hv_sysctl *leaf = find(name);
	if (!leaf)
		return ENOENT;
	if (!leaf->set || leaf->type == HV_SYSCTL_STRING)
		return EPERM;
	uint64_t v;
	int64_t sv;
	switch (leaf->type) {
	case HV_SYSCTL_INT:
		if (parse_i64(value, &sv) || sv < -2147483648L || sv > 2147483647L)
			return EINVAL;
		v = (uint64_t)sv;
		break;
	case HV_SYSCTL_U32:
		if (parse_u64(value, &v) || v > 0xffffffffUL)
			return EINVAL;
		break;
	default:
		if (parse_u64(value, &v))
			return EINVAL;
		break;
	}
	sysctl_format(leaf, old, size);
	int err = leaf->set(leaf, v);
	if (err) {
		*setter_err = err;
		return -1;
	}
	sysctl_format(leaf, new_, size);
	return 0;
}

int
sysctl_store(const struct hv_sysctl *leaf, uint64_t value)
{
	switch (leaf->type) {
	case HV_SYSCTL_INT:
		*(int *)leaf->ptr = (int)(int64_t)value;
		break;
	case HV_SYSCTL_U32:
		*(uint32_t *)leaf->ptr = (uint32_t)value;
		break;
	case HV_SYSCTL_U64:
		*(uint64_t *)leaf->ptr = value;
		break;
	default:
		return EPERM;
	}
	return 0;
}
