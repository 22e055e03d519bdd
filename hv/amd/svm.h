/*
 * svm.h - private to hv/amd: the SVM backend's state and its internal calls.
 */
#ifndef HV_AMD_SVM_H
#define HV_AMD_SVM_H

#include "hv_impl.h"
#include "x86_arch.h"
#include "svm_exits.h"
#include "vmcb.h"

/* ---- capabilities (svm_caps.c) ------------------------------------------- */
struct svm_caps {
	uint32_t revision;	/* CPUID 8000_000A EAX[7:0] */
	uint32_t nasid;		/* CPUID 8000_000A EBX: ASIDs, 0 is the host's */
	uint32_t edx;		/* CPUID 8000_000A EDX feature bits */
	int	 npt;		/* EDX[0] nested paging */
	int	 nrips;		/* EDX[3] next RIP saved on #VMEXIT */
	int	 vmcb_clean;	/* EDX[5] VMCB clean bits */
	int	 flush_by_asid;	/* EDX[6] TLB_CONTROL 3/7 */
	int	 decode_assists;	/* EDX[7] */
	int	 maxphyaddr;	/* CPUID 8000_0008 EAX[7:0] */
	bool	 tsc_aux;	/* IA32_TSC_AUX: RDTSCP or RDPID */
	bool	 pkrs;		/* IA32_PKRS switched for the guest (svm_msr.c) */
};
extern struct svm_caps svm_caps;
int	 svm_probe(void);
bool	 svm_guest_invpcid(void);	/* ops->guest_invpcid */
bool	 svm_guest_pks(void);		/* ops->guest_pks */

/* ---- per-CPU state (svm.c) ------------------------------------------------ */
struct svm_pcpu {
	void		*hsave;		/* VM_HSAVE_PA page */
	void		*host_vmcb;	/* VMSAVE/VMLOAD of host FS/GS/TR/... */
	uint64_t	 host_vmcb_pa;
	bool		 host_saved;	/* host_vmcb holds a VMSAVE taken here */
	/* ASID allocator (asid.c): touched only pinned on this CPU */
	uint32_t	 asid_next;
	uint64_t	 asid_gen;
	bool		 asid_flush_all;	/* wrapped: flush every ASID once */
};
extern struct svm_pcpu svm_pcpu[HV_MAX_CPUS];

/* ---- per-VM and per-vCPU state ------------------------------------------- */
#define SVM_IOPM_PAGES		3	/* 12 KiB, APM 15.10.1 */
#define SVM_MSRPM_PAGES		2	/* 8 KiB, APM 15.11 */

struct svm_vm {
	uint8_t		*iopm;
	uint64_t	 iopm_pa;
	uint8_t		*msrpm;
	uint64_t	 msrpm_pa;
};

/*
 * What the VMRUN consistency checks look at, copied from the VMCB just before
 * VMRUN: after a failed VMRUN the VMCB may no longer hold it (QEMU writes its
 * partly loaded state back), and vmcb_check must see what was refused.
 */
struct vmcb_snap {
	uint64_t efer, cr0, cr3, cr4, dr6, dr7;
	uint64_t msrpm_pa, iopm_pa, eventinj;
	uint32_t intercept_misc2, asid;
	uint16_t cs_attr;
};

/* Host state captured at each entry (svm_host_capture). */
struct svm_host_state {
	uint64_t cr3;		/* hv_os_cur_cr3(): the thread's address space */
	uint64_t fs_base;	/* hv_os_cur_fs_base(): the host's cached FS base */
	uint64_t cr3_hw;	/* CR3 as loaded: the world switch must keep it */
	uint64_t fs_base_hw;	/* FS_BASE MSR as loaded */
	bool	 save_host;	/* VMSAVE the host state at the stretch's first entry */
};

/*
 * The HC_NOP loop inside svm_world_switch: after a #VMEXIT that is a
 * VMMCALL with RAX=HC_NOP, no event in EXITINTINFO, no interrupt queued or
 * VINTR intercept armed, and the VM's invalidation generation still the one
 * this CPU flushed for, it finishes the hypercall in the VMCB and runs VMRUN
 * again, still under CLGI, at most `st.budget` times.  svm_switch.S reads it
 * through svm_assym.sym.
 */
struct svm_fast {
	struct hv_stretch	 st;		/* first: vcpu->stretch */
	uint8_t			*vmcb;		/* the VMCB's mapping */
	uint32_t		 nrips;		/* svm_caps.nrips */
};

/*
 * Called by svm_world_switch after every #VMEXIT the HC_NOP loop did not
 * finish, with the guest's registers saved and the host's segment state
 * loaded back, still at GIF=0: the pinned exits of the table (svm_exits.h)
 * are handled here.  f->st.rc is HV_NOT_PINNED (svm_handle_exit's exit),
 * HV_RESUME or 0 with *f->st.ex.  Returns 1 when the guest may be entered
 * again at once (nothing for svm_prepare_entry to prepare; the entry counted as
 * hv_pre_entry would), else 0 and the world switch returns.
 */
int	 svm_exit_fast(struct svm_fast *f);

