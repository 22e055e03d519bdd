/*
 * svm_exit.c - #VMEXIT dispatch (exit codes: AMD APM Vol. 2 Appendix C).
 * Each handler returns HV_RESUME (enter again) or 0 with *ex filled for the
 * host.  Anything not handled stops the VM with the exit named.
 */
#include "svm.h"
#include "vmcb.h"

#define VEC_UD		6
#define VEC_GP		13

/* IOIO EXITINFO1 (APM 15.10.2) */
#define IO_IN		(1u << 0)
#define IO_STR		(1u << 2)
#define IO_REP		(1u << 3)
#define IO_SZ8		(1u << 4)
#define IO_SZ16		(1u << 5)
#define IO_SZ32		(1u << 6)

/* #NPF EXITINFO1 error code (APM 15.25.6) */
#define NPF_P		(1ull << 0)
#define NPF_W		(1ull << 1)
#define NPF_U		(1ull << 2)
#define NPF_RSV		(1ull << 3)
#define NPF_ID		(1ull << 4)

/* UART registers the guest may poll: the line status says "transmitter
 * empty" (bits 5 and 6) so a polling guest writes at once. */
#define COM1_LSR	(HV_GUEST_COM1 + 5)
#define LSR_THRE_TEMT	0x60u

void
svm_skip_insn(struct svm_vcpu *s, unsigned len)
{
	uint8_t *v = s->vmcb;
	uint64_t nrip = svm_caps.nrips ? vmcb_rd64(v, VMCB_NRIP) : 0;

	/* With NRIPS the CPU tells us where the instruction ends (APM
	 * 15.7.1); QEMU TCG has no NRIPS, so the length is ours. */
	vmcb_wr64(v, VMCB_RIP, nrip != 0 ? nrip : vmcb_rd64(v, VMCB_RIP) + len);
	/* The skipped instruction ends any STI/MOV SS interrupt shadow. */
	vmcb_wr64(v, VMCB_INT_SHADOW, 0);
}

void
svm_inject_exception(struct svm_vcpu *s, unsigned vector, bool has_err,
    uint32_t err)
{
	uint64_t ev = (uint64_t)vector | (EVENT_TYPE_EXC << EVENT_TYPE_SHIFT) |
	    EVENT_VALID;

	if (has_err)
		ev |= EVENT_ERR_VALID | ((uint64_t)err << 32);
	s->pending_event = ev;
}

static int
exit_cpuid(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint32_t a, b, c, d;

	hv_guest_cpuid(vcpu, (uint32_t)vmcb_rd64(s->vmcb, VMCB_RAX),
	    (uint32_t)s->gprs.rcx, &a, &b, &c, &d);
	vmcb_wr64(s->vmcb, VMCB_RAX, a);
	s->gprs.rbx = b;
	s->gprs.rcx = c;
	s->gprs.rdx = d;
	svm_skip_insn(s, 2);		/* 0F A2 */
	return HV_RESUME;
}

static int
exit_vmmcall(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	struct hv_regs r;
	bool for_host;

	svm_skip_insn(s, 3);		/* 0F 01 D9 */
	hv_ops->get_regs(vcpu, &r);
	for_host = hv_hypercall(vcpu, &r, ex);
	if (for_host)
		return 0;
	vmcb_wr64(s->vmcb, VMCB_RAX, r.rax);
	return HV_RESUME;
}

static int
exit_ioio(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	uint64_t info = vmcb_rd64(v, VMCB_EXITINFO1);
	unsigned port = (unsigned)(info >> 16) & 0xffff;
	unsigned size = (info & IO_SZ32) ? 4 : (info & IO_SZ16) ? 2 : 1;
	uint64_t rax = vmcb_rd64(v, VMCB_RAX), val;

	if (info & (IO_STR | IO_REP)) {
		hv_exit_error(ex, HV_ENOTSUP, SVM_EXIT_ioio, "string I/O (%s%s) to "
		    "port 0x%x is not emulated", (info & IO_REP) ? "rep " : "",
		    (info & IO_IN) ? "ins" : "outs", port);
		return 0;
	}
	if (!(info & IO_IN)) {
		if (port == HV_GUEST_COM1 && size == 1)
			hv_guest_serial_out(vcpu, (uint8_t)rax);
		else if (port < HV_GUEST_COM1 || port > HV_GUEST_COM1 + 7)
			hv_ratelog("io", "guest%d.%d: out%c 0x%llx to port 0x%x "
			    "ignored\n", vcpu->vm->id, vcpu->id,
			    size == 1 ? 'b' : size == 2 ? 'w' : 'l',
			    (unsigned long long)rax, port);
	} else {
		/* COM1: an idle UART; elsewhere nothing answers (all ones). */
		if (port == COM1_LSR)
			val = LSR_THRE_TEMT;
		else if (port >= HV_GUEST_COM1 && port <= HV_GUEST_COM1 + 7)
			val = 0;
		else
			val = 0xffffffffu;
		val &= size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu;
		/* IN to AL/AX keeps the rest of RAX; IN to EAX zero-extends. */
		if (size == 4)
			rax = val;
		else
			rax = (rax & ~(size == 2 ? 0xffffull : 0xffull)) | val;
		vmcb_wr64(v, VMCB_RAX, rax);
	}
	/* EXITINFO2 holds the next RIP for IOIO even without NRIPS. */
	vmcb_wr64(v, VMCB_RIP, vmcb_rd64(v, VMCB_EXITINFO2));
	vmcb_wr64(v, VMCB_INT_SHADOW, 0);
	return HV_RESUME;
}

