/*
 * vmx.h - private to hv/intel: the Intel VMX backend's state and the
 * functions its files share.
 */
#ifndef HV_INTEL_VMX_H
#define HV_INTEL_VMX_H

#include "hv_impl.h"
#include "vmx_ctl_math.h"
#include "vmx_exits.h"
#include "x86_arch.h"	/* vmx_cr0_must1 */

/* ---- capabilities (vmx_caps.c, vmx_ctls.c) --------------------------------- */

struct vmx_caps {
	/* raw MSRs, published as hw.vmm.vmx.* */
	uint64_t basic, pinbased, procbased, procbased2, exit, entry;
	uint64_t misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid_cap;
	uint32_t revision, region_size;
	int	 width_addr;		/* 1: VMX structures must be below 4 GiB */
	int	 ept, vpid;		/* 0/1 */
	int	 unrestricted;		/* 0/1; used when 1 (vmx_cr0_must1) */
	/* what the backend runs with */
	uint32_t pin_ctls, proc_ctls, proc2_ctls, exit_ctls, entry_ctls;
	bool	 preempt_timer;
	/* virtual NMIs with NMI-window exiting: the guest's NMI blocking is
	 * tracked by the CPU and its end makes an exit (SDM 24.6.1, 25.2) */
	bool	 vnmi;
	unsigned preempt_shift;		/* timer ticks = TSC >> shift (MISC 4:0) */
	uint32_t preempt_value;		/* loaded at every entry (hw.vmm.vmx.preempt_timer) */
	bool	 invept_single, invept_all, invvpid_single;
	bool	 load_pat;
	bool	 load_pkrs;	/* IA32_PKRS loaded at entry and exit */
};

extern struct vmx_caps vmx_caps;

int	 vmx_probe(void);
bool	 vmx_guest_invpcid(void);	/* ops->guest_invpcid */
bool	 vmx_guest_pks(void);		/* ops->guest_pks */
/*
 * vmx_ctls.c: fill *c from the capability MSRs, read through rdmsr (SDM
 * A.1-A.10, TRUE_ MSRs when BASIC bit 55 says so); then choose the
 * controls the backend runs with (everything but preempt_value, which
 * vmx_probe measures).  0, or HV_ENODEV with a log line saying why.
 */
int	 vmx_caps_read(struct vmx_caps *c, uint64_t (*rdmsr)(uint32_t msr));
int	 vmx_caps_pick(struct vmx_caps *c);
/*
 * hv's own VMCS invariant, checked before every entry: the exits that keep
 * the host's machine checks, caches, counters and sleep from the guest.
 * The CPU would enter without them; hv must not.  Names the first one
 * missing from the exception bitmap and processor-based controls, or NULL.
 */
const char *vmx_check_exits(uint32_t exc_bitmap, uint32_t proc, uint32_t proc2);
/*
 * vmx_check_exits once per set of controls: seen[] holds the three words
 * of the last set it passed (all ones at first, a set it passes); the
 * check runs again only when one differs.
 */
static inline const char *
vmx_check_exits_changed(uint32_t exc_bitmap, uint32_t proc, uint32_t proc2,
    uint32_t seen[3])
{
	const char *why;

	if (exc_bitmap == seen[0] && proc == seen[1] && proc2 == seen[2])
		return NULL;
	if ((why = vmx_check_exits(exc_bitmap, proc, proc2)) != NULL)
		return why;
	seen[0] = exc_bitmap;
	seen[1] = proc;
	seen[2] = proc2;
	return NULL;
}
/* IA32_FEATURE_CONTROL on this CPU: 0, or HV_ENODEV when the BIOS locked VMX off. */
int	 vmx_feature_control(void);

