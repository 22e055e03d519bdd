/*
 * vcpu.c - vCPU objects and the run loop around the backend.
 */
#include "core.h"
#include "x86_arch.h"

/* The backend's stretch state (hv/run.h): what points into the vCPU and VM. */
static void
stretch_init(struct hv_vcpu *vcpu)
{
	struct hv_stretch *st = vcpu->stretch;

	st->entries = &vcpu->entries;
	st->inval_gen = &vcpu->vm->inval_gen;
	st->irq_pending = vcpu->irq_pending;
	st->vcpu = vcpu;
}

int
hv_vcpu_create(struct hv_vm *vm, int id, struct hv_vcpu **out)
{
	struct hv_vcpu *vcpu, *expect = NULL;
	int error;

	*out = NULL;
	if (id < 0 || id >= HV_MAX_VCPUS)
		return HV_EINVAL;
	if (vm->vcpus[id] != NULL || vm->dying)
		return HV_EEXIST;
	vcpu = hv_os_malloc(sizeof(*vcpu));
	if (vcpu == NULL)
		return HV_ENOMEM;
	vcpu->magic = HV_VCPU_MAGIC;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->running_on = -1;
	vcpu->last_cpu = -1;
	vcpu->refs = 1;		/* the VM's, dropped at teardown */
	vcpu->vm_id = vm->id;
	hv_dreg_vcpu_init(vcpu);
	hv_lapic_init(vcpu);
	hv_msr_vcpu_init(vcpu);
	error = hv_fpu_vcpu_init(vcpu);
	if (error != 0) {
		hv_os_free(vcpu);
		return error;
	}
	error = hv_ops->vcpu_init(vcpu);
	if (error != 0) {
		/* the backend undid its own part */
		hv_fpu_vcpu_fini(vcpu);
		hv_os_free(vcpu);
		return error;
	}
	if (vcpu->stretch != NULL)
		stretch_init(vcpu);
	if (!__atomic_compare_exchange_n(&vm->vcpus[id], &expect, vcpu, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		/* created concurrently under the same id */
		hv_ops->vcpu_fini(vcpu);
		hv_fpu_vcpu_fini(vcpu);
		hv_os_free(vcpu);
		return HV_EEXIST;
	}
	__atomic_add_fetch(&vm->nvcpus, 1, __ATOMIC_SEQ_CST);
	*out = vcpu;
	return 0;
}

void
hv_vcpu_hold(struct hv_vcpu *vcpu)
{
	__atomic_add_fetch(&vcpu->refs, 1, __ATOMIC_SEQ_CST);
}

void
hv_vcpu_release(struct hv_vcpu *vcpu)
{
	int left;

	if (vcpu == NULL)
		return;
	if (__atomic_load_n(&vcpu->magic, __ATOMIC_SEQ_CST) != HV_VCPU_MAGIC) {
		hv_os_log("hv: release of vcpu %p, which is already freed\n",
		    (void *)vcpu);
		return;
	}
	left = __atomic_sub_fetch(&vcpu->refs, 1, __ATOMIC_SEQ_CST);
	if (left < 0)
		hv_os_log("hv: vcpu %p released more often than held\n", (void *)vcpu);
	if (left != 0)
		return;
	/* the VM's reference goes only at teardown: nothing but the handle is left */
	__atomic_store_n(&vcpu->magic, HV_DEAD_MAGIC, __ATOMIC_SEQ_CST);
	hv_os_free(vcpu);
}

/* in_run -1: torn down; hv_vcpu_run and the register calls refuse it. */
static bool
claim_for_destroy(struct hv_vcpu *vcpu)
{
	int idle = 0;

	return __atomic_compare_exchange_n(&vcpu->in_run, &idle, -1, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* Out of the VM, its state freed; in_run is -1 (or the quirk frees it). */
static void
vcpu_state_free(struct hv_vcpu *vcpu)
{
	struct hv_vm *vm = vcpu->vm;

	__atomic_store_n(&vm->vcpus[vcpu->id], NULL, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&vm->nvcpus, 1, __ATOMIC_SEQ_CST);
	hv_ops->vcpu_fini(vcpu);
	hv_fpu_vcpu_fini(vcpu);
}

/* The state goes; the handle stays for whoever still holds it. */
static void
vcpu_teardown(struct hv_vcpu *vcpu)
{
	vcpu_state_free(vcpu);
	/* only ever read under a claim or hv_vcpu_enter, which now fail */
	vcpu->vm = NULL;
	hv_vcpu_release(vcpu);		/* the VM's reference */
}

void
hv_vcpu_destroy(struct hv_vcpu *vcpu)
{
	if (vcpu == NULL)
		return;
	if (!claim_for_destroy(vcpu)) {
		if (__atomic_load_n(&vcpu->in_run, __ATOMIC_SEQ_CST) < 0)
			return;		/* torn down with its VM already */
		hv_os_log("hv: guest%d.%d is running or being destroyed; not "
		    "destroyed\n", vcpu->vm_id, vcpu->id);
		return;
	}
	while (__atomic_load_n(&vcpu->users, __ATOMIC_SEQ_CST) != 0)
		hv_os_yield();
	vcpu_teardown(vcpu);
}

/*
 * Wait for the vCPU's current user to let go, kicking a run out of the
 * guest (the IPI makes the entry exit; the run loop then sees vm->dying),
 * again every 100 us in case the run was between entries.  Once claimed
 * (-1), the copyin-family calls already in flight are waited for.
 */
static void
vcpu_stop(struct hv_vcpu *vcpu)
{
	uint64_t start = hv_os_time_ns(), kicked = 0, now;
	bool said = false;
	int cpu, me;

	while (!claim_for_destroy(vcpu)) {
		now = hv_os_time_ns();
		if (kicked == 0 || now - kicked > 100000) {
			kicked = now;
			cpu = __atomic_load_n(&vcpu->running_on, __ATOMIC_SEQ_CST);
			hv_os_pin();
			me = hv_os_cpu_id();
			if (cpu >= 0 && cpu != me)
				hv_os_ipi(cpu);
			hv_os_unpin();
		}
		if (!said && now - start > 1000000000ull) {
			said = true;
			hv_os_log("hv: guest%d.%d: teardown still waits for its run "
			    "to end\n", vcpu->vm_id, vcpu->id);
		}
		hv_os_yield();
	}
	while (__atomic_load_n(&vcpu->users, __ATOMIC_SEQ_CST) != 0)
		hv_os_yield();
}

/*
 * Quirk exec_frees_vmm, the first step of the 2013 teardown: the handle dies
 * before its VM says dying, so a run that sees dying has met the dead magic
 * and names the use-after-free (hv_vcpu_run), never a clean HV_ENOENT.
 */
void
hv_vcpu_kill_handle(struct hv_vcpu *vcpu)
{
	__atomic_store_n(&vcpu->magic, HV_DEAD_MAGIC, __ATOMIC_SEQ_CST);
}

void
hv_vcpu_destroy_dying(struct hv_vcpu *vcpu)
{
	/*
	 * Quirk exec_frees_vmm, the 2013 reboot: everything, handle included,
	 * is freed at once, under a run in progress and under every holder.
	 */
	if (HV_QUIRK(exec_frees_vmm)) {
		vcpu_state_free(vcpu);	/* its magic died first: hv_vcpu_kill_handle */
		hv_os_free(vcpu);
		return;
	}
	vcpu_stop(vcpu);
	vcpu_teardown(vcpu);
}

int
hv_vcpu_enter(struct hv_vcpu *vcpu)
{
	/* users is raised before in_run is read; vcpu_stop sets in_run before
	 * reading users: one of the two sees the other */
	__atomic_add_fetch(&vcpu->users, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&vcpu->in_run, __ATOMIC_SEQ_CST) < 0 ||
	    __atomic_load_n(&vcpu->vm->dying, __ATOMIC_SEQ_CST) != 0) {
		hv_vcpu_leave(vcpu);
		return HV_ENOENT;
	}
	return 0;
}

void
hv_vcpu_leave(struct hv_vcpu *vcpu)
{
	__atomic_sub_fetch(&vcpu->users, 1, __ATOMIC_SEQ_CST);
}

static void
vcpu_release(struct hv_vcpu *vcpu)
{
	__atomic_store_n(&vcpu->in_run, 0, __ATOMIC_SEQ_CST);
}

/*
 * Only while the vCPU is not inside hv_vcpu_run(), and not torn down.
 * in_run is set before dying is read; hv_vm_destroy sets dying before it
 * claims in_run: either this call sees dying (HV_ENOENT) or destroy waits
 * for its release.  vcpu->vm is read only once the claim is held.
 */
static int
vcpu_claim(struct hv_vcpu *vcpu)
{
	int cur = 0;

	if (!__atomic_compare_exchange_n(&vcpu->in_run, &cur, 1, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return cur < 0 ? HV_ENOENT : HV_EBUSY;
	if (__atomic_load_n(&vcpu->vm->dying, __ATOMIC_SEQ_CST) != 0) {
		vcpu_release(vcpu);
		return HV_ENOENT;
	}
	return 0;
}

int
hv_vcpu_get_regs(struct hv_vcpu *vcpu, struct hv_regs *r)
{
	int error = vcpu_claim(vcpu);

	if (error != 0)
		return error;
	error = hv_ops->get_regs(vcpu, r);
	vcpu_release(vcpu);
	return error;
}

int
hv_vcpu_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *r)
{
	int error = vcpu_claim(vcpu);

	if (error != 0)
		return error;
	error = hv_ops->set_regs(vcpu, r);
	vcpu_release(vcpu);
	return error;
}

const struct hv_boot hv_boot_abi = {
	.mode = HV_BOOT_LONG64,
	.rip = HV_GUEST_LOAD_GPA,
	.rsp = HV_GUEST_LOAD_GPA,	/* the stack grows down below the image */
};

int
hv_vcpu_boot(struct hv_vcpu *vcpu, const struct hv_boot *b)
{
	int error;

	switch (b->mode) {
	case HV_BOOT_LONG64:
		/* the entry is a linear address the identity map must reach */
		if (!x86_canonical(b->rip) || !x86_canonical(b->rsp))
			return HV_EINVAL;
		break;
	case HV_BOOT_PROT32:
		if ((b->rip >> 32) != 0 || (b->rsp >> 32) != 0)
			return HV_EINVAL;
		break;
	default:
		return HV_EINVAL;
	}
	if ((error = vcpu_claim(vcpu)) != 0)
		return error;
	error = hv_ops->boot(vcpu, b);
	vcpu_release(vcpu);
	return error;
}

int
hv_vcpu_set_tls(struct hv_vcpu *vcpu, uint64_t fs_base)
{
	/* canonical check: a bad FS base would fail the next VM entry */
	if (!x86_canonical(fs_base))
		return HV_EINVAL;
	vcpu->tls_fs_base = fs_base;
	vcpu->tls_dirty = true;
	return 0;
}

void
hv_vcpu_set_hc_result(struct hv_vcpu *vcpu, int64_t value)
{
	vcpu->hc_result = value;
}

/* Apply what the host left for the guest: the hypercall result, the TLS. */
static int
apply_pending(struct hv_vcpu *vcpu)
{
	struct hv_regs r;
	int error;

	if (!vcpu->hc_pending && !vcpu->tls_dirty)
		return 0;
	error = hv_ops->get_regs(vcpu, &r);
	if (error != 0)
		return error;
	if (vcpu->hc_pending)
		r.rax = (uint64_t)vcpu->hc_result;
	if (vcpu->tls_dirty)
		r.fs_base = vcpu->tls_fs_base;
	error = hv_ops->set_regs(vcpu, &r);
	if (error != 0)
		return error;
	vcpu->hc_pending = false;
	vcpu->tls_dirty = false;
	return 0;
}

/*
 * false (and *ex an HV_EXIT_ERROR naming it) when the vCPU handle was freed
 * (only the quirk exec_frees_vmm or a host that ran a handle it no longer
 * held does that): only the dead magic of the free is read.
 */
static bool
vcpu_handle_alive(const struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint64_t magic = __atomic_load_n(&vcpu->magic, __ATOMIC_SEQ_CST);

	if (magic != HV_VCPU_MAGIC) {
		hv_exit_error(ex, HV_EIO, 0, "use-after-free: vcpu %p ran after its "
		    "teardown (magic 0x%llx)", (const void *)vcpu,
		    (unsigned long long)magic);
		return false;
	}
	return true;
}

/* The handle and, under the run's claim, its VM (freed under the run only
 * by the quirk): nothing the dead objects point to is read. */
static bool
vcpu_alive(const struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint64_t vm_magic;

	if (!vcpu_handle_alive(vcpu, ex))
		return false;
	vm_magic = __atomic_load_n(&vcpu->vm->magic, __ATOMIC_SEQ_CST);
	if (vm_magic != HV_VM_MAGIC) {
		hv_exit_error(ex, HV_EIO, 0, "use-after-free: vcpu %d ran after its "
		    "VM %p was torn down (magic 0x%llx)", vcpu->id,
		    (const void *)vcpu->vm, (unsigned long long)vm_magic);
		return false;
	}
	return true;
}

static int
vcpu_run(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	int error;

	/* every field but the message, which is a string: its first byte (a
	 * memset of the whole record cost as much as the rest of an exit) */
	ex->kind = (enum hv_exit_kind)0;
	ex->raw_reason = ex->nr = 0;
	ex->args[0] = ex->args[1] = ex->args[2] = ex->args[3] = 0;
	ex->code = 0;
	ex->error = 0;
	ex->msg[0] = '\0';
	if (!hv_is_enabled())
		return HV_ENODEV;
	if (!vcpu_handle_alive(vcpu, ex)) {
		hv_os_log("hv: %s\n", ex->msg);
		return 0;
	}
	/* HV_ENOENT once its VM is dying (vcpu->vm is not read when torn down) */
	error = vcpu_claim(vcpu);
	if (error != 0)
		return error;
	if (!vcpu_alive(vcpu, ex)) {
		vcpu_release(vcpu);
		hv_os_log("hv: %s\n", ex->msg);
		return 0;
	}
	if (vcpu->dead) {
		/* shutdown: only INIT or a reset would leave it, hv has neither */
		hv_exit_error(ex, HV_EIO, 0, "guest%d.%d: cannot run after a "
		    "triple fault", vcpu->vm->id, vcpu->id);
		HV_STAT_INC(guest_errors);
		vcpu_release(vcpu);
		return 0;
	}
	error = apply_pending(vcpu);
	if (error == HV_EINVAL) {
		/*
		 * The backend refused the guest's own registers as read back
		 * (set_tls checked the host's part): a state the guest made,
		 * e.g. a non-canonical KERNEL_GS_BASE that an emulated CPU's
		 * WRMSR let through.  The guest's error, not the host's.
		 */
		hv_exit_error(ex, HV_EINVAL, 0, "guest%d.%d: its registers are refused "
		    "when the hypercall result is written back", vcpu->vm->id, vcpu->id);
		HV_STAT_INC(guest_errors);
		vcpu_release(vcpu);
		return 0;
	}
	while (error == 0) {
		error = hv_ops->vcpu_run(vcpu, ex);
		if (!vcpu_alive(vcpu, ex)) {
			/* torn down under this run: touch nothing more of it */
			hv_os_log("hv: %s\n", ex->msg);
			return 0;
		}
		/* out of the guest: no shootdown needs to wait for this vCPU */
		__atomic_store_n(&vcpu->running_on, -1, __ATOMIC_SEQ_CST);
		/* a destroy kicked this run out: the host gets no exit of a VM
		 * that is going (nothing of it may be used after this return) */
		if (__atomic_load_n(&vcpu->vm->dying, __ATOMIC_SEQ_CST) != 0) {
			if (error == 0 || error == HV_RESUME)
				error = HV_ENOENT;
			break;
		}
		if (error != HV_RESUME)
			break;
		error = 0;
	}
	if (error == 0) {
		switch (ex->kind) {
		case HV_EXIT_HYPERCALL:
			/* the result goes to RAX at the next run; 0 unless set */
			vcpu->hc_pending = true;
			vcpu->hc_result = 0;
			break;
		case HV_EXIT_ERROR:
			HV_STAT_INC(guest_errors);
			break;
		default:
			break;
		}
	}
	vcpu_release(vcpu);
	return error;
}

int
hv_vcpu_run(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	int error = vcpu_run(vcpu, ex);

	/*
	 * A run told HV_ENOENT by dying, read after its own magic check, is
	 * checked again: under the quirk exec_frees_vmm the handle died before
	 * dying was set.  (Otherwise the caller's hold keeps the handle alive.)
	 */
	if (error == HV_ENOENT && !vcpu_handle_alive(vcpu, ex)) {
		hv_os_log("hv: %s\n", ex->msg);
		return 0;
	}
	return error;
}
