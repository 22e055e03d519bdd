/*
 * gmem.c - guest-physical memory: pages backed on demand, nested faults,
 * paging out with cross-CPU invalidation, entry-time flushes.
 *
 * pages[], swapped[], resident and the nested table change only under the
 * VM's spin lock.  The allocator may sleep, so it is never called with the
 * lock held: pages are allocated first and given back if not needed.
 */
#include "core.h"

void
hv_vm_lock(struct hv_vm *vm)
{
	hv_os_pin();	/* no switch away while other CPUs may spin on it */
	while (__atomic_exchange_n(&vm->lock, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&vm->lock, __ATOMIC_RELAXED) != 0)
			hv_cpu_relax();
	}
}

void
hv_vm_unlock(struct hv_vm *vm)
{
	__atomic_store_n(&vm->lock, 0, __ATOMIC_RELEASE);
	hv_os_unpin();
}

void
hv_gmem_free_all(struct hv_vm *vm)
{
	uint64_t i;

	for (i = 0; i < vm->npages; i++) {
		if (vm->pages[i] != NULL)
			hv_os_page_free(vm->pages[i]);
		vm->pages[i] = NULL;
		if (vm->swapped != NULL && vm->swapped[i] != NULL) {
			hv_os_page_free(vm->swapped[i]);
			vm->swapped[i] = NULL;
		}
	}
	vm->resident = 0;
}

/* Whether page pn has a paged-out copy (locked; else a hint). */
static bool
swapped_out(struct hv_vm *vm, uint64_t pn)
{
	void **sw = __atomic_load_n(&vm->swapped, __ATOMIC_ACQUIRE);

	return sw != NULL && __atomic_load_n(&sw[pn], __ATOMIC_RELAXED) != NULL;
}

/*
 * Make page `pn` resident (locked); `fresh` is a zeroed page the caller
 * allocated, consumed (*fresh = NULL) when it was needed.  A paged-out copy
 * becomes the backing page again, at a host frame other than the one the
 * stale translations pointed to.
 */
static void
back_locked(struct hv_vm *vm, uint64_t pn, void **fresh)
{
	if (vm->pages[pn] != NULL)
		return;
	if (swapped_out(vm, pn)) {
		vm->pages[pn] = vm->swapped[pn];
		vm->swapped[pn] = NULL;
		HV_STAT_INC(pageins);
	} else {
		vm->pages[pn] = *fresh;
		*fresh = NULL;
		HV_STAT_INC(pages_backed);
	}
	vm->resident++;
}

/* A zeroed page if page pn may need one; NULL when it surely does not. */
static int
prealloc(struct hv_vm *vm, uint64_t pn, void **fresh)
{
	*fresh = NULL;
	if (__atomic_load_n(&vm->pages[pn], __ATOMIC_RELAXED) != NULL ||
	    swapped_out(vm, pn))
		return 0;	/* rechecked under the lock; a miss is handled there */
	*fresh = hv_os_page_alloc();
	return *fresh == NULL ? HV_ENOMEM : 0;
}

/*
 * Pages for the nested table's spare pool, allocated before the lock is
 * taken.  The pool's fill level is read unlocked, so once in a while the
 * pool is short and the tree allocates under the lock itself; it is never
 * corrupted, because only topup_give() (locked) touches it.
 */
struct topup {
	void	*p[HV_NT_SPARE];
	int	 n;
};

static void
topup_free(struct topup *t)
{
	while (t->n > 0)
		hv_os_page_free(t->p[--t->n]);
}

static int
topup_alloc(struct hv_vm *vm, struct topup *t)
{
	int want = HV_NT_SPARE - __atomic_load_n(&vm->nt.nspare, __ATOMIC_RELAXED);

	t->n = 0;
	while (t->n < want) {
		t->p[t->n] = hv_os_page_alloc();
		if (t->p[t->n] == NULL) {
			topup_free(t);
			return HV_ENOMEM;
		}
		t->n++;
	}
	return 0;
}

static void
topup_give(struct hv_vm *vm, struct topup *t)	/* locked */
{
	while (t->n > 0 && hv_ntable_give(&vm->nt, t->p[t->n - 1]))
		t->n--;
}

/*
 * Take the VM lock with page pn resident (backed now if it was not; a
 * paged-out copy restored) and, with nt, the table's spare pool topped up.
 * *fresh and nt hold pages to free after unlocking.  0, or an error
 * without the lock.
 */
