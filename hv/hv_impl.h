/*
 * hv_impl.h - shared between the backend-neutral core and the backends
 * (hv/intel, hv/amd): the VM and vCPU objects, the backend ops and the
 * services the core gives the backends.  Hosts never include this; they use
 * hv.h (and testkern hv_quirk.h, x86_arch.h).  The other concerns have
 * headers of their own, included here because these declarations use them:
 * ntable.h, gwalk.h, hv_util.h, stats.h, hv_quirk.h; x86 facts: x86_arch.h.
 */
#ifndef HV_IMPL_H
#define HV_IMPL_H

#include "hv.h"

#define HV_MAX_CPUS	64
#define HV_MAX_VCPUS	8

#include "ntable.h"	/* nested page tables: hv_ntable, HV_PROT_* */
#include "gwalk.h"	/* guest page walks: HV_ACC_* */

/* ---- VM and vCPU objects ------------------------------------------------- */

/* Pending external interrupts: one bit per vector; 0-31 are exceptions. */
#define HV_IRQ_WORDS		4
#define HV_IRQ_VECTOR_MIN	32

/*
 * First word of a live VM / vCPU object; teardown overwrites it with
 * HV_DEAD_MAGIC before the free, and hv_vcpu_run() checks it at every
 * iteration, so a vCPU whose VM was torn down under it (the 2013 reboot
 * bug) is named as a use-after-free instead of running on freed state.
 */
#define HV_VM_MAGIC	0x686d762e766d3031ull	/* "hmv.vm01" */
#define HV_VCPU_MAGIC	0x686d762e63707531ull	/* "hmv.cpu1" */
#define HV_DEAD_MAGIC	0x6465616466726565ull	/* "deadfree" */

/* The guest's COM1 16550 registers (hv/uart.c). */
struct hv_uart {
	uint8_t		 ier, lcr, mcr, scr, fcr;
	uint8_t		 dll, dlm;	/* divisor latch */
	uint8_t		 rbr;		/* loopback byte */
	bool		 lsr_dr;	/* RBR holds it */
};

struct hv_vcpu {
	uint64_t	 magic;		/* HV_VCPU_MAGIC while alive */
	struct hv_vm	*vm;
	int		 id;
	volatile int	 running_on;	/* CPU id while inside run(), else -1 */
	int		 last_cpu;	/* CPU the backend state was last loaded on, -1 none */
	uint64_t	 tls_fs_base;	/* hv_vcpu_set_tls() */
	bool		 tls_dirty;
	int64_t		 hc_result;
	bool		 hc_pending;	/* host owes a hypercall result */
	void		*backend;	/* struct vmx_vcpu / struct svm_vcpu */
	uint8_t		*fpu;		/* guest FXSAVE/XSAVE area (hv/fpu.c) */
	struct hv_uart	 com1;
	char		 serial_line[128];	/* guest COM1 output being assembled */
	size_t		 serial_len;
	/* 1: inside hv_vcpu_run() or a register call; -1: torn down (every
	 * later call gets HV_ENOENT); 0: idle */
	volatile int	 in_run;
	volatile int	 users;		/* copyin family / translate calls in flight */
	volatile int	 refs;		/* the VM's until teardown + hv_vcpu_hold()s */
	int		 vm_id;		/* for messages once vm is gone */
	volatile uint64_t entries;	/* VM entries so far (hv_pre_entry) */
	bool		 dead;		/* shut down (triple fault): never entered again */
	/* external interrupts queued by hv_vcpu_inject_irq (hv/irq.c) */
	volatile uint64_t irq_pending[HV_IRQ_WORDS];
};

struct hv_vm {
	uint64_t	 magic;		/* HV_VM_MAGIC while alive */
	int		 id;		/* small number, reused: "guest<id>.<vcpu>" */
	volatile int	 dying;		/* hv_vm_destroy() in progress: runs end */
	volatile int	 lock;		/* spin lock over pages/swapped/nt (hv/gmem.c) */
	uint64_t	 mem_size;
	uint64_t	 npages;
	void		**pages;	/* host VA backing each guest page, or NULL */
	void		**swapped;	/* paged-out copies, or NULL */
	uint64_t	 resident;
	struct hv_ntable nt;		/* the one nested root (the master's) */
	struct hv_vcpu	*vcpus[HV_MAX_VCPUS];
	int		 nvcpus;
	/* invalidation: generation bumped on every unmap; each CPU flushes at its
	 * next entry when its flushed_gen is older */
	volatile uint64_t inval_gen;
	uint64_t	 flushed_gen[HV_MAX_CPUS];
	volatile uint64_t cpus_ran;	/* bit per CPU that ever ran this VM */
	void		*backend;	/* struct vmx_vm / struct svm_vm */
};

