/*
 * hv_vcpu.h - the VM and vCPU objects the core and the backends share
 * (struct hv_vm, struct hv_vcpu), their limits and liveness magic.  Hosts
 * never see them: they hold the opaque pointers of hv.h.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include "hv.h"
#include "ntable.h"	/* struct hv_ntable: the VM's nested root */
#include "uart.h"	/* struct hv_uart: the vCPU's COM1 */
#include "console.h"	/* struct hv_console: the VM's console budget */
#include "x86_arch.h"	/* MSR ranges kept per vCPU */

#define HV_MAX_CPUS	64
#define HV_DREGS	5	/* DR0-DR3 and DR6, switched by hv/dreg.c */
#define HV_MAX_VCPUS	8
/*
 * The CPUID leaves whose answer follows the VM's CPU model, each answered
 * once when the model is set (hv/cpuid.c: model_cpuid), by their place in
 * struct hv_vm's model_leaf.  None has subleaves.
 */
#define HV_CPUID_MODEL_LEAVES(X)					\
	X(VENDOR,	0x00000000u)	/* max basic leaf, vendor */	\
	X(EXT_MAX,	0x80000000u)	/* max extended leaf (AMD: vendor) */ \
	X(EXT_FEATURES,	0x80000001u)					\
	X(ADDR_SIZES,	0x80000008u)
#define HV_MODEL_LEAF_INDEX(name, leaf)	HV_MODEL_LEAF_##name,
enum { HV_CPUID_MODEL_LEAVES(HV_MODEL_LEAF_INDEX) HV_MODEL_LEAVES };

/* Pending external interrupts: one bit per vector; 0-31 are exceptions. */
#define HV_IRQ_WORDS		4
#define HV_IRQ_VECTOR_MIN	32

/*
 * First word of a live VM / vCPU object; teardown overwrites it with
 * HV_DEAD_MAGIC before the free, and hv_vcpu_run() checks it at every
 * iteration, so a vCPU whose VM was torn down under it (the 2013 reboot
 * bug) is named as a use-after-free instead of running on freed state.
 */
#define HV_VM_MAGIC	0x686d762e766d3031ull	/* "hmv.vm01" */
#define HV_VCPU_MAGIC	0x686d762e63707531ull	/* "hmv.cpu1" */
#define HV_DEAD_MAGIC	0x6465616466726565ull	/* "deadfree" */

/* The guest's local APIC (hv/lapic.c). */
struct hv_lapic {
	uint64_t	 base;		/* IA32_APIC_BASE */
	uint32_t	 reg[64];	/* the page's registers, by offset / 16 */
	bool		 irr_any;	/* a vector requested in IRR (hv_irq_any) */
	bool		 nmi;		/* an NMI sent through the ICR, not yet
					 * delivered */
};

struct hv_vcpu {
	uint64_t	 magic;		/* HV_VCPU_MAGIC while alive */
	struct hv_vm	*vm;
	int		 id;
	volatile int	 running_on;	/* CPU id while inside run(), else -1 */
	int		 last_cpu;	/* CPU the backend state was last loaded on, -1 none */
	uint64_t	 tls_fs_base;	/* hv_vcpu_set_tls() */
	bool		 tls_dirty;
	int64_t		 hc_result;
	bool		 hc_pending;	/* host owes a hypercall result */
	void		*backend;	/* struct vmx_vcpu / struct svm_vcpu */
	/* the backend's stretch state (hv_backend.h; NULL: it runs no
	 * stretch of hv/run.c) */
	struct hv_stretch *stretch;
	uint8_t		*fpu;		/* guest FXSAVE/XSAVE area (hv/fpu.c) */
	uint64_t	 xcr0;		/* the guest's XCR0 (hv/fpu.c) */
	bool		 fpu_live;	/* its FPU state and XCR0 are on the CPU */
	uint64_t	 guest_dr[HV_DREGS];	/* DR0-DR3, DR6 (hv/dreg.c) */
	bool		 dr_live;	/* the guest used a debug register: MOV DR
					 * no longer exits, DR0-DR3 are switched */
	struct hv_uart	 com1;
	struct hv_lapic	 lapic;
	/* AMD's legacy performance MSRs (hv/msr.c): kept, never counting */
	uint64_t	 amd_perf[X86_MSR_K7_PERFCTR3 - X86_MSR_K7_PERFEVTSEL0 + 1];
	/* the MSRs the core keeps (hv/msr.c) */
	uint64_t	 misc_enable;	/* IA32_MISC_ENABLE */
	uint64_t	 mcg_status;	/* IA32_MCG_STATUS */
	uint64_t	 tsc_adjust;	/* IA32_TSC_ADJUST */
	struct hv_console_buf serial;	/* guest COM1 line being assembled */
	/* 1: inside hv_vcpu_run() or a register call; -1: torn down (every
	 * later call gets HV_ENOENT); 0: idle */
	volatile int	 in_run;
	volatile int	 users;		/* copyin family / translate calls in flight */
	volatile int	 refs;		/* the VM's until teardown + hv_vcpu_hold()s */
	int		 vm_id;		/* for messages once vm is gone */
	volatile uint64_t entries;	/* VM entries so far (hv_pre_entry) */
	bool		 dead;		/* shut down (triple fault): never entered again */
	/* external interrupts queued by hv_vcpu_inject_irq (hv/irq.c) */
	volatile uint64_t irq_pending[HV_IRQ_WORDS];
};

struct hv_vm {
	uint64_t	 magic;		/* HV_VM_MAGIC while alive */
	int		 id;		/* small number, reused: "guest<id>.<vcpu>" */
	volatile int	 dying;		/* hv_vm_destroy() in progress: runs end */
	volatile int	 lock;		/* spin lock over pages/swapped/nt (hv/gmem.c) */
	uint64_t	 mem_size;
	uint64_t	 ram2_gpa, ram2_size;	/* hv_vm_add_ram's range (size 0: none) */
	uint64_t	 npages;	/* the pages at 0, then those of the range */
	void		**pages;	/* host VA backing each guest page, or NULL */
	void		**swapped;	/* paged-out copies, or NULL; the array itself
					 * only from the first pageout on */
	uint64_t	 resident;
	struct hv_ntable nt;		/* the one nested root (the master's) */
	struct hv_vcpu	*vcpus[HV_MAX_VCPUS];
	int		 nvcpus;
	/* invalidation: generation bumped on every unmap; each CPU flushes at its
	 * next entry when its flushed_gen is older */
	volatile uint64_t inval_gen;
	uint64_t	 flushed_gen[HV_MAX_CPUS];
	volatile uint64_t cpus_ran;	/* bit per CPU that ever ran this VM */
	struct hv_console console;	/* its guest lines' budget */
	volatile uint64_t user_hypercalls;	/* allowed from CPL 3 (hv.h) */
	bool		 host_debugger;	/* #BP is the host's (hv_vm_set_debugger) */
	struct hv_vm_model model;	/* the guest's CPU, resolved (hv/model.c) */
	/* the CPUID leaves the model decides (HV_CPUID_MODEL_LEAVES) */
	uint32_t	 model_leaf[HV_MODEL_LEAVES][4];
	/* hv_vm_add_scratch_port's devices (hv/scratch.c) */
	struct {
		uint16_t port;
		uint8_t	 b[HV_SCRATCH_BYTES];
	}		 scratch[HV_SCRATCH_MAX];
	unsigned	 nscratch;
	void		*backend;	/* struct vmx_vm / struct svm_vm */
};

#endif /* HV_VCPU_H */