/* Pin-based controls (SDM 24.6.1) */
#define PIN_EXT_INTR_EXIT	(1u << 0)
#define PIN_NMI_EXIT		(1u << 3)
#define PIN_VIRTUAL_NMI		(1u << 5)
#define PIN_PREEMPT_TIMER	(1u << 6)
/* Primary processor-based controls (SDM 24.6.2) */
#define PROC_INTR_WINDOW_EXIT	(1u << 2)
#define PROC_TSC_OFFSET		(1u << 3)
#define PROC_HLT_EXIT		(1u << 7)
#define PROC_MWAIT_EXIT		(1u << 10)
#define PROC_RDPMC_EXIT		(1u << 11)
#define PROC_CR3_LOAD_EXIT	(1u << 15)
#define PROC_CR3_STORE_EXIT	(1u << 16)
#define PROC_TPR_SHADOW		(1u << 21)
#define PROC_NMI_WINDOW_EXIT	(1u << 22)
#define PROC_MOVDR_EXIT		(1u << 23)
#define PROC_IO_BITMAPS		(1u << 25)
#define PROC_MSR_BITMAPS	(1u << 28)
#define PROC_MONITOR_EXIT	(1u << 29)
#define PROC_SECONDARY		(1u << 31)
/* Secondary processor-based controls */
#define PROC2_EPT		(1u << 1)
#define PROC2_RDTSCP		(1u << 3)	/* else RDTSCP and RDPID are #UD */
#define PROC2_VPID		(1u << 5)
#define PROC2_WBINVD_EXIT	(1u << 6)
#define PROC2_UNRESTRICTED	(1u << 7)
#define PROC2_INVPCID		(1u << 12)
/* VM-exit controls (SDM 24.7.1) */
#define EXIT_SAVE_DEBUG		(1u << 2)
#define EXIT_HOST_64		(1u << 9)
#define EXIT_ACK_INTR		(1u << 15)
#define EXIT_SAVE_PAT		(1u << 18)
#define EXIT_LOAD_PAT		(1u << 19)
#define EXIT_SAVE_EFER		(1u << 20)
#define EXIT_LOAD_EFER		(1u << 21)
#define EXIT_LOAD_PKRS		(1u << 29)
/* VM-entry controls (SDM 24.8.1) */
#define ENTRY_LOAD_DEBUG	(1u << 2)
#define ENTRY_IA32E_GUEST	(1u << 9)
#define ENTRY_LOAD_PAT		(1u << 14)
#define ENTRY_LOAD_EFER		(1u << 15)
#define ENTRY_LOAD_PKRS		(1u << 22)

/* EPT/VPID capability bits (SDM Vol. 3D A.10) */
#define EPTCAP_WALK4		(1ull << 6)
#define EPTCAP_WB		(1ull << 14)
#define EPTCAP_2M		(1ull << 16)
#define EPTCAP_INVEPT		(1ull << 20)
#define EPTCAP_INVEPT_SINGLE	(1ull << 25)
#define EPTCAP_INVEPT_ALL	(1ull << 26)
#define EPTCAP_INVVPID		(1ull << 32)
#define EPTCAP_INVVPID_SINGLE	(1ull << 41)

/* ---- per-VM and per-vCPU state ------------------------------------------- */

/* The save area: the guest GPRs by x86 register number (enum hv_gpr, exit.h;
 * RSP lives in the VMCS), then guest CR2. */
enum {
	VMX_CR2 = HV_NGPRS, VMX_NSAVE
};

/*
 * The HC_NOP loop inside vmx_enter (vmx_switch.S, which reads it through
 * vmx_assym.sym): VMCALL exits with RAX=HC_NOP that need nothing else are finished
 * there and entered again, at most `st.budget` times in a row.
 */
struct vmx_fast {
	struct hv_stretch	 st;		/* first: vcpu->stretch */
};

/*
 * The guest MSRs with no VMCS field that the guest's own instructions use
 * (SYSCALL/SYSRET: STAR..FMASK; RDTSCP/RDPID: TSC_AUX): VM entry loads the
 * guest's list, VM exit the host's (SDM Vol. 3C 25.7.2, 25.8.2, 27.4,
 * 28.6).  RDMSR and WRMSR of them exit (the MSR bitmap), so the guest's
 * copy here is always current and no exit stores them.  TSC_AUX, last,
 * only with "enable RDTSCP" (vmx_msr_nswitched).
 */
