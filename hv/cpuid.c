/*
 * cpuid.c - host CPUID and the CPUID values a guest sees.
 */
#include "core.h"
#include "x86_arch.h"

/* CPUID on this CPU (inline for the CPUID exit's fast path) */
static inline void
cpuid_here(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	uint32_t a, b, c, d;

	__asm__ __volatile__("cpuid"
	    : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
	    : "a"(leaf), "c"(subleaf));
	r[0] = a;
	r[1] = b;
	r[2] = c;
	r[3] = d;
}

void
hv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	cpuid_here(leaf, subleaf, r);
}

/* whether the guest has its own IA32_TSC_AUX (hv/msr.c) */
static bool
tsc_aux_kept(struct hv_vcpu *vcpu)
{
	uint64_t v;

	return hv_ops->msr_get(vcpu, HV_MSR_TSC_AUX, &v);
}

/*
 * The CPUID values every vCPU of this host sees alike: the host's, less
 * what hv does not virtualize, plus the hv leaf (inline for the CPUID
 * exit's fast path; hv_guest_features below for the rest of hv).
 */
static inline void
guest_features(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	uint32_t max[4];

	r[0] = r[1] = r[2] = r[3] = 0;
	if (leaf == HV_CPUID_LEAF) {
		r[0] = hv_backend_svm ? HV_CPUID_F_VMMCALL : 0;
		r[1] = HV_CPUID_SIG_EBX;
		r[2] = HV_CPUID_SIG_ECX;
		r[3] = HV_CPUID_SIG_EDX;
	} else if ((leaf & 0xffff0000u) == 0x40000000u) {
		/* other hypervisor leaves: nothing */
	} else if (leaf == 0x8000000au) {
		/* SVM feature leaf: the guest has no SVM */
	} else if (leaf == X86_CPUID_LEAF_PERFMON) {
		/* version 0: no architectural counters (hv/msr.c has none);
		 * RDPMC raises #GP (hv/exit.c) */
	} else {
		cpuid_here(leaf, subleaf, r);
		if (leaf == 1) {
			/* no nested virtualization, no MONITOR/MWAIT
			 * unless IA32_MISC_ENABLE enables them (below,
			 * hv/exit.c); a hypervisor is present */
			r[2] &= ~(X86_CPUID1_ECX_VMX | X86_CPUID1_ECX_MONITOR);
			/* hv's local APIC has neither x2APIC mode nor a
			 * timer (hv/lapic.c) */
			r[2] &= ~(X86_CPUID1_ECX_X2APIC | X86_CPUID1_ECX_TSC_DEADLINE);
			/* nor IA32_PERF_CAPABILITIES, nor the debug store
			 * (IA32_DS_AREA; BTS and PEBS unavailable, hv/msr.c) */
			r[2] &= ~(X86_CPUID1_ECX_PDCM | X86_CPUID1_ECX_DTES64 |
			    X86_CPUID1_ECX_DS_CPL);
			r[3] &= ~X86_CPUID1_EDX_DS;
			/* XSAVE only where hv switches the XSAVE state
			 * (hv/fpu.c) */
			if (hv_fpu_xcr0_supported() == 0)
				r[2] &= ~X86_CPUID1_ECX_XSAVE;
			r[2] |= X86_CPUID1_ECX_HV;
		} else if (leaf == 0x80000001u) {
			/* AMD's core counters beyond the legacy four: not kept */
			r[2] &= ~(X86_CPUID81_ECX_SVM | X86_CPUID81_ECX_MONITORX |
			    X86_CPUID81_ECX_PERFCTR_CORE);
		} else if (leaf == 7 && subleaf == 0) {
			/* IA32_TSC_ADJUST is the core's on either backend
			 * (hv/msr.c), where the leaf exists */
			cpuid_here(0, 0, max);
			if (max[0] >= 7)
				r[1] |= X86_CPUID7_EBX_TSC_ADJUST;
			/* PKS only where the backend switches IA32_PKRS
			 * (else CR4.PKS is #GP, hv/cr.c) */
			if (!hv_ops->guest_pks())
				r[2] &= ~X86_CPUID7_ECX_PKS;
			/* INVPCID only where the guest may run it (VMX: the
			 * enable-INVPCID control, else #UD; SDM Vol. 3C
			 * 25.3, 24.6.2) */
			if (!hv_ops->guest_invpcid())
				r[1] &= ~X86_CPUID7_EBX_INVPCID;
		}
	}
}

void
hv_guest_features(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	guest_features(leaf, subleaf, r);
}

/*
 * What follows the VM's CPU model (hv_vm_set_model): the vendor string of
 * leaf 0, and of leaf 0x80000000 where AMD repeats it; leaf 0x80000001 as
 * an Intel CPU defines it for an Intel guest; MAXPHYADDR in leaf
 * 0x80000008, with no guest physical size of its own (the guest has no
 * nested paging): the leaves of HV_CPUID_MODEL_LEAVES.
 */
