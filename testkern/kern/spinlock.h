/*
 * spinlock.h - interrupt-disabling spinlocks.  Holding one keeps interrupts
 * off on this CPU, so the holder is never preempted or switched away.
 */
#ifndef SPINLOCK_H
#define SPINLOCK_H

#include "x86.h"

typedef struct {
	volatile int locked;
} spinlock_t;

#define SPINLOCK_INIT	{ 0 }

static inline void spin_lock_raw(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			cpu_pause();
}
static inline bool spin_trylock_raw(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}
static inline void spin_unlock_raw(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
/* Returns the saved RFLAGS for spin_unlock(). */
static inline uint64_t spin_lock(spinlock_t *l)
{
	uint64_t f = irq_save();
	spin_lock_raw(l);
	return f;
}
static inline void spin_unlock(spinlock_t *l, uint64_t flags)
{
	spin_unlock_raw(l);
	irq_restore(flags);
}

#endif
