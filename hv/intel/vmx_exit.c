/*
 * vmx_exit.c - VM-exit dispatch (SDM Vol. 3C 27.2 exit information, Vol. 3D
 * Appendix C reasons).  Runs pinned on the CPU of the exit with the vCPU's
 * VMCS current and interrupts enabled.  Every reason is counted
 * (hw.vmm.stats.exit.<name>); one without a handler stops the VM with its
 * name, never silently.
 *
 * The guest-visible rules of CPUID, I/O, HLT and shutdown are the core's
 * (hv/exit.c): this file decodes those exits into a struct hv_vmexit.
 */
#include "vmx.h"
#include "vmx_cpu.h"
#include "vmcs.h"
#include "vmx_exits.h"

#include <stdarg.h>

/* EPT violation exit qualification bit 12: NMI unblocking due to IRET
 * (SDM 27.2.1 Table 27-7) */
#define EPT_QUAL_NMI_UNBLOCK	(1ull << 12)
/* SDM 28.2.3.2 Table 28-7: the guest linear-address field is valid (7), and
 * the access was to the translated address, not a paging-structure entry (8) */
#define EPT_QUAL_GLA_VALID	(1ull << 7)
#define EPT_QUAL_GLA_FINAL	(1ull << 8)

/* EPT violations at one GPA in a row before the guest is stopped. */
#define EPT_LOOP_LIMIT	1000

static const char *
reason_name(unsigned basic)
{
	const char *n = hv_vmx_exit_name(basic);

	return n != NULL ? n : "unknown";
}

/* The guest's instruction done in its place, the next at next_rip: its
 * STI/MOV SS shadow ended, its single-step trap raised. */
static inline void
complete_insn(uint64_t next_rip)
{
	uint64_t intr;

	(void)vmcs_write(VMCS_GUEST_RIP, next_rip);
	intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & 3)	/* SDM 24.4.2: bits 0-1 end with the next instruction */
		(void)vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ull);
	/* the single-step trap the CPU would end it with (hv/exit.h) */
	if (hv_single_step_trap(vmcs_read(VMCS_GUEST_RFLAGS)))
		(void)vmcs_write(VMCS_GUEST_PENDING_DBG,
		    vmcs_read(VMCS_GUEST_PENDING_DBG) | X86_DR6_BS);
}

/* The width of the guest's code (hv_next_rip): 64-bit mode is an IA-32e
 * mode guest with CS.L, else CS.D decides (SDM Vol. 3A 5.2.1). */
