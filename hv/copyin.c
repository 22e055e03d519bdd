/*
 * copyin.c - the copyin family on guest-virtual addresses: each page is
 * translated through the guest's page tables (hv_gwalk, as the guest's CPL
 * at its last exit) and then accessed in guest-physical memory, which faults
 * pages in.  Nothing here relies on the host's own page tables.
 */
#include "core.h"
#include "x86_arch.h"

static int
walk_read64(void *arg, uint64_t gpa, uint64_t *val)
{
	/* a page-table entry never crosses a page: 8-byte aligned */
	return hv_gmem_read64(arg, gpa & ~7ull, val);
}

static int
walk_or64(void *arg, uint64_t gpa, uint64_t bits)
{
	return hv_gmem_or64(arg, gpa, bits);
}

int
hv_gva_begin(struct hv_vcpu *vcpu, struct hv_gva_ctx *c)
{
	struct hv_ctl_regs r;
	int error;

	error = hv_ops->get_ctl(vcpu, &r);
	if (error != 0)
		return error;
	c->vm = vcpu->vm;
	c->walk.read64 = walk_read64;
	c->walk.arg = vcpu->vm;
	c->walk.cr3 = r.cr3;
	c->walk.nxe = (r.efer & X86_EFER_NXE) != 0;
	c->walk.wp = (r.cr0 & X86_CR0_WP) != 0;
	c->walk.maxphyaddr = (int)vcpu->vm->model.phys_bits;	/* the guest CPU's */
	c->walk.or64 = walk_or64;
	/* the guest's own paging mode: 32-bit, PAE, 4- or 5-level, or off */
	c->walk.mode = hv_gwalk_mode(r.cr0, r.cr4, r.efer);
	c->walk.pse = (r.cr4 & X86_CR4_PSE) != 0;
	c->user = r.cpl == 3;
	return 0;
}

int
hv_gva_translate(const struct hv_gva_ctx *c, uint64_t gva, bool write,
    uint64_t *gpa)
{
	/* without paging a guest-virtual address is guest-physical */
	if (c->walk.mode == HV_GWALK_OFF) {
		uint64_t pn;

		if (!hv_gpa_page(c->vm, gva, &pn))
			return HV_EFAULT;
		*gpa = gva;
		return 0;
	}
	return hv_gwalk(&c->walk, gva, (write ? HV_ACC_WRITE : 0) |
	    (c->user ? HV_ACC_USER : 0), gpa);
}

/*
 * Which page of [lo, hi] faults first for this access at the guest's CPL,
 * with the error code its CPU gives (SDM Vol. 3A 4.7): CR2 is first where
 * that page holds it (the access's own address), else the start of the page
 * that faults.  No paging: no page fault.
 */
int
hv_gva_fault(struct hv_vcpu *vcpu, uint64_t lo, uint64_t hi, uint64_t first,
    bool write, uint32_t *pfec, uint64_t *cr2)
{
	struct hv_gva_ctx c;
	struct hv_gwalk_fault f;
	uint64_t at, gpa;

	if (hv_gva_begin(vcpu, &c) != 0)
		return -1;
	if (c.walk.mode == HV_GWALK_OFF)
		return 0;
	for (at = lo;; at = (at | HV_PAGE_MASK) + 1) {
		if (hv_gwalk_pf(&c.walk, at, (write ? HV_ACC_WRITE : 0) |
		    (c.user ? HV_ACC_USER : 0), &gpa, &f) != 0) {
			if (!f.pf)
				return -1;
			*pfec = f.pfec;
			*cr2 = (at & ~HV_PAGE_MASK) == (first & ~HV_PAGE_MASK) ?
			    first : at;
			return 1;
		}
		if ((at & ~HV_PAGE_MASK) == (hi & ~HV_PAGE_MASK))
			return 0;
	}
}

/*
 * Every page of [gva, gva+len) translates for this access, inside memory;
 * *first: where gva itself goes (the copy reuses it: one walk fewer).
 */
static int
gva_check(const struct hv_gva_ctx *c, uint64_t gva, size_t len, bool write,
    uint64_t *first)
{
	uint64_t page, last, gpa, pn;

	if (len == 0)
		return 0;
	last = (gva + len - 1) & ~HV_PAGE_MASK;
	for (page = gva & ~HV_PAGE_MASK;; page += HV_PAGE_SIZE) {
		if (hv_gva_translate(c, page, write, &gpa) != 0 ||
		    !hv_gpa_page(c->vm, gpa, &pn))
			return HV_EFAULT;
		if (page == (gva & ~HV_PAGE_MASK))
			*first = gpa | (gva & HV_PAGE_MASK);
		if (page == last)
			return 0;
	}
}

