/*
 * svm.c - the SVM backend: per-CPU enable/disable, VM and vCPU objects, one
 * guest entry, register access (AMD APM Vol. 2 chapter 15).
 */
#include "svm.h"
#include "vmcb.h"
#include "run.h"
struct svm_pcpu svm_pcpu[HV_MAX_CPUS];

/* ---- per CPU --------------------------------------------------------------- */

/*
 * The host save area and host VMCB pages are allocated here, in thread
 * context, for every CPU: cpu_enable runs with interrupts off and must not
 * allocate.  They are kept across disable/enable; svm_fini frees them.
 */
static int
svm_pcpu_alloc(void)
{
	int cpu;

	for (cpu = 0; cpu < hv_os_ncpus(); cpu++) {
		struct svm_pcpu *p = &svm_pcpu[cpu];

		if (p->hsave == NULL)
			p->hsave = hv_os_page_alloc();
		if (p->host_vmcb == NULL)
			p->host_vmcb = hv_os_page_alloc();
		if (p->hsave == NULL || p->host_vmcb == NULL)
			return HV_ENOMEM;
		p->host_vmcb_pa = hv_os_virt_to_phys(p->host_vmcb);
	}
	return 0;
}

/* hv_fini, every CPU out of SVM (VM_HSAVE_PA 0): no CPU uses these pages. */
static void
svm_fini(void)
{
	int cpu;

	for (cpu = 0; cpu < HV_MAX_CPUS; cpu++) {
		struct svm_pcpu *p = &svm_pcpu[cpu];

		if (p->hsave != NULL)
			hv_os_page_free(p->hsave);
		if (p->host_vmcb != NULL)
			hv_os_page_free(p->host_vmcb);
		p->hsave = NULL;
		p->host_vmcb = NULL;
		p->host_vmcb_pa = 0;
		/* a new host VMCB holds no VMSAVE yet (zero_host_fs quirk) */
		p->host_saved = false;
	}
}

static int
svm_ops_probe(void)
{
	int error = svm_probe();

	if (error != 0)
		return error;
	return svm_pcpu_alloc();
}

static int
svm_cpu_enable(void *arg)
{
	int cpu = hv_os_cpu_id();
	struct svm_pcpu *p = &svm_pcpu[cpu];

	(void)arg;
	if (p->hsave == NULL || p->host_vmcb == NULL) {
		hv_os_log("hv: SVM: cpu %d came online after probe; no host "
		    "save area\n", cpu);
		return HV_ENOMEM;
	}
	if (hv_rdmsr(X86_MSR_VM_CR) & X86_VM_CR_SVMDIS)
		return HV_ENODEV;
	/* APM 15.4: EFER.SVME enables the SVM instructions; VMRUN stores the
	 * host state it restores at #VMEXIT in the VM_HSAVE_PA page (15.30.4). */
	hv_wrmsr(X86_MSR_EFER, hv_rdmsr(X86_MSR_EFER) | X86_EFER_SVME);
	hv_wrmsr(X86_MSR_VM_HSAVE_PA, hv_os_virt_to_phys(p->hsave));
	svm_asid_cpu_init(cpu);
	return 0;
}

static int
svm_cpu_disable(void *arg)
{
	(void)arg;
	hv_wrmsr(X86_MSR_VM_HSAVE_PA, 0);
	hv_wrmsr(X86_MSR_EFER, hv_rdmsr(X86_MSR_EFER) & ~X86_EFER_SVME);
	return 0;
}

/* ---- VMs and vCPUs ------------------------------------------------------------ */

static int
svm_vm_init(struct hv_vm *vm)
{
	struct svm_vm *s = hv_os_malloc(sizeof(*s));
	int error;

	if (s == NULL)
		return HV_ENOMEM;
	error = svm_maps_init(s);
	if (error != 0) {
		hv_os_free(s);
		return error;
	}
	vm->backend = s;
	return 0;
}

