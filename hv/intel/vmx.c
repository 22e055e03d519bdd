/*
 * vmx.c - the Intel VMX backend: per-CPU VMX operation, VM and vCPU state,
 * loading a VMCS on the CPU the vCPU thread runs on, one VM entry per call.
 *
 * A VMCS is "current" on one CPU at a time.  Besides the vCPU's own thread,
 * hv_os_on_cpu() callbacks (get/set regs from another CPU, VMCLEAR at
 * migration) may run on that CPU between the thread's VMREADs; each one
 * notes the current-VMCS pointer with VMPTRST and puts it back when done, so
 * the interrupted thread never notices (SDM 24.11.3 allows several active
 * VMCSs per CPU, each keeping its launch state).
 */
#include "vmx.h"
#include "vmx_cpu.h"
#include "vmcs.h"
#include "run.h"

static void	*vmxon_region[HV_MAX_CPUS];
static bool	 vmxon_done[HV_MAX_CPUS];	/* in VMX operation on its region */

/* ---- VMX instruction failures ---------------------------------------------- */

/*
 * SDM 31.4: after VMfailValid the error number is in the current VMCS.
 * Returns its name ("unknown" if hv has none) and the number in *num.
 */
const char *
vmx_insn_error(uint64_t *num)
{
	const char *name;

	*num = 0;
	(void)vmx_vmread(VMCS_INSN_ERROR, num);
	name = hv_vmx_insn_error_name((unsigned)*num);
	return name != NULL ? name : "unknown";
}

int
vmx_insn_fail(const char *insn, int rc)
{
	const char *name;
	uint64_t err;

	if (rc == VMX_FAIL_INVALID) {
		hv_os_log("hv: vmx: %s failed: VMfailInvalid (no current VMCS)\n",
		    insn);
		return HV_EIO;
	}
	name = vmx_insn_error(&err);
	hv_os_log("hv: vmx: %s failed: VMfailValid, VM-instruction error %u (%s)\n",
	    insn, (unsigned)err, name);
	return HV_EIO;
}

/* Make pa the current VMCS; returns the previous current-VMCS pointer. */
static int
vmcs_make_current(uint64_t pa, uint64_t *prev)
{
	int rc;

	*prev = vmx_vmptrst();
	if (*prev == pa)
		return 0;
	if ((rc = vmx_vmptrld(pa)) != VMX_OK)
		return vmx_insn_fail("VMPTRLD", rc);
	return 0;
}

static void
vmcs_restore_current(uint64_t pa, uint64_t prev)
{
	int rc;

	/* all ones: there was no current VMCS (SDM 24.11.2) */
	if (prev == pa || prev == ~0ull)
		return;
	if ((rc = vmx_vmptrld(prev)) != VMX_OK)
		(void)vmx_insn_fail("VMPTRLD (restore)", rc);
}

/* ---- per-CPU enable/disable -------------------------------------------------- */

/*
 * VMXON regions are allocated here, in thread context, because cpu_enable runs
 * as an hv_os_on_cpu() callback that must not sleep.  They are kept across
 * disable/enable (one page per CPU); vmx_fini frees them.
 */
int
vmx_percpu_alloc(void)
{
	int cpu, n = hv_os_ncpus();

	for (cpu = 0; cpu < n && cpu < HV_MAX_CPUS; cpu++) {
		if (vmxon_region[cpu] == NULL &&
		    (vmxon_region[cpu] = hv_os_page_alloc()) == NULL)
			return HV_ENOMEM;
	}
	return 0;
}

/*
 * hv_fini, after cpu_disable on every CPU.  A CPU whose VMXOFF failed still
 * uses its region (SDM 24.11.5: it must not be touched in VMX operation):
 * that page stays allocated, said once.
 */
static void
vmx_fini(void)
{
	int cpu;

	for (cpu = 0; cpu < HV_MAX_CPUS; cpu++) {
		if (vmxon_region[cpu] == NULL)
			continue;
		if (vmxon_done[cpu]) {
			hv_os_log("hv: vmx: cpu %d still in VMX operation; its "
			    "VMXON region is not freed\n", cpu);
			continue;
		}
		hv_os_page_free(vmxon_region[cpu]);
		vmxon_region[cpu] = NULL;
	}
}