static inline unsigned
code_bits(void)
{
	uint64_t ar = vmcs_read(VMCS_GUEST_CS_AR);

	if ((vmcs_read(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST) && (ar & VMX_AR_L))
		return 64;
	return (ar & VMX_AR_DB) ? 32 : 16;
}

/* The guest's instruction at RIP, len bytes, done in its place. */
static void
complete_len(unsigned len)
{
	complete_insn(hv_next_rip(vmcs_read(VMCS_GUEST_RIP), len, code_bits()));
}

/* The instruction that exited at rip, done (the exit gives its length);
 * inline in core_exit: a call per step is a good part of a common exit. */
static inline __attribute__((always_inline)) void
skip_insn_at(uint64_t rip)
{
	complete_insn(hv_next_rip(rip, (unsigned)vmcs_read(VMCS_EXIT_INSN_LEN),
	    code_bits()));
}

static void
skip_insn(void)
{
	skip_insn_at(vmcs_read(VMCS_GUEST_RIP));
}

/* a neutral segment's attributes as VMX access rights: AVL, L, D/B and G
 * at bits 15:12 (SDM Vol. 3C 25.4.1 Table 25-2) */
static void
seg_load(uint32_t sel, uint32_t base, uint32_t limit, uint32_t ar,
    const struct hv_seg *s)
{
	(void)vmcs_write(sel, s->sel);
	(void)vmcs_write(base, s->base);
	(void)vmcs_write(limit, s->limit);
	(void)vmcs_write(ar, (s->attr & 0xffu) | (uint32_t)(s->attr & 0xf00u) << 4);
}

/* The guest's instruction done as a far transfer (hv_vmexit's branch):
 * CS and SS, whose DPL is the CPL on VMX (SDM Vol. 3C 25.4.1), RFLAGS,
 * then completed at its target with the RFLAGS it leaves (hv/exit.h). */
static void
far_branch(const struct hv_vmexit *vx)
{
	seg_load(VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT,
	    VMCS_GUEST_CS_AR, &vx->cs);
	seg_load(VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT,
	    VMCS_GUEST_SS_AR, &vx->ss);
	(void)vmcs_write(VMCS_GUEST_RFLAGS, vx->rflags);
	complete_insn(vx->target);
}

static uint64_t
gpr_get(struct vmx_vcpu *vc, unsigned reg)
{
	return reg == HV_RSP_UNUSED ? vmcs_read(VMCS_GUEST_RSP) : vc->gpr[reg];
}

/* End the run with HV_EXIT_ERROR: "guest<vm>.<vcpu>: <what> at rip=...". */
#define stop(vcpu, ex, error, ...)					\
	hv_vcpu_stop((vcpu), (ex), (error), (ex)->raw_reason,		\
	    vmcs_read(VMCS_GUEST_RIP), __VA_ARGS__)

/* Hand a decoded exit to the core's rule (hv/exit.c), which reads and
 * writes the guest's registers in place, and apply the rest of it. */
static inline __attribute__((always_inline)) int
core_exit(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	struct vmx_vcpu *vc = vcpu->backend;
	int rc;

	vx->skip = vx->gp = vx->ud = vx->exc.raise = false;
	vx->rip = vmcs_read(VMCS_GUEST_RIP);
	vx->gpr = vc->gpr;
	rc = hv_vmexit(vcpu, vx, ex);
	/* one of the three at most (hv/exit.h) */
	if (vx->skip)		/* no rule moves RIP */
		skip_insn_at(vx->rip);
	else if (vx->gp)
		vmx_inject_exception(X86_VEC_GP, true, 0);
	else if (vx->ud)
		vmx_inject_exception(X86_VEC_UD, false, 0);
	else if (vx->exc.raise) {
		if (vx->exc.vector == X86_VEC_PF)
			vc->gpr[VMX_CR2] = vx->cr2;
		vmx_inject_exception(vx->exc.vector, vx->exc.has_err,
		    vx->exc.err);
	}
	return rc;
}

/* An instruction whose rule is the core's (the exit gives its length). */
static int
core_insn(struct hv_vcpu *vcpu, enum hv_vmexit_kind kind, struct hv_exit *ex)
{
	struct hv_vmexit vx = { .kind = kind };

	return core_exit(vcpu, &vx, ex);
}

/*
 * An exit in the middle of delivering an event through the guest IDT (an
 * EPT violation on the IDT or the stack, say) loses the event unless it is
 * injected again at the next entry (SDM 27.2.4, 26.6).
 */
static void
reinject_vectoring(void)
{
	uint64_t info = vmcs_read(VMCS_IDT_VECTORING_INFO);
	uint64_t err = 0, len = 0;
	unsigned type;

	if (!(info & X86_EVENT_VALID))
		return;
	type = x86_event_type(info);
	if (info & X86_EVENT_ERR_VALID)
		err = vmcs_read(VMCS_IDT_VECTORING_ERR);
	if (type == X86_EVENT_SW_INT || type == X86_EVENT_PRIV_SW_EXC ||
	    type == X86_EVENT_SW_EXC)
		len = vmcs_read(VMCS_EXIT_INSN_LEN);
	vmx_inject_event((uint32_t)info & ~(1u << 12), (info & X86_EVENT_ERR_VALID) != 0,
	    (uint32_t)err, (uint32_t)len);
}

static int	exit_triple_fault(struct hv_vcpu *vcpu, struct hv_exit *ex);

/* An exception for the guest; raised while delivering another event, the
 * pair decides (the core's rule). */
static int
reflect(struct hv_vcpu *vcpu, struct hv_exit *ex, unsigned vector,
    bool has_err, uint32_t err)
{
	if (!hv_exception_reflect((uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO),
	    &vector, &has_err, &err))
		return exit_triple_fault(vcpu, ex);
	vmx_inject_exception(vector, has_err, err);
	return HV_RESUME;
}

static int
exit_exception(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint64_t info = vmcs_read(VMCS_EXIT_INTR_INFO);
	unsigned vector = info & X86_EVENT_VECTOR;
	uint64_t err = 0;

	if (x86_event_type(info) == X86_EVENT_NMI) {
		/* delivered to the host by vmx_stretch_end already */
		ex->kind = HV_EXIT_INTR;
		return 0;
	}
	if (vector == X86_VEC_MC)	/* the host's (pinned, right after the exit) */
		return core_insn(vcpu, HV_VX_MACHINE_CHECK, ex);
	if (vector == X86_VEC_BP) {
		/* intercepted for the host's debugger only: INT3 exits before
		 * delivery with RIP on it (SDM 27.1); step over it so the
		 * guest goes on after the debugger */
		skip_insn();
		ex->kind = HV_EXIT_DEBUG;
		return 0;
	}
	if (vector == X86_VEC_GP && !(vmcs_read(VMCS_IDT_VECTORING_INFO) &
	    X86_EVENT_VALID)) {
		/* intercepted with the VMware backdoor only: its access done
		 * in its place (hv/vmport.c), any other #GP the guest's */
		struct hv_vmexit vx = { .kind = HV_VX_GP };
		int rc;

		vx.rip = vmcs_read(VMCS_GUEST_RIP);
		vx.gpr = ((struct vmx_vcpu *)vcpu->backend)->gpr;
		vx.code64 = code_bits() == 64;
		rc = hv_vmexit(vcpu, &vx, ex);
		if (vx.skip) {
			complete_len(vx.len);
			return rc;
		}
	}
	if (vector == X86_VEC_UD && !(vmcs_read(VMCS_IDT_VECTORING_INFO) &
	    X86_EVENT_VALID)) {
		/* an instruction of the guest's CPU vendor done in its place
		 * (hv/xvendor.c), any other #UD the guest's */
		struct hv_vmexit vx = { .kind = HV_VX_UD };
		int rc;

		vx.rip = vmcs_read(VMCS_GUEST_RIP);
		vx.rflags = vmcs_read(VMCS_GUEST_RFLAGS);
		vx.gpr = ((struct vmx_vcpu *)vcpu->backend)->gpr;
		vx.code_bits = code_bits();
		rc = hv_vmexit(vcpu, &vx, ex);
		if (vx.branch) {
			far_branch(&vx);
			return rc;
		}
	}
	if (vector == X86_VEC_PF) {
		/* intercepted for a guest MAXPHYADDR below the CPU's: the
		 * linear address is the qualification and CR2 is not loaded
		 * (SDM 27.1, 27.2.1); RSVD where the guest's walk owes it */
		uint64_t cr2 = vmcs_read(VMCS_EXIT_QUAL);
		uint32_t pfec = (uint32_t)vmcs_read(VMCS_EXIT_INTR_ERR);

		hv_maxphy_pf(vcpu, cr2, &pfec);
		((struct vmx_vcpu *)vcpu->backend)->gpr[VMX_CR2] = cr2;
		return reflect(vcpu, ex, vector, true, pfec);
	}
	if (vector == X86_VEC_UD || vector == X86_VEC_GP) {
		/* reflected with its error code (#UD is benign: raised in a
		 * delivery, itself; #GP's pair decides in reflect) */
		if (info & X86_EVENT_ERR_VALID)
			err = vmcs_read(VMCS_EXIT_INTR_ERR);
		return reflect(vcpu, ex, vector, (info & X86_EVENT_ERR_VALID) != 0,
		    (uint32_t)err);
	}
	return stop(vcpu, ex, HV_EIO, "unexpected exception exit, vector %u "
	    "(interruption info 0x%llx)", vector, (unsigned long long)info);
}

static int
exit_cpuid(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct hv_vmexit vx;

	vx.kind = HV_VX_CPUID;
	return core_exit(vcpu, &vx, ex);
}

static int
exit_vmcall(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct vmx_vcpu *vc = vcpu->backend;
	struct hv_regs r;
	enum hv_hc hc;
	int error;

	if ((error = hv_ops->get_regs(vcpu, &r)) != 0)
		return error;
	hc = hv_hypercall(vcpu, &r, ex);
	if (hc == HV_HC_UD) {
		/* a fault: RIP stays at the VMCALL */
		vmx_inject_exception(X86_VEC_UD, false, 0);
		return HV_RESUME;
	}
	skip_insn();
	if (hc == HV_HC_HOST)
		return 0;
	vc->gpr[HV_RAX] = r.rax;
	return HV_RESUME;
}

/*
 * What string I/O needs beyond the exit qualification: the VM-exit
 * instruction information for INS/OUTS where IA32_VMX_BASIC bit 54 says
 * the CPU gives it (SDM Vol. 3C 28.2.5 Table 28-8: address size 9:7 as 0
 * 16-bit, 1 32-bit, 2 64-bit; segment 17:15, OUTS only; Vol. 3D A.1),
 * else the core decodes the prefixes.
 */
#define VMX_BASIC_INSOUTS_INFO	(1ull << 54)

static void
io_string(struct hv_vmexit *vx)
{
	uint64_t info;
	unsigned i;

	vx->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	vx->io.code_bits = (uint8_t)code_bits();
	vx->io.addr_bits = 0;
	vx->io.seg = -1;
	if (vmx_caps.basic & VMX_BASIC_INSOUTS_INFO) {
		info = vmcs_read(VMCS_EXIT_INSN_INFO);
		vx->io.addr_bits = (uint8_t)(16u << ((info >> 7) & 3));
		if (!vx->io.in)
			vx->io.seg = (int8_t)((info >> 15) & 7);
	}
	for (i = 0; i < 6; i++)		/* ES, CS, SS, DS, FS, GS */
		vx->io.base[i] = vmcs_read(VMCS_GUEST_ES_BASE + 2 * i);
}

/* SDM 27.2.1 Table 27-5: I/O exit qualification. */
static int
exit_io(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint64_t q = vmcs_read(VMCS_EXIT_QUAL);
	struct hv_vmexit vx;

	vx.kind = HV_VX_PIO;
	vx.io.size = (uint8_t)((q & 7) + 1);
	vx.io.in = (q & 8) != 0;
	vx.io.string = (q & 16) != 0;
	vx.io.rep = (q & 32) != 0;
	vx.io.port = (uint16_t)(q >> 16);
	if (vx.io.string)
		io_string(&vx);
	return core_exit(vcpu, &vx, ex);
}

static int
exit_rdmsr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct hv_vmexit vx;

	vx.kind = HV_VX_RDMSR;
	return core_exit(vcpu, &vx, ex);
}

