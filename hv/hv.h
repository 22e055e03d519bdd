/*
 * hv.h - what a host (testkern, the DragonFly module) calls in hv/.
 *
 * Life cycle: hv_init() probes the CPU, picks the backend and publishes the
 * hw.vmm sysctl tree; hv_set_enable(true) turns virtualization on on every
 * CPU (vmxon / EFER.SVME); VMs and vCPUs are created while enabled.
 * All calls are made from thread context; hv_vcpu_run() pins the caller for
 * the duration of each VM entry only, so the host may migrate the vCPU thread
 * between runs.
 */
#ifndef HV_H
#define HV_H

#include "hv_os.h"
#include "hv_abi.h"

struct hv_vm;
struct hv_vcpu;

/* ---- global ------------------------------------------------------------- */

int	 hv_init(void);			/* 0, HV_ENODEV (no VMX/SVM), ... */
void	 hv_fini(void);			/* disable everywhere, drop sysctls */
int	 hv_set_enable(bool on);	/* hw.vmm.enable; HV_EBUSY while a VM exists */
bool	 hv_is_enabled(void);
const char *hv_type(void);		/* "VMX from Intel" / "SVM from AMD" */

/* ---- VMs ---------------------------------------------------------------- */

/* A VM with mem_size bytes of guest-physical memory at GPA 0, backed on demand. */
int	 hv_vm_create(uint64_t mem_size, struct hv_vm **out);
/*
 * Tear the VM down, also while host threads run its vCPUs (a vkernel's
 * reboot/execve): the VM is marked dying, every vCPU inside hv_vcpu_run() is
 * kicked out of the guest (IPI) and waited for, and so is every other call
 * in flight on its vCPUs; then guest memory, nested tables and all VM and
 * vCPU state are freed.  A run in progress returns HV_ENOENT, and so does
 * every later hv_vcpu_run / get_regs / set_regs / copyin-family / translate
 * call on its vCPU handles, without touching freed memory, as long as the
 * handle itself is still held (hv_vcpu_hold below).  0, HV_EINVAL (NULL),
 * HV_EBUSY (a destroy of it is already under way).  Never call it from
 * inside a run of the same VM, nor concurrently with hv_vcpu_create,
 * hv_vm_pageout, hv_gpa_* or hv_vm_load_image on it: the struct hv_vm goes.
 */
int	 hv_vm_destroy(struct hv_vm *vm);
uint64_t hv_vm_mem_size(const struct hv_vm *vm);
/*
 * A second range of RAM at gpa, len bytes (both 4 KiB multiples), besides
 * the mem_size bytes at 0: backed on demand, paged out and read by
 * hv_gpa_* like them (a platform's RAM high in the 32-bit space, say).  It
 * lies above the memory at 0 and ends at or below 4 GiB, clear of the
 * local APIC page; one per VM, added before its first vCPU.  0, HV_EINVAL
 * (a range that breaks those rules), HV_EEXIST (one already), HV_EBUSY (a
 * vCPU exists, or a first hv_vm_pageout ran meanwhile), HV_ENOMEM.
 */
int	 hv_vm_add_ram(struct hv_vm *vm, uint64_t gpa, uint64_t len);

/*
 * A scratch I/O register of HV_SCRATCH_BYTES bytes at ports port..port+3
 * (a test platform's device, as some emulators' PC test device has one at
 * 0xe0): an IN or OUT of any size at port+k, or the elements of INS/OUTS,
 * read or write its bytes from k up; bytes past the last port are not the
 * device.  Up to HV_SCRATCH_MAX per VM, added before its first vCPU, all
 * bytes 0.  0, HV_EINVAL (NULL, ports past 0xffff or over COM1 or the
 * debug-exit port), HV_EEXIST (over another one), HV_ENOSPC (the VM has
 * HV_SCRATCH_MAX), HV_EBUSY (a vCPU exists).
 */
#define HV_SCRATCH_BYTES	4u
#define HV_SCRATCH_MAX		4u
int	 hv_vm_add_scratch_port(struct hv_vm *vm, unsigned port);

