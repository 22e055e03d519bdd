/*
 * pmm.c - physical page allocator: one bit per 4 KiB page up to the highest
 * available RAM (1 = not free).  Usable = multiboot2 "available" regions minus
 * the low 1 MiB (BIOS data, AP trampoline), the kernel image, the modules and
 * the bitmap itself.  Counters let tests check for leaks.
 */
#include "mm.h"
#include "mb2.h"
#include "spinlock.h"

extern char _kernel_start[], _kernel_end[];

static spinlock_t pmm_lock = SPINLOCK_INIT;
static uint8_t *bitmap;
static uint64_t npages;		/* pages covered by the bitmap */
static uint64_t total_pages, used_pages;
static uint64_t hint;
static uint64_t alloc_limit = 4UL << 30;	/* the boot direct map ends at 4 GiB */

static bool
overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Is [pa, pa+len) free of the kernel image and the modules? */
static bool
range_free_of_boot_data(uint64_t pa, uint64_t len)
{
	uint64_t ks = (uint64_t)_kernel_start - KERNEL_VMA;
	uint64_t ke = (uint64_t)_kernel_end - KERNEL_VMA;
	if (pa < 0x100000 || overlaps(pa, len, ks, ke - ks))
		return false;
	for (int i = 0; i < module_count(); i++) {
		const struct kmodule *m = module_get(i);
		if (overlaps(pa, len, ALIGN_DOWN(m->pa, PAGE_SIZE), ALIGN_UP(m->pa + m->size, PAGE_SIZE) - ALIGN_DOWN(m->pa, PAGE_SIZE)))
			return false;
	}
	return true;
}

static inline bool
bit_get(uint64_t pg) { return bitmap[pg >> 3] & (1 << (pg & 7)); }
static inline void
bit_set(uint64_t pg) { bitmap[pg >> 3] |= (uint8_t)(1 << (pg & 7)); }
static inline void
bit_clr(uint64_t pg) { bitmap[pg >> 3] &= (uint8_t)~(1 << (pg & 7)); }

static void
reserve(uint64_t pa, uint64_t len)
{
	uint64_t e = MIN(ALIGN_UP(pa + len, PAGE_SIZE) / PAGE_SIZE, npages);
	for (uint64_t pg = pa / PAGE_SIZE; pg < e; pg++)
		if (!bit_get(pg)) {
			bit_set(pg);
			total_pages--;
		}
}

void
pmm_init(void)
{
	uint64_t top = 0;
	for (int i = 0; i < mb2_mmap_count; i++)
		if (mb2_mmap[i].type == 1)
			top = MAX(top, mb2_mmap[i].base + mb2_mmap[i].len);
	npages = top / PAGE_SIZE;
	uint64_t bm_bytes = ALIGN_UP((npages + 7) / 8, PAGE_SIZE);

	/* place the bitmap in the first available stretch that holds it */
	uint64_t bm_pa = 0;
	for (int i = 0; i < mb2_mmap_count && !bm_pa; i++) {
		if (mb2_mmap[i].type != 1)
			continue;
		uint64_t s = ALIGN_UP(mb2_mmap[i].base, PAGE_SIZE);
		uint64_t e = ALIGN_DOWN(mb2_mmap[i].base + mb2_mmap[i].len, PAGE_SIZE);
		for (; s + bm_bytes <= e && s + bm_bytes <= alloc_limit; s += PAGE_SIZE)
			if (range_free_of_boot_data(s, bm_bytes)) {
				bm_pa = s;
				break;
			}
	}
	if (!bm_pa)
		panic("pmm: no room for a %lu-byte page bitmap", bm_bytes);
	bitmap = phys_to_virt(bm_pa);
	memset(bitmap, 0xff, bm_bytes);

	/* free every available page (regions may overlap: count once)... */
	for (int i = 0; i < mb2_mmap_count; i++) {
		if (mb2_mmap[i].type != 1)
			continue;
		uint64_t s = ALIGN_UP(mb2_mmap[i].base, PAGE_SIZE) / PAGE_SIZE;
		uint64_t e = ALIGN_DOWN(mb2_mmap[i].base + mb2_mmap[i].len, PAGE_SIZE) / PAGE_SIZE;
		for (; s < e; s++)
			if (bit_get(s)) {
				bit_clr(s);
				total_pages++;
			}
	}
	/* ...then take back the low 1 MiB, the kernel, the modules and the bitmap */
	reserve(0, 0x100000);
	reserve((uint64_t)_kernel_start - KERNEL_VMA, (uint64_t)_kernel_end - (uint64_t)_kernel_start);
	for (int i = 0; i < module_count(); i++)
		reserve(module_get(i)->pa, module_get(i)->size);
	reserve(bm_pa, bm_bytes);
	hint = 0x100000 / PAGE_SIZE;
}

/* Called by vm_init once the direct map covers all RAM. */
void
pmm_set_limit(uint64_t limit)
{
	alloc_limit = limit;
}

static uint64_t
find_run(uint64_t n, uint64_t below)
{
	uint64_t lim = MIN(npages, alloc_limit / PAGE_SIZE);
	if (below)
		lim = MIN(lim, below / PAGE_SIZE);
	for (int pass = 0; pass < 2; pass++) {
		uint64_t start = pass == 0 ? hint : 0, end = pass == 0 ? lim : MIN(hint + n, lim);
		uint64_t run = 0;
		for (uint64_t pg = start; pg < end; pg++) {
			if (bit_get(pg)) {
				run = 0;
				continue;
			}
			if (++run == n)
				return pg + 1 - n;
		}
	}
	return ~0UL;
}

uint64_t
pmm_alloc_contig(size_t n, uint64_t below)
{
	if (n == 0)
		return 0;
	uint64_t f = spin_lock(&pmm_lock);
	uint64_t pg = find_run(n, below);
	if (pg == ~0UL) {
		spin_unlock(&pmm_lock, f);
		return 0;
	}
	for (uint64_t i = 0; i < n; i++)
		bit_set(pg + i);
	used_pages += n;
	if (n == 1)
		hint = pg + 1;
	spin_unlock(&pmm_lock, f);
	memset(phys_to_virt(pg * PAGE_SIZE), 0, n * PAGE_SIZE);
	return pg * PAGE_SIZE;
}

uint64_t
pmm_alloc(void)
{
	return pmm_alloc_contig(1, 0);
}

void
pmm_free_contig(uint64_t pa, size_t n)
{
	if (pa & (PAGE_SIZE - 1) || pa / PAGE_SIZE + n > npages)
		panic("pmm_free: bad address %#lx (%zu pages)", pa, n);
	uint64_t f = spin_lock(&pmm_lock);
	for (size_t i = 0; i < n; i++) {
		uint64_t pg = pa / PAGE_SIZE + i;
		if (!bit_get(pg))
			panic("pmm_free: page %#lx is already free", pg * PAGE_SIZE);
		bit_clr(pg);
	}
	used_pages -= n;
	if (pa / PAGE_SIZE < hint)
		hint = pa / PAGE_SIZE;
	spin_unlock(&pmm_lock, f);
}

void
pmm_free(uint64_t pa)
{
	pmm_free_contig(pa, 1);
}

void
pmm_stats(struct pmm_stats *s)
{
	uint64_t f = spin_lock(&pmm_lock);
	s->total = total_pages;
	s->used = used_pages;
	s->free = total_pages - used_pages;
	spin_unlock(&pmm_lock, f);
}

uint64_t
pmm_used(void)
{
	return __atomic_load_n(&used_pages, __ATOMIC_RELAXED);
}