static int
exit_wrmsr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct hv_vmexit vx;

	vx.kind = HV_VX_WRMSR;
	vx.cr0 = vmcs_read(VMCS_GUEST_CR0);
	return core_exit(vcpu, &vx, ex);
}

/* Drop the guest's TLB: the CPU would have on the CR write that exited; with
 * a VPID nothing else does it for us. */
static void
flush_guest_tlb(struct vmx_vcpu *vc)
{
	int rc;

	if (vc->vpid != 0 && (rc = vmx_invvpid(INVVPID_SINGLE, vc->vpid)) != VMX_OK)
		(void)vmx_insn_fail("INVVPID", rc);
}

/* CR0 or CR4 as the guest sees it: host-owned bits from the read shadow */
static uint64_t
guest_view(unsigned mask_field, unsigned cr_field, unsigned shadow_field)
{
	uint64_t mask = vmcs_read(mask_field);

	return (vmcs_read(cr_field) & ~mask) | (vmcs_read(shadow_field) & mask);
}
#define guest_cr0()	guest_view(VMCS_CR0_MASK, VMCS_GUEST_CR0, VMCS_CR0_SHADOW)
#define guest_cr4()	guest_view(VMCS_CR4_MASK, VMCS_GUEST_CR4, VMCS_CR4_SHADOW)