enum vmx_switched {
	VMX_SW_STAR, VMX_SW_LSTAR, VMX_SW_CSTAR, VMX_SW_FMASK, VMX_SW_TSC_AUX,
	VMX_NSW
};
/* an MSR-load list entry (SDM Vol. 3C Table 25-15) */
struct vmx_msr_entry {
	uint32_t	 index;
	uint32_t	 reserved;
	uint64_t	 data;
};
/* in one page: 16-byte aligned lists, as the SDM requires */
struct vmx_msr_lists {
	struct vmx_msr_entry	 guest[VMX_NSW];
	struct vmx_msr_entry	 host[VMX_NSW];
};

/* the host state a VM exit does not give back (vmcs.c), around a stretch */
struct vmx_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));
struct vmx_host_lost {
	struct vmx_dtr	 gdtr, idtr;
	uint16_t	 ldtr;
	uint64_t	 debugctl;
};

struct vmx_vcpu {
	uint64_t	 gpr[VMX_NSAVE];	/* vmx_switch.S: G_* of vmx_assym.sym */
	void		*vmcs;
	uint64_t	 vmcs_pa;
	uint16_t	 vpid;			/* 0: VPID not used */
	bool		 launched;		/* VMRESUME next (else VMLAUNCH) */
	uint64_t	 guest_kgs;		/* guest IA32_KERNEL_GS_BASE */
	void		*vapic;			/* virtual-APIC page: the guest's CR8 */
	struct vmx_msr_lists *msrs;		/* a page: the switched MSRs */
	uint64_t	 last_exit_reason;	/* as read after the last entry */
	/* EPT violations at one page in a row (a fault that never resolves) */
	uint64_t	 last_fault_gpa;
	unsigned	 fault_repeats;
	bool		 irq_window;		/* interrupt-window exiting is on */
	bool		 nmi_window;		/* NMI-window exiting is on */
	uint32_t	 exits_ok[3];		/* vmx_check_exits_changed */
	struct vmx_host_lost host_lost;		/* as the stretch began */
	struct vmx_fast	 fast;
};

struct vmx_vm {
	void		*msr_bitmap;
	void		*io_bitmap_a, *io_bitmap_b;
	uint64_t	 eptp;
};

/* ---- vmx.c ---------------------------------------------------------------- */

/*
 * Log a failed VMX instruction (rc from vmx_cpu.h), decoding VMfailValid's
 * VM-instruction error by number and name.  Returns HV_EIO.
 */
int	 vmx_insn_fail(const char *insn, int rc);
/* The VM-instruction error of the current VMCS: its name, the number in *num. */
const char *vmx_insn_error(uint64_t *num);
/* Allocate what cpu_enable needs on every CPU (thread context, probe). */
int	 vmx_percpu_alloc(void);
/* Event injection at the next entry: interruption info, error code, length. */
void	 vmx_inject_event(uint32_t info, bool has_err, uint32_t err, uint32_t len);
/* Inject an exception into the guest at the next entry (SDM 26.6). */
void	 vmx_inject_exception(unsigned vector, bool has_err, uint32_t err);
/* ops->msr_get / msr_set (vmx_msr.c) */
bool	 vmx_msr_get(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t *val);
bool	 vmx_msr_set(struct hv_vcpu *vcpu, enum hv_msr_reg reg, uint64_t val);
/* how many of enum vmx_switched the lists hold */
unsigned vmx_msr_nswitched(void);
/* the lists of a new vCPU: MSR numbers, the guest's values at reset */
void	 vmx_msr_lists_init(struct vmx_msr_lists *l);
/* the host's values into its list, on the CPU that loads the VMCS */
void	 vmx_msr_lists_host(struct vmx_msr_lists *l);