static int
lock_resident(struct hv_vm *vm, uint64_t pn, void **fresh, struct topup *nt)
{
	int error;

	for (;;) {
		error = prealloc(vm, pn, fresh);
		if (error == 0 && nt != NULL) {
			error = topup_alloc(vm, nt);
			if (error != 0 && *fresh != NULL)
				hv_os_page_free(*fresh);
		}
		if (error != 0)
			return error;
		hv_vm_lock(vm);
		if (vm->pages[pn] != NULL || swapped_out(vm, pn) || *fresh != NULL)
			break;
		hv_vm_unlock(vm);	/* paged out meanwhile: retry */
		if (nt != NULL)
			topup_free(nt);
	}
	back_locked(vm, pn, fresh);
	if (nt != NULL)
		topup_give(vm, nt);
	return 0;
}

static void
unlock_resident(struct hv_vm *vm, void *fresh, struct topup *nt)
{
	hv_vm_unlock(vm);
	if (fresh != NULL)
		hv_os_page_free(fresh);
	if (nt != NULL)
		topup_free(nt);
}

bool
hv_gpa_page(const struct hv_vm *vm, uint64_t gpa, uint64_t *pn)
{
	if (gpa < vm->mem_size) {
		*pn = gpa >> HV_PAGE_SHIFT;
		return true;
	}
	if (gpa >= vm->ram2_gpa && gpa - vm->ram2_gpa < vm->ram2_size) {
		*pn = (vm->mem_size + (gpa - vm->ram2_gpa)) >> HV_PAGE_SHIFT;
		return true;
	}
	return false;
}

bool
hv_gpa_range(const struct hv_vm *vm, uint64_t gpa, uint64_t len, uint64_t *pn)
{
	bool low = gpa < vm->mem_size;

	if (!hv_gpa_page(vm, gpa, pn))
		return false;
	return low ? len <= vm->mem_size - gpa :
	    len <= vm->ram2_size - (gpa - vm->ram2_gpa);
}

int
hv_gmem_access(struct hv_vm *vm, uint64_t gpa, void *buf, size_t len, bool write)
{
	unsigned char *b = buf;
	uint64_t pn;

	if (!hv_gpa_range(vm, gpa, len, &pn))
		return HV_EFAULT;
	/* one range: its pages are consecutive in pages[] */
	for (; len > 0; pn++) {
		uint64_t off = gpa & HV_PAGE_MASK;
		size_t n = HV_PAGE_SIZE - off;
		void *fresh;
		int error;

		if (n > len)
			n = len;
		error = lock_resident(vm, pn, &fresh, NULL);
		if (error != 0)
			return error;
		/* copy under the lock: a pageout cannot free the page meanwhile */
		if (write)
			hv_memcpy((char *)vm->pages[pn] + off, b, n);
		else
			hv_memcpy(b, (char *)vm->pages[pn] + off, n);
		unlock_resident(vm, fresh, NULL);
		gpa += n;
		b += n;
		len -= n;
	}
	return 0;
}

/*
 * The aligned 64-bit word at gpa, its page made resident: read whole into
 * *val, or (val NULL) bits ORed into it atomically.  Whole, as the CPU
 * reads a page-table entry, and locked, like the CPU's own A/D updates: a
 * guest on another CPU may be changing the same entry.  Under the VM lock
 * (no pageout frees the page meanwhile).
 */
static inline int
gmem_word(struct hv_vm *vm, uint64_t gpa, uint64_t *val, uint64_t bits)
{
	uint64_t pn, *w;
	void *fresh;
	int error;

	if (!hv_gpa_page(vm, gpa, &pn) || (gpa & 7) != 0)
		return HV_EFAULT;
	error = lock_resident(vm, pn, &fresh, NULL);
	if (error != 0)
		return error;
	w = (uint64_t *)vm->pages[pn] + (gpa & HV_PAGE_MASK) / 8;
	if (val != NULL)
		*val = __atomic_load_n(w, __ATOMIC_RELAXED);
	else
		__atomic_fetch_or(w, bits, __ATOMIC_SEQ_CST);
	unlock_resident(vm, fresh, NULL);
	return 0;
}

/* One load, not a byte copy: the guest walk reads four of these per page
 * it translates (make bench, copyin_64). */
int
hv_gmem_read64(struct hv_vm *vm, uint64_t gpa, uint64_t *val)
{
	return gmem_word(vm, gpa, val, 0);
}

int
hv_gmem_or64(struct hv_vm *vm, uint64_t gpa, uint64_t bits)
{
	return gmem_word(vm, gpa, NULL, bits);
}

