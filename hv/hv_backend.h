/*
 * hv_backend.h - the contract between the backend-neutral core and a
 * backend (hv/intel, hv/amd): the ops a backend implements, each with the
 * context it is called in and what it must not do, and the services the
 * core gives backends.
 *
 * Contexts, as hv_os.h names them: "thread" is thread context with
 * interrupts enabled, may sleep and allocate; "pinned" is inside
 * hv_os_pin() (the thread stays on its CPU; allocation may sleep but keeps
 * the CPU); "interrupts off" additionally forbids sleeping, allocating,
 * locks that sleep and anything that may IPI and wait.
 */
#ifndef HV_BACKEND_H
#define HV_BACKEND_H

#include "hv_vcpu.h"
#include "gwalk.h"	/* HV_ACC_*: nested fault access kinds */
#include "stats.h"

/* ---- backend ops ---------------------------------------------------------- */

/* The guest MSRs a backend may keep (ops->msr_get/msr_set; rule: hv/msr.c). */
enum hv_msr_reg {
	HV_MSR_TSC_OFFSET,	/* guest TSC minus host TSC (VMCB/VMCS field) */
	HV_MSR_SYSENTER_CS,
	HV_MSR_SYSENTER_ESP,
	HV_MSR_SYSENTER_EIP,
	HV_MSR_PAT,
	HV_MSR_EFER,		/* as the guest sees it (SVM: SVME hidden) */
	HV_MSR_STAR,
	HV_MSR_LSTAR,
	HV_MSR_CSTAR,
	HV_MSR_FMASK,
	HV_MSR_TSC_AUX,		/* RDTSCP's ECX, RDPID's result */
	HV_MSR_PKRS,		/* supervisor protection-key rights */
	/* segment bases whose writes exit on SVM only (hv/msr.c) */
	HV_MSR_FS_BASE,
	HV_MSR_GS_BASE,
	HV_MSR_KERNEL_GS_BASE,
};

/* ops->get_ctl: struct hv_regs' fields of the same names */
struct hv_ctl_regs {
	uint64_t	 cr0, cr3, cr4, efer;
	uint32_t	 cpl;
};

