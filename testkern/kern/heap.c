/*
 * heap.c - kmalloc/kfree.  Small sizes come from per-size-class slab pages;
 * bigger ones get their own contiguous pages.  Either way the page (first
 * page) starts with a header, so kfree finds it from the pointer.  A slab page
 * whose objects are all free goes back to the page allocator, which keeps the
 * page counters meaningful for leak tests.
 */
#include "mm.h"
#include "spinlock.h"

#define HDR_SIZE	64
#define SLAB_MAGIC	0x51ab51ab
#define BIG_MAGIC	0xb16b16b1

struct page_hdr {
	uint32_t	 magic;
	uint32_t	 cls;		/* slab: size class index */
	uint64_t	 npages;	/* big: pages in the run */
	uint64_t	 size;		/* big: bytes asked for */
	uint32_t	 inuse;		/* slab: objects handed out */
	void		*free;		/* slab: free object list */
	struct page_hdr	*next, *prev;	/* slab: class list of pages with free objects */
};

static const uint32_t class_size[] = { 16, 32, 64, 128, 256, 512, 1008, 2016 };
#define NCLASS	ARRAY_SIZE(class_size)

static spinlock_t heap_lock = SPINLOCK_INIT;
static struct page_hdr *partial[NCLASS];
static uint64_t bytes_in_use;

static void
list_del(struct page_hdr *h, int c)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		partial[c] = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

static void
list_add(struct page_hdr *h, int c)
{
	h->prev = NULL;
	h->next = partial[c];
	if (partial[c])
		partial[c]->prev = h;
	partial[c] = h;
}

static void *
big_alloc(size_t size)
{
	size_t n = ALIGN_UP(size + HDR_SIZE, PAGE_SIZE) / PAGE_SIZE;
	uint64_t pa = pmm_alloc_contig(n, 0);
	if (!pa)
		return NULL;
	struct page_hdr *h = phys_to_virt(pa);
	h->magic = BIG_MAGIC;
	h->npages = n;
	h->size = size;
	__atomic_fetch_add(&bytes_in_use, size, __ATOMIC_RELAXED);
	return (char *)h + HDR_SIZE;
}

void *
kmalloc(size_t size)
{
	int c = 0;
	while (c < (int)NCLASS && class_size[c] < size)
		c++;
	if (c == (int)NCLASS)
		return big_alloc(size);

	uint64_t f = spin_lock(&heap_lock);
	struct page_hdr *h = partial[c];
	if (!h) {
		spin_unlock(&heap_lock, f);
		uint64_t pa = pmm_alloc();
		if (!pa)
			return NULL;
		f = spin_lock(&heap_lock);
		h = phys_to_virt(pa);
		h->magic = SLAB_MAGIC;
		h->cls = c;
		for (uint64_t off = HDR_SIZE; off + class_size[c] <= PAGE_SIZE; off += class_size[c]) {
			void **obj = (void **)((char *)h + off);
			*obj = h->free;
			h->free = obj;
		}
		list_add(h, c);
	}
	void **obj = h->free;
	h->free = *obj;
	h->inuse++;
	if (!h->free)
		list_del(h, c);
	__atomic_fetch_add(&bytes_in_use, class_size[c], __ATOMIC_RELAXED);
	spin_unlock(&heap_lock, f);
	memset(obj, 0, class_size[c]);
	return obj;
}

void
kfree(void *p)
{
	if (!p)
		return;
	struct page_hdr *h = (void *)ALIGN_DOWN((uint64_t)p, PAGE_SIZE);
	if (h->magic == BIG_MAGIC && (char *)p == (char *)h + HDR_SIZE) {
		__atomic_fetch_sub(&bytes_in_use, h->size, __ATOMIC_RELAXED);
		h->magic = 0;
		pmm_free_contig(virt_to_phys(h), h->npages);
		return;
	}
	if (h->magic != SLAB_MAGIC)
		panic("kfree: %p is not a heap pointer", p);
	int c = h->cls;
	if (((uint64_t)p - (uint64_t)h - HDR_SIZE) % class_size[c] != 0)
		panic("kfree: %p is not the start of an object", p);

	uint64_t f = spin_lock(&heap_lock);
	bool was_full = h->free == NULL;
	*(void **)p = h->free;
	h->free = p;
	h->inuse--;
	__atomic_fetch_sub(&bytes_in_use, class_size[c], __ATOMIC_RELAXED);
	if (was_full)
		list_add(h, c);
	if (h->inuse == 0) {
		list_del(h, c);
		h->magic = 0;
		spin_unlock(&heap_lock, f);
		pmm_free(virt_to_phys(h));
		return;
	}
	spin_unlock(&heap_lock, f);
}

uint64_t
heap_bytes(void)
{
	return __atomic_load_n(&bytes_in_use, __ATOMIC_RELAXED);
}
