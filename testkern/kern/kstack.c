/*
 * kstack.c - thread stacks in their own virtual region with an unmapped
 * guard below each one: an overflow faults (and ends as a #DF on the IST
 * stack) instead of silently overwriting a neighbour in the direct map.
 * Slots are reused, so a freed stack's translations are shot down on every
 * CPU before the slot can be handed out again.
 */
#include "mm.h"
#include "cpu.h"
#include "spinlock.h"

#define KSTACK_SLOT	(KSTACK_GUARD + KSTACK_PAGES * PAGE_SIZE)
#define KSTACK_SLOTS	4096

static spinlock_t ks_lock = SPINLOCK_INIT;
static uint8_t slot_used[KSTACK_SLOTS / 8];

static uint64_t
slot_va(int i)
{
	return KSTACK_BASE + (uint64_t)i * KSTACK_SLOT + KSTACK_SLOT - KSTACK_PAGES * PAGE_SIZE;
}

void *
kstack_alloc(void)
{
	uint64_t f = spin_lock(&ks_lock);
	int slot = -1;
	for (int i = 0; i < KSTACK_SLOTS && slot < 0; i++)
		if (!(slot_used[i / 8] & (1 << (i % 8)))) {
			slot_used[i / 8] |= (uint8_t)(1 << (i % 8));
			slot = i;
		}
	spin_unlock(&ks_lock, f);
	if (slot < 0)
		return NULL;
	uint64_t va = slot_va(slot);
	for (int p = 0; p < (int)KSTACK_PAGES; p++) {
		uint64_t pa = pmm_alloc();
		if (!pa) {
			kstack_free((void *)va);
			return NULL;
		}
		vm_kmap_page(va + p * PAGE_SIZE, pa);
	}
	return (void *)va;
}

static int
flush_slot(void *arg)
{
	uint64_t va = (uint64_t)arg;
	for (int p = 0; p < (int)KSTACK_PAGES; p++)
		invlpg(va + p * PAGE_SIZE);
	return 0;
}

void
kstack_free(void *bottom)
{
	uint64_t va = (uint64_t)bottom;
	int slot = (int)((va - KSTACK_BASE) / KSTACK_SLOT);
	uint64_t pas[KSTACK_PAGES];
	for (int p = 0; p < (int)KSTACK_PAGES; p++)
		pas[p] = vm_kunmap_page(va + p * PAGE_SIZE);
	/* every CPU the thread ran on may still cache the translations */
	for (int c = 0; c < ncpus; c++)
		cpu_call(c, flush_slot, bottom, NULL, 0);
	for (int p = 0; p < (int)KSTACK_PAGES; p++)
		if (pas[p])
			pmm_free(pas[p]);
	uint64_t f = spin_lock(&ks_lock);
	slot_used[slot / 8] &= (uint8_t)~(1 << (slot % 8));
	spin_unlock(&ks_lock, f);
}
