/*
 * exit.h - the neutral exit record and the guest-visible rules the core
 * decides for both backends (hv/exit.c, hv/msr.c, hv/cpuid.c, hv/xsave.c,
 * hv/cr.c): what a backend decodes an exit into, what it applies afterwards, which
 * exception a guest gets when one arises during event delivery, and the
 * one format of a guest stop.
 */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#include "hv_vcpu.h"

/*
 * The neutral exit record (hv/exit.c): the backend decodes an exit whose
 * guest-visible rule is the core's into it, calls hv_vmexit(), and then
 * always applies it (the rule wrote RAX..RDX in place): the instruction
 * completed (RIP past it, STI/MOV SS shadow ended) when skip is set, #GP(0)
 * injected when gp is set, #UD when ud is set, the exception in exc when
 * exc.raise is set (a rule sets one at most).
 * hv_vmexit returns HV_RESUME, or 0 with *ex filled (a stop, or the
 * HV_EXIT_INTR yield of a HLT).  ex->raw_reason must be set before.
 */
enum hv_vmexit_kind {
	HV_VX_PIO,		/* IN/OUT/INS/OUTS: io */
	HV_VX_CPUID,
	HV_VX_HLT,		/* rflags */
	HV_VX_SHUTDOWN,		/* triple fault: rsp, cr0, cr3, idtr (facts) */
	HV_VX_RDMSR,		/* ECX in RCX (hv/msr.c) */
	HV_VX_WRMSR,		/* ECX in RCX, EDX:EAX in RDX:RAX, cr0 */
	HV_VX_INVD,		/* the caches stay the host's */
	HV_VX_WBINVD,
	HV_VX_RDPMC,		/* ECX in RCX */
	HV_VX_MONITOR,
	HV_VX_MWAIT,
	HV_VX_MACHINE_CHECK,	/* the host's #MC, taken in the guest */
	HV_VX_XSETBV,		/* ECX in RCX, EDX:EAX in RDX:RAX (hv/xsave.c) */
	HV_VX_CR0_WRITE,	/* MOV to CR0, CLTS, LMSW: value; cr0, cr4, efer, code64 */
	HV_VX_CR4_WRITE,	/* MOV to CR4: value; cr0, cr3, cr4, efer */
	HV_VX_GP,		/* a #GP the guest raised, no event in delivery
				 * (intercepted with the VMware backdoor,
				 * hv/vmport.c): code64; out: skip with len, or
				 * nothing (the backend delivers the #GP) */
	HV_VX_DTLOAD,		/* LGDT, LIDT, LLDT, LTR: dt (hv/dtload.c) */
	HV_VX_UD,		/* a #UD the guest raised, no event in delivery
				 * (hv/xvendor.c): rflags, code_bits; out:
				 * branch, or nothing (the backend delivers
				 * the #UD) */
};

/*
 * The guest's general registers by x86 register number (the ModRM reg
 * encoding, SDM Vol. 2A 2.1.5): both backends keep them in an array of
 * this order, so a rule reads and writes them in place; the RSP slot is
 * not used (RSP lives in the VMCS/VMCB).
 */
enum hv_gpr {
	HV_RAX, HV_RCX, HV_RDX, HV_RBX, HV_RSP_UNUSED, HV_RBP, HV_RSI, HV_RDI,
	HV_R8, HV_R9, HV_R10, HV_R11, HV_R12, HV_R13, HV_R14, HV_R15, HV_NGPRS
};

/*
 * A segment or system register as a descriptor loads it: base, limit in
 * bytes (granularity applied), selector, attributes (x86_arch.h X86_DESC_*:
 * descriptor bits 47:40 in 7:0, 55:52 in 11:8).
 */
struct hv_seg {
	uint64_t	 base;
	uint32_t	 limit;
	uint16_t	 sel, attr;
};

/* the segment registers in the Sreg encoding (SDM Vol. 2A 3.1.1.2) */
enum hv_sreg { HV_ES, HV_CS, HV_SS, HV_DS, HV_FS, HV_GS, HV_NSREGS };
enum hv_dtreg { HV_DT_GDTR, HV_DT_IDTR, HV_DT_LDTR, HV_DT_TR };

/*
 * HV_VX_DTLOAD (hv/dtload.c), RIP on the instruction: in, the register the
 * exit names, the code's width (hv_next_rip), the segment bases, GDTR (the
 * rest of the guest's state through ops->get_regs); out, with skip: the
 * register's new value (load) and the instruction's length; or the
 * exception it raises instead, in the exit record's exc.
 */
struct hv_dtload {
	enum hv_dtreg	 reg;
	unsigned	 code_bits;
	uint64_t	 seg_base[HV_NSREGS];
	struct hv_seg	 gdtr;
	struct hv_seg	 load;
	unsigned	 len;
};