int
hv_gpa_write(struct hv_vm *vm, uint64_t gpa, const void *src, size_t len)
{
	/* the buffer is only read when write is true */
	return hv_gmem_access(vm, gpa, (void *)(uintptr_t)src, len, true);
}

int
hv_gpa_read(struct hv_vm *vm, uint64_t gpa, void *dst, size_t len)
{
	return hv_gmem_access(vm, gpa, dst, len, false);
}

uint64_t
hv_vm_resident_pages(const struct hv_vm *vm)
{
	return vm->resident;
}

int
hv_nested_fault(struct hv_vm *vm, uint64_t gpa, unsigned acc)
{
	uint64_t pn;
	struct topup nt;
	void *fresh;
	int error;

	if (!hv_gpa_page(vm, gpa, &pn)) {
		HV_STAT_INC(nested_fault_errors);
		return HV_EFAULT;
	}
	/* with the spare pool full, mapping under the lock allocates nothing */
	error = lock_resident(vm, pn, &fresh, &nt);
	if (error != 0)
		return error;
	/* 4 KiB RWX: the guest's own page tables do the protection */
	error = hv_ntable_map(&vm->nt, gpa & ~HV_PAGE_MASK,
	    hv_os_virt_to_phys(vm->pages[pn]), 1, HV_PROT_RWX);
	unlock_resident(vm, fresh, &nt);
	if (error == 0)
		HV_STAT_INC(nested_faults);
	return error;
}

void
hv_pre_entry(struct hv_vcpu *vcpu, int cpu)
{
	struct hv_vm *vm = vcpu->vm;

	/*
	 * Publish "this vCPU is about to run on cpu" before reading the
	 * generation (both sequentially consistent): a pageout that bumps the
	 * generation after our read sees running_on and interrupts us, one
	 * before it is seen by the read in hv_pre_reentry and flushed there.
	 */
	__atomic_store_n(&vcpu->running_on, cpu, __ATOMIC_SEQ_CST);
	if ((vm->cpus_ran & (1ull << cpu)) == 0)
		__atomic_fetch_or(&vm->cpus_ran, 1ull << cpu, __ATOMIC_SEQ_CST);
	hv_pre_reentry(vcpu, cpu);
}

void
hv_pre_entry_flush(struct hv_vcpu *vcpu, int cpu, uint64_t gen)
{
	hv_ops->flush_nested(vcpu);
	vcpu->vm->flushed_gen[cpu] = gen;
	HV_STAT_INC(nested_flushes);
}

/* 1 ms between IPIs to a CPU that has not left the guest yet, 1 s in all. */
#define INVAL_RETRY_NS	1000000ull
#define INVAL_GIVEUP_NS	1000000000ull

/*
 * Make every CPU drop the VM's stale nested translations: the generation is
 * already bumped, so each CPU flushes at its next entry; CPUs running a vCPU
 * of this VM right now are interrupted and waited for until that vCPU has
 * left the guest.  0, or HV_ETIMEDOUT (the caller keeps the pages).
 */
static int
invalidate(struct hv_vm *vm)
{
	int self, i, error = 0;
	uint64_t seen[HV_MAX_VCPUS];
	int on[HV_MAX_VCPUS];

	hv_os_pin();
	self = hv_os_cpu_id();
	/* quirk no_cpusync_inval: the 2013 shortcut taken even though other
	 * CPUs ran (and may be running) the VM */
	if ((__atomic_load_n(&vm->cpus_ran, __ATOMIC_SEQ_CST) & ~(1ull << self)) == 0 ||
	    HV_QUIRK(no_cpusync_inval)) {
		/* only this CPU ever ran the VM and it is not in the guest now */
		hv_os_unpin();
		HV_STAT_INC(inval_local);
		return 0;
	}
	HV_STAT_INC(inval_ipi);
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		struct hv_vcpu *v = vm->vcpus[i];

		on[i] = -1;
		if (v == NULL)
			continue;
		on[i] = __atomic_load_n(&v->running_on, __ATOMIC_SEQ_CST);
		seen[i] = __atomic_load_n(&v->entries, __ATOMIC_SEQ_CST);
		if (on[i] == self || on[i] < 0)
			on[i] = -1;	/* not in a guest on another CPU */
		else {
			hv_os_ipi(on[i]);
			HV_STAT_INC(ipis_sent);
		}
	}
	hv_os_unpin();
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		struct hv_vcpu *v = vm->vcpus[i];
		uint64_t start = hv_os_time_ns(), last = start, now;

		if (on[i] < 0)
			continue;
		/* gone from that CPU, or entered again (and flushed) since */
		while (__atomic_load_n(&v->running_on, __ATOMIC_SEQ_CST) == on[i] &&
		    __atomic_load_n(&v->entries, __ATOMIC_SEQ_CST) == seen[i]) {
			now = hv_os_time_ns();
			if (now - start > INVAL_GIVEUP_NS) {
				HV_STAT_INC(inval_timeouts);
				hv_os_log("hv: guest%d.%d on cpu %d did not exit for a "
				    "TLB shootdown\n", vm->id, v->id, on[i]);
				error = HV_ETIMEDOUT;
				break;
			}
			if (now - last > INVAL_RETRY_NS) {
				/* it may have taken the first IPI before entering */
				hv_os_ipi(on[i]);
				HV_STAT_INC(ipis_sent);
				last = now;
			}
			hv_cpu_relax();
		}
	}
	return error;
}

