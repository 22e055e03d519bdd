/*
 * vmm_dev.c - /dev/vmm: the control device through which user space (a
 * DragonFly vkernel) uses hv.  DragonFly's built-in vmm is called directly
 * by the kernel and offers no hook table a module could fill, so vmm.ko
 * brings its own interface; the ioctls are documented in vmm_dev.h.
 *
 * Each open descriptor carries one context (devfs cdevpriv).  The context
 * lock only guards bookkeeping; long operations (running a vCPU, copying
 * guest memory) run unlocked with the vCPU or the context marked busy, so
 * the vkernel's threads can run their vCPUs at the same time.
 *
 * Teardown under running vCPUs.  A thread that takes a vCPU for an ioctl
 * also takes a reference to its hv handle (hv_vcpu_hold) and drops it when
 * done: VMM_IOC_RUN and the copyin-family paths of hv may sleep (backing a
 * guest page), and meanwhile another thread may destroy the VM.  The
 * destroy (VMM_IOC_VM_DESTROY, with the context lock held) is hv_vm_destroy,
 * which kicks each running vCPU out of the guest and waits until its run
 * has returned (HV_ENOENT); no thread inside hv needs the context lock, so
 * the wait ends.  The handle stays valid for its holder, which finds the
 * slot emptied (or holding a new vCPU) and only drops its reference.
 * Guest-memory copies (hv_gpa_*, hv_vm_load_image) must not overlap a
 * destroy (hv.h): the destroy is refused with EBUSY while one runs.
 *
 * Close.  devfs calls vmm_ctx_dtor from the last fdrop() of the file (its
 * fo_close), and every ioctl holds the file (holdfp/dropfp in
 * kern/sys_generic.c mapped_ioctl) for its whole duration.  So when the
 * destructor runs, no ioctl of this context is in progress: no VMM_IOC_RUN
 * of another thread of the process (or of a process that shared the
 * descriptor) can be waited for, and the destroy there never waits on a
 * run.  At process exit the other threads have left the kernel (exit1
 * kills them first) before the descriptors are closed.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/conf.h>
#include <sys/device.h>
#include <sys/devfs.h>
#include <sys/fcntl.h>
#include <sys/lock.h>
#include <sys/malloc.h>

#include "hv.h"
#include "vmm_dev.h"
#include "vmm_dfly.h"

struct vmm_ctx {
	struct lock	 lk;
	struct hv_vm	*vm;
	struct hv_vcpu	*vcpu[VMM_MAX_VCPUS];
	bool		 vcpu_busy[VMM_MAX_VCPUS];	/* an ioctl uses it */
	int		 mem_busy;	/* memory copies in flight */
};

static d_open_t		vmm_open;
static d_ioctl_t	vmm_ioctl;

static struct dev_ops vmm_ops = {
	{ "vmm", 0, D_MPSAFE },
	.d_open =	vmm_open,
	.d_close =	nullclose,	/* the context goes with the file: vmm_ctx_dtor */
	.d_ioctl =	vmm_ioctl,
};

/* Module-wide: how many descriptors and VMs exist; unload needs zero. */
static struct lock vmm_dev_lk;
static int vmm_nctx;
static int vmm_nvm;
static bool vmm_dying;
static cdev_t vmm_cdev;

/* ---- context life cycle ------------------------------------------------- */

/*
 * Called with ctx->lk held and no memory copy in flight; vCPUs may be
 * running in other threads (each holds its handle: see the top).
 */
static int
vmm_ctx_destroy_vm(struct vmm_ctx *ctx)
{
	int i, error;

	if (ctx->vm == NULL)
		return (ENOENT);
	/* every vCPU goes with the VM, running ones after their run ended */
	error = hv_vm_destroy(ctx->vm);
	if (error != 0)
		return (error);
	ctx->vm = NULL;
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		/* the VM's reference is gone; a busy slot's user holds its own */
		ctx->vcpu[i] = NULL;
		ctx->vcpu_busy[i] = false;
	}
	lockmgr(&vmm_dev_lk, LK_EXCLUSIVE);
	vmm_nvm--;
	lockmgr(&vmm_dev_lk, LK_RELEASE);
	return (0);
}