/* Copy between host buffers and guest-physical memory (backs pages as needed). */
int	 hv_gpa_write(struct hv_vm *vm, uint64_t gpa, const void *src, size_t len);
int	 hv_gpa_read(struct hv_vm *vm, uint64_t gpa, void *dst, size_t len);

/*
 * Page out [gpa, gpa+len): the contents are saved, the nested-table entries
 * removed and every CPU that may cache them invalidated; the next guest
 * access faults the page back in with its data intact.  A page the guest
 * touches again while this runs stays resident.  0, HV_EINVAL (gpa not page
 * aligned or range outside guest memory), HV_ENOMEM, or HV_ETIMEDOUT when a
 * CPU running this VM did not leave the guest within 1 s (pages not yet
 * saved stay resident).  Not concurrently with hv_vm_destroy/hv_vcpu_destroy
 * of the same VM.
 */
int	 hv_vm_pageout(struct hv_vm *vm, uint64_t gpa, uint64_t len);

/*
 * The hypercalls a guest may make from CPL 3, its user mode: bit n of the
 * mask allows number n (numbers from 64 up never).  A VM starts with
 * HV_USER_HC_NONE: a guest kernel at CPL 0 (the boot state of hv_abi.h)
 * serves its own user processes, which do not reach hv.  A host whose whole
 * guest runs at CPL 3 (DragonFly's vkernel) allows what that guest uses.
 * A refused hypercall is what VMCALL/VMMCALL is on a CPU whose hypervisor
 * does not serve it: #UD in the guest, RIP at the instruction (SDM Vol. 2B
 * VMCALL, Vol. 3C 25.1.3; APM Vol. 3 VMMCALL), counted in
 * hw.vmm.stats.hypercalls_user_refused.  Takes effect at the next hypercall;
 * 0 or HV_EINVAL (NULL).
 */
#define HV_USER_HC_NONE		0ull
#define HV_USER_HC_ALL		(~0ull)
int	 hv_vm_set_user_hypercalls(struct hv_vm *vm, uint64_t mask);
uint64_t hv_vm_user_hypercalls(const struct hv_vm *vm);

/*
 * Whether the host's debugger takes the guest's breakpoints.  Off (the
 * default): a guest INT3 or INT 3 raises #BP through the guest's own IDT
 * as the CPU delivers it, RIP past the instruction in the frame.  On: the
 * #BP is not delivered; the run returns HV_EXIT_DEBUG with RIP past the
 * instruction, and running again goes on after it.  Fixed for a vCPU when
 * it is created: 0, HV_EINVAL (NULL), HV_EBUSY once the VM has a vCPU; not
 * concurrently with hv_vcpu_create on the VM.
 */
int	 hv_vm_set_debugger(struct hv_vm *vm, bool on);

/*
 * The CPU a VM's guest sees, a machine model as a host's "-cpu" option
 * names one: the vendor CPUID leaf 0 reports and the rules that follow it
 * where the architecture differs by vendor (IA32_MISC_ENABLE exists for an
 * Intel guest, SDM Vol. 4 Table 2-2; AMD's legacy performance counters for
 * an AMD guest, APM Vol. 2 13.2.1; CPUID leaves 0x80000000-1 as each
 * vendor defines them), and MAXPHYADDR (CPUID 0x80000008 EAX[7:0]).  What
 * the CPU under the guest does by itself stays the host CPU's (SYSENTER in
 * each mode, SYSCALL in 64-bit and legacy mode, the instruction of hv's
 * hypercall: CPUID leaf HV_CPUID_LEAF names it), except the SYSCALL in
 * compatibility mode an AMD guest makes on an Intel CPU, which hv does
 * (hv/xvendor.c).  A VM starts with the host's vendor and
 * MAXPHYADDR, no VMware backdoor (its I/O port and RDPMC pseudo-counters
 * at any CPL, hv/vmport.c; the VM then intercepts #GP).  Set before the
 * VM's first vCPU: 0, HV_EINVAL (NULL, an unknown vendor, MAXPHYADDR
 * outside 32 .. the host's), HV_EBUSY (the VM has a vCPU).
 * hv_vm_get_model gives the model in force, the vendor and MAXPHYADDR
 * resolved (never HV_CPU_HOST or 0).
 */
