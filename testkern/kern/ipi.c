/*
 * ipi.c - inter-processor interrupts: a kick (VEC_KICK, does nothing but
 * interrupt) and a "call function on CPU n and wait" service (VEC_CALL) with
 * one mailbox per target CPU.
 */
#include "cpu.h"
#include "trap.h"
#include "sched.h"

#define ICR_FIXED_ASSERT	(1u << 14)	/* delivery mode fixed, level assert */

static void
kick_handler(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	c->ipi_count++;
	c->need_resched = 1;	/* an idle CPU kicked after a wakeup runs its queue */
}

static void
call_handler(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	c->ipi_count++;
	int (*fn)(void *) = __atomic_exchange_n(&c->call_fn, NULL, __ATOMIC_ACQ_REL);
	if (!fn)
		return;		/* cancelled by a caller that timed out */
	c->call_ret = fn(c->call_arg);
	__atomic_store_n(&c->call_done, 1, __ATOMIC_RELEASE);
}

void
ipi_init(void)
{
	irq_register(VEC_KICK, kick_handler);
	irq_register(VEC_CALL, call_handler);
}

int
ipi_send(int cpu, uint8_t vec)
{
	if (cpu < 0 || cpu >= ncpus || !cpus[cpu] || !cpus[cpu]->online)
		return EINVAL;
	return lapic_send_ipi(cpus[cpu]->apic_id, vec | ICR_FIXED_ASSERT);
}

void
ipi_kick(int cpu)
{
	ipi_send(cpu, VEC_KICK);
}

int
cpu_call(int cpu, int (*fn)(void *), void *arg, int *ret, uint64_t timeout_ns)
{
	if (cpu < 0 || cpu >= ncpus || !cpus[cpu]->online || !fn)
		return EINVAL;
	sched_pin();
	struct cpu *me = this_cpu();
	if (cpu == me->id) {
		uint64_t f = irq_save();
		int r = fn(arg);
		irq_restore(f);
		sched_unpin();
		if (ret)
			*ret = r;
		return 0;
	}
	struct cpu *c = cpus[cpu];
	/* interrupts stay as they are: a CPU calling us meanwhile must get through */
	spin_lock_raw(&c->call_lock);
	c->call_arg = arg;
	c->call_done = 0;
	__atomic_store_n(&c->call_fn, fn, __ATOMIC_RELEASE);
	int err = ipi_send(cpu, VEC_CALL);
	uint64_t deadline = timeout_ns ? time_ns() + timeout_ns : 0;
	while (!err && !__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE)) {
		if (deadline && time_ns() > deadline) {
			/* take the request back unless the target has started it */
			if (__atomic_compare_exchange_n(&c->call_fn, &fn, NULL, false,
			    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				err = ETIMEDOUT;
				break;
			}
			deadline = 0;	/* started: it will finish */
		}
		cpu_pause();
	}
	if (err)
		__atomic_store_n(&c->call_fn, NULL, __ATOMIC_RELEASE);
	else if (ret)
		*ret = c->call_ret;
	spin_unlock_raw(&c->call_lock);
	sched_unpin();
	return err;
}

int
cpu_ping(int cpu, uint64_t timeout_ns)
{
	if (cpu < 0 || cpu >= ncpus)
		return EINVAL;
	struct cpu *c = cpus[cpu];
	uint64_t before = c->ipi_count;
	int err = ipi_send(cpu, VEC_KICK);
	if (err)
		return err;
	uint64_t deadline = time_ns() + timeout_ns;
	while (c->ipi_count == before) {
		if (time_ns() > deadline)
			return ETIMEDOUT;
		cpu_pause();
	}
	return 0;
}