/*
 * MOV to CR0, CLTS and LMSW exit only when they would change a bit the
 * host owns (the fixed bits, CD and NW; the mask in vmcs.c).  The rule is
 * the core's (hv/cr.c); VMX adds its own limits: a bit FIXED1 does not
 * allow is #GP; paging or protection off needs the unrestricted-guest
 * control and PAE paging outside IA-32e mode is not supported (its PDPTEs
 * are not kept): both stop the guest.  The value kept goes to the read
 * shadow, with the fixed bits forced in the guest's CR0; EFER.LMA as the
 * rule says, and the IA-32e mode guest entry control with it (the VM-entry
 * checks want both equal, SDM Vol. 3C 26.3.1.1).
 */
static int
cr0_write(struct hv_vcpu *vcpu, uint64_t v, struct hv_exit *ex)
{
	struct hv_vmexit vx = { .kind = HV_VX_CR0_WRITE };
	uint64_t must1 = vmx_cr0_must1(), entry;
	int rc;

	if (hv_cr_fixed_bad(v | must1, must1, vmx_caps.cr0_fixed1) != 0) {
		vmx_inject_exception(X86_VEC_GP, true, 0);
		return HV_RESUME;
	}
	vx.value = v;
	vx.cr0 = guest_cr0();
	vx.cr4 = guest_cr4();
	vx.efer = vmcs_read(VMCS_GUEST_EFER);
	vx.code64 = (vmcs_read(VMCS_GUEST_CS_AR) & VMX_AR_L) != 0;
	if (~v & must1 & (X86_CR0_PE | X86_CR0_PG))
		return stop(vcpu, ex, HV_ENOTSUP, "CR0 0x%llx: paging or "
		    "protection off needs the unrestricted-guest control",
		    (unsigned long long)v);
	if ((v & X86_CR0_PG) && !(vx.cr0 & X86_CR0_PG) &&
	    !(vx.efer & X86_EFER_LME) && (vx.cr4 & X86_CR4_PAE))
		return stop(vcpu, ex, HV_ENOTSUP, "CR0 0x%llx: PAE paging "
		    "outside long mode is not supported", (unsigned long long)v);
	rc = core_exit(vcpu, &vx, ex);
	if (!vx.skip)
		return rc;
	entry = vmcs_read(VMCS_ENTRY_CTLS) & ~(uint64_t)ENTRY_IA32E_GUEST;
	if ((vmcs_write(VMCS_GUEST_EFER, vx.efer) |
	    vmcs_write(VMCS_ENTRY_CTLS, entry |
	    ((vx.efer & X86_EFER_LMA) ? ENTRY_IA32E_GUEST : 0)) |
	    vmcs_write(VMCS_GUEST_CR0, v | must1) |
	    vmcs_write(VMCS_CR0_SHADOW, v)) != 0)
		return stop(vcpu, ex, HV_EIO, "CR0 write of 0x%llx failed",
		    (unsigned long long)v);
	if (vx.flush)
		flush_guest_tlb(vcpu->backend);
	return rc;
}