static void
svm_vm_fini(struct hv_vm *vm)
{
	struct svm_vm *s = vm->backend;

	if (s == NULL)
		return;
	svm_maps_fini(s);
	hv_os_free(s);
}

/* The boot registers of hv.h's struct hv_boot; the VMCB has the rest. */
static int
svm_boot(struct hv_vcpu *vcpu, const struct hv_boot *b)
{
	struct svm_vcpu *s = svm_of(vcpu);

	hv_memset(s->gpr, 0, sizeof(s->gpr));
	if (b->mode == HV_BOOT_LONG64) {
		s->gpr[HV_RDI] = vcpu->vm->mem_size;	/* hv_abi.h boot registers */
		s->gpr[HV_RSI] = (uint64_t)vcpu->id;
	} else {
		/* the world switch loads RAX into the VMCB from here */
		s->gpr[HV_RAX] = b->eax;
		s->gpr[HV_RBX] = b->ebx;
	}
	vmcb_init_boot_state(s->vmcb, b);
	s->pkrs = 0;	/* with the VMCB's power-on PAT: no key restricted */
	return 0;
}

static int
svm_vcpu_init(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = hv_os_malloc(sizeof(*s));

	if (s == NULL)
		return HV_ENOMEM;
	/* A VMCB is one 4 KiB-aligned page (APM 15.5.1). */
	s->vmcb = hv_os_page_alloc();
	if (s->vmcb == NULL) {
		hv_os_free(s);
		return HV_ENOMEM;
	}
	s->vmcb_pa = hv_os_virt_to_phys(s->vmcb);
	s->asid_cpu = -1;
	vmcb_init_control(s->vmcb, vcpu->vm->backend,
	    hv_exception_intercepts(vcpu->vm), vcpu->vm->nt.root_pa);
	s->icpt_ok[0] = s->icpt_ok[1] = s->icpt_ok[2] = ~0u;
	s->fast.vmcb = s->vmcb;
	s->fast.nrips = (uint32_t)svm_caps.nrips;
	vcpu->backend = s;
	vcpu->stretch = &s->fast.st;
	return svm_boot(vcpu, &hv_boot_abi);
}

static void
svm_vcpu_fini(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *s = svm_of(vcpu);

	if (s == NULL)
		return;
	hv_os_page_free(s->vmcb);
	hv_os_free(s);
}

/* ---- one entry ------------------------------------------------------------------ */

/*
 * Everything about the host that an entry depends on, read fresh at each
 * entry and never cached across entries (the 2013 stale-CR3 and zero-FS-base
 * bugs).  VMRUN saves the CPU's CR3 in the host save area and the VMSAVE in
 * svm_world_switch keeps the FS base, so the world switch must leave both as
 * they were here; svm_host_check makes sure of that, and that they agree
 * with what the host believes.  This is the one place that decides what the
 * host state is, so the zero_host_fs quirk (the 2013 bug's SVM analogue:
 * the host VMSAVE taken once per CPU, every later exit loading that stale
 * FS base back) lives here too.
 */
static void
svm_host_capture(struct svm_host_state *h, const struct svm_pcpu *p)
{
	h->cr3 = hv_os_cur_cr3();
	h->fs_base = hv_os_cur_fs_base();
	h->cr3_hw = hv_rdcr3();
	h->fs_base_hw = hv_rdmsr(X86_MSR_FS_BASE);
	h->save_host = !HV_QUIRK(zero_host_fs) || !p->host_saved;
}

/*
 * cr3, fs: the CPU's CR3 and FS base "before VMRUN" (as just captured) or
 * "after #VMEXIT" (when).  0, or HV_EIO with *ex filled.
 */
