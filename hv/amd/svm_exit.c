/*
 * svm_exit.c - #VMEXIT dispatch (exit codes: AMD APM Vol. 2 Appendix C).
 * Each handler returns HV_RESUME (enter again) or 0 with *ex filled for the
 * host.  Anything not handled stops the VM with the exit named.
 */
#include "svm.h"
#include "vmcb.h"

/* IOIO EXITINFO1 (APM 15.10.2) */
#define IO_IN		(1u << 0)
#define IO_STR		(1u << 2)
#define IO_REP		(1u << 3)
#define IO_SZ8		(1u << 4)
#define IO_SZ16		(1u << 5)
#define IO_SZ32		(1u << 6)
#define IO_A16		(1u << 7)
#define IO_A32		(1u << 8)
#define IO_A64		(1u << 9)
#define IO_SEG_SHIFT	10	/* 3 bits: OUTS's segment, with decode assists */

/* #NPF EXITINFO1 error code (APM 15.25.6) */
#define NPF_P		(1ull << 0)
#define NPF_W		(1ull << 1)
#define NPF_U		(1ull << 2)
#define NPF_RSV		(1ull << 3)
#define NPF_ID		(1ull << 4)
#define NPF_FINAL	(1ull << 32)	/* at the final guest-physical address */

/* The guest's instruction done in its place, the next at next_rip: its
 * STI/MOV SS shadow ended, its single-step trap raised. */
static inline void
complete_insn(struct svm_vcpu *s, uint64_t next_rip)
{
	uint8_t *v = s->vmcb;

	vmcb_wr64(v, VMCB_RIP, next_rip);
	/* The completed instruction ends any STI/MOV SS interrupt shadow. */
	vmcb_wr64(v, VMCB_INT_SHADOW, 0);
	/* and ends with the single-step trap the CPU would raise (hv/exit.h) */
	if (hv_single_step_trap(vmcb_rd64(v, VMCB_RFLAGS))) {
		vmcb_wr64(v, VMCB_DR6, vmcb_rd64(v, VMCB_DR6) | X86_DR6_BS);
		svm_inject_exception(s, X86_VEC_DB, false, 0);
	}
}

/* The width of the guest's code (hv_next_rip): 64-bit mode is EFER.LMA
 * with CS.L, else CS.D decides (APM Vol. 2 4.8.1). */
static unsigned
code_bits(const uint8_t *v)
{
	unsigned attr = vmcb_rd16(v, VMCB_SEG_CS + VMCB_SEG_ATTR);

	if ((vmcb_rd64(v, VMCB_EFER) & X86_EFER_LMA) && (attr & VMCB_ATTR_L))
		return 64;
	return (attr & VMCB_ATTR_DB) ? 32 : 16;
}

/* The guest's instruction at RIP, len bytes, done in its place. */
static void
complete_len(struct svm_vcpu *s, unsigned len)
{
	complete_insn(s, hv_next_rip(vmcb_rd64(s->vmcb, VMCB_RIP), len,
	    code_bits(s->vmcb)));
}

/* inline in core_exit: a call per step is a good part of a common exit */
static inline __attribute__((always_inline)) void
skip_insn(struct svm_vcpu *s, uint64_t rip, unsigned len)
{
	uint8_t *v = s->vmcb;
	uint64_t nrip = svm_caps.nrips ? vmcb_rd64(v, VMCB_NRIP) : 0;

	/* With NRIPS the CPU tells us where the instruction ends (APM
	 * 15.7.1); QEMU TCG has no NRIPS, so the length is ours. */
	if (nrip == 0)
		nrip = hv_next_rip(rip, len, code_bits(v));
	complete_insn(s, nrip);
}

void
svm_skip_insn(struct svm_vcpu *s, unsigned len)
{
	skip_insn(s, vmcb_rd64(s->vmcb, VMCB_RIP), len);
}

void
svm_inject_exception(struct svm_vcpu *s, unsigned vector, bool has_err,
    uint32_t err)
{
	uint64_t ev = x86_event(vector, X86_EVENT_HW_EXC);

	if (has_err && hv_exception_pushes_error(vmcb_rd64(s->vmcb, VMCB_CR0)))
		ev |= X86_EVENT_ERR_VALID | ((uint64_t)err << 32);
	s->pending_event = ev;
	/* the frame gets the VMCB's RFLAGS as it is: RF for a fault (hv/exit.h) */
	if (hv_exception_fault(vector))
		vmcb_wr64(s->vmcb, VMCB_RFLAGS, vmcb_rd64(s->vmcb, VMCB_RFLAGS) |
		    X86_RFLAGS_RF);
}