/*
 * MOV to CR4 exits only when it would change a bit the host owns (the
 * fixed bits and those the guest's CPUID hides; the mask in vmcs.c).  The
 * rule is the core's (hv/cr.c), after VMX's own limit (FIXED1); the value
 * kept goes to the read shadow, with the fixed bits forced in the guest's
 * CR4.
 */
static int
cr4_write(struct hv_vcpu *vcpu, uint64_t v, struct hv_exit *ex)
{
	struct hv_vmexit vx = { .kind = HV_VX_CR4_WRITE };
	int rc;

	/* a bit VMX operation does not allow (CR4_FIXED1) would fail the
	 * entry: the guest's CPU does not have it */
	if (hv_cr_fixed_bad(v | vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed0,
	    vmx_caps.cr4_fixed1) != 0) {
		vmx_inject_exception(X86_VEC_GP, true, 0);
		return HV_RESUME;
	}
	vx.efer = vmcs_read(VMCS_GUEST_EFER);
	vx.value = v;
	vx.cr0 = guest_cr0();
	vx.cr3 = vmcs_read(VMCS_GUEST_CR3);
	vx.cr4 = guest_cr4();
	rc = core_exit(vcpu, &vx, ex);
	if (!vx.skip)
		return rc;
	if ((vmcs_write(VMCS_GUEST_CR4, vx.value | vmx_caps.cr4_fixed0) |
	    vmcs_write(VMCS_CR4_SHADOW, vx.value)) != 0)
		return stop(vcpu, ex, HV_EIO, "CR4 write of 0x%llx failed",
		    (unsigned long long)vx.value);
	if (vx.flush)
		flush_guest_tlb(vcpu->backend);
	return rc;
}

/* CR access exits (SDM Vol. 3C Table 28-3): MOV to CR0 or CR4, CLTS, LMSW */
static int
exit_cr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct vmx_vcpu *vc = vcpu->backend;
	uint64_t q = vmcs_read(VMCS_EXIT_QUAL), old, v;
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;

	if (type == 1 || (cr != 0 && cr != 4) || (type != 0 && cr != 0))
		return stop(vcpu, ex, HV_EIO, "unexpected CR access exit "
		    "(qualification 0x%llx)", (unsigned long long)q);
	/* MOV to CR: outside 64-bit code the operand is 32 bits */
	v = gpr_get(vc, reg);
	if (code_bits() != 64)
		v &= 0xffffffffull;
	if (cr == 4)
		return cr4_write(vcpu, v, ex);
	if (type == 0)
		return cr0_write(vcpu, v, ex);
	old = guest_cr0();
	if (type == 2)		/* CLTS */
		return cr0_write(vcpu, old & ~(uint64_t)X86_CR0_TS, ex);
	/* LMSW: bits 3:0, and it cannot clear PE */
	return cr0_write(vcpu, (old & ~0xeull) | ((q >> 16) & 0xf), ex);
}

