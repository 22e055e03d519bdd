/*
 * vmx_check.c - a software copy of the guest-state checks that VM entry
 * performs (SDM Vol. 3C 26.3.1), to name the field that made an entry fail
 * with "invalid guest state" (the CPU itself only says that one failed).
 * Covers the checks that matter for a 64-bit guest, and those unrestricted
 * guest relaxes for real mode (CR0.PE=0); run after such a failure, and
 * before every entry with HV_DEBUG.
 */
#include "vmx.h"
#include "vmx_cpu.h"
#include "vmcs.h"

#include <stdarg.h>

struct chk {
	char	*buf;
	size_t	 len;
	bool	 failed;
};

static void fail(struct chk *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first failed check only: later ones may be its consequences. */
static void
fail(struct chk *c, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	va_start(ap, fmt);
	hv_vsnprintf(c->buf, c->len, fmt, ap);
	va_end(ap);
}

static void
check_cr(struct chk *c, bool ia32e)
{
	uint64_t cr0 = vmcs_read(VMCS_GUEST_CR0), cr4 = vmcs_read(VMCS_GUEST_CR4);
	uint64_t efer = vmcs_read(VMCS_GUEST_EFER), bad;
	uint32_t entry = (uint32_t)vmcs_read(VMCS_ENTRY_CTLS);

	if ((bad = hv_cr_fixed_bad(cr0, vmx_cr0_must1(), vmx_caps.cr0_fixed1)))
		fail(c, "GUEST_CR0 0x%llx: bits 0x%llx violate IA32_VMX_CR0_FIXED0/1",
		    (unsigned long long)cr0, (unsigned long long)bad);
	if ((bad = hv_cr_fixed_bad(cr4, vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed1)))
		fail(c, "GUEST_CR4 0x%llx: bits 0x%llx violate IA32_VMX_CR4_FIXED0/1",
		    (unsigned long long)cr4, (unsigned long long)bad);
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		fail(c, "GUEST_CR0 0x%llx: PG set with PE clear",
		    (unsigned long long)cr0);
	if (ia32e && (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE)))
		fail(c, "IA-32e mode guest needs CR0.PG and CR4.PAE "
		    "(CR0 0x%llx CR4 0x%llx)", (unsigned long long)cr0,
		    (unsigned long long)cr4);
	if (vmcs_read(VMCS_GUEST_DR7) >> 32)
		fail(c, "GUEST_DR7 0x%llx: bits 63:32 must be 0",
		    (unsigned long long)vmcs_read(VMCS_GUEST_DR7));
	if ((entry & ENTRY_LOAD_PKRS) && (vmcs_read(VMCS_GUEST_PKRS) >> 32))
		fail(c, "GUEST_PKRS 0x%llx: bits 63:32 must be 0",
		    (unsigned long long)vmcs_read(VMCS_GUEST_PKRS));
	if (!x86_canonical(vmcs_read(VMCS_GUEST_SYSENTER_ESP)) ||
	    !x86_canonical(vmcs_read(VMCS_GUEST_SYSENTER_EIP)))
		fail(c, "GUEST_SYSENTER_ESP/EIP not canonical");
	if (entry & ENTRY_LOAD_EFER) {
		if (efer & ~(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE))
			fail(c, "GUEST_EFER 0x%llx: reserved bits set",
			    (unsigned long long)efer);
		if (((efer & X86_EFER_LMA) != 0) != ia32e)
			fail(c, "GUEST_EFER 0x%llx: LMA differs from the IA-32e "
			    "mode guest entry control", (unsigned long long)efer);
		if ((cr0 & X86_CR0_PG) && ((efer & X86_EFER_LMA) != 0) !=
		    ((efer & X86_EFER_LME) != 0))
			fail(c, "GUEST_EFER 0x%llx: LMA differs from LME with "
			    "CR0.PG set", (unsigned long long)efer);
	}
}

struct seg {
	const char *name;
	uint32_t sel, base, limit, ar;
};

