/*
 * vmcs.c - the only place that executes VMREAD/VMWRITE; programs the
 * controls, the guest boot state of hv_abi.h and the host state.
 */
#include "vmx.h"
#include "vmx_cpu.h"
#include "vmcs.h"

/* A VMWRITE / VMREAD that failed: done again for its error (a failed one
 * changes nothing), which is logged. */
int
vmcs_write_fail(uint32_t field, uint64_t val)
{
	int rc;

	if ((rc = vmx_vmwrite(field, val)) == VMX_OK)
		return 0;
	hv_os_log("hv: vmx: VMWRITE field 0x%x = 0x%llx\n", field,
	    (unsigned long long)val);
	return vmx_insn_fail("VMWRITE", rc);
}

uint64_t
vmcs_read_fail(uint32_t field)
{
	uint64_t v;
	int rc;

	if ((rc = vmx_vmread(field, &v)) == VMX_OK)
		return v;
	hv_os_log("hv: vmx: VMREAD field 0x%x\n", field);
	(void)vmx_insn_fail("VMREAD", rc);
	return 0;
}

/* ---- host state ------------------------------------------------------------ */

/*
 * SDM 26.2.3: host selector fields must have RPL=0 and TI=0.  A data
 * selector that does not qualify is replaced by the null selector, which a
 * 64-bit host tolerates in DS/ES/FS/GS (the FS/GS bases come from their own
 * fields).
 */
static uint16_t
host_data_sel(enum hv_sel which)
{
	uint16_t s = hv_read_sel(which);

	return (s & 7) ? 0 : s;
}

/* Base of the TSS the TR selector names: a 16-byte system descriptor. */
static uint64_t
tss_base(uint64_t gdt_base, uint16_t tr)
{
	const uint32_t *d = (const uint32_t *)(uintptr_t)(gdt_base + (tr & ~7u));
	uint64_t base;

	base = (d[0] >> 16) | ((uint64_t)(d[1] & 0xff) << 16) |
	    ((uint64_t)(d[1] >> 24) << 24) | ((uint64_t)d[2] << 32);
	return base;
}

void
vmx_host_lost_save(struct vmx_host_lost *h)
{
	__asm__ __volatile__("sgdt %0" : "=m"(h->gdtr));
	__asm__ __volatile__("sidt %0" : "=m"(h->idtr));
	h->ldtr = hv_read_sel(HV_SEL_LDTR);
	h->debugctl = hv_rdmsr(X86_MSR_DEBUGCTL);
}

/*
 * A VM exit loads the GDTR and IDTR bases from the host fields but sets
 * both limits to 0xffff, leaves LDTR unusable with selector 0 (SDM Vol. 3C
 * 28.5.2) and clears IA32_DEBUGCTL (28.5.1).  A host with a shorter GDT
 * would then take selectors past its end as valid descriptors.  Each is put
 * back only where it differs (LGDT, LIDT, LLDT and WRMSR serialize).
 */
void
vmx_host_lost_restore(const struct vmx_host_lost *h)
{
	struct vmx_host_lost now;

	vmx_host_lost_save(&now);
	if (now.gdtr.limit != h->gdtr.limit)
		__asm__ __volatile__("lgdt %0" : : "m"(h->gdtr));
	if (now.idtr.limit != h->idtr.limit)
		__asm__ __volatile__("lidt %0" : : "m"(h->idtr));
	if (now.ldtr != h->ldtr)
		__asm__ __volatile__("lldt %0" : : "r"(h->ldtr));
	if (now.debugctl != h->debugctl)
		hv_wrmsr(X86_MSR_DEBUGCTL, h->debugctl);
}

