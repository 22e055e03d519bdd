/*
 * core.h - private to the backend-neutral core (the .c files in hv/); backends use
 * hv_impl.h only.
 */
#ifndef HV_CORE_H
#define HV_CORE_H

#include "hv_impl.h"

#define HV_MAX_VMS	32
/* The boot page tables hold one page directory: 512 x 2 MiB (hv_abi.h). */
#define HV_MAX_MEM	(1ull << 30)

/* hv.c */
extern bool	 hv_backend_svm;	/* the guest hypercall is VMMCALL */
extern int	 hv_guest_maxphyaddr;	/* CPUID 0x80000008 EAX[7:0] */
/* model.c: the vendor of the CPU under the guests */
enum hv_cpu_vendor hv_host_vendor(void);
/* Count a new VM if virtualization is on: 0, or HV_ENODEV. */
int	 hv_vm_count_get(void);
void	 hv_vm_count_put(void);

/* fpu.c: per-CPU host areas (hv_init_ops .. hv_fini), per-vCPU guest area */
int	 hv_fpu_cpus_alloc(void);
void	 hv_fpu_cpus_free(void);
int	 hv_fpu_vcpu_init(struct hv_vcpu *vcpu);
void	 hv_fpu_vcpu_fini(struct hv_vcpu *vcpu);
/* fpu.c: the XCR0 bits a guest may set: the host's, whose components hv
 * switches (0 without XSAVE); the guest's XCR0 written (hv/xsave.c) */
uint64_t hv_fpu_xcr0_supported(void);
void	 hv_fpu_xcr0_set(struct hv_vcpu *vcpu, uint64_t xcr0);
/* xsave.c: bytes of an XSAVE area for the components of mask; CPUID leaf
 * 0xD as the guest sees it, from the host's values in r[] */
uint32_t hv_xsave_size(uint64_t mask, bool compacted);
void	 hv_xsave_cpuid(struct hv_vcpu *vcpu, uint32_t subleaf, uint32_t r[4]);

/* msr.c: the MSRs the core keeps, at reset */
void	 hv_msr_vcpu_init(struct hv_vcpu *vcpu);
/* dreg.c: the guest's debug registers at reset */
void	 hv_dreg_vcpu_init(struct hv_vcpu *vcpu);
/* mmio.c: the MOV that made an emulated device access (hv/lapic.c) */
struct hv_mmio {
	bool		 write;
	unsigned	 size;		/* 1, 2, 4 or 8 bytes */
	unsigned	 len;		/* of the instruction */
	unsigned	 reg;		/* the general register (ModRM numbering) */
	bool		 high8;		/* AH, CH, DH or BH */
	uint64_t	 value;		/* stored, or to load */
	uint64_t	 va;		/* the operand's linear address, if va_known */
	bool		 va_known;	/* IA-32e mode (64-bit addressing) */
	const char	*why;		/* when refused */
};
/* 0, or HV_ENOTSUP with m->why: not an instruction this decoder knows */
int	 hv_mmio_decode(struct hv_vcpu *vcpu, struct hv_regs *r, struct hv_mmio *m);
size_t	 hv_insn_fetch(struct hv_vcpu *vcpu, uint64_t rip, uint8_t *b, size_t max);
/* what the prefixes at the start of an instruction say (hv/mmio.c) */
struct hv_prefixes {
	size_t		 len;		/* their bytes: the opcode is at b[len] */
	unsigned	 sreg;		/* the segment override, HV_NSREGS: none */
	unsigned	 rex;		/* the REX before the opcode, 0: none */
	bool		 o66, a67, lock;
};
void	 hv_insn_prefixes(const uint8_t *b, size_t n, bool code64,
	    struct hv_prefixes *p);
/* general register n of r in the ModRM/REX numbering: RAX, RCX, RDX, RBX,
 * RSP, ... (hv/mmio.c) */
uint64_t *hv_gpr(struct hv_regs *r, unsigned n);
/* 64-bit ModRM addressing (hv/mmio.c): the bytes after the ModRM byte, and
 * the effective address (RIP-relative: *riprel, the caller adds RIP) */
unsigned hv_modrm_extra(const uint8_t *p, size_t left, unsigned modrm);
uint64_t hv_modrm_ea(struct hv_regs *r, const uint8_t *p, unsigned modrm,
	    unsigned rex, bool *riprel);
/* m->value into its register, as the MOV would */
void	 hv_mmio_load(struct hv_regs *r, const struct hv_mmio *m);

