/*
 * fake_os.c - hv_os.h for hosted tests: malloc-backed pages with counting
 * and injected failures, fake CPUs, a sysctl table, logging to a buffer.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

int fake_ncpus = 2;
__thread int fake_cpu;
long fake_pages_live, fake_mallocs_live, fake_allocs, fake_fail_at;
__thread int fake_pin_depth;
int fake_ipis[HV_MAX_CPUS];
int fake_machine_checks[HV_MAX_CPUS];
void (*fake_ipi_hook)(int cpu);
void (*fake_unpin_hook)(void);
uint64_t fake_time_step = 1000;

static char logbuf[1 << 16];
static size_t loglen;
static uint64_t now_ns;

#define MAX_LEAVES 256
static struct hv_sysctl leaves[MAX_LEAVES];
static int nleaves;

void
fake_os_reset(void)
{
	fake_ncpus = 2;
	fake_cpu = 0;
	fake_pages_live = fake_mallocs_live = fake_allocs = fake_fail_at = 0;
	fake_pin_depth = 0;
	memset(fake_ipis, 0, sizeof(fake_ipis));
	memset(fake_machine_checks, 0, sizeof(fake_machine_checks));
	fake_ipi_hook = NULL;
	fake_unpin_hook = NULL;
	fake_time_step = 1000;
	fake_log_clear();
	nleaves = 0;
}

/* The counters are shared by the threads of the concurrency test. */
#define ADD(var, n)	__atomic_add_fetch(&(var), (n), __ATOMIC_SEQ_CST)

static bool
alloc_fails(void)
{
	return ADD(fake_allocs, 1) == fake_fail_at;
}

void *
hv_os_page_alloc(void)
{
	return hv_os_contig_alloc(1);
}

void
hv_os_page_free(void *va)
{
	hv_os_contig_free(va, 1);
}

void *
hv_os_contig_alloc(size_t npages)
{
	void *p;

	if (alloc_fails())
		return NULL;
	p = aligned_alloc(HV_PAGE_SIZE, npages * HV_PAGE_SIZE);
	if (p == NULL)
		abort();
	memset(p, 0, npages * HV_PAGE_SIZE);
	ADD(fake_pages_live, (long)npages);
	return p;
}

void
hv_os_contig_free(void *va, size_t npages)
{
	if (va == NULL || ((uintptr_t)va & HV_PAGE_MASK) != 0)
		abort();
	/* poison: a use after free reads garbage, not the old data */
	memset(va, 0xa5, npages * HV_PAGE_SIZE);
	free(va);
	ADD(fake_pages_live, -(long)npages);
}

void *
hv_os_malloc(size_t size)
{
	void *p;

	if (alloc_fails())
		return NULL;
	p = calloc(1, size);
	if (p == NULL)
		abort();
	ADD(fake_mallocs_live, 1);
	return p;
}

void
hv_os_free(void *p)
{
	if (p == NULL)
		abort();
	free(p);
	ADD(fake_mallocs_live, -1);
}

/* Hosted: the "physical" address is the virtual one. */
uint64_t
hv_os_virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

void *
hv_os_phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

int
hv_os_ncpus(void)
{
	return fake_ncpus;
}

int
hv_os_cpu_id(void)
{
	return fake_cpu;
}

int
hv_os_on_cpu(int cpu, int (*fn)(void *arg), void *arg)
{
	int saved = fake_cpu, rc;

	if (cpu < 0 || cpu >= fake_ncpus)
		abort();
	fake_cpu = cpu;
	rc = fn(arg);
	fake_cpu = saved;
	return rc;
}

void
hv_os_ipi(int cpu)
{
	if (cpu < 0 || cpu >= fake_ncpus || cpu == fake_cpu)
		abort();	/* hv must never IPI itself or a missing CPU */
	ADD(fake_ipis[cpu], 1);
	if (fake_ipi_hook != NULL)
		fake_ipi_hook(cpu);
}

/* counted per CPU; hv hands a machine check over pinned only */
void
hv_os_machine_check(void)
{
	if (fake_pin_depth == 0)
		abort();
	ADD(fake_machine_checks[fake_cpu], 1);
}

void
hv_os_pin(void)
{
	fake_pin_depth++;
}

void
hv_os_unpin(void)
{
	if (--fake_pin_depth < 0)
		abort();
	/* where the host may preempt or migrate the thread */
	if (fake_pin_depth == 0 && fake_unpin_hook != NULL)
		fake_unpin_hook();
}

void
hv_os_yield(void)
{
	if (fake_pin_depth != 0)
		abort();	/* hv waits unpinned only */
	sched_yield();
}

uint64_t
hv_os_cur_cr3(void)
{
	return 0;
}

uint64_t
hv_os_cur_fs_base(void)
{
	return 0;
}

uint64_t
hv_os_time_ns(void)
{
	return ADD(now_ns, fake_time_step);
}

void
hv_os_log(const char *fmt, ...)
{
	va_list ap;
	size_t start = loglen;

	va_start(ap, fmt);
	vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
	va_end(ap);
	loglen += strlen(logbuf + loglen);
	if (getenv("HV_TEST_VERBOSE") != NULL)
		fputs(logbuf + start, stderr);
}

const char *
fake_log(void)
{
	return logbuf;
}

void
fake_log_clear(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}

int
hv_os_sysctl_add(const struct hv_sysctl *leaf)
{
	if (fake_sysctl(leaf->name) != NULL)
		return HV_EEXIST;
	if (nleaves == MAX_LEAVES)
		return HV_ENOSPC;
	leaves[nleaves++] = *leaf;
	return 0;
}

void
hv_os_sysctl_remove_all(void)
{
	nleaves = 0;
}

const struct hv_sysctl *
fake_sysctl(const char *name)
{
	int i;

	for (i = 0; i < nleaves; i++) {
		if (strcmp(leaves[i].name, name) == 0)
			return &leaves[i];
	}
	return NULL;
}

int
fake_sysctl_count(void)
{
	return nleaves;
}