int
vmcs_set_host_percpu(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc = vcpu->backend;
	struct vmx_dtr gdtr, idtr;
	uint16_t tr;
	int err = 0;

	__asm__ __volatile__("sgdt %0" : "=m"(gdtr));
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	tr = hv_read_sel(HV_SEL_TR);
	if (tr == 0) {
		/* SDM 26.2.3: the host TR selector must not be null. */
		hv_os_log("hv: vmx: this CPU has no TSS loaded (TR=0)\n");
		return HV_EINVAL;
	}
	err |= vmcs_write(VMCS_HOST_TR_SEL, tr);
	err |= vmcs_write(VMCS_HOST_TR_BASE, tss_base(gdtr.base, tr));
	err |= vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	err |= vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	err |= vmcs_write(VMCS_HOST_GS_BASE, hv_rdmsr(X86_MSR_GS_BASE));
	err |= vmcs_write(VMCS_HOST_SYSENTER_CS, hv_rdmsr(X86_MSR_SYSENTER_CS));
	err |= vmcs_write(VMCS_HOST_SYSENTER_ESP, hv_rdmsr(X86_MSR_SYSENTER_ESP));
	err |= vmcs_write(VMCS_HOST_SYSENTER_EIP, hv_rdmsr(X86_MSR_SYSENTER_EIP));
	/*
	 * The exit loads CR0 from here (SDM 28.5.1), but hv_fpu_enter has
	 * cleared CR0.TS for the whole pinned stretch (a lazy-FPU host may have
	 * had it set when this was written): an exit with TS set would make
	 * hv_fpu_leave's FXSAVE/XSAVE raise #NM.  hv_fpu_leave puts TS back.
	 */
	err |= vmcs_write(VMCS_HOST_CR0, hv_rdcr0() & ~X86_CR0_TS);
	err |= vmcs_write(VMCS_HOST_CR4, hv_rdcr4());
	err |= vmcs_write(VMCS_HOST_EFER, hv_rdmsr(X86_MSR_EFER));
	/* quirk stale_host_cr3: the 2013 code refreshed HOST_CR3 only here,
	 * when the vCPU (re)loaded its VMCS on a CPU */
	if (HV_QUIRK(stale_host_cr3))
		err |= vmcs_write(VMCS_HOST_CR3, hv_os_cur_cr3());
	if (vmx_caps.load_pat)
		err |= vmcs_write(VMCS_HOST_PAT, hv_rdmsr(X86_MSR_PAT));
	/* the SYSCALL MSRs and TSC_AUX, which every exit loads back */
	vmx_msr_lists_host(vc->msrs);
	return err ? HV_EIO : 0;
}

/*
 * The host fields that can change between two entries on one CPU.  The
 * 2013 DragonFly bugs lived exactly here: HOST_CR3 written only at CPU
 * migration went stale after vmspace_ctl switched the thread's page tables,
 * and HOST_FS_BASE left at 0 made the exit load FS base 0 behind the back of
 * the context switch's cached value.  Both are asked for at every entry,
 * and so is the host's PKRS where the VMCS switches it: a host may give
 * each thread its own.
 */
int
vmcs_set_host_dynamic(void)
{
	int err = 0;

	/* the quirks (hv/quirk.c) put each 2013 bug back exactly here */
	if (!HV_QUIRK(stale_host_cr3))
		err |= vmcs_write(VMCS_HOST_CR3, hv_os_cur_cr3());
	err |= vmcs_write(VMCS_HOST_FS_BASE,
	    HV_QUIRK(zero_host_fs) ? 0 : hv_os_cur_fs_base());
	/* the host's PKRS, which the exit loads back (SDM 28.5.1) */
	if (vmx_caps.load_pkrs)
		err |= vmcs_write(VMCS_HOST_PKRS, hv_rdmsr(X86_MSR_PKRS));
	return err ? HV_EIO : 0;
}

static int
vmcs_set_host_static(void)
{
	int err = 0;

	err |= vmcs_write(VMCS_HOST_CS_SEL, hv_read_sel(HV_SEL_CS));
	err |= vmcs_write(VMCS_HOST_SS_SEL, host_data_sel(HV_SEL_SS));
	err |= vmcs_write(VMCS_HOST_DS_SEL, host_data_sel(HV_SEL_DS));
	err |= vmcs_write(VMCS_HOST_ES_SEL, host_data_sel(HV_SEL_ES));
	err |= vmcs_write(VMCS_HOST_FS_SEL, host_data_sel(HV_SEL_FS));
	err |= vmcs_write(VMCS_HOST_GS_SEL, host_data_sel(HV_SEL_GS));
	err |= vmcs_write(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);
	return err ? HV_EIO : 0;
}

/* ---- controls ---------------------------------------------------------------- */

