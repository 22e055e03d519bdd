/*
 * proc.c - host "processes": an address space whose PML4 shares the kernel's
 * upper half (entries 256..511 copied: those PDPTs never change) and owns
 * the lower half, mapped with page-allocator pages.
 */
#include "sched.h"
#include "mm.h"

static volatile int next_pid = 1;

struct proc *
proc_create(const char *name)
{
	struct proc *p = kmalloc(sizeof(*p));
	if (!p)
		return NULL;
	uint64_t pa = pmm_alloc();
	if (!pa) {
		kfree(p);
		return NULL;
	}
	p->pml4 = phys_to_virt(pa);
	p->cr3 = pa;
	uint64_t *k = vm_kernel_pml4();
	for (int i = 256; i < 512; i++)
		p->pml4[i] = k[i];
	p->refs = 1;
	p->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	strlcpy(p->name, name, sizeof(p->name));
	return p;
}

void
proc_hold(struct proc *p)
{
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_ACQ_REL);
}

/* Free the user half: leaf pages and the tables under PML4[0..255]. */
static void
free_user_tables(struct proc *p)
{
	for (int i = 0; i < 256; i++) {
		if (!(p->pml4[i] & X86_PTE_P))
			continue;
		uint64_t *pdpt = phys_to_virt(p->pml4[i] & X86_PTE_ADDR);
		for (int j = 0; j < 512; j++) {
			if (!(pdpt[j] & X86_PTE_P))
				continue;
			uint64_t *pd = phys_to_virt(pdpt[j] & X86_PTE_ADDR);
			for (int k = 0; k < 512; k++) {
				if (!(pd[k] & X86_PTE_P))
					continue;
				uint64_t *pt = phys_to_virt(pd[k] & X86_PTE_ADDR);
				for (int l = 0; l < 512; l++)
					if (pt[l] & X86_PTE_P)
						pmm_free(pt[l] & X86_PTE_ADDR);
				pmm_free(pd[k] & X86_PTE_ADDR);
			}
			pmm_free(pdpt[j] & X86_PTE_ADDR);
		}
		pmm_free(p->pml4[i] & X86_PTE_ADDR);
	}
}

void
proc_release(struct proc *p)
{
	int left = __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
	if (left > 0)
		return;
	if (left < 0)
		panic("proc_release: process %d released too often", p->pid);
	/* no thread runs on these tables any more: each switched CR3 away */
	free_user_tables(p);
	pmm_free(p->cr3);
	kfree(p);
}

int
proc_map_anon(struct proc *p, uint64_t va, size_t n)
{
	if ((va & (PAGE_SIZE - 1)) || n == 0 || va >= USER_TOP || n > (USER_TOP - va) / PAGE_SIZE)
		return EINVAL;
	uint64_t f = spin_lock(&p->lock);
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		uint64_t *pte = vm_walk(p->pml4, va + i * PAGE_SIZE, true);
		if (*pte & X86_PTE_P) {
			err = EEXIST;
			break;
		}
		uint64_t pa = pmm_alloc();
		if (!pa) {
			err = ENOMEM;
			break;
		}
		*pte = pa | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
		p->user_pages++;
	}
	spin_unlock(&p->lock, f);
	return err;
}

uint64_t
proc_translate(struct proc *p, uint64_t va)
{
	if (va >= USER_TOP)
		return ~0UL;
	return vm_translate(p->pml4, va);
}