struct svm_vcpu {
	uint8_t		*vmcb;
	uint64_t	 vmcb_pa;
	/* guest GPRs by x86 number (enum hv_gpr): VMRUN/#VMEXIT switch only
	 * RAX and RSP (VMCB); svm_world_switch keeps RAX here in step with
	 * the VMCB's, which only it reads and writes, and saves the rest */
	uint64_t	 gpr[HV_NGPRS];
	/* ASID (asid.c): valid on asid_cpu while asid_gen matches that CPU's */
	uint32_t	 asid;
	int		 asid_cpu;
	uint64_t	 asid_gen;
	uint64_t	 asid_inval_gen;	/* vm->inval_gen this ASID is clean for */
	uint8_t		 tlb_control;	/* for the next VMRUN */
	/* event to deliver at the next VMRUN (EVENTINJ format), 0 = none */
	uint64_t	 pending_event;
	struct svm_host_state host;
	struct vmcb_snap snap;		/* state of the last VMRUN */
	/* the intercept words vmcb_check_intercepts last passed (all ones
	 * at first, a set it passes): checked again only when they differ */
	uint32_t	 icpt_ok[3];	/* EXC, MISC1, MISC2 */
	bool		 snap_stale;	/* snap must be taken again */
	struct svm_fast	 fast;		/* svm_switch.S's HC_NOP loop */
	/* IA32_TSC_AUX: no VMCB field; the guest's is in the CPU while a
	 * stretch of entries runs, the host's outside it (svm_msr.c) */
	uint64_t	 tsc_aux, host_tsc_aux;
	bool		 tsc_aux_in_cpu;	/* the guest's is loaded */
	/* IA32_PKRS: no VMCB field either; the guest's is in the CPU for a
	 * stretch begun with its CR4.PKS set (svm_msr.c) */
	uint64_t	 pkrs, host_pkrs;
	bool		 pkrs_in_cpu;	/* the guest's is loaded */
	/*
	 * The guest's NMI blocking, which the CPU does not show for an NMI
	 * injected through EVENTINJ (svm_irq.c): from that injection until
	 * the guest's next IRET has completed.
	 */
	bool		 nmi_blocked;
	bool		 nmi_iret;	/* that IRET exited (intercept) at ... */
	uint64_t	 nmi_iret_rip;	/* ... this RIP: done once RIP moves */
	bool		 nmi_step;	/* TF set by hv: a #DB exit after the IRET */
	bool		 nmi_step_tf;	/* the guest's own TF before that */
	uint64_t	 nmi_step_dr6;	/* its DR6 before that */
};

static inline struct svm_vcpu *svm_of(struct hv_vcpu *vcpu)
{
	return (struct svm_vcpu *)vcpu->backend;
}

/* ---- world switch (svm_switch.S) ------------------------------------------ */
/*
 * VMSAVE host_pa; VMLOAD vmcb_pa; VMRUN vmcb_pa; VMSAVE vmcb_pa; VMLOAD
 * host_pa, with the guest GPRs loaded from and saved to *g, all under
 * CLGI with interrupts open so that a host interrupt becomes an INTR exit.
 */
void	 svm_world_switch(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_pa,
	    bool save_host,	/* false: VMLOAD the host_pa copy as it is */
	    struct svm_fast *f);


/* ---- VMCB (vmcb.c, vmcb_check.c) ------------------------------------------ */
void	 vmcb_init_boot_state(uint8_t *vmcb, const struct hv_boot *b);
void	 vmcb_init_control(uint8_t *vmcb, const struct svm_vm *svm_vm,
	    uint32_t exc, uint64_t ncr3);
void	 vmcb_snapshot(const uint8_t *vmcb, struct vmcb_snap *s);
/* Name the first consistency check (APM 15.5.1) the state fails, or NULL. */
const char *vmcb_check(const struct vmcb_snap *s);
/*
 * hv's own VMCB invariant, checked before every VMRUN: the intercepts that
 * keep the host's machine checks, caches, counters and sleep from the
 * guest.  The CPU would run without them; hv must not.  Names the first
 * one clear, or NULL.
 */
const char *vmcb_check_intercepts(const uint8_t *vmcb);
/* What it checks: the intercept bit in a VMCB word, and its name. */
struct vmcb_intercept {
	unsigned	 word;		/* VMCB_INTERCEPT_* */
	uint32_t	 bit;
	const char	*name;
};
extern const struct vmcb_intercept vmcb_required[];
extern const size_t vmcb_nrequired;
/*
 * vmcb_check_intercepts once per set of intercepts: seen[] holds the
 * words (EXC, MISC1, MISC2, every one vmcb_required names) of the last
 * set it passed; the check runs again only when one differs.
 */
static inline const char *
vmcb_check_intercepts_changed(const uint8_t *v, uint32_t seen[3])
{
	uint32_t exc = vmcb_rd32(v, VMCB_INTERCEPT_EXC);
	uint32_t m1 = vmcb_rd32(v, VMCB_INTERCEPT_MISC1);
	uint32_t m2 = vmcb_rd32(v, VMCB_INTERCEPT_MISC2);
	const char *why;

	if (exc == seen[0] && m1 == seen[1] && m2 == seen[2])
		return NULL;
	if ((why = vmcb_check_intercepts(v)) != NULL)
		return why;
	seen[0] = exc;
	seen[1] = m1;
	seen[2] = m2;
	return NULL;
}

