/*
 * kpagetable.c - the kernel's page tables, built from the memory map to replace the
 * boot tables: PML4[256] direct-maps [0, max(4 GiB, top of RAM)) with 2 MiB
 * pages, PML4[384] is the uncached MMIO window, PML4[448] holds the thread
 * stacks (kstack.c), PML4[511] maps the kernel
 * image at 0xffffffff80000000 + phys.  The lower half stays empty: it is the
 * user range of host processes, whose PML4s copy entries 256..511.
 */
#include "mm.h"
#include "mb2.h"
#include "spinlock.h"
#include "x86.h"

#define MMIO_BASE	0xffffc00000000000UL
#define PML4_IDX(va)	(((va) >> 39) & 511)
#define PDPT_IDX(va)	(((va) >> 30) & 511)
#define PD_IDX(va)	(((va) >> 21) & 511)
#define PT_IDX(va)	(((va) >> 12) & 511)

extern char _kernel_end[];

static uint64_t kernel_cr3;
static uint64_t *kernel_pml4;
static spinlock_t vm_lock = SPINLOCK_INIT;
static uint64_t mmio_next = MMIO_BASE;

static uint64_t *
table_alloc(uint64_t *pa)
{
	*pa = pmm_alloc();
	if (!*pa)
		panic("vm: out of memory for page tables");
	return phys_to_virt(*pa);
}

uint64_t
virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	if (v >= DIRECT_MAP && v < MMIO_BASE)
		return v - DIRECT_MAP;
	return vm_translate(kernel_pml4, v);
}

void
vm_kmap_page(uint64_t va, uint64_t pa)
{
	uint64_t f = spin_lock(&vm_lock);
	*vm_walk(kernel_pml4, va, true) = pa | X86_PTE_P | X86_PTE_RW;
	spin_unlock(&vm_lock, f);
}

uint64_t
vm_kunmap_page(uint64_t va)
{
	uint64_t f = spin_lock(&vm_lock);
	uint64_t *pte = vm_walk(kernel_pml4, va, false), pa = 0;
	if (pte && (*pte & X86_PTE_P)) {
		pa = *pte & X86_PTE_ADDR;
		*pte = 0;
	}
	spin_unlock(&vm_lock, f);
	return pa;
}

uint64_t *
vm_walk(uint64_t *pml4, uint64_t va, bool create)
{
	uint64_t *t = pml4;
	static const int shifts[3] = { 39, 30, 21 };
	for (int lvl = 0; lvl < 3; lvl++) {
		uint64_t *e = &t[(va >> shifts[lvl]) & 511];
		if (!(*e & X86_PTE_P)) {
			if (!create)
				return NULL;
			uint64_t pa;
			table_alloc(&pa);
			/* user bit on the upper levels: the leaf decides */
			*e = pa | X86_PTE_P | X86_PTE_RW | (va < USER_TOP ? X86_PTE_US : 0);
		} else if (*e & X86_PTE_PS) {
			return NULL;	/* inside a large page */
		}
		t = phys_to_virt(*e & X86_PTE_ADDR);
	}
	return &t[PT_IDX(va)];
}

uint64_t
vm_translate(uint64_t *pml4, uint64_t va)
{
	uint64_t *t = pml4;
	static const int shifts[4] = { 39, 30, 21, 12 };
	for (int lvl = 0; lvl < 4; lvl++) {
		uint64_t e = t[(va >> shifts[lvl]) & 511];
		if (!(e & X86_PTE_P))
			return ~0UL;
		if (lvl == 3 || (lvl >= 1 && (e & X86_PTE_PS))) {
			uint64_t mask = (1UL << shifts[lvl]) - 1;
			return (e & X86_PTE_ADDR & ~mask) | (va & mask);
		}
		t = phys_to_virt(e & X86_PTE_ADDR);
	}
	return ~0UL;
}

void
vm_init(void)
{
	uint64_t top = 4UL << 30;
	for (int i = 0; i < mb2_mmap_count; i++)
		if (mb2_mmap[i].type == 1 || mb2_mmap[i].type == 3 || mb2_mmap[i].type == 4)
			top = MAX(top, mb2_mmap[i].base + mb2_mmap[i].len);
	top = ALIGN_UP(top, 1UL << 30);
	if (top > (512UL << 30))
		panic("vm: more than 512 GiB of RAM is not supported");

	kernel_pml4 = table_alloc(&kernel_cr3);

	/* direct map, 2 MiB pages */
	uint64_t pdpt_pa, *pdpt = table_alloc(&pdpt_pa);
	kernel_pml4[256] = pdpt_pa | X86_PTE_P | X86_PTE_RW;
	for (uint64_t gb = 0; gb < top >> 30; gb++) {
		uint64_t pd_pa, *pd = table_alloc(&pd_pa);
		pdpt[gb] = pd_pa | X86_PTE_P | X86_PTE_RW;
		for (int i = 0; i < 512; i++)
			pd[i] = ((gb << 30) + ((uint64_t)i << 21)) | X86_PTE_P | X86_PTE_RW | X86_PTE_PS;
	}

	/* MMIO window: an empty PDPT now, so that processes share what is added later */
	uint64_t mmio_pa;
	table_alloc(&mmio_pa);
	kernel_pml4[PML4_IDX(MMIO_BASE)] = mmio_pa | X86_PTE_P | X86_PTE_RW;

	/* thread stack region: empty PDPT now, shared with processes like MMIO */
	uint64_t ks_pa;
	table_alloc(&ks_pa);
	kernel_pml4[PML4_IDX(KSTACK_BASE)] = ks_pa | X86_PTE_P | X86_PTE_RW;

	/* kernel image: 0xffffffff80000000 + [0, end of image) */
	uint64_t kpdpt_pa, *kpdpt = table_alloc(&kpdpt_pa);
	uint64_t kpd_pa, *kpd = table_alloc(&kpd_pa);
	kernel_pml4[511] = kpdpt_pa | X86_PTE_P | X86_PTE_RW;
	kpdpt[510] = kpd_pa | X86_PTE_P | X86_PTE_RW;
	uint64_t kend = ALIGN_UP((uint64_t)_kernel_end - KERNEL_VMA, 2UL << 20);
	for (uint64_t pa = 0; pa < kend; pa += 2UL << 20)
		kpd[PD_IDX(pa)] = pa | X86_PTE_P | X86_PTE_RW | X86_PTE_PS;

	/* the boot tables' identity map of low memory goes away here */
	write_cr3(kernel_cr3);
	pmm_set_limit(top);
}

uint64_t
vm_kernel_cr3(void)
{
	return kernel_cr3;
}

uint64_t *
vm_kernel_pml4(void)
{
	return kernel_pml4;
}

void *
vm_map_mmio(uint64_t pa, size_t len)
{
	uint64_t off = pa & (PAGE_SIZE - 1);
	size_t n = ALIGN_UP(len + off, PAGE_SIZE) / PAGE_SIZE;
	uint64_t f = spin_lock(&vm_lock);
	uint64_t va = mmio_next;
	mmio_next += (n + 1) * PAGE_SIZE;	/* one unmapped page between windows */
	for (size_t i = 0; i < n; i++) {
		uint64_t *pte = vm_walk(kernel_pml4, va + i * PAGE_SIZE, true);
		/* PCD|PWT: uncached, device registers must not be cached (SDM 3A 12.3) */
		*pte = (ALIGN_DOWN(pa, PAGE_SIZE) + i * PAGE_SIZE) | X86_PTE_P | X86_PTE_RW | X86_PTE_PCD | X86_PTE_PWT;
	}
	spin_unlock(&vm_lock, f);
	return (void *)(va + off);
}
