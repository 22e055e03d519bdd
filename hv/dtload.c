/*
 * dtload.c - LGDT, LIDT, LLDT and LTR done by hv in the guest's place where
 * the backend intercepts them (SVM: APM Vol. 2 15.9, the IDTR/GDTR/LDTR/TR
 * write intercepts), so that the guest gets the architecture's checks
 * whatever the CPU underneath does: a base that is not canonical in the
 * guest's linear-address width (hv_guest_canonical) is refused with #GP.
 *
 * LGDT/LIDT m16&32 / m16&64 (SDM Vol. 2A LGDT/LIDT; APM Vol. 3 LGDT, LIDT):
 * #UD with LOCK or a register operand; #GP(0) in virtual-8086 mode or at
 * CPL > 0; in 64-bit mode #GP(0), or #SS(0) through SS, for an operand
 * address that is not canonical, and #GP(0) for a new base that is not
 * (the APM lists it; the CPU checks it); the #PF of the operand's read.
 * Outside 64-bit mode the base is 32 bits, 24 with a 16-bit operand size.
 *
 * LLDT/LTR r/m16 (SDM Vol. 2A LLDT, LTR; Vol. 3A 8.2.2-8.2.4): #UD in real
 * and virtual-8086 mode and with LOCK; #GP(0) at CPL > 0; a null selector
 * makes LDTR unusable (LLDT) or is #GP(0) (LTR); #GP(selector) for a
 * selector in the LDT (TI), a descriptor past the GDT's limit, the wrong
 * type (LDT 2; available TSS 9, or 1 outside IA-32e mode), or in IA-32e
 * mode (16-byte descriptors) a base that is not canonical; #NP(selector)
 * for one not present.  LTR sets the descriptor's busy bit in the GDT.
 *
 * Not done: segment limit checks of the operand outside 64-bit mode, SMAP
 * on the operand's read, alignment checks; the busy bit is written as a
 * byte, not by a locked read-modify-write.
 */
#include "core.h"
#include "x86_arch.h"

/* the instruction, decoded */
struct dt_insn {
	unsigned	 len;
	bool		 mem;		/* a memory operand, else register rm */
	unsigned	 rm;		/* the register operand (REX.B applied) */
	uint64_t	 va;		/* the memory operand's linear address */
	bool		 stack;		/* ... through SS */
	bool		 op16;		/* operand size 16 (LGDT/LIDT base 24 bits) */
	bool		 lock;
};

/* the error code of #GP(selector), #NP(selector): index and TI (SDM Vol.
 * 3A 6.13) */
static uint32_t
sel_err(uint16_t sel)
{
	return sel & ~(uint32_t)X86_SEL_RPL;
}

/*
 * 16-bit addressing (SDM Vol. 2A 2.1.5 Table 2-1): the effective address
 * of ModRM with its displacement at p, n bytes of it there; BP-based
 * forms go through SS.  How many displacement bytes, or 99 if truncated.
 */
static unsigned
modrm16(struct hv_regs *r, const uint8_t *p, size_t n, unsigned modrm,
    uint64_t *ea, bool *stack)
{
	static const uint8_t base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };	/* BX BP SI DI */
	unsigned mod = modrm >> 6, rm = modrm & 7, dlen;
	uint64_t a = 0;
	int32_t disp = 0;

	dlen = mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
	if (dlen > n)
		return 99;
	if (dlen == 1)
		disp = (int8_t)p[0];
	else if (dlen == 2)
		disp = (int16_t)(p[0] | p[1] << 8);
	if (!(mod == 0 && rm == 6))
		a = *hv_gpr(r, base[rm]);
	if (rm < 4)				/* + SI or DI */
		a += *hv_gpr(r, (rm & 1) ? HV_RDI : HV_RSI);
	*stack = rm == 2 || rm == 3 || (rm == 6 && mod != 0);
	*ea = (uint16_t)(a + (uint64_t)(int64_t)disp);
	return dlen;
}