/* End the run with HV_EXIT_ERROR: "guest<vm>.<vcpu>: <what> at rip=...". */
#define stop(vcpu, ex, error, ...)					\
	hv_vcpu_stop((vcpu), (ex), (error), (ex)->raw_reason,		\
	    vmcb_rd64(svm_of(vcpu)->vmcb, VMCB_RIP), __VA_ARGS__)

/* The exception a core rule raised instead of the instruction (hv/exit.h
 * struct hv_exc); a #PF's address goes to CR2 first. */
static void
raise_exc(struct svm_vcpu *s, const struct hv_vmexit *vx)
{
	if (vx->exc.vector == X86_VEC_PF)
		vmcb_wr64(s->vmcb, VMCB_CR2, vx->cr2);
	svm_inject_exception(s, vx->exc.vector, vx->exc.has_err, vx->exc.err);
}

/* Hand a decoded exit to the core's rule (hv/exit.c), which reads and
 * writes the guest's registers in place, and apply the rest of it; len:
 * the instruction's length when the CPU gives no next RIP. */
static inline __attribute__((always_inline)) int
core_exit(struct hv_vcpu *vcpu, struct hv_vmexit *vx, unsigned len,
    struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	int rc;

	vx->skip = vx->gp = vx->ud = vx->exc.raise = false;
	vx->rip = vmcb_rd64(s->vmcb, VMCB_RIP);
	vx->gpr = s->gpr;
	rc = hv_vmexit(vcpu, vx, ex);
	/* one of the three at most (hv/exit.h) */
	if (vx->skip)		/* no rule moves RIP */
		skip_insn(s, vx->rip, len);
	else if (vx->gp)
		svm_inject_exception(s, X86_VEC_GP, true, 0);
	else if (vx->ud)
		svm_inject_exception(s, X86_VEC_UD, false, 0);
	else if (vx->exc.raise)
		raise_exc(s, vx);
	return rc;
}

/* An instruction whose rule is the core's: kind, and its length without
 * prefixes for a CPU that gives no next RIP. */
static int
core_insn(struct hv_vcpu *vcpu, enum hv_vmexit_kind kind, unsigned len,
    struct hv_exit *ex)
{
	struct hv_vmexit vx = { .kind = kind };

	return core_exit(vcpu, &vx, len, ex);
}

static int
exit_invd(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_INVD, 2, ex);	/* 0F 08 */
}

static int
exit_wbinvd(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_WBINVD, 2, ex);	/* 0F 09 */
}

static int
exit_rdpmc(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_RDPMC, 2, ex);	/* 0F 33 */
}

static int
exit_monitor(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_MONITOR, 3, ex);	/* 0F 01 C8 */
}

static int
exit_mwait(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_MWAIT, 3, ex);	/* 0F 01 C9 */
}

static int
exit_cpuid(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct hv_vmexit vx;

	vx.kind = HV_VX_CPUID;
	return core_exit(vcpu, &vx, 2, ex);	/* 0F A2 */
}

static int
exit_vmmcall(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	struct hv_regs r;
	enum hv_hc hc;
	int error;

	error = hv_ops->get_regs(vcpu, &r);
	if (error != 0)
		return error;
	hc = hv_hypercall(vcpu, &r, ex);
	if (hc == HV_HC_UD) {
		/* a fault: RIP stays at the VMMCALL */
		svm_inject_exception(s, X86_VEC_UD, false, 0);
		return HV_RESUME;
	}
	svm_skip_insn(s, 3);		/* 0F 01 D9 */
	if (hc == HV_HC_HOST)
		return 0;
	s->gpr[HV_RAX] = r.rax;
	return HV_RESUME;
}

/* The bases of ES, CS, SS, DS, FS and GS (enum hv_sreg): the VMCB keeps
 * the six in that order, 16 bytes apart (APM Vol. 2 Table B-2). */