/* An exception a rule raises in place of the instruction (hv_vx_raise);
 * a #PF's address is the exit record's cr2. */
struct hv_exc {
	bool		 raise;
	uint8_t		 vector;
	bool		 has_err;
	uint32_t	 err;		/* its error code, where has_err */
};

struct hv_vmexit {
	enum hv_vmexit_kind kind;
	uint64_t	 rip;		/* of the exiting instruction (messages) */
	uint64_t	 rflags;
	uint64_t	*gpr;		/* the guest's, [HV_NGPRS]: RAX..RDX in and out */
	struct {
		uint16_t port;
		uint8_t	 size;		/* 1, 2 or 4 */
		bool	 in, string, rep;
		/* string I/O (hv/strio.c), with rflags (DF): the address
		 * size in bits (16, 32, 64; 0: not given, the core decodes
		 * the prefixes), the segment of OUTS as the CPU numbers it
		 * (enum hv_sreg; -1: not given), the width of the code (as
		 * hv_next_rip) and the bases of the six segments */
		uint8_t	 addr_bits, code_bits;
		int8_t	 seg;
		uint64_t base[HV_NSREGS];
	} io;
	uint64_t	 cr0;		/* WRMSR (EFER.LME rule), SHUTDOWN: guest CR0 */
	uint64_t	 rsp, cr3, idtr_base;	/* SHUTDOWN: the guest's */
	uint32_t	 idtr_limit;
	uint64_t	 cr4, efer;	/* CR0/CR4_WRITE: the guest's, before it;
					 * out (CR0_WRITE): EFER with LMA as it becomes */
	uint64_t	 value;		/* CR0/CR4_WRITE: written (out: the CR4 to keep) */
	bool		 code64;	/* CR0_WRITE, GP: in 64-bit code (CS.L) */
	unsigned	 len;		/* out (GP): the length of what skip completes */
	bool		 flush;		/* out: drop the guest's TLB (CR0/CR4_WRITE) */
	bool		 skip;		/* out: complete the instruction */
	bool		 gp;		/* out: raise #GP(0) instead */
	bool		 ud;		/* out: raise #UD instead */
	/* out: raise exc instead (gp and ud: the two with no error code to
	 * give), with cr2 for a #PF; exc.raise beside the flags above, so
	 * the backends clear all four with one store */
	struct hv_exc	 exc;
	uint64_t	 cr2;
	struct hv_dtload *dt;		/* DTLOAD */
	/* UD: the width of the guest's code (hv_next_rip); out: branch, the
	 * instruction done as a far transfer: CS and SS loaded (CPL becomes
	 * their DPL), RFLAGS = rflags, the guest goes on at target, ended as
	 * any instruction hv completes (shadow, single-step trap) */
	unsigned	 code_bits;
	bool		 branch;
	uint64_t	 target;
	struct hv_seg	 cs, ss;
};

static inline void
hv_vx_raise(struct hv_vmexit *vx, unsigned vector, bool has_err, uint32_t err)
{
	vx->exc.raise = true;
	vx->exc.vector = (uint8_t)vector;
	vx->exc.has_err = has_err;
	vx->exc.err = err;
}

/* the rule of each kind (hv/exit.c, hv/cpuid.c, hv/msr.c, hv/xsave.c,
 * hv/cr.c) */
int	 hv_vx_pio(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex);
/* INS/OUTS (hv/strio.c); one access of the I/O space, split into bytes as
 * the bus does (hv/exit.c: a read's absent bytes are all ones) */
int	 hv_vx_strio(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex);
uint32_t hv_pio_access(struct hv_vcpu *vcpu, unsigned port, unsigned size,
	    bool in, uint32_t val);
int	 hv_vx_cpuid(struct hv_vcpu *vcpu, struct hv_vmexit *vx);
int	 hv_vx_hlt(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex);
int	 hv_vx_rdmsr(struct hv_vcpu *vcpu, struct hv_vmexit *vx);
int	 hv_vx_wrmsr(struct hv_vcpu *vcpu, struct hv_vmexit *vx);
int	 hv_vx_shutdown(struct hv_vcpu *vcpu, struct hv_vmexit *vx,
	    struct hv_exit *ex);
/* INVD .. MWAIT */
int	 hv_vx_insn(struct hv_vcpu *vcpu, struct hv_vmexit *vx);
int	 hv_vx_cr0_write(struct hv_vmexit *vx);
int	 hv_vx_cr4_write(struct hv_vmexit *vx);
int	 hv_vx_machine_check(void);
int	 hv_vx_xsetbv(struct hv_vcpu *vcpu, struct hv_vmexit *vx,
	    struct hv_exit *ex);