struct hv_backend_ops {
	const char	*type;		/* hw.vmm.type */
	const struct hv_ntable_fmt *ntfmt;	/* EPT or NPT entries */
	/*
	 * 0 if this CPU vendor's extension is usable; registers
	 * hw.vmm.<backend>.* and allocates per-CPU pages.  Thread (hv_init),
	 * once; may sleep and allocate; must not turn the extension on.
	 */
	int	(*probe)(void);
	/*
	 * Turn the extension on / off on the current CPU.  Through
	 * hv_os_on_cpu on each CPU: interrupts off, must not sleep, allocate
	 * or log more than a line; only this CPU's state is touched.
	 */
	int	(*cpu_enable)(void *arg);
	int	(*cpu_disable)(void *arg);
	/*
	 * Free every per-CPU page probe allocated (NULL: none).  Thread:
	 * hv_fini() after cpu_disable ran on every CPU, and hv_init_ops()
	 * when initialisation fails after probe (a failed probe included).
	 */
	void	(*fini)(void);
	/*
	 * A VM's / vCPU's backend state (VMCS or VMCB, bitmaps), the vCPU in
	 * the boot state hv_boot_abi.  Thread, unpinned; may sleep and
	 * allocate.  init frees what it allocated when it fails; fini must
	 * not fail and runs only when no run of the VM is in flight.
	 */
	int	(*vm_init)(struct hv_vm *vm);
	void	(*vm_fini)(struct hv_vm *vm);
	int	(*vcpu_init)(struct hv_vcpu *vcpu);
	void	(*vcpu_fini)(struct hv_vcpu *vcpu);
	/*
	 * Enter the guest and handle the exit(s).  Called by hv_vcpu_run()
	 * from the vCPU's thread, unpinned; returns unpinned.  Returns 0 with
	 * *ex filled when the host must see the exit, HV_RESUME when
	 * everything was handled and hv_vcpu_run() should simply call it
	 * again (so the thread may migrate between entries), or an HV_E*
	 * error.  Must not enter a vCPU marked dead or touch another vCPU's
	 * state.  A hardware backend's is the core's stretch (hv_run_stretch,
	 * hv/run.h) on its own ops table, which drives the stretch ops below
	 * and calls vcpu_run no further; only hv/test's model backend differs.
	 */
	int	(*vcpu_run)(struct hv_vcpu *vcpu, struct hv_exit *ex);
	/*
	 * The stretch ops: hv_run_stretch's steps that differ per backend, in
	 * the order it calls them (constants of the table: each backend's
	 * vcpu_run inlines the stretch with them).  A stretch is what one pin holds: the FPU
	 * and debug registers switched once (hv_fpu_enter, hv_dreg_enter),
	 * then entries until an exit needs more than pinned work.  HV_STOP
	 * from an op ends the stretch with *ex filled (the run returns 0).
	 *
	 * vcpu_load (NULL: nothing to load): pinned on cpu, interrupts on,
	 * before anything else of the stretch: make the vCPU's hardware state
	 * usable on cpu.  0, an HV_E* error, or HV_MIGRATE when that state is
	 * still active on another CPU; the core then unpins and calls migrate.
	 */
	int	(*vcpu_load)(struct hv_vcpu *vcpu, int cpu);
	/*
	 * Thread, unpinned (may IPI and wait): release the state vcpu_load
	 * found active on another CPU.  0 (the core returns HV_RESUME and
	 * the next stretch loads it where the thread is) or an HV_E* error.
	 */
	int	(*migrate)(struct hv_vcpu *vcpu);
	/*
	 * Whether the whole stretch runs with interrupts off (the core
	 * disables them after vcpu_load, before hv_hostcheck_before, and
	 * enables them after hv_hostcheck_after): VMX, whose host fields are
	 * written once per stretch.  SVM needs them on: its world switch
	 * opens them under CLGI so that a host interrupt is an INTR exit.
	 */
	bool	 stretch_irqs_off;
	/*
	 * Pinned on cpu, after hv_fpu_enter and hv_dreg_enter, with
	 * vcpu->stretch filled for this stretch: the host state and the
	 * backend's per-stretch fields (e.g. the host's CR3 and FS base) and
	 * its own checks before the first entry.  0 to enter, HV_STOP or an
	 * HV_E* error to end the stretch (stretch_leave still runs).
	 */
	int	(*stretch_begin)(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex);
	/*
	 * Before each entry, after hv_pre_entry (or hv_pre_reentry), pinned:
	 * VMX with interrupts off since the stretch began; SVM with them on
	 * until its world switch's CLGI (an interrupt queued after
	 * hv_pre_entry kicks this CPU, and the kick makes VMRUN exit at once):
	 * interrupt and NMI injection, the per-entry fields.  No allocation,
	 * lock or sleep.  0 or HV_STOP.
	 */
	int	(*prepare_entry)(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex);
	/*
	 * The world switch, in the context of prepare_entry: enters the guest
	 * and returns after the exit(s) it handled pinned (its HC_NOP loop
	 * and C fast path, while vcpu->stretch->budget lasts), with
	 * stretch->rc HV_RESUME (enter again after prepare_entry),
	 * HV_NOT_PINNED (handle_exit's exit) or 0 (*ex filled) and
	 * stretch->nops the HC_NOPs it finished (the core counts them).  0, or
	 * HV_STOP when the entry itself failed (stretch_end is skipped).
	 */
	int	(*enter)(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex);
	/* the exit reason HC_NOPs are counted under (hv_stats_exits) */
	uint64_t hc_exit_reason;
	/*
	 * After the stretch's last exit, still pinned (VMX: interrupts off):
	 * what the host must see first (VMX: an NMI that exited) and the host
	 * state the exits loaded, checked once per stretch.  0 or HV_STOP.
	 */
	int	(*stretch_end)(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex);
	/*
	 * The one unwind of stretch_begin, whether it or anything after it
	 * failed: host state the exits lost and the backend's own per-stretch
	 * switches, before hv_dreg_leave, hv_fpu_leave and hv_hostcheck_after
	 * (which compares the host state it restores).  Pinned, must not fail.
	 */
	void	(*stretch_leave)(struct hv_vcpu *vcpu, int cpu);
	/*
	 * An exit the stretch did not finish (stretch->rc HV_NOT_PINNED):
	 * HV_RESUME, 0 with *ex, or an HV_E* error.  Interrupts on, may
	 * sleep and allocate (a nested fault backs a page); pinned with the
	 * backend's state current when exit_pinned (VMX: the VMCS), else
	 * unpinned (SVM: the registers are in memory).
	 */
	int	(*handle_exit)(struct hv_vcpu *vcpu, struct hv_exit *ex);
	bool	 exit_pinned;
	/*
	 * The guest's registers.  Thread or pinned (exit handlers, the copyin
	 * family), never with interrupts off: the backend pins itself to
	 * make the VMCS/VMCB current.  No allocation.
	 */
	int	(*get_regs)(struct hv_vcpu *vcpu, struct hv_regs *r);
	int	(*set_regs)(struct hv_vcpu *vcpu, const struct hv_regs *r);
	/*
	 * Only the guest's paging and privilege state, the values get_regs
	 * gives for these fields: what the copyin family and CPUID's OSXSAVE
	 * bit read at every call, without the rest.  Context as get_regs.
	 */
	int	(*get_ctl)(struct hv_vcpu *vcpu, struct hv_ctl_regs *c);
	/*
	 * Put the vCPU in a boot state (hv_vcpu_boot; the core checked b).
	 * Same context as set_regs.  HV_ENOTSUP when this CPU cannot run the
	 * guest in that state.
	 */
	int	(*boot)(struct hv_vcpu *vcpu, const struct hv_boot *b);
	/*
	 * Flush this VM's nested translations on the current CPU.  From
	 * hv_pre_entry(): pinned, interrupts off; must not sleep, allocate or
	 * IPI.
	 */
	void	(*flush_nested)(struct hv_vcpu *vcpu);
	/*
	 * A guest MSR's state, called from hv_vmexit() during an MSR exit
	 * (msr_get of HV_MSR_TSC_AUX also during a CPUID exit: whether the
	 * guest has one), pinned (on VMX with interrupts off), the vCPU's
	 * VMCB/VMCS current;
	 * no allocation, lock or sleep.  msr_get: false when this backend
	 * does not keep reg (the guest's access is then #GP).  msr_set: apply
	 * a value hv/msr.c already checked; false only if the field refused it.
	 */
	bool	(*msr_get)(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val);
	bool	(*msr_set)(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val);
	/* Whether the guest may run INVPCID (hv/cpuid.c shows it only then).
	 * Any context after probe. */
	bool	(*guest_invpcid)(void);
	/* Whether the backend switches IA32_PKRS around the guest (msr_get of
	 * HV_MSR_PKRS true): hv/cpuid.c shows PKS, hence CR4.PKS, only then.
	 * Any context after probe. */
	bool	(*guest_pks)(void);
};