static int
svm_host_check(const struct svm_host_state *h, uint64_t cr3, uint64_t fs,
    const char *when, struct hv_exit *ex)
{

	if (cr3 != h->cr3_hw || (cr3 & X86_CR3_ADDR) != (h->cr3 & X86_CR3_ADDR)) {
		hv_exit_error(ex, HV_EIO, 0, "host CR3 0x%llx %s; the thread's "
		    "address space is 0x%llx", (unsigned long long)cr3, when,
		    (unsigned long long)h->cr3);
		return HV_EIO;
	}
	/* the zero_host_fs quirk wants the historic symptom, not this net */
	if ((fs != h->fs_base_hw || fs != h->fs_base) && !HV_QUIRK(zero_host_fs)) {
		hv_exit_error(ex, HV_EIO, 0, "host FS base 0x%llx %s; the host "
		    "believes 0x%llx", (unsigned long long)fs, when,
		    (unsigned long long)h->fs_base);
		return HV_EIO;
	}
	return 0;
}

/*
 * The stretch ops (hv_backend.h; the skeleton: hv_run_stretch in hv/run.c).
 * The host state once per pinned stretch: nothing host-side can change it
 * while the thread stays pinned here (no switch of address space or
 * thread), so re-entries neither capture nor check it again, nor VMSAVE
 * the host's copy again.
 */
static inline __attribute__((always_inline)) int
svm_stretch_begin(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;
	const char *why;

	svm_msr_enter(vcpu);
	svm_host_capture(&s->host, &svm_pcpu[cpu]);
	if (svm_host_check(&s->host, s->host.cr3_hw, s->host.fs_base_hw,
	    "before VMRUN", ex) != 0)
		return HV_STOP;
	if ((why = vmcb_check_intercepts_changed(v, s->icpt_ok)) != NULL) {
		hv_exit_error(ex, HV_EIO, 0, "guest%d.%d: VMCB refused before "
		    "VMRUN: %s", vcpu->vm->id, vcpu->id, why);
		return HV_STOP;
	}
	vmcb_wr64(v, VMCB_N_CR3, vcpu->vm->nt.root_pa);
	if (vcpu->tls_dirty) {
		/* FS is VMLOAD state: the VMCB copy is what the guest gets. */
		vmcb_wr64(v, VMCB_SEG_FS + VMCB_SEG_BASE, vcpu->tls_fs_base);
		vcpu->tls_dirty = false;
	}
	s->snap_stale = true;
	return 0;
}

static inline __attribute__((always_inline)) int
svm_prepare_entry(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;

	(void)ex;
	if (svm_irq_due(vcpu))
		svm_irq_prepare(vcpu);
	if (!svm_asid_steady(vcpu, cpu))
		svm_asid_prepare(vcpu, cpu);
	/* A software interrupt returns to nRIP on CPUs with NRIPS (APM
	 * 15.20); ours are always injected with RIP past the INTn. */
	if (x86_event_type(s->pending_event) == X86_EVENT_SW_INT)
		vmcb_wr64(v, VMCB_NRIP, vmcb_rd64(v, VMCB_RIP));
	vmcb_wr64(v, VMCB_EVENTINJ, s->pending_event);
	s->pending_event = 0;
	/* Nothing is cached: every VMCB field may have changed (APM
	 * 15.15). */
	vmcb_wr32(v, VMCB_CLEAN, 0);
	/*
	 * What VMRUN checks, for vmcb_check to explain a refusal: all
	 * of it at the first entry of the stretch and after a pinned
	 * handler wrote a field of it (svm_msr_set: EFER), else the
	 * two fields an entry writes.  What the guest changed by
	 * itself (CR0, CR3, CR4, EFER without an intercept) passed the
	 * CPU's own checks.
	 */
	if (s->snap_stale) {
		vmcb_snapshot(v, &s->snap);
		s->snap_stale = false;
	} else {
		s->snap.eventinj = vmcb_rd64(v, VMCB_EVENTINJ);
		s->snap.asid = s->asid;
	}
	return 0;
}