static int
exit_ept_violation(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	static const char *const kind[] = { "read", "write", "fetch" };
	struct vmx_vcpu *vc = vcpu->backend;
	uint64_t q = vmcs_read(VMCS_EXIT_QUAL);
	uint64_t gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	unsigned acc = 0;
	const char *what;
	int error;

	/* SDM 27.2.1 Table 27-7: bit 1 write, bit 2 instruction fetch */
	if (q & 2)
		acc |= HV_ACC_WRITE;
	if (q & 4)
		acc |= HV_ACC_EXEC;
	what = kind[(q & 4) ? 2 : (q & 2) ? 1 : 0];
	if (q & EPT_QUAL_NMI_UNBLOCK)
		vmx_nmi_reblock();
	if (hv_lapic_claims(vcpu, gpa)) {
		/* the access emulated: hv completes the instruction */
		unsigned len;
		int rc = hv_lapic_mmio(vcpu, gpa, ex, &len);

		if (rc == HV_RESUME)
			complete_len(len);
		return rc;
	}
	if ((gpa & ~HV_PAGE_MASK) == vc->last_fault_gpa) {
		if (++vc->fault_repeats >= EPT_LOOP_LIMIT)
			return stop(vcpu, ex, HV_EFAULT, "EPT violation (%s) at "
			    "gpa=0x%llx repeats: nested fault does not resolve",
			    what, (unsigned long long)gpa);
	} else {
		vc->last_fault_gpa = gpa & ~HV_PAGE_MASK;
		vc->fault_repeats = 0;
	}
	error = hv_nested_fault(vcpu->vm, gpa, acc);
	if (error == HV_EFAULT) {
		/* the guest's own walk may end in a #PF there (hv/maxphy.c) */
		struct hv_npf n = { .gpa = gpa, .final = (q & EPT_QUAL_GLA_FINAL) != 0,
		    .acc = acc, .gva_known = (q & EPT_QUAL_GLA_VALID) != 0,
		    .gva = vmcs_read(VMCS_GUEST_LINEAR_ADDR) };
		uint32_t pfec;
		uint64_t cr2;

		if (hv_maxphy_fault(vcpu, &n, &pfec, &cr2) == 0) {
			vc->gpr[VMX_CR2] = cr2;
			vc->fault_repeats = 0;	/* the guest goes on */
			return reflect(vcpu, ex, X86_VEC_PF, true, pfec);
		}
	}
	if (error == HV_EFAULT)
		return stop(vcpu, ex, HV_EFAULT, "EPT violation outside guest "
		    "memory at gpa=0x%llx (%s, memory 0x%llx bytes)",
		    (unsigned long long)gpa, what,
		    (unsigned long long)vcpu->vm->mem_size);
	if (error != 0)
		return stop(vcpu, ex, error, "EPT violation at gpa=0x%llx not "
		    "resolved (error %d)", (unsigned long long)gpa, error);
	return HV_RESUME;
}

static int
exit_ept_misconfig(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	uint64_t gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	char path[120];

	vmx_ept_describe(vcpu->vm, gpa, path, sizeof(path));
	return stop(vcpu, ex, HV_EIO, "EPT misconfiguration at gpa=0x%llx: %s",
	    (unsigned long long)gpa, path);
}