/*
 * The array of paged-out copies, made by the first pageout (hv_vm_create
 * leaves it out): allocated unlocked, published under the lock if there is
 * still none and pages[] kept its size (hv_vm_add_ram), else made again.
 * 0 or HV_ENOMEM.
 */
static int
swapped_make(struct hv_vm *vm)
{
	void **sw;
	uint64_t n;
	bool fits;

	while (__atomic_load_n(&vm->swapped, __ATOMIC_ACQUIRE) == NULL) {
		n = __atomic_load_n(&vm->npages, __ATOMIC_RELAXED);
		sw = hv_os_malloc(n * sizeof(void *));	/* zeroed */
		if (sw == NULL)
			return HV_ENOMEM;
		hv_vm_lock(vm);
		fits = vm->npages == n;
		if (vm->swapped == NULL && fits) {
			__atomic_store_n(&vm->swapped, sw, __ATOMIC_RELEASE);
			sw = NULL;
		}
		hv_vm_unlock(vm);
		if (sw != NULL)
			hv_os_free(sw);
	}
	return 0;
}

int
hv_vm_pageout(struct hv_vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t first, end, pn, at;
	int error = 0;

	if ((gpa & HV_PAGE_MASK) != 0 || !hv_gpa_range(vm, gpa, len, &first))
		return HV_EINVAL;
	end = first + ((len + HV_PAGE_MASK) >> HV_PAGE_SHIFT);
	error = swapped_make(vm);
	if (error != 0)
		return error;

	/* 1: remove the translations, then move the generation */
	for (at = gpa; at < gpa + len && error == 0; at += HV_PAGE_SIZE) {
		struct topup nt;

		error = topup_alloc(vm, &nt);	/* an unmap may split */
		if (error != 0)
			break;
		hv_vm_lock(vm);
		topup_give(vm, &nt);
		error = hv_ntable_unmap(&vm->nt, at);
		hv_vm_unlock(vm);
		topup_free(&nt);
	}
	__atomic_add_fetch(&vm->inval_gen, 1, __ATOMIC_SEQ_CST);
	if (error != 0)
		return error;

	/* 2: no CPU may still reach the old frames */
	error = invalidate(vm);
	if (error != 0)
		return error;

	/* 3: copy out and free whatever is still unmapped (a vCPU may have
	 * faulted a page back in meanwhile: it keeps it) */
	for (pn = first, at = gpa; pn < end; pn++, at += HV_PAGE_SIZE) {
		void *copy, *old = NULL;

		if (__atomic_load_n(&vm->pages[pn], __ATOMIC_RELAXED) == NULL)
			continue;
		copy = hv_os_page_alloc();
		if (copy == NULL)
			return HV_ENOMEM;
		hv_vm_lock(vm);
		if (vm->pages[pn] != NULL &&
		    hv_ntable_lookup(&vm->nt, at, NULL, NULL,
		    NULL) == HV_ENOENT) {
			hv_memcpy(copy, vm->pages[pn], HV_PAGE_SIZE);
			vm->swapped[pn] = copy;
			old = vm->pages[pn];
			vm->pages[pn] = NULL;
			vm->resident--;
			copy = NULL;
			HV_STAT_INC(pageouts);
		}
		hv_vm_unlock(vm);
		if (copy != NULL)
			hv_os_page_free(copy);
		if (old != NULL)
			hv_os_page_free(old);
	}
	return 0;
}