/* devfs calls this when the last reference to the descriptor goes away. */
static void
vmm_ctx_dtor(void *priv)
{
	struct vmm_ctx *ctx = priv;
	int error;

	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	if (ctx->vm != NULL) {
		error = vmm_ctx_destroy_vm(ctx);
		if (error != 0)
			kprintf("vmm: VM of a closed descriptor not freed "
			    "(error %d)\n", error);
	}
	lockmgr(&ctx->lk, LK_RELEASE);
	lockuninit(&ctx->lk);
	kfree(ctx, M_HV);
	lockmgr(&vmm_dev_lk, LK_EXCLUSIVE);
	vmm_nctx--;
	lockmgr(&vmm_dev_lk, LK_RELEASE);
}

static int
vmm_open(struct dev_open_args *ap)
{
	struct vmm_ctx *ctx;
	int error;

	if (ap->a_fp == NULL)
		return (EINVAL);
	lockmgr(&vmm_dev_lk, LK_EXCLUSIVE);
	if (vmm_dying) {
		lockmgr(&vmm_dev_lk, LK_RELEASE);
		return (ENXIO);
	}
	vmm_nctx++;
	lockmgr(&vmm_dev_lk, LK_RELEASE);

	ctx = kmalloc(sizeof(*ctx), M_HV, M_WAITOK | M_ZERO);
	lockinit(&ctx->lk, "vmmctx", 0, 0);
	error = devfs_set_cdevpriv(ap->a_fp, ctx, vmm_ctx_dtor);
	if (error != 0) {
		lockuninit(&ctx->lk);
		kfree(ctx, M_HV);
		lockmgr(&vmm_dev_lk, LK_EXCLUSIVE);
		vmm_nctx--;
		lockmgr(&vmm_dev_lk, LK_RELEASE);
	}
	return (error);
}

/* ---- vCPU operations ---------------------------------------------------- */

/*
 * Take vCPU `id` for the caller alone, with a reference to its handle that
 * outlives a destroy of the VM; the context lock is not kept.
 */
static int
vmm_vcpu_get(struct vmm_ctx *ctx, int32_t id, struct hv_vcpu **out)
{
	int error = 0;

	if (id < 0 || id >= VMM_MAX_VCPUS)
		return (EINVAL);
	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	if (ctx->vm == NULL || ctx->vcpu[id] == NULL)
		error = ENOENT;
	else if (ctx->vcpu_busy[id])
		error = EBUSY;
	else {
		ctx->vcpu_busy[id] = true;
		*out = ctx->vcpu[id];
		hv_vcpu_hold(*out);
	}
	lockmgr(&ctx->lk, LK_RELEASE);
	return (error);
}

static void
vmm_vcpu_put(struct vmm_ctx *ctx, int32_t id, struct hv_vcpu *vcpu)
{
	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	/* destroyed meanwhile: the slot is free already, or another vCPU's */
	if (ctx->vcpu[id] == vcpu)
		ctx->vcpu_busy[id] = false;
	lockmgr(&ctx->lk, LK_RELEASE);
	hv_vcpu_release(vcpu);
}

/* The registers struct vmm_regs carries, each under hv_regs' own name. */
#define VMM_REGS_FIELDS(X)						\
	X(rax) X(rbx) X(rcx) X(rdx) X(rsi) X(rdi) X(rbp) X(rsp)		\
	X(r8) X(r9) X(r10) X(r11) X(r12) X(r13) X(r14) X(r15)		\
	X(rip) X(rflags) X(cr0) X(cr2) X(cr3) X(cr4) X(efer)		\
	X(fs_base) X(gs_base) X(kernel_gs_base) X(cpl)

static void
vmm_regs_from_hv(struct vmm_regs *u, const struct hv_regs *r)
{
	bzero(u, sizeof(*u));
#define FROM_HV(f)	u->f = r->f;
	VMM_REGS_FIELDS(FROM_HV)
#undef FROM_HV
}

static void
vmm_regs_to_hv(struct hv_regs *r, const struct vmm_regs *u)
{
#define TO_HV(f)	r->f = u->f;
	VMM_REGS_FIELDS(TO_HV)
#undef TO_HV
}

