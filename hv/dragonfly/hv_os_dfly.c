/*
 * hv_os_dfly.c - hv/hv_os.h implemented with DragonFly kernel facilities:
 * memory, CPUs, the running thread, time and logging.  The sysctl part is
 * in hv_sysctl_dfly.c.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/time.h>
#include <sys/stdarg.h>

#include <vm/vm.h>
#include <vm/pmap.h>

#include <machine/cpufunc.h>
#include <machine/globaldata.h>
#include <machine/pmap.h>
#include <machine/smp.h>
#include <machine/segments.h>
#include <machine/vmparam.h>

#include "hv_os.h"
#include "vmm_dfly.h"

MALLOC_DEFINE(M_HV, "hv", "hv hypervisor (vmm.ko)");

/* ---- memory ------------------------------------------------------------ */

/*
 * VMXON regions, VMCS, VMCB and nested-table pages must be 4 KiB aligned and
 * are handed to the CPU by physical address, so all page-sized memory comes
 * from contigmalloc (physically contiguous, aligned, wired, M_ZERO honoured).
 */
void *
hv_os_contig_alloc(size_t npages)
{
	if (npages == 0)
		return (NULL);
	return (contigmalloc(npages * PAGE_SIZE, M_HV, M_WAITOK | M_ZERO,
	    0, ~(vm_paddr_t)0, PAGE_SIZE, 0));
}

void
hv_os_contig_free(void *va, size_t npages)
{
	if (va != NULL)
		contigfree(va, npages * PAGE_SIZE, M_HV);
}

void *
hv_os_page_alloc(void)
{
	return (hv_os_contig_alloc(1));
}

void
hv_os_page_free(void *va)
{
	hv_os_contig_free(va, 1);
}

void *
hv_os_malloc(size_t size)
{
	/* M_NULLOK: the contract lets hv see a failure instead of a panic. */
	return (kmalloc(size, M_HV, M_WAITOK | M_ZERO | M_NULLOK));
}

void
hv_os_free(void *p)
{
	if (p != NULL)
		kfree(p, M_HV);
}

uint64_t
hv_os_virt_to_phys(const void *va)
{
	return (vtophys((uintptr_t)va));
}

void *
hv_os_phys_to_virt(uint64_t pa)
{
	return ((void *)PHYS_TO_DMAP(pa));
}

/* ---- CPUs ---------------------------------------------------------------- */

int
hv_os_ncpus(void)
{
	return (ncpus);
}

int
hv_os_cpu_id(void)
{
	return (mycpuid);
}

struct hv_oncpu {
	int	(*fn)(void *arg);
	void	*arg;
	int	 ret;
};

/*
 * Runs on the target CPU from the cpusync IPI (or directly when the target
 * is the caller's CPU).  The contract promises fn interrupts disabled.
 */
static void
hv_oncpu_thunk(void *p)
{
	struct hv_oncpu *c = p;
	register_t rflags;

	rflags = read_rflags();
	cpu_disable_intr();
	c->ret = c->fn(c->arg);
	write_rflags(rflags);
}

int
hv_os_on_cpu(int cpu, int (*fn)(void *arg), void *arg)
{
	struct hv_oncpu c;
	cpumask_t mask;

	if (cpu < 0 || cpu >= ncpus)
		return (HV_EINVAL);
	if (!CPUMASK_TESTBIT(smp_active_mask, cpu))
		return (HV_ENODEV);
	c.fn = fn;
	c.arg = arg;
	c.ret = HV_EIO;
	CPUMASK_ASSBIT(mask, cpu);
	lwkt_cpusync_simple(mask, hv_oncpu_thunk, &c);
	return (c.ret);
}

void
hv_os_ipi(int cpu)
{
	register_t rflags;

	/*
	 * A bare IPIQ interrupt: the target finds its queue empty and returns,
	 * but the interrupt itself causes a VM exit if a guest runs there.
	 * Nothing is queued, so it is safe when the caller has interrupts off;
	 * cpu_send_ipiq() wants them off, so turn them off if they are not.
	 */
	if (cpu < 0 || cpu >= ncpus)
		return;
	rflags = read_rflags();
	cpu_disable_intr();
	cpu_send_ipiq(cpu);
	write_rflags(rflags);
}

