/*
 * xvendor.c - an instruction the guest's CPU vendor defines that the CPU
 * under it does not run, for a VM whose CPU model (hv_vm_set_model) names
 * the other vendor.  The CPU raises #UD for it; every VM intercepts #UD
 * (hv_exception_intercepts), and hv_vx_ud looks at the bytes only when the
 * vendors differ, so other VMs pay nothing but that comparison.  It does
 * the instruction once in the guest's place, as the guest's vendor defines
 * it; any other #UD is left to the backend, which delivers it unchanged.
 *
 * An AMD guest on an Intel CPU: SYSCALL (0F 05) in compatibility mode.
 * AMD runs it (APM Vol. 3, SYSCALL: long mode, compatibility mode), Intel
 * raises #UD outside 64-bit mode (SDM Vol. 2B, SYSCALL).  With EFER.SCE
 * clear both raise #UD, which stays the guest's.  SYSRET to compatibility
 * mode needs nothing: both vendors run it.  Not done: AMD's SYSCALL in
 * legacy mode (EFER.LMA clear), and the mirror case, an Intel guest's
 * SYSENTER and SYSEXIT in 64-bit mode, which an AMD CPU refuses in long
 * mode (APM Vol. 3, SYSENTER, SYSEXIT); those #UDs reach the guest.  So
 * only the VMX backend hands its #UDs here.
 */
#include "core.h"
#include "x86_arch.h"


/* a flat segment: base 0, limit 4 GiB - 1 */
static struct hv_seg
flat(uint16_t sel, uint16_t attr)
{
	struct hv_seg s = { .sel = sel, .attr = attr, .limit = 0xffffffffu };

	return s;
}

/*
 * The bytes at RIP are SYSCALL: 0F 05 after legacy prefixes, which it
 * ignores (LOCK is #UD on it, SDM Vol. 2A 2.1.1, so it is not skipped);
 * *len its length.
 */
static bool
is_syscall(struct hv_vcpu *vcpu, uint64_t rip, unsigned *len)
{
	uint8_t b[X86_INSN_MAX];
	struct hv_prefixes p;
	size_t n, i;

	n = hv_insn_fetch(vcpu, rip, b, sizeof(b));
	hv_insn_prefixes(b, n, false, &p);	/* not 64-bit code: no REX */
	if (p.lock)
		return false;
	i = p.len;
	if (i + 2 > n || b[i] != 0x0f || b[i + 1] != 0x05)
		return false;
	*len = (unsigned)i + 2;
	return true;
}

/*
 * SYSCALL from compatibility mode as APM Vol. 3 SYSCALL defines it in long
 * mode: RCX the next RIP, R11 RFLAGS with RF clear, RFLAGS masked by
 * IA32_FMASK and RF cleared; CS STAR[47:32] with RPL cleared, a flat
 * 64-bit code segment, and SS STAR[47:32] + 8, flat data, both DPL 0 (the
 * descriptor values SDM Vol. 2B SYSCALL lists); CPL 0; RIP IA32_CSTAR.
 */
static bool
syscall_compat(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	uint64_t efer, star, cstar, fmask, *g = vx->gpr;
	uint16_t sel;
	unsigned len;

	if (vx->code_bits == 64 ||
	    !hv_ops->msr_get(vcpu, HV_MSR_EFER, &efer) ||
	    (efer & (X86_EFER_LMA | X86_EFER_SCE)) !=
	    (X86_EFER_LMA | X86_EFER_SCE) ||
	    !hv_ops->msr_get(vcpu, HV_MSR_STAR, &star) ||
	    !hv_ops->msr_get(vcpu, HV_MSR_CSTAR, &cstar) ||
	    !hv_ops->msr_get(vcpu, HV_MSR_FMASK, &fmask) ||
	    !is_syscall(vcpu, vx->rip, &len))
		return false;
	g[HV_RCX] = hv_next_rip(vx->rip, len, vx->code_bits);
	g[HV_R11] = vx->rflags & ~X86_RFLAGS_RF;
	/* no mask clears RFLAGS bit 1 */
	vx->rflags = (vx->rflags & ~fmask & ~X86_RFLAGS_RF) | X86_RFLAGS_FIXED1;
	sel = (uint16_t)(star >> 32);
	vx->cs = flat(sel & ~3u, X86_DESC_CODE_XRA | X86_DESC_S |
	    X86_DESC_DPL(0) | X86_DESC_P | X86_DESC_L | X86_DESC_G);
	vx->ss = flat((uint16_t)(sel + 8), X86_DESC_DATA_RWA | X86_DESC_S |
	    X86_DESC_DPL(0) | X86_DESC_P | X86_DESC_DB | X86_DESC_G);
	vx->target = cstar;
	vx->branch = true;
	return true;
}

int
hv_vx_ud(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	vx->branch = false;
	if (vcpu->vm->model.vendor == HV_CPU_AMD &&
	    hv_host_vendor() == HV_CPU_INTEL && syscall_compat(vcpu, vx))
		HV_STAT_INC(syscalls_emulated);
	return HV_RESUME;
}