/* ---- ASIDs and TLB (asid.c) ------------------------------------------------ */
extern uint64_t svm_asid_generations;	/* hw.vmm.svm.asid_generations */
void	 svm_asid_cpu_init(int cpu);
void	 svm_asid_prepare(struct hv_vcpu *vcpu, int cpu);
/*
 * Whether the next VMRUN on cpu may keep the VMCB's ASID and TLB_CONTROL
 * as the last one left them: the ASID is still good there (same CPU and
 * generation, clean for the VM's invalidation generation) and no flush is
 * due.  Else svm_asid_prepare must run.
 */
static inline bool svm_asid_steady(struct hv_vcpu *vcpu, int cpu)
{
	const struct svm_vcpu *s = svm_of(vcpu);
	const struct svm_pcpu *p = &svm_pcpu[cpu];

	return s->asid_cpu == cpu && s->asid_gen == p->asid_gen &&
	    s->asid_inval_gen == vcpu->vm->inval_gen && !p->asid_flush_all &&
	    s->tlb_control == TLB_CONTROL_NONE &&
	    vmcb_rd8(s->vmcb, VMCB_TLB_CONTROL) == TLB_CONTROL_NONE;
}
void	 svm_flush_nested(struct hv_vcpu *vcpu);
extern const struct hv_ntable_fmt svm_npt_fmt;

/* ---- maps (svm_maps.c) ------------------------------------------------------ */
int	 svm_maps_init(struct svm_vm *s);
void	 svm_maps_fini(struct svm_vm *s);

/* ---- exits (svm_exit.c, svm_msr.c) ----------------------------------------- */
/* 0 with *ex filled for the host, HV_RESUME when handled. */
int	 svm_handle_exit(struct hv_vcpu *vcpu, struct hv_exit *ex);
void	 svm_inject_exception(struct svm_vcpu *s, unsigned vector, bool has_err,
	    uint32_t err);
void	 svm_skip_insn(struct svm_vcpu *s, unsigned len);

/* ops->msr_get / msr_set (svm_msr.c) */
bool	 svm_msr_get(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val);
bool	 svm_msr_set(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val);
/* the guest's MSRs with no VMCB field into the CPU for a pinned stretch of
 * entries, and the host's back after it (svm_stretch_begin / _leave) */
void	 svm_msr_enter(struct hv_vcpu *vcpu);
void	 svm_msr_leave(struct hv_vcpu *vcpu);

/* ---- queued interrupts (svm_irq.c) --------------------------------------- */
/* Just before VMRUN (pinned, after hv_pre_entry): inject the highest queued
 * interrupt if the guest can take it, else ask for a VINTR exit. */
void	 svm_irq_prepare(struct hv_vcpu *vcpu);
/* The exits of its NMI blocking: the guest's IRET (intercepted while an
 * injected NMI blocks others) and the #DB hv steps it with. */
int	 svm_exit_iret(struct hv_vcpu *vcpu, struct hv_exit *ex);
int	 svm_exit_nmi_step(struct hv_vcpu *vcpu, struct hv_exit *ex);
/* Whether svm_irq_prepare has anything to do: an interrupt is queued or a
 * VINTR exit is armed (to be withdrawn). */
static inline bool svm_irq_due(struct hv_vcpu *vcpu)
{
	return (vmcb_rd32(svm_of(vcpu)->vmcb, VMCB_INTERCEPT_MISC1) &
	    VMCB_I1_VINTR) != 0 || hv_irq_any(vcpu);
}

/*
 * Whether a re-entry of the pinned stretch (svm_exit_fast) needs nothing
 * svm_prepare_entry prepares per entry: no event to inject, the snapshot
 * current, no interrupt work, and the ASID still good.  Within the stretch
 * only a flush can spoil the ASID (svm_flush_nested, from hv_pre_reentry:
 * tlb_control set, or asid_gen 0 without flush-by-ASID): the CPU, its
 * generation and the VMCB field are the ones the first entry's
 * svm_asid_prepare left; TLB_CONTROL goes back to "none" at the re-entry.
 */
static inline bool svm_reentry_steady(struct hv_vcpu *vcpu)
{
	const struct svm_vcpu *s = svm_of(vcpu);

	return s->pending_event == 0 && !s->snap_stale && !svm_irq_due(vcpu) &&
	    s->tlb_control == TLB_CONTROL_NONE && s->asid_gen != 0;
}

/* ---- names (svm_names.c) --------------------------------------------------- */
int	 svm_exit_stats_init(void);
void	 svm_exit_count(uint64_t code);
void	 svm_exit_counts(uint64_t code, uint64_t count);
/* Exit name for messages: the table name or "unknown". */
const char *svm_exit_name_or_unknown(uint64_t code);

#endif /* HV_AMD_SVM_H */
