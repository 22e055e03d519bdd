/*
 * run.h - one pinned stretch of guest entries, the same for every backend:
 * pin, the FPU and debug-register switch, the pre-entry protocol, the
 * host-state check and the accounting once, with one unwind path.  The
 * backend's part is its stretch ops (hv_backend.h).
 *
 * Context: a backend's vcpu_run calls hv_run_stretch with its own ops
 * table (from hv_vcpu_run(), the vCPU's thread, unpinned, interrupts on).
 * It pins for the stretch; from hv_pre_entry to each entry interrupts are
 * off (with stretch_irqs_off, from before the first entry to after the
 * last exit); nothing between hv_fpu_enter and hv_fpu_leave sleeps.
 *
 * Why inline: each backend's copy reads a constant ops table, so the
 * compiler turns every op into a direct call and inlines it; the exits a
 * stretch does not finish pinned (a halt, a nested fault, a hypercall for
 * the host) then cost what they did when each backend spelled this out.
 */
#ifndef HV_RUN_H
#define HV_RUN_H

#include "hv_impl.h"
#include "hv_hostcheck.h"

/*
 * Exits in a row a stretch handles pinned (HC_NOPs in the world switch, the
 * pinned exits of the backend's fast path) before it returns through
 * hv_vcpu_run, whose unpin is where the host may preempt the vCPU thread;
 * a host interrupt ends the stretch at once anyway (an exit).
 */
#define HV_STRETCH_MAX	64

/* The HC_NOPs the world switch finished: exits, hypercalls and entries. */
static inline void
hv_stretch_nops(const struct hv_backend_ops *ops, uint32_t nops)
{
	hv_stats_exits(ops->hc_exit_reason, nops);
	hv_hypercall_fast_loop(nops);
}

/*
 * A backend's ops->vcpu_run, with ops its own table: one stretch, then the
 * exit it left unfinished handled.  Returns what vcpu_run returns.  Every
 * way out after vcpu_load passes the unwind at `leave`.
 */
static inline __attribute__((always_inline)) int
hv_run_stretch(struct hv_vcpu *vcpu, struct hv_exit *ex,
    const struct hv_backend_ops *ops)
{
	struct hv_stretch *st = vcpu->stretch;
	uint64_t fl = 0;
	int cpu, error, rc;
	bool ts;

	hv_os_pin();
	cpu = hv_os_cpu_id();
	error = ops->vcpu_load != NULL ? ops->vcpu_load(vcpu, cpu) : 0;
	if (error != 0) {
		hv_os_unpin();
		if (error != HV_MIGRATE)
			return error;
		/* the old CPU releases it from thread context; the next
		 * stretch loads it wherever the thread is then */
		error = ops->migrate(vcpu);
		return error != 0 ? error : HV_RESUME;
	}
	if (ops->stretch_irqs_off)
		fl = hv_intr_save_disable();
	/* 0 while hw.vmm.hostcheck is on: every exit comes back here */
	st->budget = (uint32_t)hv_hostcheck_before(cpu, HV_STRETCH_MAX);
	/* the guest's FPU and debug registers for as long as we stay pinned */
	ts = hv_fpu_enter(vcpu, cpu);
	hv_dreg_enter(vcpu, cpu);
	st->flushed_gen = &vcpu->vm->flushed_gen[cpu];
	st->cpu = cpu;
	st->ex = ex;
	st->rc = HV_NOT_PINNED;
	st->pre_entered = false;
	if ((error = ops->stretch_begin(vcpu, cpu, ex)) != 0)
		goto leave;
	for (;;) {
		if (!st->pre_entered)
			hv_pre_entry(vcpu, cpu);
		st->pre_entered = false;
		/* after hv_pre_entry: an interrupt queued later kicks this CPU */
		if ((error = ops->prepare_entry(vcpu, cpu, ex)) != 0)
			goto leave;
		st->nops = 0;
		st->rc = HV_NOT_PINNED;
		error = ops->enter(vcpu, cpu, ex);
		if (st->nops > 0)
			hv_stretch_nops(ops, st->nops);
		if (error != 0)
			goto leave;
		/* handled, but the next entry needs preparing here */
		if (st->rc != HV_RESUME)
			break;
	}
	error = ops->stretch_end(vcpu, cpu, ex);
leave:
	/* the one unwind: the host's state back before anything that may
	 * sleep */
	ops->stretch_leave(vcpu, cpu);
	hv_dreg_leave(vcpu, cpu);
	hv_fpu_leave(vcpu, cpu, ts);
	/* only an exit left to handle_exit is compared: while hostcheck is
	 * on the budget is 0, so every exit of the stretch is one */
	if (error == 0 && st->rc == HV_NOT_PINNED && hv_hostcheck_after(cpu, ex) != 0)
		error = HV_STOP;
	if (ops->stretch_irqs_off)
		hv_intr_restore(fl);
	rc = error == HV_STOP ? 0 : error != 0 ? error : st->rc;
	if (rc == HV_NOT_PINNED && ops->exit_pinned)
		rc = ops->handle_exit(vcpu, ex);
	hv_os_unpin();
	if (rc == HV_NOT_PINNED)
		rc = ops->handle_exit(vcpu, ex);
	return rc;
}

#endif /* HV_RUN_H */