static int
exit_npf(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint64_t err = vmcb_rd64(s->vmcb, VMCB_EXITINFO1);
	uint64_t gpa = vmcb_rd64(s->vmcb, VMCB_EXITINFO2);
	unsigned acc = 0;
	int error;

	if (err & NPF_W)
		acc |= HV_ACC_WRITE;
	if (err & NPF_U)
		acc |= HV_ACC_USER;
	if (err & NPF_ID)
		acc |= HV_ACC_EXEC;
	if (err & NPF_RSV) {
		/* our entries never set reserved bits: a table bug */
		hv_exit_error(ex, HV_EIO, SVM_EXIT_npf, "#NPF: reserved bit in a "
		    "nested entry, gpa 0x%llx, error code 0x%llx",
		    (unsigned long long)gpa, (unsigned long long)err);
		return 0;
	}
	error = hv_nested_fault(vcpu->vm, gpa, acc);
	if (error == 0)
		return HV_RESUME;
	if (error == HV_EFAULT)
		hv_exit_error(ex, HV_EFAULT, SVM_EXIT_npf, "#NPF outside guest "
		    "memory: gpa 0x%llx (memory ends at 0x%llx), error code "
		    "0x%llx, rip 0x%llx", (unsigned long long)gpa,
		    (unsigned long long)vcpu->vm->mem_size,
		    (unsigned long long)err,
		    (unsigned long long)vmcb_rd64(s->vmcb, VMCB_RIP));
	else
		hv_exit_error(ex, error, SVM_EXIT_npf, "#NPF at gpa 0x%llx could "
		    "not be resolved (error %d)", (unsigned long long)gpa,
		    error);
	return 0;
}

/*
 * Guest INT3: the intercept comes before delivery, RIP is the INT3 itself.
 * Step over it so that "continue" at the db> prompt goes on.
 */
static int
exit_breakpoint(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);

	svm_skip_insn(s, 1);
	s->pending_event = 0;
	ex->kind = HV_EXIT_DEBUG;
	return 0;
}

/*
 * INTn intercept (APM 15.13.3), RIP on the instruction.  INT3 becomes a
 * breakpoint exit; any other INTn is delivered to the guest as the software
 * interrupt it is.  The vector comes from EXITINFO1 with decode assists,
 * else from the instruction bytes.
 */
static int
exit_swint(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	uint64_t rip = vmcb_rd64(v, VMCB_RIP);
	uint8_t insn[2];
	unsigned vec, len;

	if (hv_copyin(vcpu, rip, insn, 1) != 0) {
		hv_exit_error(ex, HV_EFAULT, SVM_EXIT_swint, "INTn at rip 0x%llx: "
		    "instruction unreadable", (unsigned long long)rip);
		return 0;
	}
	if (insn[0] == 0xcc) {			/* INT3 */
		vec = 3;
		len = 1;
	} else if (insn[0] == 0xcd) {		/* INT imm8 */
		if (svm_caps.decode_assists)
			insn[1] = (uint8_t)vmcb_rd64(v, VMCB_EXITINFO1);
		else if (hv_copyin(vcpu, rip + 1, &insn[1], 1) != 0) {
			hv_exit_error(ex, HV_EFAULT, SVM_EXIT_swint, "INTn at rip "
			    "0x%llx: vector byte unreadable",
			    (unsigned long long)rip);
			return 0;
		}
		vec = insn[1];
		len = 2;
	} else {
		hv_exit_error(ex, HV_EIO, SVM_EXIT_swint, "INTn intercept at rip "
		    "0x%llx on opcode 0x%02x: cannot decode",
		    (unsigned long long)rip, insn[0]);
		return 0;
	}
	if (vec == 3)
		return exit_breakpoint(vcpu, ex);
	/*
	 * Inject it as a software interrupt (type 4, so the gate DPL is
	 * checked against CPL) with RIP past the instruction: that is the
	 * return address pushed (svm_vcpu_run copies it to nRIP, where a CPU
	 * with NRIPS takes it from).
	 */
	vmcb_wr64(v, VMCB_RIP, rip + len);
	s->pending_event = vec | (EVENT_TYPE_SWINT << EVENT_TYPE_SHIFT) |
	    EVENT_VALID;
	return HV_RESUME;
}

static int
exit_invalid(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	const char *why = vmcb_check(&svm_of(vcpu)->snap);

	hv_exit_error(ex, HV_EINVAL, (uint64_t)-1, "VMRUN failed: invalid VMCB: "
	    "%s", why != NULL ? why :
	    "no consistency check of APM 15.5.1 fails in software");
	return 0;
}

