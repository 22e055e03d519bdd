/*
 * lapic.c - the guest's local APIC, as much of it as a guest kernel's
 * start-up touches (SDM Vol. 3A chapter 11, xAPIC mode): IA32_APIC_BASE
 * and a register page at its base that reads back what was written.
 *
 * What exists: the ID (the vCPU id), the version, TPR, LDR, DFR, SVR, ESR,
 * ICR, the LVT entries and the timer's initial count and divide registers,
 * kept per vCPU.  What does not: nothing is ever delivered through it: IPIs
 * are accepted and dropped (there is no other vCPU a start-up IPI could
 * reach in a one-vCPU guest, and hv has no INIT/SIPI), the timer never
 * counts (its current count reads 0), EOI has nothing to end.  x2APIC mode
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
	    ~((1ull << hv_guest_maxphyaddr) - 1);

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

/* One aligned 32-bit register access at offset off of the page. */
static uint32_t
lapic_read(struct hv_lapic *l, unsigned off)
{
	switch (off) {
	case X86_LAPIC_PPR:
		return l->reg[X86_LAPIC_TPR >> 4] & 0xf0;	/* nothing in service */
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
	case X86_LAPIC_EOI:
		return;				/* read-only, or nothing to end */
	case X86_LAPIC_ESR:
		l->reg[off >> 4] = 0;		/* a write clears it (11.5.3) */
		return;
	default:
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
