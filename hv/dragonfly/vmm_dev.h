/*
 * vmm_dev.h - the /dev/vmm control interface of vmm.ko (DragonFly BSD).
 * For user space (a vkernel, test tools) and for the module itself:
 *
 *	#include <sys/types.h>
 *	#include <sys/ioctl.h>
 *	#include "vmm_dev.h"
 *
 * Model.  Each open() of /dev/vmm is one VM context, owned by the process
 * holding the descriptor; the context (VM, vCPUs, guest memory) is destroyed
 * by VMM_IOC_VM_DESTROY or when the last reference to the descriptor is
 * closed, including at process exit.  A VM has guest-physical memory
 * [0, mem_size) backed on demand by the module, and up to VMM_MAX_VCPUS
 * vCPUs; each vCPU is run by one thread at a time (the vkernel's threads
 * each run their own vCPU).  Errors are returned in errno: EINVAL (bad
 * argument), ENOENT (no such VM/vCPU), EEXIST (already created), EBUSY
 * (the vCPU is in use by another thread / a guest-memory copy is in
 * flight), EFAULT (bad user or guest address), ENOMEM, ENODEV
 * (virtualization is off: sysctl hw.vmm.enable).
 *
 * VMM_IOC_VM_DESTROY may be called while other threads of the process run
 * vCPUs of the VM (a vkernel's reboot): their guests are made to exit and
 * each VMM_IOC_RUN in progress returns ENOENT, as does every later vCPU
 * ioctl until a new VM and vCPU are created.  It is refused (EBUSY) while
 * a VMM_IOC_MEM_READ/MEM_WRITE/LOAD_IMAGE of the same descriptor runs.
 */
#ifndef HV_VMM_DEV_H
#define HV_VMM_DEV_H

#include <sys/types.h>
#include <sys/ioccom.h>

#define VMM_DEV_PATH		"/dev/vmm"
#define VMM_MAX_VCPUS		8
#define VMM_IMAGE_MAX		(64UL << 20)	/* largest VMM_IOC_LOAD_IMAGE */

/* VMM_IOC_VM_CREATE: a VM with mem_size bytes of guest memory (4 KiB multiple). */
struct vmm_ioc_vm {
	uint64_t	mem_size;
};

/*
 * VMM_IOC_USER_HYPERCALLS: the hypercalls the guest may make from CPL 3,
 * bit n for number n (hv.h hv_vm_set_user_hypercalls).  A VM starts with
 * none: each one from CPL 3 is #UD in the guest.  A vkernel, which runs
 * entirely at CPL 3, allows the ones it makes (VMM_USER_HC_ALL: all).
 */
#define VMM_USER_HC_ALL		(~0ULL)
struct vmm_ioc_user_hc {
	uint64_t	mask;
};

/* VMM_IOC_VCPU_CREATE: vCPU `vcpu` (0 .. VMM_MAX_VCPUS-1) in hv's boot state. */
struct vmm_ioc_vcpu {
	int32_t		vcpu;
	int32_t		pad;
};

/* VMM_IOC_SET_CR3 / VMM_IOC_SET_TLS: one value for one vCPU. */
struct vmm_ioc_val {
	int32_t		vcpu;
	int32_t		pad;
	uint64_t	value;		/* guest CR3, or the TLS (FS base) */
};

/*
 * VMM_IOC_TRANSLATE: guest-virtual to guest-physical through the vCPU's
 * current guest page tables, with the guest's own permission checks.
 */
#define VMM_XLATE_WRITE		0x1	/* check for a write access */
struct vmm_ioc_xlate {
	int32_t		vcpu;
	uint32_t	flags;		/* VMM_XLATE_* */
	uint64_t	gva;		/* in */
	uint64_t	gpa;		/* out */
};

/*
 * VMM_IOC_INJECT_IRQ: queue external interrupt `vector` (32..255) for vCPU
 * `vcpu`.  Unlike the other vCPU ioctls it may be called while another
 * thread runs that vCPU: the guest is made to exit and takes the vector as
 * soon as it can (RFLAGS.IF=1, no interrupt shadow), highest vector first;
 * a vector queued again before delivery is delivered once.  The guest sees
 * it through its IDT; there is no emulated local APIC and no EOI.
 */
