/*
 * xsave.c - the guest's XSAVE feature set: the XSETBV rule both backends
 * apply, and CPUID leaf 0xD as the guest sees it.  hv/fpu.c switches the
 * state under the host's XCR0 and loads the guest's XCR0 for the stretch,
 * so the guest may enable only components of the host's XCR0, and leaf 0xD
 * describes exactly those, sized for the XCR0 the guest set.
 */
#include "core.h"
#include "x86_arch.h"

/*
 * Bytes of an XSAVE area holding the components of mask (SDM Vol. 1 13.4):
 * the legacy region and the header, then each component i >= 2 at the
 * offset CPUID.(0Dh, i):EBX gives (standard format), or packed in
 * component order, 64-byte aligned where CPUID.(0Dh, i):ECX[1] says so
 * (compacted format, 13.4.3).
 */
uint32_t
hv_xsave_size(uint64_t mask, bool compacted)
{
	uint32_t r[4], size = X86_XSAVE_LEGACY + X86_XSAVE_HEADER;
	unsigned i;

	for (i = 2; i < 64; i++) {
		if (!((mask >> i) & 1))
			continue;
		hv_cpuid(X86_CPUID_LEAF_XSAVE, i, r);
		if (compacted) {
			if (r[2] & X86_CPUIDDN_ECX_ALIGN64)
				size = (size + 63) & ~63u;
			size += r[0];
		} else if (r[1] + r[0] > size) {
			size = r[1] + r[0];
		}
	}
	return size;
}

static bool
all_or_none(uint64_t v, uint64_t group)
{
	return (v & group) == 0 || (v & group) == group;
}

/* An XCR0 value XSETBV accepts (SDM Vol. 3A 2.6): x87 always, AVX only with
 * SSE, AVX-512 only with AVX, the MPX, AVX-512 and AMX components as
 * groups, and only components that are supported. */
static bool
xcr0_valid(uint64_t v, uint64_t supported)
{
	if (!(v & X86_XCR0_X87) || (v & ~supported) != 0)
		return false;
	if ((v & X86_XCR0_YMM) && !(v & X86_XCR0_SSE))
		return false;
	if ((v & X86_XCR0_AVX512) && !(v & X86_XCR0_YMM))
		return false;
	return all_or_none(v, X86_XCR0_MPX) && all_or_none(v, X86_XCR0_AVX512) &&
	    all_or_none(v, X86_XCR0_AMX);
}

/*
 * XSETBV exits on VMX unconditionally (SDM Vol. 3C 25.1.3, exit reason
 * 55) and on SVM with the intercept (APM Vol. 2 15.9).  The CPU checks
 * CR4.OSXSAVE (#UD) and CPL (#GP) before either exit (SDM 25.1.1, APM
 * 15.9); the rule checks them again, so that it is the instruction's whole
 * definition whoever calls it (SDM Vol. 2B XSETBV): #UD without XSAVE or
 * with CR4.OSXSAVE clear; #GP(0) at CPL > 0, for an XCR other than XCR0
 * (ECX: RCX[63:32] are ignored) or a value XCR0 refuses (EDX:EAX: the
 * high halves of RDX and RAX are ignored).  A value this CPU's XCR0 would
 * take but the host's does not enable is "reserved" for the guest, since
 * CPUID leaf 0xD does not offer it (hv_xsave_cpuid).
 */
int
hv_vx_xsetbv(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	uint64_t supported = hv_fpu_xcr0_supported();
	uint64_t v = ((vx->gpr[HV_RDX] & 0xffffffffull) << 32) |
	    (vx->gpr[HV_RAX] & 0xffffffffull);
	struct hv_ctl_regs ctl;

	if (hv_ops->get_ctl(vcpu, &ctl) != 0)
		return hv_vcpu_stop(vcpu, ex, HV_EIO, ex->raw_reason, vx->rip,
		    "XSETBV: the guest's CR4 and CPL unreadable");
	if (supported == 0 || !(ctl.cr4 & X86_CR4_OSXSAVE))
		vx->ud = true;
	else if (ctl.cpl != 0 || (uint32_t)vx->gpr[HV_RCX] != 0 ||
	    !xcr0_valid(v, supported))
		vx->gp = true;
	else {
		hv_fpu_xcr0_set(vcpu, v);
		vx->skip = true;
	}
	return HV_RESUME;
}

/*
 * Leaf 0xD (SDM Vol. 1 13.2), r[] holding the host's values.  Sub-leaf 0:
 * the components hv switches (EDX:EAX), the standard-format size for the
 * guest's XCR0 (EBX: the CPU's own follows whichever XCR0 is loaded when
 * CPUID runs) and for all of them (ECX).  Sub-leaf 1: XSAVEOPT, XSAVEC and
 * XGETBV with ECX=1 run as they are on the guest's XCR0; XSAVES (IA32_XSS
 * would be the host's) and XFD (no IA32_XFD kept) are hidden, so no
 * supervisor component (ECX, EDX) and EBX is the compacted size for XCR0.
 * Sub-leaves of components hv does not switch read as zeros.  Without
 * XSAVE in the host (CPUID.1 hides it, hv/cpuid.c) the leaf is all zeros.
 */
void
hv_xsave_cpuid(struct hv_vcpu *vcpu, uint32_t subleaf, uint32_t r[4])
{
	uint64_t supported = hv_fpu_xcr0_supported();

	if (subleaf == 0 && supported != 0) {
		r[0] = (uint32_t)supported;
		r[1] = hv_xsave_size(vcpu->xcr0, false);
		r[2] = hv_xsave_size(supported, false);
		r[3] = (uint32_t)(supported >> 32);
	} else if (subleaf == 1 && supported != 0) {
		r[0] &= ~(X86_CPUIDD1_EAX_XSAVES | X86_CPUIDD1_EAX_XFD);
		r[1] = (r[0] & X86_CPUIDD1_EAX_XSAVEC) ?
		    hv_xsave_size(vcpu->xcr0, true) : 0;
		r[2] = r[3] = 0;
	} else if (subleaf < 2 || subleaf >= 64 || !((supported >> subleaf) & 1)) {
		r[0] = r[1] = r[2] = r[3] = 0;
	}
}