static void
seg_bases(const uint8_t *v, uint64_t base[HV_NSREGS])
{
	unsigned i;

	for (i = 0; i < HV_NSREGS; i++)
		base[i] = vmcb_rd64(v, VMCB_SEG_ES + 16 * i + VMCB_SEG_BASE);
}

/* What string I/O needs beyond EXITINFO1's port and size (APM 15.10.2:
 * A16/A32/A64 always, SEG with decode assists; else the core decodes). */
static void
ioio_string(const uint8_t *v, uint64_t info, struct hv_vmexit *vx)
{
	vx->rflags = vmcb_rd64(v, VMCB_RFLAGS);
	vx->io.code_bits = (uint8_t)code_bits(v);
	vx->io.addr_bits = (info & IO_A64) ? 64 : (info & IO_A32) ? 32 :
	    (info & IO_A16) ? 16 : 0;
	vx->io.seg = svm_caps.decode_assists && !vx->io.in ?
	    (int8_t)((info >> IO_SEG_SHIFT) & 7) : -1;
	seg_bases(v, vx->io.base);
}

static int
exit_ioio(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint8_t *v = svm_of(vcpu)->vmcb;
	uint64_t info = vmcb_rd64(v, VMCB_EXITINFO1);
	struct hv_vmexit vx;

	vx.kind = HV_VX_PIO;
	vx.io.port = (uint16_t)(info >> 16);
	/* SZ8, SZ16, SZ32 are bits 4, 5, 6: one of them, the size in bytes */
	vx.io.size = (uint8_t)((info & (IO_SZ8 | IO_SZ16 | IO_SZ32)) >> 4);
	vx.io.in = (info & IO_IN) != 0;
	vx.io.string = (info & IO_STR) != 0;
	vx.io.rep = (info & IO_REP) != 0;
	if (vx.io.string)
		ioio_string(v, info, &vx);
	/* EXITINFO2 holds the next RIP for IOIO even without NRIPS */
	return core_exit(vcpu, &vx, (unsigned)(vmcb_rd64(v, VMCB_EXITINFO2) -
	    vmcb_rd64(v, VMCB_RIP)), ex);
}

static int	reflect(struct hv_vcpu *vcpu, struct hv_exit *ex, unsigned vector,
		    bool has_err, uint32_t err);

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
		return stop(vcpu, ex, HV_EIO, "#NPF: reserved bit in a nested "
		    "entry, gpa 0x%llx, error code 0x%llx",
		    (unsigned long long)gpa, (unsigned long long)err);
	}
	if (hv_lapic_claims(vcpu, gpa)) {
		/* the access emulated: hv completes the instruction */
		unsigned len;
		int rc = hv_lapic_mmio(vcpu, gpa, ex, &len);

		if (rc == HV_RESUME)
			complete_len(s, len);
		return rc;
	}
	error = hv_nested_fault(vcpu->vm, gpa, acc);
	if (error == 0)
		return HV_RESUME;
	if (error == HV_EFAULT) {
		/* the guest's own walk may end in a #PF there (hv/maxphy.c);
		 * the exit gives no linear address */
		struct hv_npf n = { .gpa = gpa, .final = (err & NPF_FINAL) != 0,
		    .acc = acc & (HV_ACC_WRITE | HV_ACC_EXEC) };
		uint32_t pfec;
		uint64_t cr2;

		if (hv_maxphy_fault(vcpu, &n, &pfec, &cr2) == 0) {
			vmcb_wr64(s->vmcb, VMCB_CR2, cr2);
			return reflect(vcpu, ex, X86_VEC_PF, true, pfec);
		}
	}
	if (error == HV_EFAULT)
		return stop(vcpu, ex, HV_EFAULT, "#NPF outside guest memory: "
		    "gpa 0x%llx (memory ends at 0x%llx), error code 0x%llx",
		    (unsigned long long)gpa,
		    (unsigned long long)vcpu->vm->mem_size,
		    (unsigned long long)err);
	return stop(vcpu, ex, error, "#NPF at gpa 0x%llx could not be resolved "
	    "(error %d)", (unsigned long long)gpa, error);
}

/*
 * The opcode of the instruction at rip, after its legacy prefixes (SDM
 * Vol. 2A 2.1.1) and REX (2.2.1; a legacy prefix after it voids it): in
 * *op, its offset in *at, REX in *rex (0: none).  0, HV_EFAULT (a byte
 * unreadable) or HV_EIO (prefixes only, for X86_INSN_MAX bytes; *op the
 * last).
 */