struct vmm_ioc_irq {
	int32_t		vcpu;
	uint32_t	vector;
};

/* VMM_IOC_GET_REGS / VMM_IOC_SET_REGS (same fields as hv's struct hv_regs). */
struct vmm_regs {
	uint64_t	rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t	r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t	rip, rflags;
	uint64_t	cr0, cr2, cr3, cr4, efer;
	uint64_t	fs_base, gs_base, kernel_gs_base;
	uint32_t	cpl;
	uint32_t	pad;
};
struct vmm_ioc_regs {
	int32_t		vcpu;
	int32_t		pad;
	struct vmm_regs	regs;
};

/*
 * VMM_IOC_MEM_READ / VMM_IOC_MEM_WRITE: copy len bytes between user memory
 * at `uaddr` and guest-physical `gpa`.  VMM_IOC_LOAD_IMAGE: load a flat
 * image of len bytes (gpa ignored) at hv's load address and build the boot
 * page tables (hv_abi.h).
 */
struct vmm_ioc_mem {
	uint64_t	gpa;
	uint64_t	uaddr;
	uint64_t	len;
};

/* Why VMM_IOC_RUN returned (hv's enum hv_exit_kind). */
#define VMM_EXIT_HYPERCALL	1	/* nr, args[]: answer with set_result */
#define VMM_EXIT_DONE		2	/* guest exited: code */
#define VMM_EXIT_DEBUG		3	/* #BP in the guest */
#define VMM_EXIT_INTR		4	/* host interrupt or signal: run again */
#define VMM_EXIT_ERROR		5	/* the VM cannot continue: msg */

/*
 * VMM_IOC_RUN: run vCPU `vcpu` until something needs user space.  When
 * set_result is nonzero, `result` first becomes the return value of the
 * hypercall that ended the previous run.
 */
struct vmm_ioc_run {
	int32_t		vcpu;		/* in */
	int32_t		set_result;	/* in */
	int64_t		result;		/* in */
	uint32_t	kind;		/* out: VMM_EXIT_* */
	int32_t		error;		/* out: errno value for VMM_EXIT_ERROR */
	uint64_t	raw_reason;	/* out: VMX exit reason / SVM exit code */
	uint64_t	nr;		/* out: hypercall number */
	uint64_t	args[4];	/* out: hypercall arguments */
	int64_t		code;		/* out: exit code for VMM_EXIT_DONE */
	char		msg[160];	/* out: decoded reason for VMM_EXIT_ERROR */
};

#define VMM_IOC_VM_CREATE	_IOW('V', 1, struct vmm_ioc_vm)
#define VMM_IOC_VM_DESTROY	_IO('V', 2)
#define VMM_IOC_VCPU_CREATE	_IOW('V', 3, struct vmm_ioc_vcpu)
#define VMM_IOC_RUN		_IOWR('V', 4, struct vmm_ioc_run)
#define VMM_IOC_SET_CR3		_IOW('V', 5, struct vmm_ioc_val)
#define VMM_IOC_SET_TLS		_IOW('V', 6, struct vmm_ioc_val)
#define VMM_IOC_TRANSLATE	_IOWR('V', 7, struct vmm_ioc_xlate)
#define VMM_IOC_GET_REGS	_IOWR('V', 8, struct vmm_ioc_regs)
#define VMM_IOC_SET_REGS	_IOW('V', 9, struct vmm_ioc_regs)
#define VMM_IOC_MEM_READ	_IOW('V', 10, struct vmm_ioc_mem)
#define VMM_IOC_MEM_WRITE	_IOW('V', 11, struct vmm_ioc_mem)
#define VMM_IOC_LOAD_IMAGE	_IOW('V', 12, struct vmm_ioc_mem)
#define VMM_IOC_INJECT_IRQ	_IOW('V', 13, struct vmm_ioc_irq)
#define VMM_IOC_USER_HYPERCALLS	_IOW('V', 14, struct vmm_ioc_user_hc)

#endif /* HV_VMM_DEV_H */