static void
model_cpuid(const struct hv_vm *vm, uint32_t leaf, uint32_t r[4])
{
	bool intel = hv_guest_intel(vm);

	if (leaf == 0 || (leaf == 0x80000000u && !intel)) {
		r[1] = intel ? X86_VENDOR_INTEL_EBX : X86_VENDOR_AMD_EBX;
		r[3] = intel ? X86_VENDOR_INTEL_EDX : X86_VENDOR_AMD_EDX;
		r[2] = intel ? X86_VENDOR_INTEL_ECX : X86_VENDOR_AMD_ECX;
	} else if (leaf == 0x80000000u) {
		r[1] = r[2] = r[3] = 0;
	} else if (leaf == 0x80000001u && intel) {
		r[1] = 0;
		r[2] &= X86_CPUID81_ECX_INTEL;
		r[3] &= X86_CPUID81_EDX_INTEL;
	} else if (leaf == 0x80000008u) {
		r[0] = (r[0] & ~(X86_CPUID88_EAX_PHYS | X86_CPUID88_EAX_GUEST_PHYS)) |
		    vm->model.phys_bits;
	}
}

/* The model's leaves answered once, when the VM's model is set
 * (hv/model.c): a CPUID exit for one of them copies its answer. */
void
hv_model_cpuid_init(struct hv_vm *vm)
{
#define MODEL_ANSWER(name, leaf)					\
	guest_features(leaf, 0, vm->model_leaf[HV_MODEL_LEAF_##name]);	\
	model_cpuid(vm, leaf, vm->model_leaf[HV_MODEL_LEAF_##name]);
	HV_CPUID_MODEL_LEAVES(MODEL_ANSWER)
}

/* vm's answer to leaf, or NULL when the model does not decide it */
static inline const uint32_t *
model_leaf(const struct hv_vm *vm, uint32_t leaf)
{
	switch (leaf) {
#define MODEL_CASE(name, leaf)					\
	case leaf:							\
		return vm->model_leaf[HV_MODEL_LEAF_##name];
	HV_CPUID_MODEL_LEAVES(MODEL_CASE)
	}
	return NULL;
}

/*
 * ... and what differs per VM (above) and per vCPU: leaf 0, MONITOR and
 * the NX bit under IA32_MISC_ENABLE, OSXSAVE and the APIC ID, RDTSCP/RDPID
 * where its TSC_AUX is kept, leaf 0xD by its XCR0.
 */
static inline __attribute__((always_inline)) void
guest_cpuid(struct hv_vcpu *vcpu, uint32_t leaf, uint32_t subleaf,
    uint32_t r[4])
{
	struct hv_ctl_regs ctl;
	const uint32_t *m = model_leaf(vcpu->vm, leaf);

	if (m != NULL) {
		r[0] = m[0];
		r[1] = m[1];
		r[2] = m[2];
		r[3] = m[3];
	} else
		guest_features(leaf, subleaf, r);
	if (leaf == 0 && (vcpu->misc_enable & X86_MISC_LIMIT_CPUID)) {
		/* IA32_MISC_ENABLE's Limit CPUID Maxval (SDM Vol. 4
		 * Table 2-2) */
		if (r[0] > 2)
			r[0] = 2;
	} else if (leaf == 1) {
		/* OSXSAVE mirrors the guest's CR4.OSXSAVE, not the host's
		 * (SDM Vol. 2A CPUID, Table 3-10); the initial APIC ID
		 * (EBX[31:24]) is the vCPU id */
		r[2] &= ~X86_CPUID1_ECX_OSXSAVE;
		if (hv_ops->get_ctl(vcpu, &ctl) == 0 &&
		    (ctl.cr4 & X86_CR4_OSXSAVE))
			r[2] |= X86_CPUID1_ECX_OSXSAVE;
		r[1] = (r[1] & 0x00ffffffu) | ((uint32_t)vcpu->id << 24);
		/* IA32_MISC_ENABLE's ENABLE MONITOR FSM sets MONITOR
		 * (SDM Vol. 4 Table 2-2; hv/exit.c) */
		if (vcpu->misc_enable & X86_MISC_MONITOR)
			r[2] |= X86_CPUID1_ECX_MONITOR;
	} else if (leaf == 0x80000001u) {
		/* RDTSCP reads IA32_TSC_AUX: only where the backend keeps
		 * the guest's */
		if (!tsc_aux_kept(vcpu))
			r[3] &= ~X86_CPUID81_EDX_RDTSCP;
		/* IA32_MISC_ENABLE's XD Bit Disable (hv/msr.c) */
		if (vcpu->misc_enable & X86_MISC_XD_DISABLE)
			r[3] &= ~X86_CPUID81_EDX_NX;
	} else if (leaf == X86_CPUID_LEAF_XSAVE) {
		hv_xsave_cpuid(vcpu, subleaf, r);
	} else if (leaf == 7 && subleaf == 0) {
		if (!tsc_aux_kept(vcpu))
			r[2] &= ~X86_CPUID7_ECX_RDPID;
	}
}

void
hv_guest_cpuid(struct hv_vcpu *vcpu, uint32_t leaf, uint32_t subleaf,
    uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	uint32_t r[4];

	guest_cpuid(vcpu, leaf, subleaf, r);
	*a = r[0];
	*b = r[1];
	*c = r[2];
	*d = r[3];
}

/* The CPUID exit: EAX..EDX written, zero-extended into RAX..RDX. */
int
hv_vx_cpuid(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	uint32_t r[4];

	guest_cpuid(vcpu, (uint32_t)vx->gpr[HV_RAX], (uint32_t)vx->gpr[HV_RCX], r);
	vx->gpr[HV_RAX] = r[0];
	vx->gpr[HV_RBX] = r[1];
	vx->gpr[HV_RCX] = r[2];
	vx->gpr[HV_RDX] = r[3];
	vx->skip = true;
	return HV_RESUME;
}
