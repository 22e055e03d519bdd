/*
 * mmio.c - decode the guest instruction that made an access to an emulated
 * device page (hv/lapic.c): MOV between memory and a general register
 * (opcodes 88, 89, 8A, 8B), between AL/eAX and an absolute offset (A0-A3)
 * or from an immediate (C6 /0, C7 /0), with the
 * operand-size, segment and LOCK prefixes and, in IA-32e mode, REX (SDM
 * Vol. 2A 2.1-2.2, MOV).  The faulting address is known from the exit;
 * only the register, size, direction and instruction length are needed.
 * Anything else is refused with the reason (the VM is stopped, decoded).
 * In IA-32e mode the memory operand's linear address is worked out too,
 * for an exit that does not give it (an SVM nested fault gives only the
 * guest-physical one; hv/maxphy.c).
 */
#include "core.h"
#include "x86_arch.h"

uint64_t *
hv_gpr(struct hv_regs *r, unsigned n)
{
	uint64_t *const regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp,
	    &r->rbp, &r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12,
	    &r->r13, &r->r14, &r->r15 };

	return regs[n & 15];
}

static int
refuse(struct hv_mmio *m, const char *why)
{
	m->why = why;
	return HV_ENOTSUP;
}

/* Bytes of 32/64-bit ModRM addressing after the ModRM byte (SIB,
 * displacement); 99 when the SIB byte is not there. */