static const struct seg segs[] = {
	{ "CS", VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR },
	{ "SS", VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
	{ "DS", VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
	{ "ES", VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
	{ "FS", VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
	{ "GS", VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
	{ "TR", VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR },
	{ "LDTR", VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR },
};

/* SDM 26.3.1.2: limit and G agree (G=0 needs limit < 1M, G=1 low 12 bits 1s). */
static bool
limit_ok(uint32_t limit, uint32_t ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & VMX_AR_G))
		return false;
	if ((limit >> 20) != 0 && !(ar & VMX_AR_G))
		return false;
	return true;
}

/*
 * SDM 26.3.1.2 with unrestricted guest: CS may be an accessed read/write
 * data segment (type 3, DPL 0), SS.RPL need not equal SS.DPL, and SS.DPL
 * is 0 in real mode (CR0.PE=0) or with such a CS.
 */
static void
check_seg(struct chk *c, const struct seg *s, bool ia32e, uint32_t cs_ar)
{
	bool unrestricted = (vmx_caps.proc2_ctls & PROC2_UNRESTRICTED) != 0;
	bool real = !(vmcs_read(VMCS_GUEST_CR0) & X86_CR0_PE);
	uint32_t ar = (uint32_t)vmcs_read(s->ar), type = VMX_AR_TYPE(ar);
	uint32_t limit = (uint32_t)vmcs_read(s->limit);
	uint64_t base = vmcs_read(s->base), sel = vmcs_read(s->sel);
	bool tr = s->sel == VMCS_GUEST_TR_SEL, ldtr = s->sel == VMCS_GUEST_LDTR_SEL;
	bool cs = s->sel == VMCS_GUEST_CS_SEL, ss = s->sel == VMCS_GUEST_SS_SEL;

	if ((ar & VMX_AR_UNUSABLE) && !tr && !cs)
		return;
	if (tr && (ar & VMX_AR_UNUSABLE)) {
		fail(c, "GUEST_TR_AR 0x%x: TR must be usable", ar);
		return;
	}
	if ((ar & 0xf00) || (ar >> 17))
		fail(c, "GUEST_%s_AR 0x%x: reserved bits set", s->name, ar);
	if (!(ar & VMX_AR_P))
		fail(c, "GUEST_%s_AR 0x%x: not present", s->name, ar);
	if (!limit_ok(limit, ar))
		fail(c, "GUEST_%s_LIMIT 0x%x: disagrees with G in AR 0x%x",
		    s->name, limit, ar);
	if ((tr || ldtr) && (sel & 4))
		fail(c, "GUEST_%s_SEL 0x%llx: TI flag set", s->name,
		    (unsigned long long)sel);
	if (tr) {
		if ((ar & VMX_AR_S) || type != (ia32e ? 11u : type) ||
		    (type != 11 && type != 3))
			fail(c, "GUEST_TR_AR 0x%x: needs a busy %sTSS (type 11, S=0)",
			    ar, ia32e ? "64-bit " : "");
	} else if (ldtr) {
		if ((ar & VMX_AR_S) || type != 2)
			fail(c, "GUEST_LDTR_AR 0x%x: needs type 2, S=0", ar);
	} else if (!(ar & VMX_AR_S)) {
		fail(c, "GUEST_%s_AR 0x%x: S (code/data) clear", s->name, ar);
	}
	if (cs) {
		if (type != 9 && type != 11 && type != 13 && type != 15 &&
		    !(unrestricted && type == 3))
			fail(c, "GUEST_CS_AR 0x%x: type %u is not an accessed code "
			    "segment", ar, type);
		if (type == 3 && VMX_AR_DPL(ar) != 0)
			fail(c, "GUEST_CS_AR 0x%x: a data-type CS needs DPL 0", ar);
		if (ia32e && (ar & VMX_AR_L) && (ar & VMX_AR_DB))
			fail(c, "GUEST_CS_AR 0x%x: L and D both set in IA-32e mode", ar);
		if (base >> 32)
			fail(c, "GUEST_CS_BASE 0x%llx: bits 63:32 must be 0",
			    (unsigned long long)base);
	}
	if (ss) {
		if (type != 3 && type != 7)
			fail(c, "GUEST_SS_AR 0x%x: type %u is not a writable data "
			    "segment", ar, type);
		if ((type == 9 || type == 11 || VMX_AR_TYPE(cs_ar) == 9 ||
		    VMX_AR_TYPE(cs_ar) == 11) && VMX_AR_DPL(ar) != VMX_AR_DPL(cs_ar))
			fail(c, "GUEST_SS_AR 0x%x: DPL differs from CS DPL (CS AR "
			    "0x%x)", ar, cs_ar);
		if (!unrestricted && (sel & 3) != VMX_AR_DPL(ar))
			fail(c, "GUEST_SS_SEL 0x%llx: RPL differs from SS.DPL",
			    (unsigned long long)sel);
		if ((real || VMX_AR_TYPE(cs_ar) == 3) && VMX_AR_DPL(ar) != 0)
			fail(c, "GUEST_SS_AR 0x%x: DPL must be 0 in real mode or "
			    "with a data-type CS", ar);
	}
	if (!cs && !ss && !tr && !ldtr) {
		if (!(type & 1))
			fail(c, "GUEST_%s_AR 0x%x: accessed bit clear", s->name, ar);
		if ((type & 8) && !(type & 2))
			fail(c, "GUEST_%s_AR 0x%x: code segment not readable",
			    s->name, ar);
	}
	if ((tr || ldtr || s->sel == VMCS_GUEST_FS_SEL ||
	    s->sel == VMCS_GUEST_GS_SEL) && !x86_canonical(base))
		fail(c, "GUEST_%s_BASE 0x%llx: not canonical", s->name,
		    (unsigned long long)base);
}

static void
check_rest(struct chk *c, bool ia32e, uint32_t cs_ar)
{
	uint64_t rip = vmcs_read(VMCS_GUEST_RIP), fl = vmcs_read(VMCS_GUEST_RFLAGS);
	uint64_t act = vmcs_read(VMCS_GUEST_ACTIVITY);

	if (!x86_canonical(vmcs_read(VMCS_GUEST_GDTR_BASE)) ||
	    !x86_canonical(vmcs_read(VMCS_GUEST_IDTR_BASE)))
		fail(c, "GUEST_GDTR/IDTR base not canonical");
	if ((vmcs_read(VMCS_GUEST_GDTR_LIMIT) >> 16) ||
	    (vmcs_read(VMCS_GUEST_IDTR_LIMIT) >> 16))
		fail(c, "GUEST_GDTR/IDTR limit above 0xffff");
	/* SDM 26.3.1.4: bits 63:48 identical (bit 47 may differ: that faults
	 * at the first fetch instead), or 63:32 zero outside 64-bit code */
	if (ia32e && (cs_ar & VMX_AR_L)) {
		if ((rip >> 48) != 0 && (rip >> 48) != 0xffff)
			fail(c, "GUEST_RIP 0x%llx: bits 63:48 not all equal",
			    (unsigned long long)rip);
	} else if ((rip >> 32) != 0) {
		fail(c, "GUEST_RIP 0x%llx: bits 63:32 set outside 64-bit code",
		    (unsigned long long)rip);
	}
	if ((fl & ~0x3f7fd7ull) || !(fl & 2))
		fail(c, "GUEST_RFLAGS 0x%llx: reserved bits wrong (bit 1 must be "
		    "1; 3, 5, 15, 63:22 must be 0)", (unsigned long long)fl);
	if (ia32e && (fl & (1ull << 17)))
		fail(c, "GUEST_RFLAGS 0x%llx: VM set in IA-32e mode",
		    (unsigned long long)fl);
	if (act > 3)
		fail(c, "GUEST_ACTIVITY_STATE %llu: not a valid state",
		    (unsigned long long)act);
	if (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) >> 5)
		fail(c, "GUEST_INTERRUPTIBILITY 0x%llx: reserved bits set",
		    (unsigned long long)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY));
	if (vmcs_read(VMCS_LINK_POINTER) != ~0ull)
		fail(c, "VMCS_LINK_POINTER 0x%llx: must be all ones without a "
		    "shadow VMCS", (unsigned long long)vmcs_read(VMCS_LINK_POINTER));
}

int
vmx_check_guest_state(char *buf, size_t len)
{
	struct chk c = { buf, len, false };
	bool ia32e = (vmcs_read(VMCS_ENTRY_CTLS) & ENTRY_IA32E_GUEST) != 0;
	uint32_t cs_ar = (uint32_t)vmcs_read(VMCS_GUEST_CS_AR);
	size_t i;

	if (len > 0)
		buf[0] = '\0';
	check_cr(&c, ia32e);
	for (i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		check_seg(&c, &segs[i], ia32e, cs_ar);
	check_rest(&c, ia32e, cs_ar);
	return c.failed ? -1 : 0;
}
