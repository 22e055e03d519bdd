/*
 * lapic.c - the guest's local APIC (SDM Vol. 3A chapter 11, xAPIC mode):
 * IA32_APIC_BASE and a register page at its base.
 *
 * What exists: the ID (the vCPU id), the version, TPR, PPR, LDR, DFR, SVR,
 * ESR, ICR, IRR, ISR, EOI, the LVT entries and the timer's initial count and
 * divide registers, kept per vCPU.  An IPI the guest sends to itself (the
 * self shorthand, all-including-self, or its own APIC ID / logical bit) is
 * accepted: a fixed or lowest-priority one sets its vector in IRR, an NMI
 * is made pending; the backends inject the highest IRR vector above the
 * processor priority (hv_lapic_next, through hv/irq.c), which moves it to
 * ISR, and an EOI ends the highest in service (11.8.3 - 11.8.5).  What does
 * not exist: IPIs to other vCPUs, INIT, SIPI and SMI are dropped; the timer
 * never counts (its current count reads 0); the TPR is the page's only (a
 * MOV to CR8 reaches the backend's own copy, not this one).  x2APIC mode
 * does not exist (CPUID.1:ECX[21] is 0, so setting EXTD is #GP).
 *
 * The page is emulated: an access is a nested fault outside guest memory
 * (hv_lapic_claims), the instruction at RIP is decoded (a MOV between a
 * general register or an immediate and memory, hv_mmio_decode), its access
 * done here, and the instruction completed by the backend (hv_backend.h).
 */
#include "core.h"
#include "x86_arch.h"

/* Version 0x14 (an integrated APIC), 6 LVT entries (max LVT 5). */
#define LAPIC_VERSION	0x00050014u
/* reserved bits of IA32_APIC_BASE: 7:0, 9, and above MAXPHYADDR */
#define APIC_BASE_RSVD	(0xffull | (1ull << 9))

/* The power-on state of the registers (SDM Vol. 3A 11.4.7.1). */
static void
lapic_reset(struct hv_vcpu *vcpu)
{
	struct hv_lapic *l = &vcpu->lapic;
	unsigned r;

	hv_memset(l->reg, 0, sizeof(l->reg));
	l->irr_any = false;
	l->nmi = false;
	l->reg[X86_LAPIC_ID >> 4] = (uint32_t)vcpu->id << 24;
	l->reg[X86_LAPIC_VER >> 4] = LAPIC_VERSION;
	l->reg[X86_LAPIC_DFR >> 4] = 0xffffffffu;
	l->reg[X86_LAPIC_SVR >> 4] = 0xff;
	for (r = X86_LAPIC_LVT_TIMER; r <= X86_LAPIC_LVT_ERR; r += 0x10)
		l->reg[r >> 4] = X86_LAPIC_LVT_MASKED;
}

void
hv_lapic_init(struct hv_vcpu *vcpu)
{
	vcpu->lapic.base = X86_APIC_DEFAULT_PA | X86_APIC_BASE_EN |
	    (vcpu->id == 0 ? X86_APIC_BASE_BSP : 0);
	lapic_reset(vcpu);
}

uint64_t
hv_lapic_base_read(struct hv_vcpu *vcpu)
{
	return vcpu->lapic.base;
}

/*
 * WRMSR IA32_APIC_BASE: false (#GP) for reserved bits or EXTD, which
 * CPUID does not offer (SDM Vol. 3A 11.12.1).  Clearing EN disables the
 * APIC; its registers are back at their power-on state when it is enabled
 * again (11.4.3).  The BSP flag is read-only.
 */
bool
hv_lapic_base_write(struct hv_vcpu *vcpu, uint64_t val)
{
	struct hv_lapic *l = &vcpu->lapic;
	uint64_t rsvd = APIC_BASE_RSVD | X86_APIC_BASE_EXTD |
	    ~((1ull << vcpu->vm->model.phys_bits) - 1);

	if (val & rsvd)
		return false;
	if (!(val & X86_APIC_BASE_EN))
		lapic_reset(vcpu);
	l->base = (val & ~(uint64_t)X86_APIC_BASE_BSP) | (l->base & X86_APIC_BASE_BSP);
	return true;
}