/* ---- backend ops ---------------------------------------------------------- */

/* The guest MSRs a backend may keep (ops->msr_get/msr_set; rule: hv/msr.c). */
enum hv_msr_reg {
	HV_MSR_TSC,		/* the guest's TSC (the backend keeps an offset) */
	HV_MSR_SYSENTER_CS,
	HV_MSR_SYSENTER_ESP,
	HV_MSR_SYSENTER_EIP,
	HV_MSR_PAT,
	HV_MSR_EFER,		/* as the guest sees it (SVM: SVME hidden) */
	HV_MSR_STAR,
	HV_MSR_LSTAR,
	HV_MSR_CSTAR,
	HV_MSR_FMASK,
};

struct hv_backend_ops {
	const char	*type;		/* hw.vmm.type */
	const struct hv_ntable_fmt *ntfmt;
	int	(*probe)(void);		/* 0 if usable; registers hw.vmm.<backend>.* */
	int	(*cpu_enable)(void *arg);	/* on each CPU via hv_os_on_cpu */
	int	(*cpu_disable)(void *arg);
	/*
	 * Free every per-CPU page probe allocated (NULL: none).  Called by
	 * hv_fini() after cpu_disable ran on every CPU, and by hv_init_ops()
	 * when initialisation fails after probe (a failed probe included).
	 */
	void	(*fini)(void);
	int	(*vm_init)(struct hv_vm *vm);
	void	(*vm_fini)(struct hv_vm *vm);
	int	(*vcpu_init)(struct hv_vcpu *vcpu);	/* boot state of hv_abi.h */
	void	(*vcpu_fini)(struct hv_vcpu *vcpu);
	/*
	 * Enter the guest once and handle the exit(s).  Returns 0 with *ex
	 * filled when the host must see the exit, HV_RESUME when everything was
	 * handled and hv_vcpu_run() should simply call it again (so the thread
	 * may migrate between entries), or an HV_E* error.
	 */
	int	(*vcpu_run)(struct hv_vcpu *vcpu, struct hv_exit *ex);
	int	(*get_regs)(struct hv_vcpu *vcpu, struct hv_regs *r);
	int	(*set_regs)(struct hv_vcpu *vcpu, const struct hv_regs *r);
	/* Flush this VM's nested translations on the current CPU (pinned). */
	void	(*flush_nested)(struct hv_vcpu *vcpu);
	/*
	 * A guest MSR's state, called from hv_vmexit() during an MSR exit,
	 * pinned (on VMX with interrupts off), the vCPU's VMCB/VMCS current;
	 * no allocation, lock or sleep.  msr_get: false when this backend
	 * does not keep reg (the guest's access is then #GP).  msr_set: apply
	 * a value hv/msr.c already checked; false only if the field refused it.
	 */
	bool	(*msr_get)(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val);
	bool	(*msr_set)(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val);
};

extern const struct hv_backend_ops hv_vmx_ops;
extern const struct hv_backend_ops hv_svm_ops;
extern const struct hv_backend_ops *hv_ops;	/* the one in use */

#define HV_RESUME	(-1)	/* vcpu_run: exit handled, enter again */
#define HV_NOT_PINNED	(-2)	/* a backend's pinned dispatch: not an exit for it */

/* hv_init() minus the vendor choice: probe ops and publish hw.vmm.* (tests use it). */
int	 hv_init_ops(const struct hv_backend_ops *ops);

/* ---- services the core gives the backends -------------------------------- */

/*
 * Nested page fault at gpa (EPT violation / #NPF): back the page (zeroed, or
 * restored from its paged-out copy) and map it.  0, or HV_EFAULT when gpa is
 * outside guest memory (the caller stops the VM with a decoded error), or
 * HV_ENOMEM.  It may allocate pages (hv_os_page_alloc): call it after the
 * exit with interrupts enabled, not between hv_pre_entry() and the entry.
 * It takes the VM's spin lock briefly; nothing is allocated under it.
 */
int	 hv_nested_fault(struct hv_vm *vm, uint64_t gpa, unsigned acc);