static int
exit_hlt(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);

	/* the only interrupts are the host's queued ones (svm_irq.c), and
	 * with IF=0 none of them ends a HLT */
	if (!(vmcb_rd64(s->vmcb, VMCB_RFLAGS) & RFLAGS_IF)) {
		hv_exit_error(ex, HV_EINVAL, SVM_EXIT_hlt, "guest HLT with "
		    "interrupts disabled at rip 0x%llx: it would never wake",
		    (unsigned long long)vmcb_rd64(s->vmcb, VMCB_RIP));
		return 0;
	}
	/* Completed as after a wake-up: with an interrupt queued the guest
	 * takes it at the next entry, else a yield gives the CPU back to the
	 * host. */
	svm_skip_insn(s, 1);
	if (hv_irq_next(vcpu) >= 0)
		return HV_RESUME;
	ex->kind = HV_EXIT_INTR;
	return 0;
}

/*
 * The fast path, right after #VMEXIT and still pinned: a hypercall that
 * needs nothing but its result (hv_hypercall_fast: HC_NOP) is finished here
 * and counted as svm_handle_exit would; no allocation, lock or sysctl
 * lookup.  true: done, enter again.  Not with an event to re-inject.
 */
bool
svm_exit_fast(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;

	if ((vmcb_rd64(v, VMCB_EXITINTINFO) & EVENT_VALID) ||
	    !hv_hypercall_fast(vmcb_rd64(v, VMCB_RAX)))
		return false;
	svm_exit_count(SVM_EXIT_vmmcall);
	svm_skip_insn(s, 3);		/* 0F 01 D9 */
	vmcb_wr64(v, VMCB_RAX, 0);
	return true;
}

static int
exit_host_intr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	/* the host takes it after STGI (svm_switch.S) */
	ex->kind = HV_EXIT_INTR;
	return 0;
}

static int
exit_vintr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	/* the guest can take the queued interrupt: svm_irq_prepare injects it
	 * at the next entry */
	HV_STAT_INC(irq_windows);
	return HV_RESUME;
}

static int
exit_msr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return svm_exit_msr(vcpu);
}

static int
exit_reflect_ud(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	/* counted, then reflected: the guest's own #UD handler runs */
	svm_inject_exception(svm_of(vcpu), VEC_UD, false, 0);
	return HV_RESUME;
}

/* VMRUN..SKINIT: SVM is hidden from the guest, as if EFER.SVME=0 */
static int
exit_svm_insn(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	svm_inject_exception(svm_of(vcpu), VEC_UD, false, 0);
	return HV_RESUME;
}

/* XCR0 stays the host's: refused as the CPU refuses a bad value (the #UD
 * for CR4.OSXSAVE=0 comes before the intercept). */
static int
exit_xsetbv(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	svm_inject_exception(svm_of(vcpu), VEC_GP, true, 0);
	return HV_RESUME;
}

static int
exit_shutdown(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	hv_exit_error(ex, HV_EFAULT, SVM_EXIT_shutdown, "guest triple fault "
	    "(SHUTDOWN intercept) at rip 0x%llx",
	    (unsigned long long)vmcb_rd64(svm_of(vcpu)->vmcb, VMCB_RIP));
	return 0;
}

typedef int svm_exit_fn(struct hv_vcpu *vcpu, struct hv_exit *ex);

/* svm_exits.h's handler column; NULL: named, not handled */
#define HANDLER_X(reason, name, handler)	[reason] = handler,
#define HANDLER_N(reason, name)
static svm_exit_fn *const handlers[SVM_NREASONS] = {
	SVM_EXITS(HANDLER_X, HANDLER_N)
};

int
svm_handle_exit(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	uint64_t code = vmcb_rd64(v, VMCB_EXITCODE);
	unsigned reason = svm_exit_reason(code);
	uint64_t intinfo = vmcb_rd64(v, VMCB_EXITINTINFO);

	svm_exit_count(code);
	ex->raw_reason = code;
	/*
	 * An exit in the middle of delivering an event (e.g. a #NPF on the
	 * guest's IDT or stack) leaves it in EXITINTINFO; it must be injected
	 * again or it is lost (APM 15.7.2).  A reflected exception below
	 * replaces it, as the CPU would for a benign one.  A software
	 * interrupt found there is always one we injected (INTn is
	 * intercepted), so RIP is already past its instruction.
	 */
	if (intinfo & EVENT_VALID)
		s->pending_event = intinfo;
	if (reason < SVM_NREASONS && handlers[reason] != NULL)
		return handlers[reason](vcpu, ex);
	hv_exit_error(ex, HV_EIO, code, "unexpected #VMEXIT %s (0x%llx), "
	    "exitinfo1 0x%llx exitinfo2 0x%llx",
	    svm_exit_name_or_unknown(code), (unsigned long long)code,
	    (unsigned long long)vmcb_rd64(v, VMCB_EXITINFO1),
	    (unsigned long long)vmcb_rd64(v, VMCB_EXITINFO2));
	return 0;
}