static int
vmm_run(struct hv_vcpu *vcpu, struct vmm_ioc_run *run)
{
	struct hv_exit ex;
	int error, i;

	if (run->set_result)
		hv_vcpu_set_hc_result(vcpu, run->result);
	bzero(&ex, sizeof(ex));
	error = hv_vcpu_run(vcpu, &ex);
	if (error != 0)
		return (error);
	run->kind = ex.kind;
	run->error = ex.error;
	run->raw_reason = ex.raw_reason;
	run->nr = ex.nr;
	for (i = 0; i < 4; i++)
		run->args[i] = ex.args[i];
	run->code = ex.code;
	strlcpy(run->msg, ex.msg, sizeof(run->msg));
	return (0);
}

/* One ioctl that works on a single vCPU, the vCPU already taken. */
static int
vmm_vcpu_ioctl(struct hv_vcpu *vcpu, u_long cmd, caddr_t data)
{
	struct vmm_ioc_val *val = (struct vmm_ioc_val *)data;
	struct vmm_ioc_regs *ur = (struct vmm_ioc_regs *)data;
	struct vmm_ioc_xlate *xl = (struct vmm_ioc_xlate *)data;
	struct hv_regs r;
	int error;

	switch (cmd) {
	case VMM_IOC_RUN:
		return (vmm_run(vcpu, (struct vmm_ioc_run *)data));
	case VMM_IOC_SET_CR3:
		/* vmspace_ctl switching the vkernel to one of its processes */
		error = hv_vcpu_get_regs(vcpu, &r);
		if (error == 0) {
			r.cr3 = val->value;
			error = hv_vcpu_set_regs(vcpu, &r);
		}
		return (error);
	case VMM_IOC_SET_TLS:
		return (hv_vcpu_set_tls(vcpu, val->value));
	case VMM_IOC_TRANSLATE:
		return (hv_vcpu_translate(vcpu, xl->gva,
		    (xl->flags & VMM_XLATE_WRITE) != 0, &xl->gpa));
	case VMM_IOC_GET_REGS:
		error = hv_vcpu_get_regs(vcpu, &r);
		if (error == 0)
			vmm_regs_from_hv(&ur->regs, &r);
		return (error);
	case VMM_IOC_SET_REGS:
		bzero(&r, sizeof(r));
		vmm_regs_to_hv(&r, &ur->regs);
		return (hv_vcpu_set_regs(vcpu, &r));
	}
	return (ENOTTY);
}

/* ---- VM-wide operations --------------------------------------------------- */

static int
vmm_vm_create(struct vmm_ctx *ctx, const struct vmm_ioc_vm *arg)
{
	struct hv_vm *vm;
	int error;

	if (arg->mem_size == 0 || (arg->mem_size & PAGE_MASK) != 0)
		return (EINVAL);
	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	if (ctx->vm != NULL) {
		lockmgr(&ctx->lk, LK_RELEASE);
		return (EEXIST);
	}
	error = hv_vm_create(arg->mem_size, &vm);
	if (error == 0) {
		ctx->vm = vm;
		lockmgr(&vmm_dev_lk, LK_EXCLUSIVE);
		vmm_nvm++;
		lockmgr(&vmm_dev_lk, LK_RELEASE);
	}
	lockmgr(&ctx->lk, LK_RELEASE);
	return (error);
}

/* Also while vCPUs run (their runs return ENOENT), not during a copy. */
static int
vmm_vm_destroy(struct vmm_ctx *ctx)
{
	int error;

	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	if (ctx->mem_busy != 0)
		error = EBUSY;
	else
		error = vmm_ctx_destroy_vm(ctx);
	lockmgr(&ctx->lk, LK_RELEASE);
	return (error);
}

/* Takes effect at the guest's next hypercall, also while vCPUs run. */
static int
vmm_user_hypercalls(struct vmm_ctx *ctx, const struct vmm_ioc_user_hc *arg)
{
	int error;

	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	error = ctx->vm == NULL ? ENOENT :
	    hv_vm_set_user_hypercalls(ctx->vm, arg->mask);
	lockmgr(&ctx->lk, LK_RELEASE);
	return (error);
}