/*
 * Decode the instruction at RIP: its prefixes (operand and address size,
 * segment, LOCK; REX in 64-bit code), 0F 01 /2 /3 or 0F 00 /2 /3 as the
 * exit names, and the operand.  false: the bytes are not that instruction
 * (or cannot be read).
 */
static bool
decode(struct hv_vcpu *vcpu, struct hv_regs *r, struct hv_dtload *dt,
    struct dt_insn *d)
{
	uint8_t b[X86_INSN_MAX];
	size_t n, i;
	unsigned rex, sreg, asize, modrm, extra;
	bool code64 = dt->code_bits == 64, riprel, stack = false;
	struct hv_prefixes p;
	uint64_t ea = 0, rip_lin;

	hv_memset(d, 0, sizeof(*d));
	rip_lin = code64 ? r->rip : (uint32_t)(dt->seg_base[HV_CS] + r->rip);
	if ((n = hv_insn_fetch(vcpu, rip_lin, b, sizeof(b))) == 0)
		return false;
	hv_insn_prefixes(b, n, code64, &p);
	i = p.len;
	rex = p.rex;
	sreg = p.sreg;
	d->lock = p.lock;
	/* 66 flips the code's operand size; 64-bit code has no 16-bit
	 * LGDT/LIDT (SDM Vol. 2A LGDT: 66 ignored there) */
	d->op16 = !code64 && (dt->code_bits == 16) != p.o66;
	if (i + 3 > n || b[i] != 0x0f ||
	    b[i + 1] != (dt->reg <= HV_DT_IDTR ? 0x01 : 0x00))
		return false;
	modrm = b[i + 2];
	if (((modrm >> 3) & 7) != (dt->reg == HV_DT_GDTR ||
	    dt->reg == HV_DT_LDTR ? 2u : 3u))
		return false;
	i += 3;
	if ((modrm >> 6) == 3) {
		d->rm = (modrm & 7) | ((rex & 1) << 3);
		d->len = (unsigned)i;
		return true;
	}
	d->mem = true;
	asize = code64 ? (p.a67 ? 32 : 64) : dt->code_bits == 32 ?
	    (p.a67 ? 16 : 32) : (p.a67 ? 32 : 16);
	if (asize == 16) {
		extra = modrm16(r, b + i, n - i, modrm, &ea, &stack);
	} else {
		unsigned base;

		extra = hv_modrm_extra(b + i, n - i, modrm);
		if (i + extra > n)
			return false;
		ea = hv_modrm_ea(r, b + i, modrm, rex, &riprel);
		if (riprel && code64)
			ea += r->rip + i + extra;
		/* rSP or rBP as the base: SS (SDM Vol. 1 3.7.4); with SIB
		 * the base is its own, none (disp32) for mod 0 base 5 */
		base = (modrm & 7) == 4 ? b[i] & 7 : modrm & 7;
		stack = !(rex & 1) && (base == 4 ||
		    (base == 5 && (modrm >> 6) != 0));
		if (asize == 32)
			ea = (uint32_t)ea;
	}
	if (i + extra > n)
		return false;
	d->len = (unsigned)(i + extra);
	if (sreg == HV_NSREGS)
		sreg = stack ? HV_SS : HV_DS;
	d->stack = sreg == HV_SS;
	if (code64)	/* only FS and GS have a base (SDM Vol. 1 3.4.2.1) */
		d->va = ea + (sreg == HV_FS || sreg == HV_GS ?
		    dt->seg_base[sreg] : 0);
	else
		d->va = (uint32_t)(dt->seg_base[sreg] + ea);
	return true;
}

/*
 * Read (or write) len bytes at linear va as the instruction's supervisor
 * access: 0; 1 with the #PF it raises in vx; HV_EFAULT when it reaches no
 * guest memory and no page fault says so (the VM is stopped).
 */