/*
 * Copy len bytes between buf and guest-virtual gva, page by page.  With
 * stop_nul (copyinstr) the copy ends after the first NUL byte, *done counts
 * the bytes copied including it.  A write is checked page by page first, so
 * that a fault leaves the guest's memory untouched (as far as the guest does
 * not change its tables meanwhile).
 */
static inline __attribute__((always_inline)) int
gva_copy(struct hv_vcpu *vcpu, uint64_t gva, void *buf, size_t len, bool write,
    bool stop_nul, size_t *done)
{
	struct hv_gva_ctx c;
	unsigned char *b = buf;
	size_t copied = 0;
	uint64_t first = ~0ull;		/* gva's translation, once checked */
	int error;

	if (done != NULL)
		*done = 0;
	error = hv_gva_begin(vcpu, &c);
	if (error != 0)
		return error;
	/* a range that wraps around the address space is refused whole; a
	 * string only where its reading gets there (below) */
	if (!stop_nul && len > 0 && gva + len - 1 < gva)
		error = HV_EFAULT;
	else if (write)
		error = gva_check(&c, gva, len, true, &first);
	if (error != 0) {
		HV_STAT_INC(copyin_faults);
		return error;
	}
	while (copied < len) {
		uint64_t gpa, off = gva & HV_PAGE_MASK;
		size_t n = HV_PAGE_SIZE - off, i;

		if (n > len - copied)
			n = len - copied;
		if (write && first != ~0ull) {	/* the first page, checked */
			gpa = first;
			first = ~0ull;
			error = 0;
		} else
			error = hv_gva_translate(&c, gva, write, &gpa);
		if (error == 0)
			error = hv_gmem_access(vcpu->vm, gpa, b + copied, n, write);
		if (error != 0) {
			HV_STAT_INC(copyin_faults);
			return HV_EFAULT;
		}
		if (stop_nul) {
			for (i = 0; i < n; i++) {
				if (b[copied + i] == '\0') {
					*done = copied + i + 1;
					return 0;
				}
			}
		}
		copied += n;
		gva += n;
		if (done != NULL)
			*done = copied;
		if (gva == 0 && copied < len) {
			/* the string runs past the top of the address space */
			HV_STAT_INC(copyin_faults);
			return HV_EFAULT;
		}
	}
	return stop_nul ? HV_ENAMETOOLONG : 0;
}

/* The VM stays while the call is in flight (hv_vcpu_enter); HV_ENOENT once
 * the vCPU was torn down with its VM. */
/* inline with both: each caller's write and stop_nul are constants */
static inline __attribute__((always_inline)) int
gva_copy_held(struct hv_vcpu *vcpu, uint64_t gva, void *buf, size_t len,
    bool write, bool stop_nul, size_t *done)
{
	int error;

	if (done != NULL)
		*done = 0;
	error = hv_vcpu_enter(vcpu);
	if (error != 0)
		return error;
	error = gva_copy(vcpu, gva, buf, len, write, stop_nul, done);
	hv_vcpu_leave(vcpu);
	return error;
}

int
hv_copyin(struct hv_vcpu *vcpu, uint64_t gva, void *dst, size_t len)
{
	return gva_copy_held(vcpu, gva, dst, len, false, false, NULL);
}

int
hv_copyout(struct hv_vcpu *vcpu, const void *src, uint64_t gva, size_t len)
{
	/* the buffer is only read when write is true */
	return gva_copy_held(vcpu, gva, (void *)(uintptr_t)src, len, true, false, NULL);
}

int
hv_copyinstr(struct hv_vcpu *vcpu, uint64_t gva, char *dst, size_t max,
    size_t *done)
{
	size_t n;
	int error;

	error = gva_copy_held(vcpu, gva, dst, max, false, true, &n);
	if (done != NULL)
		*done = n;
	return error;
}

int
hv_fubyte(struct hv_vcpu *vcpu, uint64_t gva)
{
	unsigned char c;

	if (hv_copyin(vcpu, gva, &c, 1) != 0)
		return -1;
	return c;
}

int
hv_fuword32(struct hv_vcpu *vcpu, uint64_t gva, uint32_t *val)
{
	return hv_copyin(vcpu, gva, val, sizeof(*val));
}

int
hv_fuword64(struct hv_vcpu *vcpu, uint64_t gva, uint64_t *val)
{
	return hv_copyin(vcpu, gva, val, sizeof(*val));
}

int
hv_suword32(struct hv_vcpu *vcpu, uint64_t gva, uint32_t val)
{
	return hv_copyout(vcpu, &val, gva, sizeof(val));
}

int
hv_suword64(struct hv_vcpu *vcpu, uint64_t gva, uint64_t val)
{
	return hv_copyout(vcpu, &val, gva, sizeof(val));
}