static int
vmx_cpu_enable(void *arg)
{
	int cpu = hv_os_cpu_id();
	uint64_t cr0, cr4;
	uint32_t *region;
	int rc, error;

	(void)arg;
	if ((error = vmx_feature_control()) != 0)
		return error;
	if ((region = vmxon_region[cpu]) == NULL)
		return HV_ENOMEM;
	region[0] = vmx_caps.revision;	/* SDM 24.11.5: revision id, bit 31 0 */
	/* SDM 23.8: CR0 and CR4 must satisfy the fixed MSRs before VMXON. */
	cr0 = hv_cr_fixed_apply(hv_rdcr0(), vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1);
	cr4 = hv_cr_fixed_apply(hv_rdcr4() | X86_CR4_VMXE, vmx_caps.cr4_fixed0,
	    vmx_caps.cr4_fixed1);
	hv_wrcr0(cr0);
	hv_wrcr4(cr4);
	if ((rc = vmx_vmxon(hv_os_virt_to_phys(region))) != VMX_OK) {
		/* VMfailInvalid: bad region or revision; VMfailValid: already
		 * in VMX operation with a current VMCS (error 15) */
		hv_os_log("hv: vmx: cpu %d: ", cpu);
		(void)vmx_insn_fail("VMXON", rc);
		if (rc == VMX_FAIL_INVALID)
			hv_wrcr4(cr4 & ~X86_CR4_VMXE);
		return HV_EIO;
	}
	vmxon_done[cpu] = true;
	return 0;
}

static int
vmx_cpu_disable(void *arg)
{
	int rc;

	(void)arg;
	if (!(hv_rdcr4() & X86_CR4_VMXE))
		return 0;		/* never enabled here (rollback) */
	if ((rc = vmx_vmxoff()) != VMX_OK) {
		hv_os_log("hv: vmx: cpu %d: ", hv_os_cpu_id());
		return vmx_insn_fail("VMXOFF", rc);
	}
	hv_wrcr4(hv_rdcr4() & ~X86_CR4_VMXE);
	vmxon_done[hv_os_cpu_id()] = false;
	return 0;
}

/* ---- VMs ----------------------------------------------------------------------- */

/* SDM 24.6.9: read bitmaps at 0 (MSRs 0-1fff) and 1024 (c0000000-c0001fff),
 * write bitmaps at 2048 and 3072; a set bit makes the access exit. */