int	 hv_vx_unknown(struct hv_vcpu *vcpu, struct hv_vmexit *vx,
	    struct hv_exit *ex);
int	 hv_vx_gp(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex);
int	 hv_vx_dtload(struct hv_vcpu *vcpu, struct hv_vmexit *vx,
	    struct hv_exit *ex);
int	 hv_vx_ud(struct hv_vcpu *vcpu, struct hv_vmexit *vx);
/* hv/vmport.c: a backdoor command on its port (done: true, skip set);
 * RDPMC of a backdoor pseudo-counter (done: true, EDX:EAX written) */
bool	 hv_vmport_pio(struct hv_vcpu *vcpu, struct hv_vmexit *vx);
bool	 hv_vmport_rdpmc(struct hv_vcpu *vcpu, uint64_t *gpr);
/* exit handlers both backends' tables name as they are (hv/exit.c) */
int	 hv_exit_host_intr(struct hv_vcpu *vcpu, struct hv_exit *ex);
int	 hv_exit_irq_window(struct hv_vcpu *vcpu, struct hv_exit *ex);
int	 hv_exit_nmi_window(struct hv_vcpu *vcpu, struct hv_exit *ex);

/* inline: a backend's handler of one kind calls that kind's rule directly */
static inline int
hv_vmexit(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	switch (vx->kind) {
	case HV_VX_PIO:
		return hv_vx_pio(vcpu, vx, ex);
	case HV_VX_CPUID:
		return hv_vx_cpuid(vcpu, vx);
	case HV_VX_HLT:
		return hv_vx_hlt(vcpu, vx, ex);
	case HV_VX_RDMSR:
		return hv_vx_rdmsr(vcpu, vx);
	case HV_VX_WRMSR:
		return hv_vx_wrmsr(vcpu, vx);
	case HV_VX_SHUTDOWN:
		return hv_vx_shutdown(vcpu, vx, ex);
	case HV_VX_INVD:
	case HV_VX_WBINVD:
	case HV_VX_RDPMC:
	case HV_VX_MONITOR:
	case HV_VX_MWAIT:
		return hv_vx_insn(vcpu, vx);
	case HV_VX_MACHINE_CHECK:
		return hv_vx_machine_check();
	case HV_VX_XSETBV:
		return hv_vx_xsetbv(vcpu, vx, ex);
	case HV_VX_CR0_WRITE:
		return hv_vx_cr0_write(vx);
	case HV_VX_CR4_WRITE:
		return hv_vx_cr4_write(vx);
	case HV_VX_GP:
		return hv_vx_gp(vcpu, vx, ex);
	case HV_VX_DTLOAD:
		return hv_vx_dtload(vcpu, vx, ex);
	case HV_VX_UD:
		return hv_vx_ud(vcpu, vx);
	}
	return hv_vx_unknown(vcpu, vx, ex);
}

/*
 * An exception `vector` raised while the event `first` was being delivered
 * (X86_EVENT_* of hv/x86_arch.h, SVM's EXITINTINFO or VMX's IDT-vectoring
 * information; 0 = none): what the guest gets
 * (SDM Vol. 3A 6.15 Table 6-5): the second exception (benign pairs are
 * handled serially), a #DF, or shutdown (a fault while delivering #DF).
 */
enum hv_event_merge {
	HV_MERGE_SECOND,
	HV_MERGE_DOUBLE_FAULT,
	HV_MERGE_SHUTDOWN,
};
enum hv_event_merge hv_exception_merge(uint32_t first, unsigned vector);
/* The exception to inject for *vector raised while delivering first, in
 * *vector, *has_err, *err: itself, or #DF with error code 0 (SDM Vol. 3A
 * 6.15 "Interrupt 8"); false: the guest shuts down instead. */
bool	 hv_exception_reflect(uint32_t first, unsigned *vector, bool *has_err,
	    uint32_t *err);

/*
 * Stop the guest: *ex becomes HV_EXIT_ERROR with the one message format of
 * every guest stop, "guest<vm>.<vcpu>: <what> at rip=0x<rip>".  Returns 0,
 * what an exit handler returns with *ex filled.
 */
