/*
 * vcpu.c - vCPU objects and the run loop around the backend.
 */
#include "core.h"

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

/* in_run -1: claimed by destroy; hv_vcpu_run and the register calls refuse it. */
static bool
claim_for_destroy(struct hv_vcpu *vcpu)
{
	int idle = 0;

	return __atomic_compare_exchange_n(&vcpu->in_run, &idle, -1, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static void
vcpu_free(struct hv_vcpu *vcpu)
{
	struct hv_vm *vm = vcpu->vm;

	__atomic_store_n(&vm->vcpus[vcpu->id], NULL, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&vm->nvcpus, 1, __ATOMIC_SEQ_CST);
	hv_ops->vcpu_fini(vcpu);
	hv_fpu_vcpu_fini(vcpu);
	__atomic_store_n(&vcpu->magic, HV_DEAD_MAGIC, __ATOMIC_SEQ_CST);
	hv_os_free(vcpu);
}

void
hv_vcpu_destroy(struct hv_vcpu *vcpu)
{
	if (vcpu == NULL)
		return;
	if (!claim_for_destroy(vcpu)) {
		hv_os_log("hv: guest%d.%d is running or being destroyed; not "
		    "destroyed\n", vcpu->vm->id, vcpu->id);
		return;
	}
	vcpu_free(vcpu);
}

void
hv_vcpu_destroy_dying(struct hv_vcpu *vcpu)
{
	/* vm->dying is set and no vCPU was running: whoever holds in_run now
	 * (a run that is about to see dying, a register call) lets go soon.
	 * Quirk exec_frees_vmm: freed without waiting for its running user. */
	while (!claim_for_destroy(vcpu) && !HV_QUIRK(exec_frees_vmm))
		hv_cpu_relax();
	vcpu_free(vcpu);
}

/* Only while the vCPU is not inside hv_vcpu_run(). */
static int
vcpu_claim(struct hv_vcpu *vcpu)
{
	int idle = 0;

	if (!__atomic_compare_exchange_n(&vcpu->in_run, &idle, 1, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return HV_EBUSY;
	return 0;
}

static void
vcpu_release(struct hv_vcpu *vcpu)
{
	__atomic_store_n(&vcpu->in_run, 0, __ATOMIC_SEQ_CST);
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

int
hv_vcpu_set_tls(struct hv_vcpu *vcpu, uint64_t fs_base)
{
	/* canonical check: a bad FS base would fail the next VM entry */
	if ((uint64_t)((int64_t)(fs_base << 16) >> 16) != fs_base)
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
 * false (and *ex an HV_EXIT_ERROR naming it) when vcpu or its VM was freed:
 * only the dead magic of the teardown is read, nothing it points to.
 */
static bool
vcpu_alive(const struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint64_t vm_magic, magic = __atomic_load_n(&vcpu->magic, __ATOMIC_SEQ_CST);

	if (magic != HV_VCPU_MAGIC) {
		hv_exit_error(ex, HV_EIO, 0, "use-after-free: vcpu %p ran after its "
		    "teardown (magic 0x%llx)", (const void *)vcpu,
		    (unsigned long long)magic);
		return false;
	}
	vm_magic = __atomic_load_n(&vcpu->vm->magic, __ATOMIC_SEQ_CST);
	if (vm_magic != HV_VM_MAGIC) {
		hv_exit_error(ex, HV_EIO, 0, "use-after-free: vcpu %d ran after its "
		    "VM %p was torn down (magic 0x%llx)", vcpu->id,
		    (const void *)vcpu->vm, (unsigned long long)vm_magic);
		return false;
	}
	return true;
}

int
hv_vcpu_run(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	int error;

	hv_memset(ex, 0, sizeof(*ex));
	if (!hv_is_enabled())
		return HV_ENODEV;
	if (!vcpu_alive(vcpu, ex)) {
		hv_os_log("hv: %s\n", ex->msg);
		return 0;
	}
	error = vcpu_claim(vcpu);
	if (error != 0)
		return error;
	/* in_run is set before dying is read; hv_vm_destroy does the reverse */
	if (__atomic_load_n(&vcpu->vm->dying, __ATOMIC_SEQ_CST) != 0) {
		vcpu_release(vcpu);
		return HV_ENOENT;
	}
	error = apply_pending(vcpu);
	while (error == 0) {
		error = hv_ops->vcpu_run(vcpu, ex);
		if (!vcpu_alive(vcpu, ex)) {
			/* torn down under this run: touch nothing more of it */
			hv_os_log("hv: %s\n", ex->msg);
			return 0;
		}
		/* out of the guest: no shootdown needs to wait for this vCPU */
		__atomic_store_n(&vcpu->running_on, -1, __ATOMIC_SEQ_CST);
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