static int
vmcs_set_controls(struct hv_vcpu *vcpu)
{
	struct vmx_vm *vv = vcpu->vm->backend;
	struct vmx_vcpu *vc = vcpu->backend;
	uint32_t exc = hv_exception_intercepts(vcpu->vm), pfec;
	int err = 0;

	err |= vmcs_write(VMCS_PIN_CTLS, vmx_caps.pin_ctls);
	err |= vmcs_write(VMCS_PROC_CTLS, vmx_caps.proc_ctls);
	err |= vmcs_write(VMCS_PROC_CTLS2, vmx_caps.proc2_ctls);
	err |= vmcs_write(VMCS_EXIT_CTLS, vmx_caps.exit_ctls);
	err |= vmcs_write(VMCS_ENTRY_CTLS, vmx_caps.entry_ctls);
	err |= vmcs_write(VMCS_EXCEPTION_BITMAP, exc);
	/*
	 * Where #PF is intercepted (hv_maxphy_pf) only the P=1 ones exit: with
	 * error code & mask == match bit 14 decides, else its opposite (SDM
	 * Vol. 3C 25.2), so a clear bit 14 keeps mask and match 0.
	 */
	pfec = (exc & (1u << X86_VEC_PF)) ? X86_PFERR_P : 0;
	err |= vmcs_write(VMCS_PF_ERR_MASK, pfec);
	err |= vmcs_write(VMCS_PF_ERR_MATCH, pfec);
	err |= vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	err |= vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmx_msr_lists_init(vc->msrs);
	err |= vmcs_write(VMCS_ENTRY_MSR_LOAD_ADDR,
	    hv_os_virt_to_phys(vc->msrs->guest));
	err |= vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, vmx_msr_nswitched());
	err |= vmcs_write(VMCS_EXIT_MSR_LOAD_ADDR,
	    hv_os_virt_to_phys(vc->msrs->host));
	err |= vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, vmx_msr_nswitched());
	err |= vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	err |= vmcs_write(VMCS_TSC_OFFSET, 0);
	err |= vmcs_write(VMCS_IO_BITMAP_A, hv_os_virt_to_phys(vv->io_bitmap_a));
	err |= vmcs_write(VMCS_IO_BITMAP_B, hv_os_virt_to_phys(vv->io_bitmap_b));
	err |= vmcs_write(VMCS_MSR_BITMAP, hv_os_virt_to_phys(vv->msr_bitmap));
	/* the guest's CR8 is VTPR in this page; threshold 0: never an exit */
	err |= vmcs_write(VMCS_VIRTUAL_APIC_ADDR, hv_os_virt_to_phys(vc->vapic));
	err |= vmcs_write(VMCS_TPR_THRESHOLD, 0);
	err |= vmcs_write(VMCS_EPTP, vv->eptp);
	if (vc->vpid)
		err |= vmcs_write(VMCS_VPID, vc->vpid);
	/*
	 * CR0/CR4 bits the VMX fixed MSRs pin down are owned by the host: a guest
	 * MOV that would change them exits (SDM 25.1.3), and reads see the
	 * shadow.  CR4.VMXE must be 1 while the guest runs (SDM 26.3.1.1) but the
	 * guest reads it as 0.  The CR4 bits the guest's CPUID hides are the
	 * host's too: setting one exits, and the core's rule makes it #GP
	 * (hv/cr.c), where the CPU would take any bit it has itself.
	 */
	/*
	 * CD and NW are host-owned too: VM entry never loads them (SDM
	 * 26.3.2.1), so the guest runs with the host's caching mode and sees
	 * its own values through the shadow.
	 */
	err |= vmcs_write(VMCS_CR0_MASK, vmx_caps.cr0_fixed0 | ~vmx_caps.cr0_fixed1 |
	    X86_CR0_CD | X86_CR0_NW);
	err |= vmcs_write(VMCS_CR4_MASK, vmx_caps.cr4_fixed0 | ~vmx_caps.cr4_fixed1 |
	    ~hv_cr4_guest_bits());
	return err ? HV_EIO : 0;
}

/* ---- guest boot states (hv.h, struct hv_boot) ---------------------------------- */

/* Access rights: 64-bit code (type 0xb, S, P, L, G), 32-bit code (D/B instead
 * of L) and flat data (type 3, S, P, D/B, G). */
#define AR_CODE64	(0xbu | VMX_AR_S | VMX_AR_P | VMX_AR_L | VMX_AR_G)
#define AR_CODE32	(0xbu | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G)
#define AR_DATA		(0x3u | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G)
/* TR: busy TSS (type 11: 64-bit in IA-32e mode, else 32-bit), present;
 * LDTR unusable (SDM 26.3.1.2). */
#define AR_TSS_BUSY	(0xbu | VMX_AR_P)