static inline __attribute__((always_inline)) int
svm_enter_guest(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	struct svm_vcpu *s = svm_of(vcpu);

	(void)ex;
	/* HC_NOPs and pinned exits are finished inside (svm_switch.S,
	 * svm_exit_fast) while the budget lasts; the host state is VMSAVEd
	 * at the stretch's first entry only (svm_host_capture) */
	svm_world_switch(s->vmcb_pa, s->gpr, svm_pcpu[cpu].host_vmcb_pa,
	    s->host.save_host, &s->fast);
	s->host.save_host = false;
	svm_pcpu[cpu].host_saved = true;
	vcpu->last_cpu = cpu;
	return 0;
}

/*
 * Once per stretch, not per exit: every #VMEXIT of it gave back the
 * CR3 VMRUN saved and VMLOADed the FS base of the one host VMCB
 * copy, so the last exit returns exactly what each of them did.
 */
static inline __attribute__((always_inline)) int
svm_stretch_end(struct hv_vcpu *vcpu, int cpu, struct hv_exit *ex)
{
	(void)cpu;
	return svm_host_check(&svm_of(vcpu)->host, hv_rdcr3(),
	    hv_rdmsr(X86_MSR_FS_BASE), "after #VMEXIT", ex) != 0 ? HV_STOP : 0;
}

static inline __attribute__((always_inline)) void
svm_stretch_leave(struct hv_vcpu *vcpu, int cpu)
{
	(void)cpu;
	svm_msr_leave(vcpu);
}

/* ---- registers --------------------------------------------------------------------- */

static int
svm_get_ctl(struct hv_vcpu *vcpu, struct hv_ctl_regs *c)
{
	const uint8_t *v = svm_of(vcpu)->vmcb;

	c->cr0 = vmcb_rd64(v, VMCB_CR0);
	c->cr3 = vmcb_rd64(v, VMCB_CR3);
	c->cr4 = vmcb_rd64(v, VMCB_CR4);
	/* SVME is ours, not the guest's (it cannot see SVM). */
	c->efer = vmcb_rd64(v, VMCB_EFER) & ~X86_EFER_SVME;
	/* The VMCB CPL field is the guest's current privilege level (B-2). */
	c->cpl = vmcb_rd8(v, VMCB_CPL);
	return 0;
}

static int
svm_get_regs(struct hv_vcpu *vcpu, struct hv_regs *r)
{
	struct svm_vcpu *s = svm_of(vcpu);
	const uint8_t *v = s->vmcb;
	struct hv_ctl_regs c;

	(void)svm_get_ctl(vcpu, &c);
	r->rax = s->gpr[HV_RAX];
	r->rbx = s->gpr[HV_RBX];
	r->rcx = s->gpr[HV_RCX];
	r->rdx = s->gpr[HV_RDX];
	r->rsi = s->gpr[HV_RSI];
	r->rdi = s->gpr[HV_RDI];
	r->rbp = s->gpr[HV_RBP];
	r->rsp = vmcb_rd64(v, VMCB_RSP);
	r->r8 = s->gpr[HV_R8];
	r->r9 = s->gpr[HV_R9];
	r->r10 = s->gpr[HV_R10];
	r->r11 = s->gpr[HV_R11];
	r->r12 = s->gpr[HV_R12];
	r->r13 = s->gpr[HV_R13];
	r->r14 = s->gpr[HV_R14];
	r->r15 = s->gpr[HV_R15];
	r->rip = vmcb_rd64(v, VMCB_RIP);
	r->rflags = vmcb_rd64(v, VMCB_RFLAGS);
	r->cr0 = c.cr0;
	r->cr2 = vmcb_rd64(v, VMCB_CR2);
	r->cr3 = c.cr3;
	r->cr4 = c.cr4;
	r->efer = c.efer;
	r->fs_base = vmcb_rd64(v, VMCB_SEG_FS + VMCB_SEG_BASE);
	r->gs_base = vmcb_rd64(v, VMCB_SEG_GS + VMCB_SEG_BASE);
	r->kernel_gs_base = vmcb_rd64(v, VMCB_KERNEL_GS_BASE);
	r->cpl = c.cpl;
	return 0;
}