static int
dt_access(struct hv_vcpu *vcpu, struct hv_vmexit *vx, uint64_t va, void *buf,
    size_t len, bool write)
{
	uint32_t pfec;
	int error;

	error = write ? hv_copyout(vcpu, buf, va, len) :
	    hv_copyin(vcpu, va, buf, len);
	if (error == 0)
		return 0;
	if (hv_gva_fault(vcpu, va, va + len - 1, va, write, &pfec,
	    &vx->cr2) <= 0)
		return HV_EFAULT;
	hv_vx_raise(vx, X86_VEC_PF, true, pfec);
	return 1;
}

/* canonical as an address the current paging mode translates */
static bool
linear_ok(struct hv_regs *r, uint64_t va, size_t len)
{
	if (r->cr4 & X86_CR4_LA57)
		return x86_canonical57(va) && x86_canonical57(va + len - 1);
	return x86_canonical(va) && x86_canonical(va + len - 1);
}

/* the memory operand, len bytes: 0, 1 (an exception in vx) or HV_EFAULT */
static int
operand(struct hv_vcpu *vcpu, struct hv_regs *r, struct hv_vmexit *vx,
    const struct dt_insn *d, void *buf, size_t len)
{
	if (vx->dt->code_bits == 64 && !linear_ok(r, d->va, len)) {
		hv_vx_raise(vx, d->stack ? X86_VEC_SS : X86_VEC_GP, true, 0);
		return 1;
	}
	return dt_access(vcpu, vx, d->va, buf, len, false);
}

static uint64_t
le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* LGDT, LIDT: 0, 1 (an exception in vx) or HV_EFAULT */
static int
load_table(struct hv_vcpu *vcpu, struct hv_regs *r,
    struct hv_vmexit *vx, const struct dt_insn *d)
{
	struct hv_dtload *dt = vx->dt;
	uint8_t m[10];
	bool code64 = dt->code_bits == 64;
	uint64_t base;
	int rc;

	if (!d->mem) {
		hv_vx_raise(vx, X86_VEC_UD, false, 0);
		return 1;
	}
	if ((rc = operand(vcpu, r, vx, d, m, code64 ? 10 : 6)) != 0)
		return rc;
	base = le(m + 2, code64 ? 8 : 4);
	if (d->op16)
		base &= 0xffffff;
	if (code64 && !hv_guest_canonical(base)) {
		hv_vx_raise(vx, X86_VEC_GP, true, 0);
		return 1;
	}
	dt->load.base = base;
	dt->load.limit = (uint32_t)le(m, 2);
	return 0;
}

/* LLDT, LTR: 0, 1 (an exception in vx) or HV_EFAULT */
static int
load_system(struct hv_vcpu *vcpu, struct hv_regs *r,
    struct hv_vmexit *vx, const struct dt_insn *d)
{
	struct hv_dtload *dt = vx->dt;
	bool lma = (r->efer & X86_EFER_LMA) != 0, ltr = dt->reg == HV_DT_TR;
	unsigned size = lma ? 16 : 8, attr, type;
	uint8_t m[16];
	uint64_t lo, va;
	uint16_t sel;
	int rc;