/*
 * Needs no exclusive use of the vCPU (its own thread may be running it):
 * done under the context lock, which keeps the VM and the handle from
 * going; hv_vcpu_inject_irq does not sleep (it pins for the IPI only).
 */
static int
vmm_inject_irq(struct vmm_ctx *ctx, const struct vmm_ioc_irq *arg)
{
	int error;

	if (arg->vcpu < 0 || arg->vcpu >= VMM_MAX_VCPUS || arg->vector > 255)
		return (EINVAL);
	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	if (ctx->vm == NULL || ctx->vcpu[arg->vcpu] == NULL)
		error = ENOENT;
	else	/* EINVAL for vectors 0-31 (exceptions) */
		error = hv_vcpu_inject_irq(ctx->vcpu[arg->vcpu],
		    (uint8_t)arg->vector);
	lockmgr(&ctx->lk, LK_RELEASE);
	return (error);
}

static int
vmm_vcpu_create(struct vmm_ctx *ctx, const struct vmm_ioc_vcpu *arg)
{
	struct hv_vcpu *vcpu;
	int error;

	if (arg->vcpu < 0 || arg->vcpu >= VMM_MAX_VCPUS)
		return (EINVAL);
	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	if (ctx->vm == NULL)
		error = ENOENT;
	else if (ctx->vcpu[arg->vcpu] != NULL)
		error = EEXIST;
	else {
		error = hv_vcpu_create(ctx->vm, arg->vcpu, &vcpu);
		if (error == 0)
			ctx->vcpu[arg->vcpu] = vcpu;
	}
	lockmgr(&ctx->lk, LK_RELEASE);
	return (error);
}

/* Copy between user memory and guest-physical memory a page at a time. */
static int
vmm_mem_copy(struct hv_vm *vm, const struct vmm_ioc_mem *m, bool write)
{
	char *buf;
	uint64_t done, n;
	int error = 0;

	if (m->len > hv_vm_mem_size(vm) || m->gpa > hv_vm_mem_size(vm) - m->len)
		return (EFAULT);
	buf = kmalloc(PAGE_SIZE, M_HV, M_WAITOK);
	for (done = 0; done < m->len && error == 0; done += n) {
		n = MIN(m->len - done, PAGE_SIZE);
		if (write) {
			error = copyin((const void *)(uintptr_t)(m->uaddr + done),
			    buf, n);
			if (error == 0)
				error = hv_gpa_write(vm, m->gpa + done, buf, n);
		} else {
			error = hv_gpa_read(vm, m->gpa + done, buf, n);
			if (error == 0)
				error = copyout(buf,
				    (void *)(uintptr_t)(m->uaddr + done), n);
		}
	}
	kfree(buf, M_HV);
	return (error);
}

static int
vmm_load_image(struct hv_vm *vm, const struct vmm_ioc_mem *m)
{
	void *buf;
	int error;

	if (m->len == 0 || m->len > VMM_IMAGE_MAX || m->len > hv_vm_mem_size(vm))
		return (EINVAL);
	buf = kmalloc(m->len, M_HV, M_WAITOK | M_NULLOK);
	if (buf == NULL)
		return (ENOMEM);
	error = copyin((const void *)(uintptr_t)m->uaddr, buf, m->len);
	if (error == 0)
		error = hv_vm_load_image(vm, buf, m->len);
	kfree(buf, M_HV);
	return (error);
}

static int
vmm_mem_ioctl(struct vmm_ctx *ctx, u_long cmd, const struct vmm_ioc_mem *m)
{
	struct hv_vm *vm;
	int error;

	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	vm = ctx->vm;
	if (vm != NULL)
		ctx->mem_busy++;
	lockmgr(&ctx->lk, LK_RELEASE);
	if (vm == NULL)
		return (ENOENT);
	if (cmd == VMM_IOC_LOAD_IMAGE)
		error = vmm_load_image(vm, m);
	else
		error = vmm_mem_copy(vm, m, cmd == VMM_IOC_MEM_WRITE);
	lockmgr(&ctx->lk, LK_EXCLUSIVE);
	ctx->mem_busy--;
	lockmgr(&ctx->lk, LK_RELEASE);
	return (error);
}