static int
insn_opcode(struct hv_vcpu *vcpu, uint64_t rip, unsigned *at, unsigned *rex,
    int *op)
{
	static const uint8_t legacy[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
	    0x66, 0x67, 0xf0, 0xf2, 0xf3 };
	unsigned i, k;
	int b = 0;

	*rex = 0;
	for (i = 0; i < X86_INSN_MAX; i++) {
		if ((b = hv_fubyte(vcpu, rip + i)) < 0)
			return HV_EFAULT;
		for (k = 0; k < sizeof(legacy) && legacy[k] != b; k++)
			;
		if (k < sizeof(legacy)) {
			*rex = 0;
			continue;
		}
		if ((b & 0xf0) == 0x40) {	/* REX: 40-4f */
			*rex = (unsigned)b;
			continue;
		}
		*op = b;
		*at = i;
		return 0;
	}
	*op = b;
	return HV_EIO;
}

/*
 * Legacy prefixes and REX may come before INT3, INTO or INT imm8, the CPU
 * ignores them there and RIP points at the first.  The INT3 / INTO / INTn
 * at rip: its length and vector; 0, HV_EFAULT (a byte unreadable) or
 * HV_EIO (another opcode, in *op).  INTO (valid outside 64-bit mode) comes
 * here too: QEMU TCG intercepts it as INTn; it is delivered as the software
 * interrupt it is.
 */
static int
decode_int(struct hv_vcpu *vcpu, uint64_t rip, unsigned *len, unsigned *vec, int *op)
{
	unsigned i, rex;
	int b, error;

	if ((error = insn_opcode(vcpu, rip, &i, &rex, op)) != 0)
		return error;
	if (*op == 0xcc || *op == 0xce) {		/* INT3, INTO */
		*vec = *op == 0xcc ? X86_VEC_BP : X86_VEC_OF;
		*len = i + 1;
		return 0;
	}
	if (*op != 0xcd)				/* INT imm8 */
		return HV_EIO;
	if ((b = hv_fubyte(vcpu, rip + i + 1)) < 0)
		return HV_EFAULT;
	*vec = (unsigned)b;
	*len = i + 2;
	return 0;
}

/*
 * MOV to CR4 (intercept 0x14, RIP on the instruction, APM Vol. 2 15.9):
 * 0F 22 /r, ModRM reg naming the CR and r/m the general register, each
 * extended by REX (REX.R, REX.B) (SDM Vol. 2A MOV CR).  Decoded from the
 * bytes, which every CPU has (decode assists, APM 15.33, would give the
 * register).  The operand is 64 bits in 64-bit code, else 32.  The rule
 * is the core's (hv/cr.c); the value kept goes to the VMCB, and a change
 * of the translation bits flushes the guest's TLB.
 */
static int
exit_cr4_write(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	struct hv_vmexit vx = { .kind = HV_VX_CR4_WRITE };
	unsigned at, rex, gpr;
	int op, modrm, rc;

	rc = insn_opcode(vcpu, vmcb_rd64(v, VMCB_RIP), &at, &rex, &op);
	if (rc == 0 && (op != 0x0f ||
	    hv_fubyte(vcpu, vmcb_rd64(v, VMCB_RIP) + at + 1) != 0x22))
		rc = HV_EIO;
	if (rc == 0 &&
	    (modrm = hv_fubyte(vcpu, vmcb_rd64(v, VMCB_RIP) + at + 2)) < 0)
		rc = HV_EFAULT;
	if (rc == 0 && (((modrm >> 3) & 7) | ((rex & 4) << 1)) != 4)
		rc = HV_EIO;
	if (rc != 0)
		return stop(vcpu, ex, rc, "CR4 write intercept: instruction %s",
		    rc == HV_EFAULT ? "unreadable" : "not MOV to CR4");
	gpr = (modrm & 7) | ((rex & 1) << 3);
	vx.value = gpr == HV_RSP_UNUSED ? vmcb_rd64(v, VMCB_RSP) : s->gpr[gpr];
	vx.efer = vmcb_rd64(v, VMCB_EFER);
	if (code_bits(v) != 64)
		vx.value &= 0xffffffffull;
	vx.cr0 = vmcb_rd64(v, VMCB_CR0);
	vx.cr3 = vmcb_rd64(v, VMCB_CR3);
	vx.cr4 = vmcb_rd64(v, VMCB_CR4);
	rc = core_exit(vcpu, &vx, at + 3, ex);
	if (vx.skip) {
		vmcb_wr64(v, VMCB_CR4, vx.value);
		if (vx.flush)
			svm_flush_nested(vcpu);
	}
	return rc;
}

