/* mm.h - physical pages, kernel page tables, kernel heap. */
#ifndef MM_H
#define MM_H

#include "kern.h"

/* pmm.c: physical page allocator over the multiboot2 memory map. */
void	 pmm_init(void);
uint64_t pmm_alloc(void);			/* one zeroed page, PA or 0 */
uint64_t pmm_alloc_contig(size_t n, uint64_t below);	/* n zeroed pages < below (0: any) */
void	 pmm_free(uint64_t pa);
void	 pmm_free_contig(uint64_t pa, size_t n);
struct pmm_stats { uint64_t total, free, used; };
void	 pmm_stats(struct pmm_stats *s);
uint64_t pmm_used(void);			/* pages taken from the allocator now */
void	 pmm_set_limit(uint64_t limit);		/* highest PA the direct map covers */

/* vm.c: kernel page tables. */
#define USER_TOP	0x0000800000000000UL	/* user range is [0, USER_TOP) */

void	 vm_init(void);			/* build the final kernel tables, load them */
uint64_t vm_kernel_cr3(void);
uint64_t *vm_kernel_pml4(void);
void	*vm_map_mmio(uint64_t pa, size_t len);	/* uncached mapping */
/* Kernel 4 KiB mappings outside the direct map (thread stacks). */
void	 vm_kmap_page(uint64_t va, uint64_t pa);
uint64_t vm_kunmap_page(uint64_t va);		/* returns the PA (0 if none); no TLB flush */

/* kstack.c: KSTACK_PAGES-page thread stacks with an unmapped guard below. */
#define KSTACK_BASE	0xffffe00000000000UL	/* PML4[448] */
#define KSTACK_PAGES	4UL
#define KSTACK_GUARD	(4 * PAGE_SIZE)		/* unmapped below each stack */
void	*kstack_alloc(void);			/* lowest address of the stack, or NULL */
void	 kstack_free(void *bottom);
/* Page-table walk helpers shared with proc.c. */
uint64_t *vm_walk(uint64_t *pml4, uint64_t va, bool create);	/* 4K PTE slot or NULL */
uint64_t vm_translate(uint64_t *pml4, uint64_t va);	/* PA or ~0 */

/* heap.c */
void	*kmalloc(size_t size);		/* zeroed; NULL if out of memory */
void	 kfree(void *p);
uint64_t heap_bytes(void);		/* bytes allocated and not freed */

#endif