/*
 * Called pinned, with interrupts disabled (GIF clear or IF=0) from here to
 * the entry, just before every entry: sets running_on to this CPU, counts
 * the entry, records this CPU in cpus_ran and calls flush_nested when the
 * VM's generation moved since this CPU last flushed for this VM.  A pageout
 * on another CPU then either sees running_on and IPIs this CPU (the pending
 * interrupt makes the entry exit at once) or moved the generation before
 * this call read it (so the flush happens here).  hv_vcpu_run() clears
 * running_on after each ops->vcpu_run() call.
 */
void	 hv_pre_entry(struct hv_vcpu *vcpu);

/*
 * Common hypercall dispatch for VMCALL/VMMCALL exits, after the backend
 * advanced RIP: handles HC_NOP/HC_PUTS itself (returns false: resume) or
 * fills *ex for the host (returns true).  regs: the guest's GPRs.
 * On false the backend copies regs->rax (the result) into the guest's RAX
 * and resumes (HV_RESUME).  On true it returns 0 with *ex as filled; the
 * host's result (hv_vcpu_set_hc_result, 0 by default) is written to RAX by
 * hv_vcpu_run() through ops->set_regs before the next entry.  HC_PUTS reads
 * guest memory with hv_copyin (ops->get_regs must give CR0/CR3/EFER/CPL of
 * the exit) and may allocate, like hv_nested_fault().
 */
bool	 hv_hypercall(struct hv_vcpu *vcpu, struct hv_regs *regs, struct hv_exit *ex);

/*
 * The fast path of the hypercall exit (make bench): the backend calls it
 * right after the exit, still pinned, with the guest's RAX.  true (counted
 * as a hypercall) when that hypercall needs nothing but the result 0 in RAX
 * (HC_NOP): the backend completes the instruction and enters again at once.
 * No allocation, lock or sysctl lookup; false for every other number.
 */
bool	 hv_hypercall_fast(uint64_t nr);
/* count HC_NOPs a backend's world-switch loop finished (hypercalls and
 * entries; the exits go through hv_stats_exits) */
void	 hv_hypercall_fast_loop(uint64_t count);

/*
 * Queued external interrupts (hv/irq.c).  The backend, pinned with
 * interrupts off after hv_pre_entry(), asks hv_irq_next() for the highest
 * pending vector (-1: none); when the guest can take it and no other event
 * is being injected it injects it and calls hv_irq_taken(), otherwise it
 * arranges an exit for when the guest can (interrupt window / VINTR).
 * hv_irq_set/clear/highest work on any bitmap of HV_IRQ_WORDS words: set
 * and clear return whether the bit changed.
 */
int	 hv_irq_next(struct hv_vcpu *vcpu);
void	 hv_irq_taken(struct hv_vcpu *vcpu, unsigned vector);
bool	 hv_irq_set(volatile uint64_t *bm, unsigned vector);
bool	 hv_irq_clear(volatile uint64_t *bm, unsigned vector);
int	 hv_irq_highest(const volatile uint64_t *bm);

/*
 * The guest's x87/SSE/AVX state (hv/fpu.c; neither world switch swaps it).
 * Both backends call hv_fpu_enter pinned, on the CPU of the entries, just
 * before the first entry of a pinned stretch, and hv_fpu_leave right after
 * its last exit, before anything that may sleep or unpin.  The FPU holds the
 * guest's state in between, and the host's again after, with the CR0.TS it
 * found (lazy-FPU hosts).  hv_fpu_enter returns whether CR0.TS was set: pass
 * it to hv_fpu_leave.
 */
bool	 hv_fpu_enter(struct hv_vcpu *vcpu);
void	 hv_fpu_leave(struct hv_vcpu *vcpu, bool ts);

/* Guest COM1 output byte (THR of hv/uart.c): assembled into console lines. */
void	 hv_guest_serial_out(struct hv_vcpu *vcpu, uint8_t byte);
/* COM1 register reg (0..7) of the vCPU's UART (hv/uart.c). */
uint8_t	 hv_uart_read(struct hv_vcpu *vcpu, unsigned reg);
void	 hv_uart_write(struct hv_vcpu *vcpu, unsigned reg, uint8_t val);

/*
 * The neutral exit record (hv/exit.c): the backend decodes an exit whose
 * guest-visible rule is the core's into it, calls hv_vmexit(), and then
 * always applies it: RAX..RDX back into the guest, the instruction
 * completed (RIP past it, STI/MOV SS shadow ended) when skip is set, #GP(0)
 * injected when gp is set.
 * hv_vmexit returns HV_RESUME, or 0 with *ex filled (a stop, or the
 * HV_EXIT_INTR yield of a HLT).  ex->raw_reason must be set before.
 */