/*
 * LGDT, LIDT, LLDT, LTR (intercepts 0x6A-0x6D, RIP on the instruction, APM
 * Vol. 2 15.9; no information about the operand): the core decodes and
 * does them (hv/dtload.c); the register it loads goes to the VMCB (GDTR
 * and IDTR: base and limit only, APM Table B-2), or the exception it
 * raises instead is injected.
 */
static int
exit_dt_write(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	static const unsigned dtreg[] = { [HV_DT_GDTR] = VMCB_SEG_GDTR,
	    [HV_DT_IDTR] = VMCB_SEG_IDTR, [HV_DT_LDTR] = VMCB_SEG_LDTR,
	    [HV_DT_TR] = VMCB_SEG_TR };
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	struct hv_dtload dt;
	struct hv_vmexit vx = { .kind = HV_VX_DTLOAD, .dt = &dt };
	const struct hv_seg *l = &dt.load;
	int rc;

	dt.reg = ex->raw_reason == SVM_EXIT_gdtr_write ? HV_DT_GDTR :
	    ex->raw_reason == SVM_EXIT_idtr_write ? HV_DT_IDTR :
	    ex->raw_reason == SVM_EXIT_ldtr_write ? HV_DT_LDTR : HV_DT_TR;
	dt.code_bits = code_bits(v);
	seg_bases(v, dt.seg_base);
	dt.gdtr.base = vmcb_rd64(v, VMCB_SEG_GDTR + VMCB_SEG_BASE);
	dt.gdtr.limit = vmcb_rd32(v, VMCB_SEG_GDTR + VMCB_SEG_LIMIT);
	vx.rip = vmcb_rd64(v, VMCB_RIP);
	rc = hv_vmexit(vcpu, &vx, ex);
	if (rc == HV_RESUME && vx.exc.raise)
		raise_exc(s, &vx);
	else if (rc == HV_RESUME && vx.skip) {
		if (dt.reg <= HV_DT_IDTR) {
			vmcb_wr32(v, dtreg[dt.reg] + VMCB_SEG_LIMIT, l->limit);
			vmcb_wr64(v, dtreg[dt.reg] + VMCB_SEG_BASE, l->base);
		} else
			vmcb_set_seg(v, dtreg[dt.reg], l->sel, l->attr,
			    l->limit, l->base);
		complete_len(s, dt.len);
	}
	return rc;
}

/* Step over the INT3 (len bytes) so that "continue" at db> goes on. */
static int
breakpoint(struct svm_vcpu *s, unsigned len, struct hv_exit *ex)
{
	svm_skip_insn(s, len);
	s->pending_event = 0;
	ex->kind = HV_EXIT_DEBUG;
	return 0;
}

/* Guest #BP, intercepted for the host's debugger only: the intercept
 * comes before delivery, RIP is on the INT3. */
static int
exit_breakpoint(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	unsigned len, vec;
	int op;

	if (decode_int(vcpu, vmcb_rd64(s->vmcb, VMCB_RIP), &len, &vec, &op) != 0)
		len = 1;
	return breakpoint(s, len, ex);
}

/*
 * INTn intercept (APM 15.13.3), RIP on the instruction; on only in a VM
 * whose host debugger takes breakpoints (vmcb.c).  INT3 and INT 3 become a
 * breakpoint exit; any other INTn and INTO are delivered to the guest as
 * the software interrupts they are (a fault in that delivery then reports
 * RIP past the instruction: a VM with a host debugger only).
 */