extern const struct hv_backend_ops hv_vmx_ops;
extern const struct hv_backend_ops hv_svm_ops;
extern const struct hv_backend_ops *hv_ops;	/* the one in use */

#define HV_RESUME	(-1)	/* vcpu_run: exit handled, enter again */
#define HV_NOT_PINNED	(-2)	/* a backend's pinned dispatch: not an exit for it */
#define HV_STOP		(-3)	/* a stretch op: *ex filled, the run returns 0 */
#define HV_MIGRATE	(-4)	/* vcpu_load: the state is active on another CPU */

/*
 * What one pinned stretch of entries shares between the core
 * (hv_run_stretch), a backend's world switch (through its *_assym.sym
 * offsets) and its C fast path: a backend's fast-path struct begins with
 * it, and vcpu->stretch points at it.  The pointers into the vCPU and VM
 * are set once (at vCPU creation); the rest per stretch or per entry.
 */
struct hv_stretch {
	volatile uint64_t	*entries;	/* &vcpu->entries */
	volatile uint64_t	*inval_gen;	/* &vm->inval_gen */
	uint64_t		*flushed_gen;	/* &vm->flushed_gen[this CPU] */
	volatile uint64_t	*irq_pending;	/* vcpu->irq_pending */
	uint32_t		 budget;	/* in: exits handled pinned at most; out: left */
	uint32_t		 nops;		/* out: HC_NOPs the world switch finished */
	struct hv_vcpu		*vcpu;
	int			 cpu;		/* the CPU of the stretch */
	struct hv_exit		*ex;		/* the run's exit */
	int			 rc;		/* out: the fast path's result */
	bool			 pre_entered;	/* it ran hv_pre_reentry already */
};


/*
 * The guest's local APIC page (hv/lapic.c): whether a nested fault at gpa
 * is an access to it, and the access done (HV_RESUME, or 0 with *ex a
 * decoded stop): a register loaded, RIP still on the instruction, whose
 * length is *len; the backend then completes it as any instruction it
 * completes (RIP past it, shadow ended, single-step trap: hv/exit.h).
 * Exit handlers, pinned, interrupts on.
 */
bool	 hv_lapic_claims(struct hv_vcpu *vcpu, uint64_t gpa);
int	 hv_lapic_mmio(struct hv_vcpu *vcpu, uint64_t gpa, struct hv_exit *ex,
	    unsigned *len);

/* hv_abi.h's boot state, the one every vCPU is created in. */
extern const struct hv_boot hv_boot_abi;

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
 * hv/maxphy.c: a nested fault outside guest memory, as its exit describes it:
 * the guest-physical address, whether it is the access's own (final) or
 * one of the guest's page walk, the kind of a final access (HV_ACC_WRITE,
 * HV_ACC_EXEC), the linear address where the exit gives it (VMX).
 */