enum hv_vmexit_kind {
	HV_VX_PIO,		/* IN/OUT/INS/OUTS: io */
	HV_VX_CPUID,
	HV_VX_HLT,		/* rflags */
	HV_VX_SHUTDOWN,		/* triple fault */
	HV_VX_RDMSR,		/* ECX in rcx (hv/msr.c) */
	HV_VX_WRMSR,		/* ECX in rcx, EDX:EAX in rdx:rax, cr0 */
};

struct hv_vmexit {
	enum hv_vmexit_kind kind;
	uint64_t	 rip;		/* of the exiting instruction (messages) */
	uint64_t	 rflags;
	uint64_t	 rax, rbx, rcx, rdx;	/* in: the guest's; out: its new ones */
	struct {
		uint16_t port;
		uint8_t	 size;		/* 1, 2 or 4 */
		bool	 in, string, rep;
	} io;
	uint64_t	 cr0;		/* WRMSR: the guest's CR0 (EFER.LME rule) */
	bool		 skip;		/* out: complete the instruction */
	bool		 gp;		/* out: raise #GP(0) instead */
};

int	 hv_vmexit(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex);

/*
 * An exception `vector` raised while the event `first` was being delivered
 * (interruption information, one layout on VMX and SVM: vector 7:0, type
 * 10:8, 3 = hardware exception, valid 31; 0 = none): what the guest gets
 * (SDM Vol. 3A 6.15 Table 6-5): the second exception (benign pairs are
 * handled serially), a #DF, or shutdown (a fault while delivering #DF).
 */
enum hv_event_merge {
	HV_MERGE_SECOND,
	HV_MERGE_DOUBLE_FAULT,
	HV_MERGE_SHUTDOWN,
};
enum hv_event_merge hv_exception_merge(uint32_t first, unsigned vector);

/*
 * Stop the guest: *ex becomes HV_EXIT_ERROR with the one message format of
 * every guest stop, "guest<vm>.<vcpu>: <what> at rip=0x<rip>".  Returns 0,
 * what an exit handler returns with *ex filled.
 */
int	 hv_vcpu_stop(struct hv_vcpu *vcpu, struct hv_exit *ex, int error,
	    uint64_t raw, uint64_t rip, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

/* CPUID for the guest: host values with VMX/SVM hidden plus the hv leaf. */
void	 hv_guest_cpuid(struct hv_vcpu *vcpu, uint32_t leaf, uint32_t subleaf,
	    uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d);

/* Fill ex as an HV_EXIT_ERROR with a formatted message. */
void	 hv_exit_error(struct hv_exit *ex, int error, uint64_t raw,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Rate-limited guest-caused message: counts always, prints the first few. */
void	 hv_ratelog(const char *what, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#include "hv_util.h"	/* hv_snprintf, hv_memcpy, hv_cpuid, ... */

/*
 * Names (short identifiers such as "ept_violation", also used as sysctl leaf
 * names) or NULL when the number is not known.
 * VM-instruction errors: SDM Vol. 3C 31.4.  VMX basic exit reasons: SDM
 * Vol. 3D Appendix C.  SVM exit codes: APM Vol. 2 Appendix C.
 */
const char *hv_vmx_insn_error_name(unsigned n);	/* hv/intel/vmx_names.c */
const char *hv_vmx_exit_name(unsigned n);	/* hv/intel/vmx_names.c */
/* the same for the handled reasons only (hv_stats_exits_init) */
const char *hv_vmx_exit_stat_name(uint64_t reason);	/* hv/intel/vmx_names.c */
const char *hv_svm_exit_name(uint64_t code);	/* hv/amd/svm_names.c */

/* ---- statistics (hw.vmm.stats.*) ----------------------------------------- */

/*
 * HV_STAT(name) is a uint64_t counter published as hw.vmm.stats.<name>; the
 * list lives in hv/stats.h as HV_STATS_LIST(X) entries X(name, "descr").
 * Exits by reason are counted per backend in hw.vmm.stats.exit.<reason>.
 */
#include "stats.h"

#include "hv_quirk.h"	/* HV_QUIRK(name): the historic-bug switches */

#endif /* HV_IMPL_H */