/* SDM 27.8 / 26.8: the entry failed after the VMCS checks passed. */
static int
exit_entry_failure(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	unsigned basic = (unsigned)(ex->raw_reason & 0xffff);
	static const char *const quals[] = {
		[0] = "no detail", [2] = "PDPTE loading", [3] = "NMI injection "
		"blocked", [4] = "invalid VMCS link pointer",
	};
	uint64_t q = vmcs_read(VMCS_EXIT_QUAL);
	const char *qn = q < 5 && quals[q] != NULL ? quals[q] : "unknown";
	char why[120];

	switch (basic) {
	case VMX_EXIT_entry_fail_guest_state:
		if (vmx_check_guest_state(why, sizeof(why)) != 0)
			return stop(vcpu, ex, HV_EINVAL, "VM-entry failure: invalid "
			    "guest state (qualification %llu: %s); failed check: "
			    "%s", (unsigned long long)q, qn, why);
		return stop(vcpu, ex, HV_EINVAL, "VM-entry failure: invalid guest "
		    "state (qualification %llu: %s)", (unsigned long long)q, qn);
	case VMX_EXIT_entry_fail_msr_loading:
		return stop(vcpu, ex, HV_EIO, "VM-entry failure: MSR loading, "
		    "entry %llu", (unsigned long long)q);
	case VMX_EXIT_entry_fail_machine_check:
		/* SDM Vol. 3C 27.8: the #MC is the host's; the entry is over */
		(void)core_insn(vcpu, HV_VX_MACHINE_CHECK, ex);
		return stop(vcpu, ex, HV_EIO, "VM-entry failure: machine-check "
		    "event (given to the host)");
	default:
		return stop(vcpu, ex, HV_EIO, "VM-entry failure, reason %u (%s)",
		    basic, reason_name(basic));
	}
}

/*
 * HC_NOP, the hypercall that needs nothing but its result: finished and
 * counted as vmx_handle_exit would.  A VMCALL exit never happens while an
 * event is delivered (SDM 27.2.4), so there is nothing to re-inject.
 */
static bool
exit_hc_nop(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc = vcpu->backend;

	if (!hv_hypercall_fast(vc->gpr[HV_RAX],
	    VMX_AR_DPL((uint32_t)vmcs_read(VMCS_GUEST_SS_AR))))
		return false;
	hv_stats_exit(VMX_EXIT_vmcall);
	vc->fault_repeats = 0;
	skip_insn();
	vc->gpr[HV_RAX] = 0;
	return true;
}

static int
exit_hlt(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct hv_vmexit vx;

	vx.kind = HV_VX_HLT;
	vx.rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	return core_exit(vcpu, &vx, ex);
}

static int
exit_triple_fault(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct hv_vmexit vx;

	vx.kind = HV_VX_SHUTDOWN;
	vx.rsp = vmcs_read(VMCS_GUEST_RSP);
	vx.cr0 = vmcs_read(VMCS_CR0_SHADOW);	/* the guest's view */
	vx.cr3 = vmcs_read(VMCS_GUEST_CR3);
	vx.idtr_base = vmcs_read(VMCS_GUEST_IDTR_BASE);
	vx.idtr_limit = (uint32_t)vmcs_read(VMCS_GUEST_IDTR_LIMIT);
	return core_exit(vcpu, &vx, ex);
}

/*
 * The guest's first MOV DR (every one exits until then, hv/dreg.c): its
 * debug registers are switched from the next stretch on, which this exit
 * ended; the instruction runs again without MOV-DR exiting.
 */
static int
exit_dr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	hv_dreg_touched(vcpu);
	if (vmcs_write(VMCS_PROC_CTLS, vmcs_read(VMCS_PROC_CTLS) &
	    ~(uint64_t)PROC_MOVDR_EXIT) != 0)
		return stop(vcpu, ex, HV_EIO, "MOV DR: the VMCS refused the "
		    "processor-based controls");
	return HV_RESUME;
}

/* XSETBV exits unconditionally (SDM 25.1.3): the guest's XCR0 (hv/xsave.c) */
static int
exit_xsetbv(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_XSETBV, ex);
}

static int
exit_invd(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_INVD, ex);
}

static int
exit_wbinvd(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_WBINVD, ex);
}

static int
exit_rdpmc(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_RDPMC, ex);
}

static int
exit_monitor(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_MONITOR, ex);
}

static int
exit_mwait(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return core_insn(vcpu, HV_VX_MWAIT, ex);
}

static int
exit_ud(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	vmx_inject_exception(X86_VEC_UD, false, 0);
	return HV_RESUME;
}

typedef int vmx_exit_fn(struct hv_vcpu *vcpu, struct hv_exit *ex);

/* vmx_exits.h's handler and pinned columns; fn NULL: named, not handled */
static const struct {
	vmx_exit_fn	*fn;
	bool		 pinned;
} handlers[VMX_NREASONS] = {
#define HANDLER_X(reason, name, handler, pin)	[reason] = { handler, pin },
#define HANDLER_N(reason, name)
	VMX_EXITS(HANDLER_X, HANDLER_N)
};