struct hv_npf {
	uint64_t	 gpa;
	bool		 final;
	unsigned	 acc;
	bool		 gva_known;
	uint64_t	 gva;
};
/*
 * 0 with the #PF error code and CR2 the guest's CPU would give when its
 * walk stops at an address bit at or above its MAXPHYADDR that names gpa;
 * HV_EFAULT when the fault is not that (the guest is stopped as before).
 */
int	 hv_maxphy_fault(struct hv_vcpu *vcpu, const struct hv_npf *n,
	    uint32_t *pfec, uint64_t *cr2);
/*
 * A #PF the CPU raised in such a guest (intercepted, hv_exception_intercepts)
 * at cr2 with error code *pfec: where the guest's own walk meets an address
 * bit at or above its MAXPHYADDR, which the CPU's wider one let through, the
 * guest's CPU reports RSVD: *pfec becomes that error code.  The caller
 * injects the #PF with CR2 (the intercept loaded neither).
 */
void	 hv_maxphy_pf(struct hv_vcpu *vcpu, uint64_t cr2, uint32_t *pfec);

/*
 * Called pinned, with interrupts disabled (GIF clear or IF=0) from here to
 * the entry, just before every entry: sets running_on to this CPU, counts
 * the entry, records this CPU in cpus_ran and calls flush_nested when the
 * VM's generation moved since this CPU last flushed for this VM.  A pageout
 * on another CPU then either sees running_on and IPIs this CPU (the pending
 * interrupt makes the entry exit at once) or moved the generation before
 * this call read it (so the flush happens here).  hv_vcpu_run() clears
 * running_on after each ops->vcpu_run() call.  cpu: this CPU (the caller,
 * pinned, knows it).
 */
void	 hv_pre_entry(struct hv_vcpu *vcpu, int cpu);

/*
 * The rest of hv_pre_entry, for another entry of the same pinned stretch
 * on cpu (running_on and cpus_ran hold it since the stretch's first
 * hv_pre_entry, interrupts disabled since): counts the entry, then reads
 * the generation (the atomic increment is the full barrier between) and
 * flushes when it moved.
 */
void	 hv_pre_entry_flush(struct hv_vcpu *vcpu, int cpu, uint64_t gen);
static inline void
hv_pre_reentry(struct hv_vcpu *vcpu, int cpu)
{
	uint64_t gen;

	__atomic_add_fetch(&vcpu->entries, 1, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&vcpu->vm->inval_gen, __ATOMIC_SEQ_CST);
	if (vcpu->vm->flushed_gen[cpu] != gen)
		hv_pre_entry_flush(vcpu, cpu, gen);
	HV_STAT_INC(entries);
}

/*
 * Common hypercall dispatch for VMCALL/VMMCALL exits.  regs: the guest's
 * registers as ops->get_regs gives them at the exit (CPL, and CR0/CR3/EFER
 * for HC_PUTS's hv_copyin; it may allocate, like hv_nested_fault()).
 * HV_HC_RESUME: handled (HC_NOP, HC_PUTS, a bad number): the backend
 * completes the instruction, copies regs->rax (the result) into the
 * guest's RAX and resumes (HV_RESUME).  HV_HC_HOST: *ex is filled for the
 * host: the backend completes the instruction and returns 0; the host's
 * result (hv_vcpu_set_hc_result, 0 by default) is written to RAX by
 * hv_vcpu_run() through ops->set_regs before the next entry.  HV_HC_UD: a
 * call from CPL 3 the VM does not allow (hv_vm_set_user_hypercalls): the
 * backend injects #UD with RIP left at the instruction and resumes.
 */
enum hv_hc {
	HV_HC_RESUME,
	HV_HC_HOST,
	HV_HC_UD,
};
enum hv_hc hv_hypercall(struct hv_vcpu *vcpu, struct hv_regs *regs, struct hv_exit *ex);

/*
 * The fast path of the hypercall exit (make bench): the backend calls it
 * right after the exit, still pinned, with the guest's RAX and CPL.  true
 * (counted as a hypercall) when that hypercall needs nothing but the result
 * 0 in RAX (HC_NOP from CPL 0..2): the backend completes the instruction
 * and enters again at once.  No allocation, lock or sysctl lookup; false
 * for every other number and for CPL 3, whose calls the VM's policy decides
 * (hv_hypercall): a backend's own HC_NOP loop leaves CPL 3 alone too.
 */
