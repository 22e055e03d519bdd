/* hv_host.c - hv/hv_os.h implemented on testkern. */
#include "hv_os.h"
#include "cpu.h"
#include "mm.h"
#include "sched.h"
#include "sysctl.h"
#include "trap.h"
#include "hist.h"
#include "x86_arch.h"

/* single pages hv holds now (ktests/hv_life.c: hv_fini gives them all back) */
volatile int64_t hv_pages_live;

void *
hv_os_page_alloc(void)
{
	uint64_t pa = pmm_alloc();
	if (pa)
		__atomic_add_fetch(&hv_pages_live, 1, __ATOMIC_RELAXED);
	return pa ? phys_to_virt(pa) : NULL;
}

void
hv_os_page_free(void *va)
{
	if (va)
		__atomic_sub_fetch(&hv_pages_live, 1, __ATOMIC_RELAXED);
	if (va && !quarantine_keep(va))
		pmm_free(virt_to_phys(va));
}

void *
hv_os_contig_alloc(size_t npages)
{
	uint64_t pa = pmm_alloc_contig(npages, 0);
	return pa ? phys_to_virt(pa) : NULL;
}

void
hv_os_contig_free(void *va, size_t npages)
{
	if (va && !quarantine_keep(va))
		pmm_free_contig(virt_to_phys(va), npages);
}

void *
hv_os_malloc(size_t size)
{
	return kmalloc(size);	/* zeroed */
}

void
hv_os_free(void *p)
{
	if (p && !quarantine_keep(p))
		kfree(p);
}

uint64_t
hv_os_virt_to_phys(const void *va)
{
	return virt_to_phys(va);
}

void *
hv_os_phys_to_virt(uint64_t pa)
{
	return phys_to_virt(pa);
}

int
hv_os_ncpus(void)
{
	return ncpus;
}

int
hv_os_cpu_id(void)
{
	return this_cpu()->id;
}

int
hv_os_on_cpu(int cpu, int (*fn)(void *arg), void *arg)
{
	int ret = 0;
	int err = cpu_call(cpu, fn, arg, &ret, 0);
	return err ? HV_EINVAL : ret;
}

void
hv_os_ipi(int cpu)
{
	ipi_send(cpu, VEC_KICK);
}

/*
 * Through the IDT's own #MC gate, as the CPU would have delivered it: the
 * kernel's machine-check handling (trap.c), which has no recovery and
 * stops the machine with the frame of this CPU.
 */
void
hv_os_machine_check(void)
{
	__asm__ __volatile__("int %0" : : "i"(X86_VEC_MC));
}

void
hv_os_pin(void)
{
	sched_pin();
}

void
hv_os_unpin(void)
{
	sched_unpin();
}

void
hv_os_yield(void)
{
	thread_yield();
}

uint64_t
hv_os_cur_cr3(void)
{
	return read_cr3();
}

uint64_t
hv_os_cur_fs_base(void)
{
	/* the context switch's cache, not the MSR: that is the point (hv_os.h) */
	return this_cpu()->fs_base_cache;
}

uint64_t
hv_os_time_ns(void)
{
	return time_ns();
}

/*
 * hv may build one line with several calls ("cpu 1: " then the reason):
 * partial lines wait in a per-CPU buffer so that each line reaches the
 * console in one piece, never interleaved with another CPU's output.
 */
static struct {
	char	 buf[256];
	size_t	 len;
} logline[MAX_CPUS];

void (*volatile hv_log_hook)(const char *line);

void
hv_os_log(const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);

	uint64_t f = irq_save();
	struct cpu *c = this_cpu();
	char *b = logline[c->id].buf;
	size_t *len = &logline[c->id].len;
	for (const char *p = tmp; *p; p++) {
		b[(*len)++] = *p;
		if (*p == '\n' || *len == sizeof(logline[0].buf) - 2) {
			if (*p != '\n')
				b[(*len)++] = '\n';	/* too long: cut it here */
			b[*len] = 0;
			void (*hook)(const char *) = hv_log_hook;
			if (hook)
				hook(b);	/* the scenario runner's capture (scn_run.c) */
			kprintf("%s", b);
			*len = 0;
		}
	}
	irq_restore(f);
}

int
hv_os_sysctl_add(const struct hv_sysctl *leaf)
{
	return sysctl_add(leaf, true);
}

void
hv_os_sysctl_remove_all(void)
{
	sysctl_remove_hv();
}