/* scratch.c: one byte of a scratch port (false: none at port) */
bool	 hv_scratch_byte(struct hv_vm *vm, unsigned port, bool in, uint8_t *b);

/* lapic.c: IA32_APIC_BASE (false: #GP) */
void	 hv_lapic_init(struct hv_vcpu *vcpu);
uint64_t hv_lapic_base_read(struct hv_vcpu *vcpu);
bool	 hv_lapic_base_write(struct hv_vcpu *vcpu, uint64_t val);
/* lapic.c: the APIC's highest requested vector above its processor
 * priority (-1: none), and its acceptance by the CPU (IRR to ISR) */
int	 hv_lapic_next(struct hv_vcpu *vcpu);
void	 hv_lapic_accept(struct hv_vcpu *vcpu, unsigned vector);

/* model.c: a new VM's guest CPU is the host's */
void	 hv_vm_model_init(struct hv_vm *vm);
/* cpuid.c: the CPUID leaves vm's model decides, answered (at each change) */
void	 hv_model_cpuid_init(struct hv_vm *vm);
/* the guest's CPU is an Intel one (hv_vm_set_model) */
static inline bool
hv_guest_intel(const struct hv_vm *vm)
{
	return vm->model.vendor == HV_CPU_INTEL;
}

/* vm.c */
int	 hv_vm_slot_get(struct hv_vm *vm);	/* vm->id, or HV_ENOSPC */
void	 hv_vm_slot_put(struct hv_vm *vm);

/* vcpu.c: quirk exec_frees_vmm only: mark the handle freed before the
 * teardown begins */
void	 hv_vcpu_kill_handle(struct hv_vcpu *vcpu);
/* vcpu.c: tear down a vCPU of a VM being destroyed (kicks it out of the
 * guest and waits until no call uses it; the handle lives on while held) */
void	 hv_vcpu_destroy_dying(struct hv_vcpu *vcpu);
/* vcpu.c: around host calls that use the VM through a vCPU (copyin family,
 * translate): 0, or HV_ENOENT when it is torn down; teardown waits for leave */
int	 hv_vcpu_enter(struct hv_vcpu *vcpu);
void	 hv_vcpu_leave(struct hv_vcpu *vcpu);

/* gmem.c: the per-VM spin lock (pins the thread while held) */
void	 hv_vm_lock(struct hv_vm *vm);
void	 hv_vm_unlock(struct hv_vm *vm);
void	 hv_gmem_free_all(struct hv_vm *vm);
/* Copy to/from guest-physical memory, backing pages as needed. */
int	 hv_gmem_access(struct hv_vm *vm, uint64_t gpa, void *buf, size_t len,
	    bool write);
/* An aligned 64-bit guest-physical word, read in one access (a guest
 * page-table entry, as the CPU reads it); atomic OR into one (A/D flags). */
int	 hv_gmem_read64(struct hv_vm *vm, uint64_t gpa, uint64_t *val);
int	 hv_gmem_or64(struct hv_vm *vm, uint64_t gpa, uint64_t bits);
/* Whether gpa is guest RAM (the memory at 0 or hv_vm_add_ram's range), and
 * its index in pages[]/swapped[]; whether [gpa, gpa+len) lies inside one of
 * them, and gpa's index. */
bool	 hv_gpa_page(const struct hv_vm *vm, uint64_t gpa, uint64_t *pn);
bool	 hv_gpa_range(const struct hv_vm *vm, uint64_t gpa, uint64_t len, uint64_t *pn);

/* copyin.c: guest-virtual translation as of the vCPU's last exit */
struct hv_gva_ctx {
	struct hv_vm	*vm;
	struct hv_gwalk_ctx walk;
	bool		 user;		/* CPL 3: user-mode rights */
};
int	 hv_gva_begin(struct hv_vcpu *vcpu, struct hv_gva_ctx *c);
/* 0 and *gpa, or HV_EFAULT (not mapped, forbidden, outside memory). */
int	 hv_gva_translate(const struct hv_gva_ctx *c, uint64_t gva, bool write,
	    uint64_t *gpa);
/* The #PF an access to [lo, hi] raises (first: the access's own address;
 * copyin.c): 1 with *pfec, *cr2; 0 none (or paging off); -1 a walk fails
 * without a page fault (no guest memory there). */
int	 hv_gva_fault(struct hv_vcpu *vcpu, uint64_t lo, uint64_t hi,
	    uint64_t first, bool write, uint32_t *pfec, uint64_t *cr2);

static inline void
hv_cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

#endif /* HV_CORE_H */