enum hv_cpu_vendor {
	HV_CPU_HOST,		/* the host CPU's */
	HV_CPU_INTEL,		/* "GenuineIntel" */
	HV_CPU_AMD,		/* "AuthenticAMD" */
};

struct hv_vm_model {
	enum hv_cpu_vendor vendor;
	unsigned	 phys_bits;	/* MAXPHYADDR; 0: the host's */
	bool		 vmware_backdoor;
};

int	 hv_vm_set_model(struct hv_vm *vm, const struct hv_vm_model *m);
void	 hv_vm_get_model(const struct hv_vm *vm, struct hv_vm_model *m);

/* Pages of host memory backing this VM now (for leak and demand-paging checks). */
uint64_t hv_vm_resident_pages(const struct hv_vm *vm);

/* ---- vCPUs -------------------------------------------------------------- */

struct hv_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t fs_base, gs_base, kernel_gs_base;
	uint32_t cpl;
};

/*
 * Creates vCPU `id` in the boot state of hv_abi.h (image loaded separately).
 * The VM holds the one reference to the handle; hv_vm_destroy or
 * hv_vcpu_destroy drops it, and the handle memory is freed when the last
 * reference goes.  A host whose threads may still use the handle after the
 * VM was destroyed (a vCPU thread between two runs) takes its own reference
 * with hv_vcpu_hold and drops it with hv_vcpu_release once no thread of it
 * can reach the handle any more; releasing more than held is logged.
 */
int	 hv_vcpu_create(struct hv_vm *vm, int id, struct hv_vcpu **out);
void	 hv_vcpu_hold(struct hv_vcpu *vcpu);
void	 hv_vcpu_release(struct hv_vcpu *vcpu);
/* Tears the vCPU down now unless it runs (then refused, logged); a no-op on a
 * vCPU already torn down with its VM (handle still held). */
void	 hv_vcpu_destroy(struct hv_vcpu *vcpu);
int	 hv_vcpu_get_regs(struct hv_vcpu *vcpu, struct hv_regs *r);
int	 hv_vcpu_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *r);

/*
 * The state a vCPU starts in.  hv_vcpu_create() leaves it in HV_BOOT_LONG64
 * at HV_GUEST_LOAD_GPA (hv_abi.h); hv_vcpu_boot() puts it, before its first
 * run or again later, in either state:
 *   HV_BOOT_LONG64  hv_abi.h's long mode with its identity map, RIP = rip,
 *                   RSP = rsp, RDI = memory size, RSI = vCPU id;
 *   HV_BOOT_PROT32  32-bit protected mode as a multiboot v1 loader leaves
 *                   a kernel: flat 4 GiB code and data segments, paging,
 *                   interrupts and EFER off, EIP = rip, ESP = rsp, EAX = eax,
 *                   EBX = ebx, the other registers 0.  The guest enables
 *                   paging and long mode itself (on VMX this needs the
 *                   unrestricted-guest control: HV_ENOTSUP without it).
 * HV_EINVAL for an unknown mode or an address a 32-bit entry cannot hold.
 */
enum hv_boot_mode {
	HV_BOOT_LONG64,
	HV_BOOT_PROT32,
};

struct hv_boot {
	enum hv_boot_mode mode;
	uint64_t	 rip, rsp;
	uint32_t	 eax, ebx;	/* HV_BOOT_PROT32 */
};

int	 hv_vcpu_boot(struct hv_vcpu *vcpu, const struct hv_boot *b);

/* The vkernel thread's TLS: becomes the guest FS base at the next entry. */
int	 hv_vcpu_set_tls(struct hv_vcpu *vcpu, uint64_t fs_base);

/* Load a flat guest image at HV_GUEST_LOAD_GPA and build the boot page tables. */
int	 hv_vm_load_image(struct hv_vm *vm, const void *image, size_t len);