static int
exit_swint(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	uint64_t rip = vmcb_rd64(v, VMCB_RIP);
	unsigned vec, len;
	int error, op;

	error = decode_int(vcpu, rip, &len, &vec, &op);
	if (error == HV_EFAULT)
		return stop(vcpu, ex, HV_EFAULT, "INTn: instruction unreadable");
	if (error != 0)
		return stop(vcpu, ex, HV_EIO, "INTn intercept on opcode 0x%02x: "
		    "cannot decode", op);
	if (vec == X86_VEC_BP && vcpu->vm->host_debugger)
		return breakpoint(s, len, ex);
	/*
	 * Inject it as a software interrupt (type 4, so the gate DPL is
	 * checked against CPL) with RIP past the instruction: that is the
	 * return address pushed (svm_prepare_entry copies it to nRIP, where a CPU
	 * with NRIPS takes it from).
	 */
	vmcb_wr64(v, VMCB_RIP, hv_next_rip(rip, len, code_bits(v)));
	s->pending_event = x86_event(vec, X86_EVENT_SW_INT);
	return HV_RESUME;
}

/*
 * The guest's first MOV DR (every one exits until then, hv/dreg.c): its
 * debug registers are switched from the next stretch on, which this exit
 * ended; the instruction runs again without the intercept.
 */
static int
exit_dr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	hv_dreg_touched(vcpu);
	vmcb_wr32(svm_of(vcpu)->vmcb, VMCB_INTERCEPT_DR, 0);
	return HV_RESUME;
}

static int
exit_invalid(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	const char *why = vmcb_check(&svm_of(vcpu)->snap);

	ex->raw_reason = (uint64_t)-1;	/* as -1 whichever width the CPU wrote */
	return stop(vcpu, ex, HV_EINVAL, "VMRUN failed: invalid VMCB: %s",
	    why != NULL ? why :
	    "no consistency check of APM 15.5.1 fails in software");
}

static int
exit_hlt(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct hv_vmexit vx = { .kind = HV_VX_HLT };

	vx.rflags = vmcb_rd64(svm_of(vcpu)->vmcb, VMCB_RFLAGS);
	return core_exit(vcpu, &vx, 1, ex);
}

/*
 * HC_NOP, the hypercall that needs nothing but its result: finished and
 * counted as svm_handle_exit would; not with an event to re-inject.
 */
static bool
exit_hc_nop(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;

	if ((vmcb_rd64(v, VMCB_EXITINTINFO) & X86_EVENT_VALID) ||
	    !hv_hypercall_fast(s->gpr[HV_RAX], vmcb_rd8(v, VMCB_CPL)))
		return false;
	svm_exit_count(SVM_EXIT_vmmcall);
	svm_skip_insn(s, 3);		/* 0F 01 D9 */
	s->gpr[HV_RAX] = 0;
	return true;
}

/* EXITINFO1: 0 RDMSR, 1 WRMSR (APM Vol. 2 15.11) */
static int
exit_msr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint8_t *v = svm_of(vcpu)->vmcb;
	struct hv_vmexit vx;

	/* one constant kind per core_exit: each inlines its rule's call */
	if (vmcb_rd64(v, VMCB_EXITINFO1) == 1) {
		vx.kind = HV_VX_WRMSR;
		vx.cr0 = vmcb_rd64(v, VMCB_CR0);
		return core_exit(vcpu, &vx, 2, ex);	/* 0F 30 */
	}
	vx.kind = HV_VX_RDMSR;
	return core_exit(vcpu, &vx, 2, ex);	/* 0F 32 */
}

static int	exit_shutdown(struct hv_vcpu *vcpu, struct hv_exit *ex);

/* An intercepted exception, counted, then reflected: the guest's own
 * handler runs; raised while delivering another event, the pair decides
 * (the core's rule) */
static int
reflect(struct hv_vcpu *vcpu, struct hv_exit *ex, unsigned vector,
    bool has_err, uint32_t err)
{
	struct svm_vcpu *s = svm_of(vcpu);

	if (!hv_exception_reflect((uint32_t)s->pending_event, &vector, &has_err,
	    &err))
		return exit_shutdown(vcpu, ex);
	svm_inject_exception(s, vector, has_err, err);
	return HV_RESUME;
}

/*
 * #PF, intercepted for a guest MAXPHYADDR below the CPU's: EXITINFO1 holds
 * the error code, EXITINFO2 the address, and CR2 is not loaded (APM Vol. 2
 * 15.12.15); RSVD where the guest's walk owes it (hv/maxphy.c).
 */