/*
 * FPU state under DragonFly's lazy FPU (hv/fpu.c, checked against
 * platform/pc64/x86_64/npx.c and swtch.s of the DragonFly tree).
 *
 * DragonFly keeps the invariant that gd_npxthread is NULL or curthread
 * (npxdna panics otherwise): a switch away from the owner saves its state
 * (npxsave: XSAVE or FXSAVE to td_savefpu, then FNINIT, a restore of the
 * all-zero gd_zerofpu as a security wipe, CR0.TS set), and a switch to a
 * thread with TDF_USINGFP restores its state at once (npxdna_quick: CLTS,
 * XRSTOR or FXRSTOR).  hv_fpu_enter/leave run inside one critical section (this pin)
 * with no sleep in between (hv/fpu.c), so no switch can save or restore the
 * FPU while the guest's registers are loaded, and npxdna is not reached
 * (TS is clear during the stretch).  The two cases:
 *   - curthread owns the FPU (TS clear): hv saves the thread's live FPU
 *     registers and restores them exactly; TS stays clear.
 *   - nobody owns it (gd_npxthread NULL, TS set): hv clears TS, saves the
 *     wiped FNINIT state npxsave left, and restores that state before it
 *     sets TS again.  The "host" contents are nobody's, but restoring them
 *     matters: npx.c states that the registers are "safe" (FNINIT'd, no
 *     pending exception) whenever gd_npxthread is NULL, and no guest value
 *     stays behind in them.  The next user takes #NM and npxdna restores
 *     its own td_savefpu without saving the registers first.
 * No pc64 kernel code uses the FPU itself (TDF_KERNELFP is never set, the
 * kernel is built -mno-sse), so an interrupt taken inside the stretch
 * (SVM runs it with interrupts enabled) does not see guest state.
 * AVX: DragonFly sets XCR0 = x87|SSE|YMM when the CPU has AVX (initcpu.c)
 * and CR4.OSXSAVE, so hv/fpu.c switches the whole XSAVE state under the
 * host's XCR0 (the guest's own XCR0 is loaded only between the restores,
 * and no kernel code in that stretch uses XSAVE): the owner thread's YMM
 * upper halves survive a guest's VEX-encoded code too (vm_avx).
 */
/*
 * Through the IDT's own #MC gate (Xmchk, machdep.c's setidt_global(IDT_MC)),
 * so that trap() takes it as the T_MCHK the CPU would have delivered on
 * this CPU had no guest been running.
 */
void
hv_os_machine_check(void)
{
	__asm__ __volatile__("int %0" : : "i"(IDT_MC));
}

void
hv_os_pin(void)
{
	crit_enter();
}

void
hv_os_unpin(void)
{
	crit_exit();
}

/*
 * hv calls this unpinned, in the wait loops of a vCPU or VM teardown.
 * lwkt_yield (kern/lwkt_thread.c) switches when a higher-priority LWKT
 * thread is runnable, and at least once per tick to an equal-priority one
 * (lwkt_schedulerclock moves the current thread behind them and requests
 * the switch), so a vCPU thread that is runnable on this CPU inside the
 * kernel gets the CPU within a tick: having blocked there it runs at
 * TDPRI_KERN_USER (lwkt_passive_release), not below the waiting thread.  It would
 * also be safe inside a critical section (lwkt_switch may block there); it
 * returns at once only with a spinlock held, which hv never holds here.
 */
void
hv_os_yield(void)
{
	lwkt_yield();
}

/* ---- the running thread -------------------------------------------------- */

uint64_t
hv_os_cur_cr3(void)
{
	/*
	 * The hardware register, read at each entry: vmspace_ctl() can switch
	 * the thread's address space between two runs, so a value cached in
	 * the VMCS or taken once from the lwp goes stale (the 2013 bug).
	 */
	return (rcr3());
}

uint64_t
hv_os_cur_fs_base(void)
{
	/*
	 * The context switch skips the FS_BASE MSR write when the incoming
	 * lwp's TLS equals this per-CPU cache, so the cache is what must be
	 * loaded on VM exit.
	 */
	return (mdcpu->gd_user_fs);
}

/* ---- time and logging -------------------------------------------------- */

uint64_t
hv_os_time_ns(void)
{
	struct timespec ts;

	nanouptime(&ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

void
hv_os_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