unsigned
hv_modrm_extra(const uint8_t *p, size_t left, unsigned modrm)
{
	unsigned mod = modrm >> 6, rm = modrm & 7, n = 0;

	if (rm == 4) {			/* SIB follows */
		if (left < 1)
			return 99;
		if (mod == 0 && (p[0] & 7) == 5)
			n += 4;		/* no base: disp32 */
		n++;
	}
	if (mod == 0 && rm == 5)
		n += 4;			/* disp32 (RIP-relative in 64-bit mode) */
	else if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

/*
 * The 64-bit effective address of the ModRM memory operand whose SIB and
 * displacement start at p (SDM Vol. 2A 2.1.5 Tables 2-2 and 2-3 with REX.B
 * and REX.X, 2.2.1.3-2.2.1.6): base + index * scale + disp, RIP-relative
 * for mod 0 rm 5, to which the caller adds the next instruction's RIP
 * (*riprel).
 */
uint64_t
hv_modrm_ea(struct hv_regs *r, const uint8_t *p, unsigned modrm,
    unsigned rex, bool *riprel)
{
	unsigned mod = modrm >> 6, rm = modrm & 7, base, index;
	uint64_t ea = 0;
	int64_t disp = 0;

	*riprel = false;
	if (rm == 4) {
		unsigned sib = *p++;

		base = (sib & 7) | ((rex & 1) ? 8 : 0);
		index = ((sib >> 3) & 7) | ((rex & 2) ? 8 : 0);
		if (index != 4)		/* RSP as index: none (R12 is one) */
			ea = *hv_gpr(r, index) << (sib >> 6);
		if (mod == 0 && (sib & 7) == 5)
			mod = 2;	/* no base, a disp32 */
		else
			ea += *hv_gpr(r, base);
	} else if (mod == 0 && rm == 5) {
		*riprel = true;
		mod = 2;
	} else {
		ea = *hv_gpr(r, rm | ((rex & 1) ? 8 : 0));
	}
	if (mod == 1)
		disp = (int8_t)p[0];
	else if (mod == 2)
		disp = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
	return ea + (uint64_t)disp;
}

/*
 * The bytes of the instruction at rip (a linear address: flat code), at most
 * max: the instruction may end before the next page, which may be absent,
 * so fewer where the rest cannot be read.  How many were read, 0 for none.
 */
size_t
hv_insn_fetch(struct hv_vcpu *vcpu, uint64_t rip, uint8_t *b, size_t max)
{
	while (max > 0 && hv_copyin(vcpu, rip, b, max) != 0)
		max--;
	return max;
}

/*
 * The legacy prefixes (SDM Vol. 2A 2.1.1) and the REX prefix (2.2.1) at the
 * start of b[0..n).  In 64-bit code the ES, CS, SS and DS overrides are
 * ignored (SDM Vol. 1 3.4.2.1) and a REX counts only right before the
 * opcode: a legacy prefix after it voids it.  40-4F are INC/DEC elsewhere.
 */
void
hv_insn_prefixes(const uint8_t *b, size_t n, bool code64, struct hv_prefixes *p)
{
	size_t i;

	hv_memset(p, 0, sizeof(*p));
	p->sreg = HV_NSREGS;
	for (i = 0; i < n; i++) {
		uint8_t c = b[i];

		if (code64 && (c & 0xf0) == 0x40) {
			p->rex = c;
			continue;
		}
		if (c == 0x66)
			p->o66 = true;
		else if (c == 0x67)
			p->a67 = true;
		else if (c == 0xf0)
			p->lock = true;
		else if (c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e) {
			if (!code64)
				p->sreg = (c >> 3) & 3;	/* ES CS SS DS */
		} else if (c == 0x64 || c == 0x65)
			p->sreg = c == 0x64 ? HV_FS : HV_GS;
		else if (c != 0xf2 && c != 0xf3)
			break;
		p->rex = 0;
	}
	p->len = i;
}

int
hv_mmio_decode(struct hv_vcpu *vcpu, struct hv_regs *r, struct hv_mmio *m)
{
	uint8_t b[X86_INSN_MAX];
	size_t n, i, at;
	unsigned op, modrm, rex = 0, reg, immsz = 0, opsize = 4;
	bool lma = (r->efer & X86_EFER_LMA) != 0, riprel;
	uint64_t seg = 0;	/* FS or GS base: the others are 0 (SDM 3.4.4) */
	struct hv_prefixes p;

	hv_memset(m, 0, sizeof(*m));
	if ((n = hv_insn_fetch(vcpu, r->rip, b, sizeof(b))) == 0)
		return refuse(m, "instruction bytes unreadable");
	hv_insn_prefixes(b, n, lma, &p);
	i = p.len;
	rex = p.rex;
	if (p.o66)
		opsize = 2;
	if (p.sreg == HV_FS || p.sreg == HV_GS)
		seg = p.sreg == HV_FS ? r->fs_base : r->gs_base;
	if (i + 2 > n)
		return refuse(m, "instruction truncated");
	op = b[i++];
	if (op >= 0xa0 && op <= 0xa3) {
		/* MOV AL/eAX <-> moffs: no ModRM, an address-sized offset
		 * (8 bytes in 64-bit code, which IA-32e mode is taken for) */
		m->len = (unsigned)i + (lma ? 8 : 4);
		if (m->len > n)
			return refuse(m, "instruction truncated");
		m->size = (op & 1) ? ((rex & 8) ? 8 : opsize) : 1;
		m->write = op >= 0xa2;
		m->reg = 0;
		m->value = m->write ? r->rax : 0;
		if (m->size < 8)
			m->value &= (1ull << (8 * m->size)) - 1;
		if (lma && m->len <= n) {
			unsigned k;

			for (k = 0; k < 8; k++)
				m->va |= (uint64_t)b[i + k] << (8 * k);
			m->va += seg;
			m->va_known = true;
		}
		return 0;
	}
	modrm = b[i++];
	reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);	/* REX.R */
	m->size = (rex & 8) ? 8 : opsize;			/* REX.W */
	switch (op) {
	case 0x88: case 0x8a: case 0xc6:
		m->size = 1;
		break;
	case 0x89: case 0x8b: case 0xc7:
		break;
	default:
		return refuse(m, "not a MOV to or from memory");
	}
	if ((modrm >> 6) == 3)
		return refuse(m, "MOV between registers");
	if ((op == 0xc6 || op == 0xc7) && (modrm & 0x38) != 0)
		return refuse(m, "C6/C7 with a ModRM reg other than 0");
	at = i;			/* SIB and displacement */
	i += hv_modrm_extra(b + i, n - i, modrm);
	if (op == 0xc6 || op == 0xc7)
		immsz = m->size == 8 ? 4 : m->size;		/* imm32 sign-extended */
	if (i + immsz > n)
		return refuse(m, "instruction truncated");
	m->len = (unsigned)(i + immsz);
	m->va = hv_modrm_ea(r, b + at, modrm, rex, &riprel) + seg;
	if (riprel)
		m->va += r->rip + m->len;
	m->va_known = lma;
	m->write = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7;
	m->reg = reg;
	/* without REX, byte registers 4-7 are AH, CH, DH, BH */
	m->high8 = m->size == 1 && rex == 0 && reg >= 4 && reg < 8;
	if (immsz != 0) {
		uint64_t v = 0;
		unsigned k;

		for (k = 0; k < immsz; k++)
			v |= (uint64_t)b[i + k] << (8 * k);
		if (immsz == 4 && (v & 0x80000000u))
			v |= 0xffffffff00000000ull;
		m->value = v;
	} else if (m->write) {
		m->value = m->high8 ? *hv_gpr(r, reg - 4) >> 8 : *hv_gpr(r, reg);
	}
	if (m->size < 8)
		m->value &= (1ull << (8 * m->size)) - 1;
	return 0;
}

void
hv_mmio_load(struct hv_regs *r, const struct hv_mmio *m)
{
	uint64_t *dst = hv_gpr(r, m->high8 ? m->reg - 4 : m->reg);
	unsigned shift = m->high8 ? 8 : 0;
	uint64_t mask;

	/* a 32-bit load zero-extends; 8- and 16-bit ones keep the rest */
	if (m->size >= 4) {
		*dst = m->size == 8 ? m->value : (uint32_t)m->value;
		return;
	}
	mask = ((1ull << (8 * m->size)) - 1) << shift;
	*dst = (*dst & ~mask) | ((m->value << shift) & mask);
}
