/*
 * test.h - hosted unit tests of the hv core: the runner's check macros and
 * the controls of the fake OS (fake_os.c) and fake backend (fake_backend.c).
 */
#ifndef HV_TEST_H
#define HV_TEST_H

#include "core.h"

/* ---- runner ---- */
bool	 t_check(bool ok, const char *expr, const char *file, int line);
bool	 t_check_eq(uint64_t a, uint64_t b, const char *ea, const char *eb,
	    const char *file, int line);
#define CHECK(c)	t_check((c), #c, __FILE__, __LINE__)
#define CHECK_EQ(a, b)	t_check_eq((uint64_t)(a), (uint64_t)(b), #a, #b, __FILE__, __LINE__)

/* ---- fake OS ---- */
extern int	 fake_ncpus;
extern __thread int fake_cpu;	/* hv_os_cpu_id(), per thread */
extern long	 fake_pages_live;	/* page + contig pages not freed */
extern long	 fake_mallocs_live;
extern long	 fake_allocs;		/* allocations attempted so far */
extern long	 fake_fail_at;		/* fail allocation number N (1-based from reset), 0 never */
extern __thread int fake_pin_depth;
extern int	 fake_ipis[HV_MAX_CPUS];
extern int	 fake_machine_checks[HV_MAX_CPUS];	/* hv_os_machine_check() */
extern void	(*fake_ipi_hook)(int cpu);
extern void	(*fake_unpin_hook)(void);	/* at every unpin to depth 0 */
extern uint64_t	 fake_time_step;	/* ns added per hv_os_time_ns() call */
void	 fake_os_reset(void);
const char *fake_log(void);		/* everything logged since the reset */
void	 fake_log_clear(void);
const struct hv_sysctl *fake_sysctl(const char *name);
int	 fake_sysctl_count(void);

/* ---- fake CPUID (fake_cpu.c; the unit link wraps hv_cpuid) ---- */
void	 fake_cpuid_reset(void);		/* back to the real instruction */
void	 fake_cpuid_set(uint32_t leaf, uint32_t subleaf, uint32_t a, uint32_t b,
	    uint32_t c, uint32_t d);
void	 fake_cpuid_vendor(const char *v12);	/* leaf 0 */

/* ---- fake backend ---- */
extern const struct hv_backend_ops fake_ops;
extern const struct hv_ntable_fmt fake_ntfmt;
extern int	 fake_fail_enable_cpu;	/* cpu_enable fails there, -1 never */
extern uint64_t	 fake_enabled_cpus;	/* bit per CPU in "VMX operation" */
extern int	 fake_enable_calls, fake_disable_calls;
extern int	 fake_flushes[HV_MAX_CPUS];
extern void	(*fake_flush_hook)(struct hv_vcpu *vcpu);	/* after counting */
extern int	 fake_vm_init_error;
extern int	 fake_probe_error;	/* probe returns this */	/* vm_init returns this (after allocating) */
/* probe allocates one page per CPU, fini frees them (counted; the
 * enabled-CPU mask as fini saw it) */
extern int	 fake_fini_calls;
extern uint64_t	 fake_fini_saw_enabled;
/* vcpu_run calls this (NULL: hv_pre_entry then HV_EXIT_INTR) */
extern int	(*fake_run_hook)(struct hv_vcpu *vcpu, struct hv_exit *ex);
struct hv_regs *fake_regs(struct hv_vcpu *vcpu);
/* t_copyin.c: map gva -> gpa in 4-level guest tables under root */
void	 t_gmap(struct hv_vm *vm, uint64_t root, uint64_t *next_table,
	    uint64_t gva, uint64_t gpa, uint64_t flags);
/* bit per enum hv_msr_reg the fake backend keeps (all after a reset) */
extern unsigned	 fake_msr_held;
uint64_t *fake_msr(struct hv_vcpu *vcpu, enum hv_msr_reg reg);
void	 fake_backend_reset(void);

/* helpers shared by test files */
#define T_MEM	(4ull << 20)		/* guest memory of the tests' VMs */
void	 t_setup_enabled(void);		/* fake os/backend reset, init, enable */
/* t_setup_enabled, then a VM of T_MEM and its vCPU 0 */
void	 t_setup_vcpu(struct hv_vm **vmp, struct hv_vcpu **vcpup);
/* t_setup_enabled, then a VM of T_MEM with CPU model m, its vCPU 0, and
 * image loaded at HV_GUEST_LOAD_GPA */
void	 t_setup_model(const struct hv_vm_model *m, const void *image,
	    size_t len, struct hv_vm **vmp, struct hv_vcpu **vcpup);
void	 t_teardown(void);		/* disable, fini */
/* the calling thread's pseudo-random sequence (an LCG), and its seed */
unsigned t_rnd(void);
void	 t_rnd_seed(unsigned seed);
/*
 * One entry of a "guest" of the teardown races (a backend's vcpu_run): pins,
 * makes hv_pre_entry and calls entered(); reads the VM and the vCPU's
 * backend state (freed memory would be an ASan report) a random number of
 * times below max_spins or until stop() says so; unpins, and resumes or
 * makes an exit for the host, at random.
 */
int	 t_guest_entry(struct hv_vcpu *v, struct hv_exit *ex, unsigned max_spins,
	    bool (*stop)(void), void (*entered)(void));

#endif
