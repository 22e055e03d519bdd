/*
 * fsbase.c - FS base per thread: two threads with different FS bases
 * switch on one CPU many times (and migrate between two CPUs when there are
 * two); each reads its own %fs:0 every time and checks the switch's cache.
 */
#include "ktest.h"
#include "mm.h"
#include "sched.h"

#define FS_ROUNDS	2000
#define FS_MIGRATE_EVERY 50

struct fs_ctx {
	uint64_t tls[8];	/* tls[0]: what %fs:0 must read */
	int	 reads, bad, cache_bad, migrations, migrate_err;
	bool	 migrate;
};

static void
fs_thread(void *arg)
{
	struct fs_ctx *c = arg;
	c->tls[0] = (uint64_t)c;
	thread_set_fs_base((uint64_t)c->tls);
	for (int i = 0; i < FS_ROUNDS; i++) {
		uint64_t v;
		__asm__ __volatile__("movq %%fs:0, %0" : "=r"(v));
		c->reads++;
		if (v != (uint64_t)c)
			c->bad++;
		uint64_t f = irq_save();
		if (this_cpu()->fs_base_cache != (uint64_t)c->tls || rdmsr(X86_MSR_FS_BASE) != (uint64_t)c->tls)
			c->cache_bad++;
		irq_restore(f);
		if (c->migrate && i % FS_MIGRATE_EVERY == FS_MIGRATE_EVERY - 1) {
			int to = this_cpu()->id == 0 ? 1 : 0;
			if (thread_migrate(to) == 0 && this_cpu()->id == to)
				c->migrations++;
			else
				c->migrate_err++;
		}
		thread_yield();
	}
}

KTEST(fsbase, "two threads with different FS bases switch (and migrate) and read their own %fs:0")
{
	static struct fs_ctx ctx[2];
	bool migrate = ncpus >= 2;
	memset(ctx, 0, sizeof(ctx));
	struct thread *t[2];
	for (int i = 0; i < 2; i++) {
		ctx[i].migrate = migrate;
		t[i] = thread_create(i ? "fs-b" : "fs-a", fs_thread, &ctx[i], NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		struct thread_exit_info info;
		int err = t[i] ? thread_join(t[i], &info, 60000000000UL) : ENOMEM;
		struct fs_ctx *c = &ctx[i];
		report(err == 0 && !info.killed, "thread %d ended normally", i);
		report(c->reads == FS_ROUNDS && c->bad == 0, "thread=%d: reads of %%fs:0 reads=%d wrong=%d", i, c->reads, c->bad);
		report(c->cache_bad == 0, "thread=%d: FS_BASE MSR and the switch's cache matched its TLS matched=%d of reads=%d",
		    i, c->reads - c->cache_bad, c->reads);
		if (migrate)
			report(c->migrations == FS_ROUNDS / FS_MIGRATE_EVERY && c->migrate_err == 0,
			    "thread=%d: migrations between cpu 0 and 1: migrations=%d failed=%d", i, c->migrations, c->migrate_err);
	}
	if (!migrate)
		kprintf("fsbase: 1 CPU, no migration part\n");
}