int	 hv_vcpu_stop(struct hv_vcpu *vcpu, struct hv_exit *ex, int error,
	    uint64_t raw, uint64_t rip, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

/*
 * A fault-class exception: delivering it pushes RFLAGS with RF set, so the
 * faulting instruction's restart is not stopped again by an instruction
 * breakpoint (SDM Vol. 3A 6.6 Table 6-1, 18.3.1.1; APM Vol. 2 8.2, 13.1.1.7).
 * An event a hypervisor injects gets the RFLAGS of the guest state as it
 * is, so the injector sets RF itself (SDM Vol. 3C 27.6.1.1 / APM 15.20).
 */
bool	 hv_exception_fault(unsigned vector);

/*
 * An instruction hv completed in the guest's place (RIP moved past it, any
 * STI/MOV SS shadow ended): whether the CPU would have ended it with a
 * single-step trap.  RFLAGS.TF set as it began makes it end with #DB,
 * DR6.BS set, RIP past it (SDM Vol. 3B 17.3.1.4; APM Vol. 2 13.1.1.1); the
 * backend passes the RFLAGS the instruction leaves, which is the one it
 * began with except for a SYSCALL hv emulates (hv/xvendor.c): its TF is
 * checked as SYSCALL ends, so IA32_FMASK masking TF leaves no trap (as
 * kernels rely on) and TF kept traps at the target.  The trap is not held
 * back by a shadow the instruction itself was in.  Stepping on branches
 * only (DEBUGCTL.BTF) does not arise: the guest has no DEBUGCTL (its RDMSR
 * and WRMSR raise #GP).
 * An instruction that faults instead, or a software interrupt delivered
 * (it clears TF), has no such trap.  VMX encodes it as a pending debug
 * exception (SDM Vol. 3C 27.7.3: delivered after the entry, DR6 updated
 * with it); SVM, which has none, injects the #DB and sets BS in the VMCB's
 * DR6, which VMRUN loads.
 */
static inline bool
hv_single_step_trap(uint64_t rflags)
{
	return (rflags & X86_RFLAGS_TF) != 0;
}

/*
 * Whether an exception with an error code pushes it: not in real-address
 * mode (CR0.PE=0), whose frame through the IVT is FLAGS, CS and IP only
 * (SDM Vol. 3A 20.1.4; APM Vol. 2 8.7), and a VMX entry injecting one
 * there fails (SDM Vol. 3C 26.2.1.3, with unrestricted guest).
 */
bool	 hv_exception_pushes_error(uint64_t cr0);

/*
 * Where the guest goes on after an instruction of len bytes at rip that hv
 * completes.  The instruction pointer has the width of the code it runs
 * (code_bits 64, 32 or 16: 64-bit mode, else the code segment's D flag):
 * outside 64-bit mode it is EIP, or IP, and wraps (SDM Vol. 1 3.5, 3.6;
 * APM Vol. 1 2.2.4).  In 64-bit mode it does not wrap: an instruction that
 * ends at the top of the lower canonical half leaves RIP past it, and the
 * next fetch there raises #GP in the guest (the VMX entry check of RIP
 * compares only the bits above the linear-address width, SDM Vol. 3C
 * 26.3.1.4).
 */
static inline uint64_t
hv_next_rip(uint64_t rip, unsigned len, unsigned code_bits)
{
	uint64_t next = rip + len;

	return code_bits == 64 ? next : code_bits == 32 ? (uint32_t)next :
	    (uint16_t)next;
}

/*
 * The exceptions a guest's vCPU exits on, one bit per vector (the layout of
 * both the SVM exception intercept word, APM Vol. 2 15.12, and the VMX
 * exception bitmap, SDM Vol. 3C 25.2): #UD, counted and reflected (on VMX
 * first decoded for an AMD guest, hv/xvendor.c); #MC, the
 * host's (without the intercept it would go through the guest's IDT); #BP
 * only when the host's debugger takes the guest's breakpoints
 * (hv_vm_set_debugger); #PF only for a guest whose MAXPHYADDR is below the
 * CPU's (hv_maxphy_pf).  Every other exception stays in the guest, so
 * double and triple faults are formed by the CPU itself.
 */
uint32_t hv_exception_intercepts(const struct hv_vm *vm);

/* CPUID for the guest: host values with VMX/SVM hidden plus the hv leaf;
 * hv_guest_features: the part that is the same for every vCPU. */
void	 hv_guest_features(uint32_t leaf, uint32_t subleaf, uint32_t r[4]);
void	 hv_guest_cpuid(struct hv_vcpu *vcpu, uint32_t leaf, uint32_t subleaf,
	    uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d);

/*
 * The CR4 bits a guest may set: those whose feature its CPUID shows
 * (hv/cr.c).  A backend that lets the guest write CR4 without an exit
 * makes every other bit exit (VMX: the CR4 guest/host mask).
 */
uint64_t hv_cr4_guest_bits(void);
/* va canonical in the guest's linear-address width (hv/cr.c) */
bool	 hv_guest_canonical(uint64_t va);

#endif /* HV_EXIT_H */