bool	 hv_hypercall_fast(uint64_t nr, unsigned cpl);
/* count HC_NOPs a backend's world-switch loop finished (hypercalls and
 * entries; the exits go through hv_stats_exits): the stretch (hv/run.h)
 * calls it after each enter op */
void	 hv_hypercall_fast_loop(uint64_t count);

/*
 * Interrupts for the guest (hv/irq.c): the external ones its host queues
 * and those its local APIC requests (hv/lapic.c: IRR above the processor
 * priority).  The backend, pinned with interrupts off after hv_pre_entry(),
 * asks hv_irq_next() for the highest pending vector (-1: none); when the
 * guest can take it and no other event is being injected it injects it and
 * calls hv_irq_taken(), otherwise it arranges an exit for when the guest
 * can (interrupt window / VINTR).  An NMI the APIC sent (hv_nmi_due) goes
 * before any interrupt, when the guest is not blocking NMIs; the backend
 * calls hv_nmi_taken() as it injects it.
 * hv_irq_set/clear/highest work on any bitmap of HV_IRQ_WORDS words: set
 * and clear return whether the bit changed.
 */
int	 hv_irq_next(struct hv_vcpu *vcpu);
/* whether an interrupt or NMI may be pending, for an entry's fast test
 * (the APIC's IRR may still be masked by its priority: hv_irq_next says) */
static inline bool
hv_irq_any(const struct hv_vcpu *vcpu)
{
#if HV_IRQ_WORDS != 4
#error "hv_irq_any reads 4 words"
#endif
	return (__atomic_load_n(&vcpu->irq_pending[0], __ATOMIC_SEQ_CST) |
	    __atomic_load_n(&vcpu->irq_pending[1], __ATOMIC_SEQ_CST) |
	    __atomic_load_n(&vcpu->irq_pending[2], __ATOMIC_SEQ_CST) |
	    __atomic_load_n(&vcpu->irq_pending[3], __ATOMIC_SEQ_CST)) != 0 ||
	    vcpu->lapic.irr_any || vcpu->lapic.nmi;
}
static inline bool
hv_nmi_due(const struct hv_vcpu *vcpu)
{
	return vcpu->lapic.nmi;
}
void	 hv_nmi_taken(struct hv_vcpu *vcpu);
void	 hv_irq_taken(struct hv_vcpu *vcpu, unsigned vector);
bool	 hv_irq_set(volatile uint64_t *bm, unsigned vector);
bool	 hv_irq_clear(volatile uint64_t *bm, unsigned vector);
int	 hv_irq_highest(const volatile uint64_t *bm);

/*
 * The guest's x87/SSE/AVX state (hv/fpu.c; neither world switch swaps it).
 * The stretch (hv/run.h) calls hv_fpu_enter pinned, on the CPU of the
 * entries, before the first entry of a pinned stretch, and hv_fpu_leave
 * right after its last exit, before anything that may sleep or unpin.  The FPU holds the
 * guest's state in between, and the host's again after, with the CR0.TS it
 * found (lazy-FPU hosts).  hv_fpu_enter returns whether CR0.TS was set: pass
 * it to hv_fpu_leave.  cpu: the stretch's CPU.
 */
bool	 hv_fpu_enter(struct hv_vcpu *vcpu, int cpu);
void	 hv_fpu_leave(struct hv_vcpu *vcpu, int cpu, bool ts);

/*
 * The guest's DR0-DR3 and DR6, and the host's DR7 (hv/dreg.c; neither world
 * switch keeps the host's): called where hv_fpu_enter / hv_fpu_leave are,
 * on cpu, the stretch's CPU.  A vCPU starts with MOV DR intercepted; at
 * its first such exit (not a pinned one: after hv_dreg_leave) the backend
 * calls hv_dreg_touched, drops the intercept and resumes with RIP still
 * at the instruction, which then runs on the guest's registers.
 */
void	 hv_dreg_enter(struct hv_vcpu *vcpu, int cpu);
void	 hv_dreg_leave(struct hv_vcpu *vcpu, int cpu);
void	 hv_dreg_touched(struct hv_vcpu *vcpu);
/* MOV from / to debug register n (0-3, 6, 7) */
uint64_t hv_dr_read(int n);
void	 hv_dr_write(int n, uint64_t v);

/* Fill ex as an HV_EXIT_ERROR with a formatted message. */
void	 hv_exit_error(struct hv_exit *ex, int error, uint64_t raw,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Rate-limited guest-caused message: counts always, prints the first few. */
void	 hv_ratelog(const char *what, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

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

#endif /* HV_BACKEND_H */