/* Why hv_vcpu_run() returned to the host. */
enum hv_exit_kind {
	HV_EXIT_HYPERCALL = 1,	/* a hypercall for the host: nr, args[] */
	HV_EXIT_DONE,		/* guest called HC_EXIT: code */
	HV_EXIT_DEBUG,		/* #BP in a guest whose host debugger takes it
				 * (hv_vm_set_debugger): the db> prompt */
	HV_EXIT_INTR,		/* host interrupt / kick: host may reschedule, then run again */
	HV_EXIT_ERROR,		/* the VM cannot continue: msg says why, decoded */
};

struct hv_exit {
	enum hv_exit_kind kind;
	uint64_t	 raw_reason;	/* backend exit reason / exit code */
	uint64_t	 nr;		/* hypercall number */
	uint64_t	 args[4];
	int64_t		 code;		/* HC_EXIT code */
	int		 error;		/* HV_E* for HV_EXIT_ERROR */
	char		 msg[160];	/* HV_EXIT_ERROR: decoded reason by name (a
					 * string: bytes past its NUL are not set) */
};

/*
 * Run until something needs the host.  Exits hv handles itself (nested
 * faults, CPUID, I/O to the guest serial port, MSR bitmap misses, HC_NOP,
 * HC_PUTS, ...) never return here.  For HV_EXIT_HYPERCALL the host sets the
 * result with hv_vcpu_set_hc_result() before running again.
 * Returns 0 with *ex filled, or an HV_E* error: HV_ENODEV (not enabled),
 * HV_EBUSY (another thread runs it), HV_ENOENT (its VM was destroyed, before
 * or during this run: the host drops the vCPU).
 */
int	 hv_vcpu_run(struct hv_vcpu *vcpu, struct hv_exit *ex);
void	 hv_vcpu_set_hc_result(struct hv_vcpu *vcpu, int64_t value);
/* Whether a thread is inside hv_vcpu_run() on vcpu now (a snapshot: hosts
 * use it to wait until every vCPU of a test is running). */
bool	 hv_vcpu_in_run(const struct hv_vcpu *vcpu);

/*
 * Queue external interrupt `vector` (32..255; HV_EINVAL otherwise) for the
 * vCPU.  Callable from any thread, also while the vCPU runs on another CPU:
 * that CPU is interrupted (hv_os_ipi) so the guest exits and the vector is
 * delivered at a following entry, as soon as the guest can take it
 * (RFLAGS.IF=1, no STI/MOV SS shadow); highest vector first; a vector queued
 * again before its delivery is delivered once.  A guest HLT with IF=1 wakes
 * on it.  There is no emulated local APIC: the guest sees the vector
 * through its IDT and owes no EOI.
 */
int	 hv_vcpu_inject_irq(struct hv_vcpu *vcpu, uint8_t vector);

/* ---- guest-virtual memory access (the EPT/NPT copyin family) ------------ */

/*
 * Addresses are guest-virtual, translated through the vCPU's current guest
 * page tables (permission checks as the guest's CPL at its last exit), then
 * through guest-physical memory (faulting pages in).  Unmapped, non-canonical
 * or forbidden addresses give HV_EFAULT; nothing here can hang.
 */
int	 hv_copyin(struct hv_vcpu *vcpu, uint64_t gva, void *dst, size_t len);
int	 hv_copyout(struct hv_vcpu *vcpu, const void *src, uint64_t gva, size_t len);
int	 hv_copyinstr(struct hv_vcpu *vcpu, uint64_t gva, char *dst, size_t max,
	    size_t *done);
int	 hv_fubyte(struct hv_vcpu *vcpu, uint64_t gva);	/* byte or -1 */
int	 hv_fuword32(struct hv_vcpu *vcpu, uint64_t gva, uint32_t *val);
int	 hv_fuword64(struct hv_vcpu *vcpu, uint64_t gva, uint64_t *val);
int	 hv_suword32(struct hv_vcpu *vcpu, uint64_t gva, uint32_t val);
int	 hv_suword64(struct hv_vcpu *vcpu, uint64_t gva, uint64_t val);

/*
 * Translate one guest-virtual address as the copyin family would (for a
 * write when `write`); 0 and *gpa, or HV_EFAULT.
 */
int	 hv_vcpu_translate(struct hv_vcpu *vcpu, uint64_t gva, bool write,
	    uint64_t *gpa);

#endif /* HV_H */