static void
msr_passthrough(uint8_t *bm, uint32_t msr)
{
	uint32_t base = (msr >= 0xc0000000u) ? 1024 : 0;
	uint32_t bit = msr & 0x1fff;

	bm[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
	bm[2048 + base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static void
vmx_vm_free(struct vmx_vm *vv)
{
	if (vv->msr_bitmap != NULL)
		hv_os_page_free(vv->msr_bitmap);
	if (vv->io_bitmap_a != NULL)
		hv_os_page_free(vv->io_bitmap_a);
	if (vv->io_bitmap_b != NULL)
		hv_os_page_free(vv->io_bitmap_b);
	hv_os_free(vv);
}

static int
vmx_vm_init(struct hv_vm *vm)
{
	struct vmx_vm *vv;

	if ((vv = hv_os_malloc(sizeof(*vv))) == NULL)
		return HV_ENOMEM;
	vv->msr_bitmap = hv_os_page_alloc();
	vv->io_bitmap_a = hv_os_page_alloc();
	vv->io_bitmap_b = hv_os_page_alloc();
	if (vv->msr_bitmap == NULL || vv->io_bitmap_a == NULL ||
	    vv->io_bitmap_b == NULL) {
		vmx_vm_free(vv);
		return HV_ENOMEM;
	}
	/* every port and every MSR exits, except the three segment-base MSRs,
	 * which the VMCS (FS/GS) or vmx_enter_guest (KERNEL_GS) switch */
	hv_memset(vv->io_bitmap_a, 0xff, HV_PAGE_SIZE);
	hv_memset(vv->io_bitmap_b, 0xff, HV_PAGE_SIZE);
	hv_memset(vv->msr_bitmap, 0xff, HV_PAGE_SIZE);
	msr_passthrough(vv->msr_bitmap, X86_MSR_FS_BASE);
	msr_passthrough(vv->msr_bitmap, X86_MSR_GS_BASE);
	msr_passthrough(vv->msr_bitmap, X86_MSR_KERNEL_GS_BASE);
	vv->eptp = vmx_eptp(vm->nt.root_pa);
	vm->backend = vv;
	return 0;
}

static void
vmx_vm_fini(struct hv_vm *vm)
{
	if (vm->backend != NULL)
		vmx_vm_free(vm->backend);
}

/* ---- VPIDs --------------------------------------------------------------------- */

#define VPID_WORDS	8		/* 512 tags, more than VMs x vCPUs */
static volatile uint64_t vpid_used[VPID_WORDS];

static uint16_t
vpid_alloc(void)
{
	int w, b;
	uint64_t old;

	for (w = 0; w < VPID_WORDS; w++) {
		old = __atomic_load_n(&vpid_used[w], __ATOMIC_SEQ_CST);
		while (old != ~0ull) {
			for (b = 0; (old >> b) & 1; b++)
				;
			if (__atomic_compare_exchange_n(&vpid_used[w], &old,
			    old | (1ull << b), false, __ATOMIC_SEQ_CST,
			    __ATOMIC_SEQ_CST))
				return (uint16_t)(1 + w * 64 + b);	/* 0 is the host's */
		}
	}
	return 0;
}

static void
vpid_free(uint16_t vpid)
{
	if (vpid == 0)
		return;
	vpid--;
	__atomic_fetch_and(&vpid_used[vpid / 64], ~(1ull << (vpid % 64)),
	    __ATOMIC_SEQ_CST);
}

/* ---- vCPUs --------------------------------------------------------------------- */

/*
 * Stale translations tagged with this vCPU's VPID or its VM's EPTP may sit in
 * this CPU's TLB (an earlier run here, or an earlier owner of the tag or of
 * the EPT root page): drop them when the VMCS arrives on a CPU.
 */
static void
vmx_flush_tags(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc = vcpu->backend;
	int rc;

	vmx_flush_nested(vcpu);
	if (vc->vpid != 0 && (rc = vmx_invvpid(INVVPID_SINGLE, vc->vpid)) != VMX_OK)
		(void)vmx_insn_fail("INVVPID", rc);
}

/*
 * On the CPU where the VMCS is active, interrupts off.  SDM 24.11.3: VMCLEAR
 * writes the VMCS back to memory and makes it launchable elsewhere; required
 * before loading it on another CPU.  last_cpu drops to -1 in the same
 * interrupts-off stretch, so a register call arriving on this CPU afterwards
 * (regs_call_here) sees it gone and does not make it active here again.
 */
static int
vmx_vmclear_here(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc = vcpu->backend;
	uint64_t fl = hv_intr_save_disable();
	int rc, error = 0;

	if ((rc = vmx_vmclear(vc->vmcs_pa)) != VMX_OK)
		error = vmx_insn_fail("VMCLEAR", rc);
	else
		__atomic_store_n(&vcpu->last_cpu, -1, __ATOMIC_SEQ_CST);
	hv_intr_restore(fl);
	return error;
}

static int
vmx_vmclear_cb(void *arg)
{
	return vmx_vmclear_here(arg);
}

static void
vmx_vcpu_free(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc = vcpu->backend;

	if (vc->vmcs != NULL)
		hv_os_page_free(vc->vmcs);
	if (vc->vapic != NULL)
		hv_os_page_free(vc->vapic);
	if (vc->msrs != NULL)
		hv_os_page_free(vc->msrs);
	vpid_free(vc->vpid);
	hv_os_free(vc);
}

static int
vmx_vcpu_init(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc;
	uint64_t fl, prev = ~0ull;
	int rc, error;

	if ((vc = hv_os_malloc(sizeof(*vc))) == NULL)
		return HV_ENOMEM;
	vcpu->backend = vc;
	if ((vc->vmcs = hv_os_page_alloc()) == NULL) {
		vmx_vcpu_free(vcpu);
		return HV_ENOMEM;
	}
	vc->vmcs_pa = hv_os_virt_to_phys(vc->vmcs);
	/* zeroed: the guest starts with CR8 0 */
	if ((vc->vapic = hv_os_page_alloc()) == NULL) {
		vmx_vcpu_free(vcpu);
		return HV_ENOMEM;
	}
	if ((vc->msrs = hv_os_page_alloc()) == NULL) {
		vmx_vcpu_free(vcpu);
		return HV_ENOMEM;
	}
	*(uint32_t *)vc->vmcs = vmx_caps.revision;	/* SDM 24.2 */
	if (vmx_caps.vpid && (vc->vpid = vpid_alloc()) == 0) {
		hv_os_log("hv: vmx: out of VPIDs\n");
		vmx_vcpu_free(vcpu);
		return HV_ENOSPC;
	}
	hv_os_pin();
	fl = hv_intr_save_disable();
	/* VMCLEAR initialises the launch state to "clear" (SDM 24.11.3). */
	if ((rc = vmx_vmclear(vc->vmcs_pa)) != VMX_OK)
		error = vmx_insn_fail("VMCLEAR", rc);
	else if ((error = vmcs_make_current(vc->vmcs_pa, &prev)) == 0) {
		error = vmcs_setup(vcpu);
		if (error == 0)
			vmx_flush_tags(vcpu);
		vmcs_restore_current(vc->vmcs_pa, prev);
	}
	if (error == 0)
		vcpu->last_cpu = hv_os_cpu_id();
	else
		/* still pinned: cleared on the CPU it may be active on
		 * (SDM 24.11.1), never from wherever the thread goes next */
		(void)vmx_vmclear(vc->vmcs_pa);
	hv_intr_restore(fl);
	hv_os_unpin();
	if (error != 0) {
		vmx_vcpu_free(vcpu);
		return error;
	}
	vc->launched = false;
	vc->exits_ok[0] = vc->exits_ok[1] = vc->exits_ok[2] = ~0u;
	vcpu->stretch = &vc->fast.st;
	return 0;
}

static void
vmx_vcpu_fini(struct hv_vcpu *vcpu)
{
	struct vmx_vcpu *vc = vcpu->backend;

	if (vc == NULL)
		return;
	/* the VMCS may be active on last_cpu: clear it there before freeing */
	if (vcpu->last_cpu >= 0 &&
	    hv_os_on_cpu(vcpu->last_cpu, vmx_vmclear_cb, vcpu) != 0)
		hv_os_log("hv: vmx: guest%d.%d: VMCLEAR at destroy failed; "
		    "VMCS page leaked\n", vcpu->vm->id, vcpu->id);
	else
		hv_os_page_free(vc->vmcs);
	vc->vmcs = NULL;
	vcpu->last_cpu = -1;
	vmx_vcpu_free(vcpu);
}

/* ---- registers ------------------------------------------------------------------- */

static int
vmx_ctl_read(struct hv_ctl_regs *c)
{
	uint64_t mask;

	/* what the guest believes: host-owned bits come from the read shadow */
	mask = vmcs_read(VMCS_CR0_MASK);
	c->cr0 = (vmcs_read(VMCS_GUEST_CR0) & ~mask) |
	    (vmcs_read(VMCS_CR0_SHADOW) & mask);
	mask = vmcs_read(VMCS_CR4_MASK);
	c->cr4 = (vmcs_read(VMCS_GUEST_CR4) & ~mask) |
	    (vmcs_read(VMCS_CR4_SHADOW) & mask);
	c->cr3 = vmcs_read(VMCS_GUEST_CR3);
	c->efer = vmcs_read(VMCS_GUEST_EFER);
	/* SDM 5.5: CPL is SS.DPL (equal to CS.DPL outside conforming cases) */
	c->cpl = VMX_AR_DPL((uint32_t)vmcs_read(VMCS_GUEST_SS_AR));
	return 0;
}

static int
vmx_regs_read(struct hv_vcpu *vcpu, struct hv_regs *r)
{
	struct vmx_vcpu *vc = vcpu->backend;
	struct hv_ctl_regs c;

	r->rax = vc->gpr[HV_RAX];
	r->rbx = vc->gpr[HV_RBX];
	r->rcx = vc->gpr[HV_RCX];
	r->rdx = vc->gpr[HV_RDX];
	r->rsi = vc->gpr[HV_RSI];
	r->rdi = vc->gpr[HV_RDI];
	r->rbp = vc->gpr[HV_RBP];
	r->r8 = vc->gpr[HV_R8];
	r->r9 = vc->gpr[HV_R9];
	r->r10 = vc->gpr[HV_R10];
	r->r11 = vc->gpr[HV_R11];
	r->r12 = vc->gpr[HV_R12];
	r->r13 = vc->gpr[HV_R13];
	r->r14 = vc->gpr[HV_R14];
	r->r15 = vc->gpr[HV_R15];
	r->cr2 = vc->gpr[VMX_CR2];
	r->rsp = vmcs_read(VMCS_GUEST_RSP);
	r->rip = vmcs_read(VMCS_GUEST_RIP);
	r->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	(void)vmx_ctl_read(&c);
	r->cr0 = c.cr0;
	r->cr4 = c.cr4;
	r->cr3 = c.cr3;
	r->efer = c.efer;
	r->fs_base = vmcs_read(VMCS_GUEST_FS_BASE);
	r->gs_base = vmcs_read(VMCS_GUEST_GS_BASE);
	r->kernel_gs_base = vc->guest_kgs;
	r->cpl = c.cpl;
	return 0;
}

/*
 * Writes what it is given: a state the VM-entry checks refuse is reported,
 * decoded, by the next run (that is how a bad guest state is tested).  Only
 * the bits where the guest's view may legitimately differ from the real
 * register are forced: CR4.VMXE, and CR0 bits fixed to 1 other than PE/PG
 * (NE; the guest cannot clear PE or PG, exit_cr refuses that).
 */
static int
vmx_regs_write(struct hv_vcpu *vcpu, const struct hv_regs *r)
{
	struct vmx_vcpu *vc = vcpu->backend;
	int err = 0;

	vc->gpr[HV_RAX] = r->rax;
	vc->gpr[HV_RBX] = r->rbx;
	vc->gpr[HV_RCX] = r->rcx;
	vc->gpr[HV_RDX] = r->rdx;
	vc->gpr[HV_RSI] = r->rsi;
	vc->gpr[HV_RDI] = r->rdi;
	vc->gpr[HV_RBP] = r->rbp;
	vc->gpr[HV_R8] = r->r8;
	vc->gpr[HV_R9] = r->r9;
	vc->gpr[HV_R10] = r->r10;
	vc->gpr[HV_R11] = r->r11;
	vc->gpr[HV_R12] = r->r12;
	vc->gpr[HV_R13] = r->r13;
	vc->gpr[HV_R14] = r->r14;
	vc->gpr[HV_R15] = r->r15;
	vc->gpr[VMX_CR2] = r->cr2;
	err |= vmcs_write(VMCS_GUEST_RSP, r->rsp);
	err |= vmcs_write(VMCS_GUEST_RIP, r->rip);
	err |= vmcs_write(VMCS_GUEST_RFLAGS, r->rflags);
	err |= vmcs_write(VMCS_CR0_SHADOW, r->cr0);
	err |= vmcs_write(VMCS_GUEST_CR0, r->cr0 |
	    (vmx_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG)));
	err |= vmcs_write(VMCS_CR4_SHADOW, r->cr4);
	err |= vmcs_write(VMCS_GUEST_CR4, r->cr4 | X86_CR4_VMXE);
	err |= vmcs_write(VMCS_GUEST_CR3, r->cr3);
	err |= vmcs_write(VMCS_GUEST_EFER, r->efer);
	err |= vmcs_write(VMCS_GUEST_FS_BASE, r->fs_base);
	err |= vmcs_write(VMCS_GUEST_GS_BASE, r->gs_base);
	vc->guest_kgs = r->kernel_gs_base;
	return err ? HV_EIO : 0;
}

/* One register call: read into out or ctl, or write in, or put in boot
 * state boot. */
struct regs_call {
	struct hv_vcpu	*vcpu;
	struct hv_regs	*out;
	const struct hv_regs *in;
	const struct hv_boot *boot;
	struct hv_ctl_regs *ctl;
};

/* On the CPU holding the VMCS, interrupts off: borrow it as current. */
static int
regs_call_here(void *arg)
{
	struct regs_call *c = arg;
	struct vmx_vcpu *vc = c->vcpu->backend;
	uint64_t prev;
	int error;

	/* a migration VMCLEARed it here after regs_call read last_cpu: loading
	 * it again would leave it active here and where the thread loads it
	 * next (SDM 24.11.1) */
	if (__atomic_load_n(&c->vcpu->last_cpu, __ATOMIC_SEQ_CST) !=
	    hv_os_cpu_id())
		return HV_EBUSY;
	if ((error = vmcs_make_current(vc->vmcs_pa, &prev)) != 0)
		return error;
	if (c->ctl != NULL)
		error = vmx_ctl_read(c->ctl);
	else if (c->out != NULL)
		error = vmx_regs_read(c->vcpu, c->out);
	else if (c->in != NULL)
		error = vmx_regs_write(c->vcpu, c->in);
	else
		error = vmcs_set_guest(c->vcpu, c->boot);
	vmcs_restore_current(vc->vmcs_pa, prev);
	return error;
}

/* from hv_os_on_cpu(), whose callbacks need not run with interrupts off */
static int
regs_call_cb(void *arg)
{
	uint64_t fl = hv_intr_save_disable();
	int error = regs_call_here(arg);

	hv_intr_restore(fl);
	return error;
}

static int
regs_call(struct hv_vcpu *vcpu, struct hv_regs *out, const struct hv_regs *in,
    const struct hv_boot *boot, struct hv_ctl_regs *ctl)
{
	struct regs_call c = { vcpu, out, in, boot, ctl };
	uint64_t fl;
	int cpu, error;

	hv_os_pin();
	cpu = __atomic_load_n(&vcpu->last_cpu, __ATOMIC_SEQ_CST);
	if (cpu < 0) {
		hv_os_unpin();
		/* between a migration's VMCLEAR and the load on the new CPU,
		 * or lost by a failed load */
		return hv_vcpu_in_run(vcpu) ? HV_EBUSY : HV_EIO;
	}
	if (cpu == hv_os_cpu_id()) {
		fl = hv_intr_save_disable();
		error = regs_call_here(&c);
		hv_intr_restore(fl);
		hv_os_unpin();
		return error;
	}
	hv_os_unpin();
	return hv_os_on_cpu(cpu, regs_call_cb, &c);
}

static int
vmx_get_regs(struct hv_vcpu *vcpu, struct hv_regs *r)
{
	return regs_call(vcpu, r, NULL, NULL, NULL);
}

static int
vmx_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *r)
{
	return regs_call(vcpu, NULL, r, NULL, NULL);
}

static int
vmx_get_ctl(struct hv_vcpu *vcpu, struct hv_ctl_regs *c)
{
	return regs_call(vcpu, NULL, NULL, NULL, c);
}

static int
vmx_boot(struct hv_vcpu *vcpu, const struct hv_boot *b)
{
	return regs_call(vcpu, NULL, NULL, b, NULL);
}

/* ---- running ------------------------------------------------------------------- */

/*
 * The vCPU thread is pinned on `cpu` and the VMCS is not active anywhere:
 * load it here and rewrite every host field that differs between CPUs.
 */
static int
vmx_load_here(struct hv_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vc = vcpu->backend;
	uint64_t fl;
	int rc, error;

	fl = hv_intr_save_disable();
	if ((rc = vmx_vmptrld(vc->vmcs_pa)) != VMX_OK) {
		error = vmx_insn_fail("VMPTRLD", rc);
	} else {
		/* active here from now on (SDM 24.11.1): noted before anything
		 * that can fail, so destroy and migration clear it here */
		__atomic_store_n(&vcpu->last_cpu, cpu, __ATOMIC_SEQ_CST);
		if ((error = vmcs_set_host_percpu(vcpu)) == 0)
			vmx_flush_tags(vcpu);
		else
			/* host fields half written: not active anywhere, so the
			 * next run loads it afresh */
			(void)vmx_vmclear_here(vcpu);
	}
	hv_intr_restore(fl);
	if (error != 0)
		return error;
	/* after VMCLEAR the launch state is "clear": VMLAUNCH next */
	vc->launched = false;
	return 0;
}

static int
vmx_entry_fail(struct hv_vcpu *vcpu, struct hv_exit *ex, int rc)
{
	struct vmx_vcpu *vc = vcpu->backend;
	const char *insn = vc->launched ? "VMRESUME" : "VMLAUNCH";
	const char *name;
	uint64_t err;

	if (rc == VMX_FAIL_INVALID) {
		hv_exit_error(ex, HV_EIO, 0, "guest%d.%d: %s failed: "
		    "VMfailInvalid (no current VMCS)", vcpu->vm->id, vcpu->id, insn);
		return HV_STOP;
	}
	name = vmx_insn_error(&err);
	hv_exit_error(ex, HV_EIO, err, "guest%d.%d: %s failed: VM-instruction "
	    "error %u (%s)", vcpu->vm->id, vcpu->id, insn, (unsigned)err, name);
	return HV_STOP;
}

/*
 * After an exit the CPU runs on HOST_CR3 and HOST_FS_BASE.  If either differs
 * from what the host believes (the 2013 bugs: a stale CR3, an FS base of 0),
 * put the host's values back and stop the guest with a decoded error rather
 * than let the host run on the wrong address space or TLS.
 */
static int
vmx_host_check(struct hv_exit *ex)
{
	uint64_t cr3, want_cr3 = hv_os_cur_cr3();
	uint64_t fs = hv_rdmsr(X86_MSR_FS_BASE), want_fs = hv_os_cur_fs_base();

	cr3 = hv_rdcr3();
	/* with a quirk on, this safety net stays out of the way so that the
	 * historic symptom (not this message) is what the host sees */
	if (cr3 != want_cr3 && !HV_QUIRK(stale_host_cr3)) {
		hv_wrcr3(want_cr3);
		hv_exit_error(ex, HV_EIO, 0, "host CR3 0x%llx after the VM exit; "
		    "the thread's address space is 0x%llx (restored)",
		    (unsigned long long)cr3, (unsigned long long)want_cr3);
		return -1;
	}
	if (fs != want_fs && !HV_QUIRK(zero_host_fs)) {
		hv_wrmsr(X86_MSR_FS_BASE, want_fs);
		hv_exit_error(ex, HV_EIO, 0, "host FS base 0x%llx after the VM "
		    "exit; the host believes 0x%llx (restored)",
		    (unsigned long long)fs, (unsigned long long)want_fs);
		return -1;
	}
	return 0;
}

/*
 * The stretch ops (hv_backend.h; the skeleton: hv_run_stretch in hv/run.c).
 * A VMCS is active on one CPU at a time: the thread pinned on another one
 * first has it VMCLEARed where it is (vmx_migrate), then loads it here.
 */
static inline __attribute__((always_inline)) int
vmx_vcpu_load(struct hv_vcpu *vcpu, int cpu)
{
	if (vcpu->last_cpu == cpu)
		return 0;
	if (vcpu->last_cpu >= 0)
		return HV_MIGRATE;
	return vmx_load_here(vcpu, cpu);
}

/* thread context: the VMCLEAR runs on the CPU that holds the VMCS */
static int
vmx_migrate(struct hv_vcpu *vcpu)
{
	int old = __atomic_load_n(&vcpu->last_cpu, __ATOMIC_SEQ_CST);

	return old >= 0 ? hv_os_on_cpu(old, vmx_vmclear_cb, vcpu) : 0;
}

/*
 * Once per pinned stretch: interrupts stay off until its end, so the
 * host's CR3 and FS base written here are those of every exit in it;
 * the preemption timer starts from the field at each entry (no "save
 * VMX-preemption timer value").
 */
static inline __attribute__((always_inline)) int
vmx_stretch_begin(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	struct vmx_vcpu *vc = vcpu->backend;
	uint64_t prev;
	const char *why;
	int error;

	(void)cpu;
	vmx_host_lost_save(&vc->host_lost);
	if ((error = vmcs_make_current(vc->vmcs_pa, &prev)) != 0)
		return error;
	if ((error = vmcs_set_host_dynamic()) != 0)
		return error;
	if ((why = vmx_check_exits_changed(
	    (uint32_t)vmcs_read(VMCS_EXCEPTION_BITMAP),
	    (uint32_t)vmcs_read(VMCS_PROC_CTLS),
	    (uint32_t)vmcs_read(VMCS_PROC_CTLS2), vc->exits_ok)) != NULL) {
		hv_exit_error(ex, HV_EIO, 0, "guest%d.%d: VMCS refused before "
		    "entry: %s", vcpu->vm->id, vcpu->id, why);
		return HV_STOP;
	}
	if (vmx_caps.preempt_timer)
		return vmcs_write(VMCS_PREEMPT_TIMER, vmx_caps.preempt_value);
	return 0;
}

static inline __attribute__((always_inline)) int
vmx_prepare_entry(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	struct vmx_vcpu *vc = vcpu->backend;
#ifdef HV_DEBUG
	char why_state[120];
#endif

	(void)cpu;
	(void)ex;
	if (vc->irq_window || hv_irq_any(vcpu))
		vmx_irq_prepare(vcpu);
#ifdef HV_DEBUG
	if (vmx_check_guest_state(why_state, sizeof(why_state)) != 0) {
		hv_exit_error(ex, HV_EINVAL, 0, "guest%d.%d: bad guest "
		    "state (software check): %s", vcpu->vm->id,
		    vcpu->id, why_state);
		return HV_STOP;
	}
#endif
	return 0;
}

static inline __attribute__((always_inline)) int
vmx_enter_guest(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	struct vmx_vcpu *vc = vcpu->backend;
	uint64_t host_kgs;
	int rc;

	(void)cpu;
	/* IA32_KERNEL_GS_BASE is not in the VMCS and the guest may
	 * write it directly (MSR bitmap): switch it by hand */
	host_kgs = hv_rdmsr(X86_MSR_KERNEL_GS_BASE);
	hv_wrmsr(X86_MSR_KERNEL_GS_BASE, vc->guest_kgs);
	/* HC_NOPs and pinned exits are finished inside (vmx_switch.S,
	 * vmx_exit_fast) while the budget lasts */
	rc = vmx_enter(vc->gpr, vc->launched, &vc->fast);
	vc->guest_kgs = hv_rdmsr(X86_MSR_KERNEL_GS_BASE);
	hv_wrmsr(X86_MSR_KERNEL_GS_BASE, host_kgs);
	if (vc->fast.st.nops > 0)
		vc->fault_repeats = 0;	/* as vmx_handle_exit */
	if (rc != 0) {
		/* decoded while the VMCS is still current here */
		return vmx_entry_fail(vcpu, ex, rc);
	}
	vc->last_exit_reason = vmcs_read(VMCS_EXIT_REASON);
	/* SDM 26.7: a failed entry (bit 31) leaves the launch state
	 * alone */
	if (!(vc->last_exit_reason & EXIT_REASON_ENTRY_FAIL))
		vc->launched = true;
	return 0;
}

static inline __attribute__((always_inline)) int
vmx_stretch_end(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	struct vmx_vcpu *vc = vcpu->backend;
	uint64_t info;

	(void)cpu;
	if ((vc->last_exit_reason & 0xffff) == 0) {
		/* an NMI that exited (NMI exiting) is the host's: deliver it to
		 * the host's handler before anything else (SDM 27.1) */
		info = vmcs_read(VMCS_EXIT_INTR_INFO);
		if ((info & X86_EVENT_VALID) && x86_event_type(info) == X86_EVENT_NMI)
			__asm__ __volatile__("int $2");
	}
	/*
	 * Once per stretch, not per exit: no exit of it wrote a host field,
	 * so each loaded the HOST_CR3 and HOST_FS_BASE the last one did, and
	 * no host code but the stretch's own ran in between (interrupts off
	 * since the stretch began).  An exit it stops is not handled: the
	 * guest redoes what exited if the host runs it again.
	 */
	return vmx_host_check(ex) != 0 ? HV_STOP : 0;
}

/* external-interrupt exits keep the interrupt pending in the local APIC
 * (no acknowledge on exit): the host takes it when the core enables
 * interrupts after this */
static inline __attribute__((always_inline)) void
vmx_stretch_leave(struct hv_vcpu *vcpu, int cpu)
{
	(void)cpu;
	vmx_host_lost_restore(&((struct vmx_vcpu *)vcpu->backend)->host_lost);
}

void
vmx_inject_event(uint32_t info, bool has_err, uint32_t err, uint32_t len)
{
	(void)vmcs_write(VMCS_ENTRY_INTR_INFO, info);
	if (has_err)
		(void)vmcs_write(VMCS_ENTRY_EXCEPTION_ERR, err);
	(void)vmcs_write(VMCS_ENTRY_INSN_LEN, len);
}

/* SDM 26.6: interruption type 3 = hardware exception, bit 11 error code. */
void
vmx_inject_exception(unsigned vector, bool has_err, uint32_t err)
{
	if (!hv_exception_pushes_error(vmcs_read(VMCS_GUEST_CR0)))
		has_err = false;
	/* the frame gets GUEST_RFLAGS as it is: RF for a fault (hv/exit.h) */
	if (hv_exception_fault(vector))
		(void)vmcs_write(VMCS_GUEST_RFLAGS, vmcs_read(VMCS_GUEST_RFLAGS) |
		    X86_RFLAGS_RF);
	vmx_inject_event(x86_event(vector, X86_EVENT_HW_EXC) |
	    (has_err ? (uint32_t)X86_EVENT_ERR_VALID : 0), has_err, err, 0);
}

/* the core's stretch on this table's ops (hv/run.h) */
static int
vmx_vcpu_run(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return hv_run_stretch(vcpu, ex, &hv_vmx_ops);
}

const struct hv_backend_ops hv_vmx_ops = {
	.type = "VMX from Intel",
	.ntfmt = &vmx_ept_fmt,
	.probe = vmx_probe,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.fini = vmx_fini,
	.vm_init = vmx_vm_init,
	.vm_fini = vmx_vm_fini,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_fini = vmx_vcpu_fini,
	.vcpu_run = vmx_vcpu_run,
	.vcpu_load = vmx_vcpu_load,
	.migrate = vmx_migrate,
	.stretch_irqs_off = true,
	.stretch_begin = vmx_stretch_begin,
	.prepare_entry = vmx_prepare_entry,
	.enter = vmx_enter_guest,
	.hc_exit_reason = VMX_EXIT_vmcall,
	.stretch_end = vmx_stretch_end,
	.stretch_leave = vmx_stretch_leave,
	/* pinned: the VMCS is current here */
	.handle_exit = vmx_handle_exit,
	.exit_pinned = true,
	.get_regs = vmx_get_regs,
	.get_ctl = vmx_get_ctl,
	.set_regs = vmx_set_regs,
	.boot = vmx_boot,
	.flush_nested = vmx_flush_nested,
	.msr_get = vmx_msr_get,
	.msr_set = vmx_msr_set,
	.guest_invpcid = vmx_guest_invpcid,
	.guest_pks = vmx_guest_pks,
};