static int
exit_pf(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint8_t *v = svm_of(vcpu)->vmcb;
	uint64_t cr2 = vmcb_rd64(v, VMCB_EXITINFO2);
	uint32_t pfec = (uint32_t)vmcb_rd64(v, VMCB_EXITINFO1);

	hv_maxphy_pf(vcpu, cr2, &pfec);
	vmcb_wr64(v, VMCB_CR2, cr2);
	return reflect(vcpu, ex, X86_VEC_PF, true, pfec);
}

/* counted, then reflected: the guest's own #UD handler runs (#UD is
 * benign: raised in a delivery, itself) */
static int
exit_reflect_ud(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return reflect(vcpu, ex, X86_VEC_UD, false, 0);
}

/* #GP, intercepted with the VMware backdoor only: the backdoor's access
 * done in its place (hv/vmport.c), any other #GP the guest's (EXITINFO1:
 * its error code, APM 15.12) */
static int
exit_gp(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	struct hv_vmexit vx = { .kind = HV_VX_GP };
	int rc;

	if (!(s->pending_event & X86_EVENT_VALID)) {
		vx.rip = vmcb_rd64(v, VMCB_RIP);
		vx.gpr = s->gpr;
		vx.code64 = code_bits(v) == 64;
		rc = hv_vmexit(vcpu, &vx, ex);
		if (vx.skip) {
			complete_len(s, vx.len);
			return rc;
		}
	}
	return reflect(vcpu, ex, X86_VEC_GP, true,
	    (uint32_t)vmcb_rd64(v, VMCB_EXITINFO1));
}

/* VMRUN..SKINIT, INVLPGA: SVM is hidden from the guest, as if EFER.SVME=0 */
static int
exit_svm_insn(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	svm_inject_exception(svm_of(vcpu), X86_VEC_UD, false, 0);
	return HV_RESUME;
}

/* the guest's XCR0 (hv/xsave.c) */
static int
exit_xsetbv(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_XSETBV, 3, ex);	/* 0F 01 D1 */
}

/* pinned: the host's handler runs on the CPU that took the #MC */
static int
exit_machine_check(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_MACHINE_CHECK, 0, ex);
}

static int
exit_shutdown(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	const uint8_t *v = svm_of(vcpu)->vmcb;
	struct hv_vmexit vx;

	vx.kind = HV_VX_SHUTDOWN;
	vx.rsp = vmcb_rd64(v, VMCB_RSP);
	vx.cr0 = vmcb_rd64(v, VMCB_CR0);
	vx.cr3 = vmcb_rd64(v, VMCB_CR3);
	vx.idtr_base = vmcb_rd64(v, VMCB_SEG_IDTR + VMCB_SEG_BASE);
	vx.idtr_limit = vmcb_rd32(v, VMCB_SEG_IDTR + VMCB_SEG_LIMIT);
	return core_exit(vcpu, &vx, 0, ex);
}

typedef int svm_exit_fn(struct hv_vcpu *vcpu, struct hv_exit *ex);

/* svm_exits.h's handler and pinned columns; fn NULL: named, not handled */
static const struct {
	svm_exit_fn	*fn;
	bool		 pinned;
} handlers[SVM_NREASONS] = {
#define HANDLER_X(reason, name, handler, pin)	[reason] = { handler, pin },
#define HANDLER_N(reason, name)
	SVM_EXITS(HANDLER_X, HANDLER_N)
};

/* An event of EXITINTINFO raised by a guest instruction that runs again:
 * INTn, INT3 or INTO, while INTn is not intercepted. */
static bool
guest_swint(const uint8_t *v, uint64_t intinfo)
{
	unsigned type = x86_event_type(intinfo);
	unsigned vec = (unsigned)(intinfo & X86_EVENT_VECTOR);

	if (vmcb_rd32(v, VMCB_INTERCEPT_MISC1) & VMCB_I1_INTN)
		return false;
	return type == X86_EVENT_SW_INT || (type == X86_EVENT_HW_EXC &&
	    (vec == X86_VEC_BP || vec == X86_VEC_OF));
}

