/* mem_leak.c - memory tests: processes and threads do not leak pages. */
#include "ktest.h"
#include "mm.h"
#include "sched.h"

#define LEAK_ROUNDS	50
#define LEAK_VA		0x400000UL
#define LEAK_PAGES	4

static void
leak_thread(void *arg)
{
	uint64_t v = 0;
	/* runs on its process's CR3: the value written through the direct map is visible */
	if (copyin(LEAK_VA + (LEAK_PAGES - 1) * PAGE_SIZE, &v, sizeof(v)) == 0)
		thread_exit((int64_t)v);
	thread_exit(-1);
}

KTEST(leak, "create/destroy 50 processes with user pages and 50 threads: no page leaked")
{
	uint64_t before = pmm_used(), heap_before = heap_bytes(), threads_before = threads_alive();
	int ok = 0, created = 0;
	for (int i = 0; i < LEAK_ROUNDS; i++) {
		struct proc *p = proc_create("leak");
		if (!p)
			break;
		if (proc_map_anon(p, LEAK_VA, LEAK_PAGES) != 0) {
			proc_release(p);
			break;
		}
		uint64_t pa = proc_translate(p, LEAK_VA + (LEAK_PAGES - 1) * PAGE_SIZE);
		*(uint64_t *)phys_to_virt(pa) = 1000 + i;
		struct thread *t = thread_create("leak", leak_thread, NULL, p, i % ncpus);
		proc_release(p);	/* the thread holds the process now */
		if (!t)
			break;
		created++;
		struct thread_exit_info info;
		if (thread_join(t, &info, 10000000000UL) == 0 && !info.killed && info.code == 1000 + i)
			ok++;
	}
	report(created == LEAK_ROUNDS, "processes and threads created: created=%d rounds=%d", created, LEAK_ROUNDS);
	report(ok == LEAK_ROUNDS, "threads that read their own process's page: ok=%d rounds=%d", ok, LEAK_ROUNDS);
	uint64_t after = pmm_used(), heap_after = heap_bytes();
	report(after == before, "pages used before=%lu after=%lu", before, after);
	report(heap_after == heap_before, "heap bytes before=%lu after=%lu", heap_before, heap_after);
	report(threads_alive() == threads_before, "threads before=%lu after=%lu", threads_before, threads_alive());
}