int
vmcs_set_guest(struct hv_vcpu *vcpu, const struct hv_boot *b)
{
	static const uint32_t data_segs[][4] = {
		{ VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
		{ VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
		{ VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
		{ VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
		{ VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
	};
	struct vmx_vcpu *vc = vcpu->backend;
	bool lm = b->mode == HV_BOOT_LONG64;
	uint64_t cr0, cr4, entry;
	size_t i;
	int err = 0;

	/* paging off needs the unrestricted-guest control (SDM 26.3.1.1) */
	if (!lm && !(vmx_caps.proc2_ctls & PROC2_UNRESTRICTED))
		return HV_ENOTSUP;
	if (lm) {
		cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
		    X86_CR0_PG;
		cr4 = X86_CR4_PAE;
	} else {
		cr0 = X86_CR0_PE | X86_CR0_ET;
		cr4 = 0;
	}
	/* the guest reads its own value; the CPU runs with the fixed bits */
	err |= vmcs_write(VMCS_CR0_SHADOW, cr0);
	err |= vmcs_write(VMCS_GUEST_CR0, hv_cr_fixed_apply(cr0, vmx_cr0_must1(),
	    vmx_caps.cr0_fixed1));
	err |= vmcs_write(VMCS_CR4_SHADOW, cr4);
	err |= vmcs_write(VMCS_GUEST_CR4, hv_cr_fixed_apply(cr4, vmx_caps.cr4_fixed0,
	    vmx_caps.cr4_fixed1));
	err |= vmcs_write(VMCS_GUEST_CR3, lm ? HV_GUEST_PML4_GPA : 0);
	/* SDM 26.3.1.1: EFER.LMA must equal the IA-32e mode guest control */
	err |= vmcs_write(VMCS_GUEST_EFER, lm ? X86_EFER_LME | X86_EFER_LMA |
	    X86_EFER_NXE : 0);
	entry = vmx_caps.entry_ctls & ~(uint64_t)ENTRY_IA32E_GUEST;
	err |= vmcs_write(VMCS_ENTRY_CTLS, entry | (lm ? ENTRY_IA32E_GUEST : 0));
	if (vmx_caps.load_pat)	/* the power-on PAT (SDM Vol. 3A 11.12.4) */
		err |= vmcs_write(VMCS_GUEST_PAT, 0x0007040600070406ull);
	if (vmx_caps.load_pkrs)	/* 0 at reset (SDM Vol. 3A 4.6.2) */
		err |= vmcs_write(VMCS_GUEST_PKRS, 0);
	err |= vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	err |= vmcs_write(VMCS_GUEST_DR7, X86_DR7_INIT);

	err |= vmcs_write(VMCS_GUEST_CS_SEL, 0x08);
	err |= vmcs_write(VMCS_GUEST_CS_BASE, 0);
	err |= vmcs_write(VMCS_GUEST_CS_LIMIT, 0xffffffffu);
	err |= vmcs_write(VMCS_GUEST_CS_AR, lm ? AR_CODE64 : AR_CODE32);
	for (i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++) {
		err |= vmcs_write(data_segs[i][0], 0x10);
		err |= vmcs_write(data_segs[i][1], 0);
		err |= vmcs_write(data_segs[i][2], 0xffffffffu);
		err |= vmcs_write(data_segs[i][3], AR_DATA);
	}
	err |= vmcs_write(VMCS_GUEST_TR_SEL, 0);
	err |= vmcs_write(VMCS_GUEST_TR_BASE, 0);
	err |= vmcs_write(VMCS_GUEST_TR_LIMIT, 0x67);
	err |= vmcs_write(VMCS_GUEST_TR_AR, AR_TSS_BUSY);
	err |= vmcs_write(VMCS_GUEST_LDTR_SEL, 0);
	err |= vmcs_write(VMCS_GUEST_LDTR_BASE, 0);
	err |= vmcs_write(VMCS_GUEST_LDTR_LIMIT, 0);
	err |= vmcs_write(VMCS_GUEST_LDTR_AR, VMX_AR_UNUSABLE);
	err |= vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	err |= vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0);
	err |= vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	err |= vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0);
	err |= vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	err |= vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	err |= vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);

	err |= vmcs_write(VMCS_GUEST_RIP, b->rip);
	err |= vmcs_write(VMCS_GUEST_RSP, b->rsp);
	err |= vmcs_write(VMCS_GUEST_RFLAGS, 0x2);	/* bit 1 is reserved as 1 */
	err |= vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	err |= vmcs_write(VMCS_GUEST_ACTIVITY, 0);	/* active */
	err |= vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	err |= vmcs_write(VMCS_ENTRY_INTR_INFO, 0);	/* nothing left to inject */
	/* SDM 26.3.1.5: no shadow VMCS, so the link pointer is all ones. */
	err |= vmcs_write(VMCS_LINK_POINTER, ~0ull);

	for (i = 0; i < VMX_NSAVE; i++)
		vc->gpr[i] = 0;
	if (lm) {
		vc->gpr[HV_RDI] = vcpu->vm->mem_size;
		vc->gpr[HV_RSI] = (uint64_t)vcpu->id;
	} else {
		vc->gpr[HV_RAX] = b->eax;
		vc->gpr[HV_RBX] = b->ebx;
	}
	vc->guest_kgs = 0;
	return err ? HV_EIO : 0;
}

int
vmcs_setup(struct hv_vcpu *vcpu)
{
	int error;

	if ((error = vmcs_set_controls(vcpu)) != 0)
		return error;
	if ((error = vmcs_set_host_static()) != 0)
		return error;
	if ((error = vmcs_set_host_percpu(vcpu)) != 0)
		return error;
	if ((error = vmcs_set_host_dynamic()) != 0)
		return error;
	return vmcs_set_guest(vcpu, &hv_boot_abi);
}