bool
hv_lapic_claims(struct hv_vcpu *vcpu, uint64_t gpa)
{
	uint64_t page = vcpu->lapic.base & ~(uint64_t)(X86_APIC_PAGE - 1), pn;

	/* guest memory hides the page, as RAM below it would on a PC (asked
	 * last: every nested fault comes here) */
	return (vcpu->lapic.base & X86_APIC_BASE_EN) &&
	    (gpa & ~(uint64_t)(X86_APIC_PAGE - 1)) == page &&
	    !hv_gpa_page(vcpu->vm, gpa, &pn);
}

/*
 * IRR, ISR and TMR are 256-bit registers: vector v is bit v % 32 of the
 * 32-bit register at offset base + (v / 32) * 16 (11.8.4).
 */
static uint32_t *
vec_word(struct hv_lapic *l, unsigned base, unsigned v)
{
	return &l->reg[(base >> 4) + v / 32];
}

/* The highest vector set in IRR or ISR, -1 for none. */
static int
vec_highest(struct hv_lapic *l, unsigned base)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (l->reg[(base >> 4) + i] != 0)
			return i * 32 + 31 - __builtin_clz(l->reg[(base >> 4) + i]);
	return -1;
}

static void
irr_changed(struct hv_lapic *l)
{
	l->irr_any = vec_highest(l, X86_LAPIC_IRR) >= 0;
}

/* PPR: the TPR, or the class of the highest vector in service if that is
 * higher (11.8.3.1). */
static uint32_t
lapic_ppr(struct hv_lapic *l)
{
	uint32_t tpr = l->reg[X86_LAPIC_TPR >> 4] & 0xff;
	int isrv = vec_highest(l, X86_LAPIC_ISR);

	if (isrv >= 0 && ((unsigned)isrv & 0xf0) > (tpr & 0xf0))
		return (unsigned)isrv & 0xf0;
	return tpr;
}

int
hv_lapic_next(struct hv_vcpu *vcpu)
{
	struct hv_lapic *l = &vcpu->lapic;
	int v;

	if (!l->irr_any || (v = vec_highest(l, X86_LAPIC_IRR)) < 0)
		return -1;
	/* delivered only above the processor priority's class (11.8.3.1) */
	return ((unsigned)v & 0xf0) > (lapic_ppr(l) & 0xf0) ? v : -1;
}

void
hv_lapic_accept(struct hv_vcpu *vcpu, unsigned vector)
{
	struct hv_lapic *l = &vcpu->lapic;

	*vec_word(l, X86_LAPIC_IRR, vector) &= ~(1u << (vector % 32));
	*vec_word(l, X86_LAPIC_ISR, vector) |= 1u << (vector % 32);
	irr_changed(l);
	HV_STAT_INC(apic_irqs_injected);
}

/* EOI: the highest vector in service is done (11.8.5); edge-triggered
 * only (TMR stays 0), so no EOI message goes anywhere. */
static void
lapic_eoi(struct hv_lapic *l)
{
	int v = vec_highest(l, X86_LAPIC_ISR);

	if (v >= 0)
		*vec_word(l, X86_LAPIC_ISR, (unsigned)v) &= ~(1u << (v % 32));
}

/* Whether an IPI with this ICR reaches the sender itself (11.6.1, 11.6.2):
 * by shorthand, or by its physical APIC ID (0xff: broadcast), or in the
 * flat logical model by a bit of its LDR. */
static bool
icr_to_self(struct hv_lapic *l, uint32_t lo)
{
	uint32_t dest = l->reg[X86_LAPIC_ICR_HI >> 4] >> X86_LAPIC_ICR_DEST_SHIFT;

	switch ((lo >> X86_LAPIC_ICR_SH_SHIFT) & 3) {
	case X86_LAPIC_ICR_SH_SELF:
	case X86_LAPIC_ICR_SH_ALL:
		return true;
	case X86_LAPIC_ICR_SH_NONE:
		break;
	default:
		return false;		/* all excluding self */
	}
	if (lo & X86_LAPIC_ICR_LOGICAL)	/* DFR model 0xf: flat */
		return (l->reg[X86_LAPIC_DFR >> 4] >> 28) == 0xf &&
		    (dest & (l->reg[X86_LAPIC_LDR >> 4] >> 24)) != 0;
	return dest == 0xff || dest == l->reg[X86_LAPIC_ID >> 4] >> 24;
}