/* Every exit handled: counted, and an event it interrupted kept. */
static inline void
exit_begin(struct hv_vcpu *vcpu, struct hv_exit *ex, uint64_t code,
    unsigned reason)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint64_t intinfo = vmcb_rd64(s->vmcb, VMCB_EXITINTINFO);

	hv_stats_exit(reason);
	ex->raw_reason = code;
	/*
	 * An exit in the middle of delivering an event (e.g. a #NPF on the
	 * guest's IDT or stack) leaves it in EXITINTINFO; it must be injected
	 * again or it is lost (APM 15.7.2).  A reflected exception below
	 * replaces it or becomes a #DF (hv_exception_merge).  A software
	 * interrupt there (INTn; INT3 and INTO as #BP and #OF) is one the
	 * guest's own instruction raised, with RIP still on it, unless INTn
	 * is intercepted (a host debugger's VM: hv injected it, RIP past the
	 * instruction).  Injected again it would return to the instruction,
	 * which would then run twice: it is dropped instead, and the
	 * instruction raises it again.
	 */
	if ((intinfo & X86_EVENT_VALID) && !guest_swint(s->vmcb, intinfo))
		s->pending_event = intinfo;
}

/* out of line: its message's registers would be saved on every exit */
static int __attribute__((noinline, cold))
unhandled(struct hv_vcpu *vcpu, struct hv_exit *ex, uint64_t code)
{
	const uint8_t *v = svm_of(vcpu)->vmcb;

	return stop(vcpu, ex, HV_EIO, "unhandled #VMEXIT %s (0x%llx), "
	    "exitinfo1 0x%llx exitinfo2 0x%llx",
	    svm_exit_name_or_unknown(code), (unsigned long long)code,
	    (unsigned long long)vmcb_rd64(v, VMCB_EXITINFO1),
	    (unsigned long long)vmcb_rd64(v, VMCB_EXITINFO2));
}

static inline int
dispatch(struct hv_vcpu *vcpu, struct hv_exit *ex, uint64_t code,
    unsigned reason)
{
	exit_begin(vcpu, ex, code, reason);
	if (reason < SVM_NREASONS && handlers[reason].fn != NULL)
		return handlers[reason].fn(vcpu, ex);
	return unhandled(vcpu, ex, code);
}

int
svm_handle_exit(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint64_t code = vmcb_rd64(svm_of(vcpu)->vmcb, VMCB_EXITCODE);

	return dispatch(vcpu, ex, code, svm_exit_reason(code));
}

/* svm_exit_fast for an exit it may handle pinned: code's handler is a
 * pinned one, or code is VMMCALL (inline: one call fewer per common exit) */
static inline __attribute__((always_inline)) int
exit_fast_pinned(struct svm_fast *f, uint64_t code)
{
	struct hv_vcpu *vcpu = f->st.vcpu;
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;

	if (code != SVM_EXIT_vmmcall) {
		/* a pinned row always has its handler */
		exit_begin(vcpu, f->st.ex, code, (unsigned)code);
		f->st.rc = handlers[code].fn(vcpu, f->st.ex);
	} else
		f->st.rc = exit_hc_nop(vcpu) ? HV_RESUME : HV_NOT_PINNED;
	if (f->st.rc != HV_RESUME)
		return 0;
	f->st.budget--;
	/* the entry that follows, here or in the stretch (hv/run.h) */
	hv_pre_reentry(vcpu, f->st.cpu);
	if (!svm_reentry_steady(vcpu)) {
		f->st.pre_entered = true;
		return 0;
	}
	/* as svm_prepare_entry writes them for an entry with nothing to inject */
	vmcb_wr8(v, VMCB_TLB_CONTROL, TLB_CONTROL_NONE);
	vmcb_wr64(v, VMCB_EVENTINJ, 0);
	vmcb_wr32(v, VMCB_CLEAN, 0);
	s->snap.eventinj = 0;
	return 1;
}

int
svm_exit_fast(struct svm_fast *f)
{
	uint64_t code = vmcb_rd64(f->vmcb, VMCB_EXITCODE);

	/* (the codes -1 and -2, invalid and busy, are not pinned ones); any
	 * other exit returns at once */
	if (f->st.budget == 0 || (code != SVM_EXIT_vmmcall &&
	    (code >= SVM_EXIT_invalid || !handlers[code].pinned))) {
		f->st.rc = HV_NOT_PINNED;
		return 0;
	}
	/* which sets f->st.rc on each of its paths */
	return exit_fast_pinned(f, code);
}