/*
 * The CR0 bits a VM entry requires set: IA32_VMX_CR0_FIXED0, minus PE and
 * PG when the unrestricted-guest control is on (SDM Vol. 3C 26.3.1.1).
 */
static inline uint64_t
vmx_cr0_must1(void)
{
	if (vmx_caps.proc2_ctls & PROC2_UNRESTRICTED)
		return vmx_caps.cr0_fixed0 & ~(uint64_t)(X86_CR0_PE | X86_CR0_PG);
	return vmx_caps.cr0_fixed0;
}

/* ---- vmcs.c ---------------------------------------------------------------- */

/* Program a fresh, current VMCS: controls, guest boot state, static host state. */
int	 vmcs_setup(struct hv_vcpu *vcpu);
/* A boot state of hv.h into the current VMCS (HV_ENOTSUP: needs unrestricted guest). */
int	 vmcs_set_guest(struct hv_vcpu *vcpu, const struct hv_boot *b);
/* Host fields that differ between CPUs; after loading the VMCS on a CPU. */
int	 vmcs_set_host_percpu(struct hv_vcpu *vcpu);
/* the host state a VM exit does not give back (vmcs.c), around a stretch */
void	 vmx_host_lost_save(struct vmx_host_lost *h);
void	 vmx_host_lost_restore(const struct vmx_host_lost *h);
/* Host fields that may change between two entries on the same CPU. */
int	 vmcs_set_host_dynamic(void);

/* ---- vmx_exit.c ------------------------------------------------------------ */

/* Handle the exit just taken (pinned, VMCS current).  0 with *ex or HV_RESUME. */
int	 vmx_handle_exit(struct hv_vcpu *vcpu, struct hv_exit *ex);
/*
 * Called by vmx_enter after every VM exit its HC_NOP loop did not finish,
 * with the guest's registers saved, still with interrupts off: the pinned
 * exits of the table (vmx_exits.h) are handled here.  f->rc is
 * HV_NOT_PINNED (vmx_handle_exit's exit, with interrupts on), HV_RESUME or
 * 0 with *f->ex.  Returns 1 when the guest may be entered again at once
 * (nothing for vmx_prepare_entry to prepare; the entry counted as
 * hv_pre_entry would), else 0 and vmx_enter returns.
 */
int	 vmx_exit_fast(struct vmx_fast *f);

/* ---- vmx_irq.c ------------------------------------------------------------- */

/* Just before an entry (pinned, interrupts off, after hv_pre_entry): inject
 * the highest queued interrupt if the guest can take it, else ask for an
 * interrupt-window exit. */
void	 vmx_irq_prepare(struct hv_vcpu *vcpu);
/* An EPT violation with NMI unblocking by IRET: virtual-NMI blocking
 * back for the IRET's second run. */
void	 vmx_nmi_reblock(void);

/* ---- vmx_check.c ----------------------------------------------------------- */

/*
 * Software check of the current VMCS guest state against the VM-entry
 * checks of SDM 26.3.1.  0 if none failed, else writes the first failed
 * check (field and rule) into buf.
 */
int	 vmx_check_guest_state(char *buf, size_t len);

/* ---- ept.c ---------------------------------------------------------------- */

extern const struct hv_ntable_fmt vmx_ept_fmt;
uint64_t vmx_eptp(uint64_t root_pa);
void	 vmx_flush_nested(struct hv_vcpu *vcpu);
/* Describe the EPT entries on the path to gpa (misconfiguration report). */
void	 vmx_ept_describe(const struct hv_vm *vm, uint64_t gpa, char *buf, size_t len);

/* ---- vmx_switch.S ---------------------------------------------------------- */

/* Returns 0 after a VM exit, else VMX_FAIL_INVALID / VMX_FAIL_VALID. */
int	 vmx_enter(uint64_t *gpr, int launched, struct vmx_fast *f);
void	 vmx_exit_point(void);

#endif /* HV_INTEL_VMX_H */