	if (d->mem) {
		if ((rc = operand(vcpu, r, vx, d, m, 2)) != 0)
			return rc;
		sel = (uint16_t)le(m, 2);
	} else
		sel = (uint16_t)*hv_gpr(r, d->rm);
	if ((sel & ~(unsigned)X86_SEL_RPL) == 0) {
		if (ltr)
			hv_vx_raise(vx, X86_VEC_GP, true, 0);
		else	/* a null selector: LDTR unusable */
			dt->load = (struct hv_seg){ .sel = sel };
		return ltr ? 1 : 0;
	}
	if ((sel & X86_SEL_TI) ||
	    (uint32_t)(sel & ~7u) + size - 1 > dt->gdtr.limit) {
		hv_vx_raise(vx, X86_VEC_GP, true, sel_err(sel));
		return 1;
	}
	va = dt->gdtr.base + (sel & ~7u);
	if (!lma)
		va = (uint32_t)va;
	if ((rc = dt_access(vcpu, vx, va, m, size, false)) != 0)
		return rc;
	lo = le(m, 8);
	attr = (unsigned)((lo >> 40) & 0xff) | (unsigned)((lo >> 44) & 0xf00);
	type = attr & (X86_DESC_TYPE | X86_DESC_S);
	if (ltr ? type != X86_DESC_TSS && (lma || type != X86_DESC_TSS16) :
	    type != X86_DESC_LDT) {
		hv_vx_raise(vx, X86_VEC_GP, true, sel_err(sel));
		return 1;
	}
	if (!(attr & X86_DESC_P)) {
		hv_vx_raise(vx, X86_VEC_NP, true, sel_err(sel));
		return 1;
	}
	dt->load.base = ((lo >> 16) & 0xffffff) | ((lo >> 32) & 0xff000000);
	if (lma) {
		dt->load.base |= le(m + 8, 4) << 32;
		if (!hv_guest_canonical(dt->load.base)) {
			hv_vx_raise(vx, X86_VEC_GP, true, sel_err(sel));
			return 1;
		}
	}
	dt->load.limit = (uint32_t)((lo & 0xffff) | ((lo >> 32) & 0xf0000));
	if (attr & X86_DESC_G)
		dt->load.limit = dt->load.limit << 12 | 0xfff;
	if (ltr) {
		/* the TSS is busy from now on, in the GDT too (SDM Vol. 3A 8.2.2) */
		uint8_t t = (uint8_t)(m[5] | X86_DESC_TSS_BUSY);

		if ((rc = dt_access(vcpu, vx, va + 5, &t, 1, true)) != 0)
			return rc;
		attr |= X86_DESC_TSS_BUSY;
	}
	dt->load.sel = sel;
	dt->load.attr = (uint16_t)attr;
	return 0;
}

static const char *const dt_insn_name[] = {
	[HV_DT_GDTR] = "LGDT", [HV_DT_IDTR] = "LIDT", [HV_DT_LDTR] = "LLDT",
	[HV_DT_TR] = "LTR",
};

int
hv_vx_dtload(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	struct hv_dtload *dt = vx->dt;
	struct hv_regs r;
	struct dt_insn d;
	bool sys = dt->reg >= HV_DT_LDTR;
	int rc;

	vx->exc.raise = false;
	if ((rc = hv_ops->get_regs(vcpu, &r)) != 0)
		return rc;
	/* before the bytes are read: LLDT and LTR do not exist in real or
	 * virtual-8086 mode; CPL 3 there, or any CPL above 0 */
	if (sys && (!(r.cr0 & X86_CR0_PE) || (r.rflags & X86_RFLAGS_VM))) {
		hv_vx_raise(vx, X86_VEC_UD, false, 0);
		return HV_RESUME;
	}
	if (r.cpl != 0 || (r.rflags & X86_RFLAGS_VM)) {
		hv_vx_raise(vx, X86_VEC_GP, true, 0);
		return HV_RESUME;
	}
	if (!decode(vcpu, &r, dt, &d))
		return hv_vcpu_stop(vcpu, ex, HV_EIO, ex->raw_reason, vx->rip,
		    "%s intercept: the instruction there is not %s",
		    dt_insn_name[dt->reg], dt_insn_name[dt->reg]);
	if (d.lock)
		hv_vx_raise(vx, X86_VEC_UD, false, 0);
	else {
		rc = sys ? load_system(vcpu, &r, vx, &d) :
		    load_table(vcpu, &r, vx, &d);
		if (rc == HV_EFAULT)
			return hv_vcpu_stop(vcpu, ex, HV_EFAULT, ex->raw_reason,
			    vx->rip, "%s: its memory access reaches no guest "
			    "memory", dt_insn_name[dt->reg]);
	}
	if (!vx->exc.raise) {
		dt->len = d.len;
		vx->skip = true;
	}
	return HV_RESUME;
}