static int
svm_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *r)
{
	struct svm_vcpu *s = svm_of(vcpu);
	uint8_t *v = s->vmcb;

	/*
	 * FS/GS/KERNEL_GS bases go in through VMLOAD, which does not check
	 * them: a non-canonical one is refused here.  Everything VMRUN checks
	 * is left to VMRUN, whose refusal is decoded by name.
	 */
	if (r->cpl > 3 || !x86_canonical(r->fs_base) || !x86_canonical(r->gs_base) ||
	    !x86_canonical(r->kernel_gs_base))
		return HV_EINVAL;
	s->gpr[HV_RAX] = r->rax;
	s->gpr[HV_RBX] = r->rbx;
	s->gpr[HV_RCX] = r->rcx;
	s->gpr[HV_RDX] = r->rdx;
	s->gpr[HV_RSI] = r->rsi;
	s->gpr[HV_RDI] = r->rdi;
	s->gpr[HV_RBP] = r->rbp;
	vmcb_wr64(v, VMCB_RSP, r->rsp);
	s->gpr[HV_R8] = r->r8;
	s->gpr[HV_R9] = r->r9;
	s->gpr[HV_R10] = r->r10;
	s->gpr[HV_R11] = r->r11;
	s->gpr[HV_R12] = r->r12;
	s->gpr[HV_R13] = r->r13;
	s->gpr[HV_R14] = r->r14;
	s->gpr[HV_R15] = r->r15;
	vmcb_wr64(v, VMCB_RIP, r->rip);
	vmcb_wr64(v, VMCB_RFLAGS, r->rflags);
	vmcb_wr64(v, VMCB_CR0, r->cr0);
	vmcb_wr64(v, VMCB_CR2, r->cr2);
	vmcb_wr64(v, VMCB_CR3, r->cr3);
	vmcb_wr64(v, VMCB_CR4, r->cr4);
	/* Guest EFER.SVME must stay set or VMRUN fails (APM 15.5.1). */
	vmcb_wr64(v, VMCB_EFER, r->efer | X86_EFER_SVME);
	vmcb_wr64(v, VMCB_SEG_FS + VMCB_SEG_BASE, r->fs_base);
	vmcb_wr64(v, VMCB_SEG_GS + VMCB_SEG_BASE, r->gs_base);
	vmcb_wr64(v, VMCB_KERNEL_GS_BASE, r->kernel_gs_base);
	vmcb_wr8(v, VMCB_CPL, (uint8_t)r->cpl);
	return 0;
}

/* the core's stretch on this table's ops (hv/run.h) */
static int
svm_vcpu_run(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	return hv_run_stretch(vcpu, ex, &hv_svm_ops);
}

const struct hv_backend_ops hv_svm_ops = {
	.type = "SVM from AMD",
	.ntfmt = &svm_npt_fmt,
	.probe = svm_ops_probe,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.fini = svm_fini,
	.vm_init = svm_vm_init,
	.vm_fini = svm_vm_fini,
	.vcpu_init = svm_vcpu_init,
	.vcpu_fini = svm_vcpu_fini,
	.vcpu_run = svm_vcpu_run,
	.stretch_begin = svm_stretch_begin,
	.prepare_entry = svm_prepare_entry,
	.enter = svm_enter_guest,
	.hc_exit_reason = SVM_EXIT_vmmcall,
	.stretch_end = svm_stretch_end,
	.stretch_leave = svm_stretch_leave,
	/* exit handling may sleep (backing a page): not pinned */
	.handle_exit = svm_handle_exit,
	.get_regs = svm_get_regs,
	.get_ctl = svm_get_ctl,
	.set_regs = svm_set_regs,
	.boot = svm_boot,
	.flush_nested = svm_flush_nested,
	.msr_get = svm_msr_get,
	.msr_set = svm_msr_set,
	.guest_invpcid = svm_guest_invpcid,
	.guest_pks = svm_guest_pks,
};