/* Every exit but a failed entry: counted, and an event it interrupted
 * kept (the reason's bits 15:0 are the basic reason, 31 clear). */
static inline void
exit_begin(struct hv_vcpu *vcpu, struct hv_exit *ex, uint64_t reason)
{
	struct vmx_vcpu *vc = vcpu->backend;

	hv_stats_exit((unsigned)(reason & 0xffff));
	ex->raw_reason = reason;
	if ((reason & 0xffff) != VMX_EXIT_ept_violation)
		vc->fault_repeats = 0;
	reinject_vectoring();
}

/* out of line: its message's registers would be saved on every exit */
static int __attribute__((noinline, cold))
unhandled(struct hv_vcpu *vcpu, struct hv_exit *ex, unsigned basic)
{
	return stop(vcpu, ex, HV_ENOTSUP, "unhandled VM exit %u (%s)", basic,
	    reason_name(basic));
}

static inline int
dispatch(struct hv_vcpu *vcpu, struct hv_exit *ex, uint64_t reason)
{
	unsigned basic = (unsigned)(reason & 0xffff);

	if (reason & EXIT_REASON_ENTRY_FAIL) {
		hv_stats_exit(basic);
		ex->raw_reason = reason;
		return exit_entry_failure(vcpu, ex);
	}
	exit_begin(vcpu, ex, reason);
	if (basic < VMX_NREASONS && handlers[basic].fn != NULL)
		return handlers[basic].fn(vcpu, ex);
	return unhandled(vcpu, ex, basic);
}

int
vmx_handle_exit(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	struct vmx_vcpu *vc = vcpu->backend;

	return dispatch(vcpu, ex, vc->last_exit_reason);
}

/* An exception exit the pinned path leaves to vmx_vcpu_run: an NMI (the
 * host's), a #PF (hv_maxphy_pf walks guest memory). */
static inline bool
exception_unpinned(uint64_t info)
{
	return x86_event_type(info) == X86_EVENT_NMI ||
	    (info & X86_EVENT_VECTOR) == X86_VEC_PF;
}

/* vmx_exit_fast for an exit it may handle pinned: reason's handler is a
 * pinned one, or reason is VMCALL (inline: one call fewer per common exit) */
static inline __attribute__((always_inline)) int
exit_fast_pinned(struct vmx_fast *f, uint64_t reason)
{
	struct hv_vcpu *vcpu = f->st.vcpu;
	struct vmx_vcpu *vc = vcpu->backend;

	vc->last_exit_reason = reason;
	/* an NMI is the host's first (vmx_stretch_end); a #PF (intercepted
	 * for a guest MAXPHYADDR below the CPU's) reads guest memory: unpinned */
	if (reason == VMX_EXIT_vmcall) {
		if (!exit_hc_nop(vcpu))
			return 0;
		f->st.rc = HV_RESUME;
	} else if (reason != VMX_EXIT_exception_nmi ||
	    !exception_unpinned(vmcs_read(VMCS_EXIT_INTR_INFO))) {
		/* a pinned row always has its handler */
		exit_begin(vcpu, f->st.ex, reason);
		f->st.rc = handlers[reason].fn(vcpu, f->st.ex);
		if (f->st.rc != HV_RESUME)
			return 0;
	} else
		return 0;
	vc->launched = true;
	f->st.budget--;
	/* the entry that follows, here or in the stretch (hv/run.h) */
	hv_pre_reentry(vcpu, f->st.cpu);
	/* nothing to prepare: no interrupt queued, no window to close (an
	 * event a handler set up is in the VMCS already) */
	if (vc->irq_window || hv_irq_any(vcpu)) {
		f->st.pre_entered = true;
		return 0;
	}
	return 1;
}

int
vmx_exit_fast(struct vmx_fast *f)
{
	uint64_t reason = vmcs_read(VMCS_EXIT_REASON);

	/* a failed entry has bit 31 set: beyond the table, like a reason
	 * without a pinned handler; any such exit returns at once
	 * (vmx_enter_guest reads the reason again) */
	f->st.rc = HV_NOT_PINNED;
	if (f->st.budget == 0 || (reason != VMX_EXIT_vmcall &&
	    (reason >= VMX_NREASONS || !handlers[reason].pinned)))
		return 0;
	return exit_fast_pinned(f, reason);
}