static int
vmm_ioctl(struct dev_ioctl_args *ap)
{
	struct vmm_ctx *ctx;
	struct hv_vcpu *vcpu;
	void *priv;
	int32_t id;
	int error;

	if (ap->a_fp == NULL || devfs_get_cdevpriv(ap->a_fp, &priv) != 0)
		return (EBADF);
	ctx = priv;

	switch (ap->a_cmd) {
	case VMM_IOC_VM_CREATE:
		return (vmm_vm_create(ctx, (struct vmm_ioc_vm *)ap->a_data));
	case VMM_IOC_VM_DESTROY:
		return (vmm_vm_destroy(ctx));
	case VMM_IOC_VCPU_CREATE:
		return (vmm_vcpu_create(ctx, (struct vmm_ioc_vcpu *)ap->a_data));
	case VMM_IOC_INJECT_IRQ:
		return (vmm_inject_irq(ctx, (struct vmm_ioc_irq *)ap->a_data));
	case VMM_IOC_USER_HYPERCALLS:
		return (vmm_user_hypercalls(ctx,
		    (struct vmm_ioc_user_hc *)ap->a_data));
	case VMM_IOC_MEM_READ:
	case VMM_IOC_MEM_WRITE:
	case VMM_IOC_LOAD_IMAGE:
		return (vmm_mem_ioctl(ctx, ap->a_cmd,
		    (struct vmm_ioc_mem *)ap->a_data));
	case VMM_IOC_RUN:
	case VMM_IOC_SET_CR3:
	case VMM_IOC_SET_TLS:
	case VMM_IOC_TRANSLATE:
	case VMM_IOC_GET_REGS:
	case VMM_IOC_SET_REGS:
		/* every vCPU ioctl argument starts with the int32_t vCPU id */
		id = *(int32_t *)ap->a_data;
		error = vmm_vcpu_get(ctx, id, &vcpu);
		if (error != 0)
			return (error);
		error = vmm_vcpu_ioctl(vcpu, ap->a_cmd, ap->a_data);
		vmm_vcpu_put(ctx, id, vcpu);
		return (error);
	}
	return (ENOTTY);
}

/* ---- module hooks ------------------------------------------------------- */

int
vmm_dev_init(void)
{
	lockinit(&vmm_dev_lk, "vmmdev", 0, 0);
	vmm_dying = false;
	vmm_cdev = make_dev(&vmm_ops, 0, UID_ROOT, GID_WHEEL, 0600, "vmm");
	if (vmm_cdev == NULL) {
		lockuninit(&vmm_dev_lk);
		return (ENXIO);
	}
	return (0);
}

bool
vmm_dev_busy(void)
{
	bool busy;

	lockmgr(&vmm_dev_lk, LK_EXCLUSIVE);
	busy = vmm_nvm != 0 || vmm_nctx != 0;
	lockmgr(&vmm_dev_lk, LK_RELEASE);
	return (busy);
}

int
vmm_dev_fini(void)
{
	/*
	 * An open descriptor holds a pointer to vmm_ctx_dtor, code that goes
	 * away with the module, so any open descriptor (not only one with a
	 * VM) keeps the module loaded.
	 */
	lockmgr(&vmm_dev_lk, LK_EXCLUSIVE);
	if (vmm_dying) {
		/* an earlier unload got this far, then failed later on */
		lockmgr(&vmm_dev_lk, LK_RELEASE);
		return (0);
	}
	if (vmm_nvm != 0 || vmm_nctx != 0) {
		kprintf("vmm: busy: %d VM(s), %d open /dev/vmm descriptor(s)\n",
		    vmm_nvm, vmm_nctx);
		lockmgr(&vmm_dev_lk, LK_RELEASE);
		return (EBUSY);
	}
	vmm_dying = true;
	lockmgr(&vmm_dev_lk, LK_RELEASE);
	destroy_dev(vmm_cdev);
	vmm_cdev = NULL;
	return (0);
}