/* A write of the ICR's low half sends the IPI at once (never busy). */
static void
lapic_send(struct hv_lapic *l, uint32_t lo)
{
	unsigned vec = lo & X86_LAPIC_ICR_VECTOR;

	if (!icr_to_self(l, lo))
		return;			/* no other vCPU is reached */
	switch ((lo >> X86_LAPIC_ICR_DM_SHIFT) & 7) {
	case X86_LAPIC_ICR_DM_FIXED:
	case X86_LAPIC_ICR_DM_LOWEST:
		/* vectors 0-15 are illegal (11.5.3); a software-disabled
		 * APIC accepts no fixed interrupt (11.4.7.2) */
		if (vec < 16 || !(l->reg[X86_LAPIC_SVR >> 4] & X86_LAPIC_SVR_ENABLE))
			return;
		*vec_word(l, X86_LAPIC_IRR, vec) |= 1u << (vec % 32);
		l->irr_any = true;
		return;
	case X86_LAPIC_ICR_DM_NMI:
		l->nmi = true;		/* the vector is ignored */
		return;
	default:
		return;			/* SMI, INIT, start-up: not modelled */
	}
}

/* One aligned 32-bit register access at offset off of the page. */
static uint32_t
lapic_read(struct hv_lapic *l, unsigned off)
{
	switch (off) {
	case X86_LAPIC_PPR:
		return lapic_ppr(l);
	case X86_LAPIC_ICR_LO:
		return l->reg[off >> 4] & ~(uint32_t)X86_LAPIC_ICR_BUSY;
	case X86_LAPIC_TIMER_CUR:
	case X86_LAPIC_EOI:
		return 0;
	default:
		return l->reg[off >> 4];
	}
}

static void
lapic_write(struct hv_lapic *l, unsigned off, uint32_t val)
{
	switch (off) {
	case X86_LAPIC_VER:
	case X86_LAPIC_PPR:
	case X86_LAPIC_TIMER_CUR:
		return;				/* read-only */
	case X86_LAPIC_EOI:
		lapic_eoi(l);
		return;
	case X86_LAPIC_ESR:
		l->reg[off >> 4] = 0;		/* a write clears it (11.5.3) */
		return;
	case X86_LAPIC_ICR_LO:
		l->reg[off >> 4] = val & ~(uint32_t)X86_LAPIC_ICR_BUSY;
		lapic_send(l, val);
		return;
	default:
		if (off >= X86_LAPIC_ISR && off < X86_LAPIC_ESR)
			return;			/* ISR, TMR, IRR: read-only */
		if (off < X86_APIC_PAGE / 4)	/* 0x000-0x3f0: the registers */
			l->reg[off >> 4] = val;
	}
}

int
hv_lapic_mmio(struct hv_vcpu *vcpu, uint64_t gpa, struct hv_exit *ex,
    unsigned *len)
{
	struct hv_mmio m;
	struct hv_regs r;
	unsigned off = (unsigned)(gpa & (X86_APIC_PAGE - 1));
	int error;

	if ((error = hv_ops->get_regs(vcpu, &r)) != 0)
		return hv_vcpu_stop(vcpu, ex, error, 0, 0, "APIC access at 0x%llx: "
		    "registers unreadable", (unsigned long long)gpa);
	if ((error = hv_mmio_decode(vcpu, &r, &m)) != 0)
		return hv_vcpu_stop(vcpu, ex, error, 0, r.rip, "APIC access at gpa "
		    "0x%llx: %s", (unsigned long long)gpa, m.why);
	/* registers are 32 bits at 16-byte boundaries; other accesses are
	 * undefined (11.4.1): here reads give 0 and writes are dropped */
	if (m.write) {
		if (m.size == 4 && (off & 0xf) == 0)
			lapic_write(&vcpu->lapic, off, (uint32_t)m.value);
	} else {
		m.value = m.size == 4 && (off & 0xf) == 0 ?
		    lapic_read(&vcpu->lapic, off) : 0;
		hv_mmio_load(&r, &m);
		/* the register loaded; a store changed none */
		if ((error = hv_ops->set_regs(vcpu, &r)) != 0)
			return hv_vcpu_stop(vcpu, ex, error, 0, r.rip, "APIC access "
			    "at 0x%llx: registers not written back",
			    (unsigned long long)gpa);
	}
	*len = m.len;
	HV_STAT_INC(apic_accesses);
	return HV_RESUME;
}
