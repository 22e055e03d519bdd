/* aspace.c - address-space tests: vmspace switch and the copyin family. */
#include "ktest.h"
#include "mm.h"
#include "sched.h"

#define AS_VA		0x10000000UL
#define AS_ROUNDS	20

static void
put(struct proc *p, uint64_t va, const void *src, size_t len)
{
	/* write through the direct map: independent of the CR3 in use */
	for (size_t i = 0; i < len; i++) {
		uint64_t pa = proc_translate(p, va + i);
		*(uint8_t *)phys_to_virt(pa) = ((const uint8_t *)src)[i];
	}
}

KTEST(aspace, "one thread switches between two processes and reads each one's data")
{
	struct proc *a = proc_create("as-a"), *b = proc_create("as-b");
	if (!report(a && b, "two processes created"))
		return;
	int ea = proc_map_anon(a, AS_VA, 1), eb = proc_map_anon(b, AS_VA, 1);
	report(ea == 0 && eb == 0, "both map user va=%#lx: error_a=%d error_b=%d", AS_VA, ea, eb);
	put(a, AS_VA, "data of A", 10);
	put(b, AS_VA, "data of B", 10);
	report(proc_translate(a, AS_VA) != proc_translate(b, AS_VA), "same VA, different frames: frame_a=%#lx frame_b=%#lx",
	    proc_translate(a, AS_VA), proc_translate(b, AS_VA));

	int good = 0, cr3_good = 0;
	for (int i = 0; i < AS_ROUNDS; i++) {
		struct proc *p = (i & 1) ? b : a;
		char buf[10];
		thread_vmspace_switch(p);
		if (read_cr3() == p->cr3)
			cr3_good++;
		thread_yield();		/* the switch code must keep our new CR3 */
		if (copyin(AS_VA, buf, sizeof(buf)) == 0 &&
		    memcmp(buf, (i & 1) ? "data of B" : "data of A", 10) == 0 && read_cr3() == p->cr3)
			good++;
	}
	report(cr3_good == AS_ROUNDS, "CR3 is the process's right after each switch: good=%d rounds=%d", cr3_good, AS_ROUNDS);
	report(good == AS_ROUNDS, "copyin read the current process's own data: good=%d rounds=%d", good, AS_ROUNDS);

	/* a write lands in the current process only */
	thread_vmspace_switch(b);
	int e = copyout("B2", AS_VA, 3);
	report(e == 0 && memcmp(phys_to_virt(proc_translate(b, AS_VA)), "B2", 3) == 0 &&
	    memcmp(phys_to_virt(proc_translate(a, AS_VA)), "data of A", 10) == 0,
	    "copyout went to B only: error=%d", e);

	thread_vmspace_switch(NULL);
	char buf[4];
	report(read_cr3() == vm_kernel_cr3() && copyin(AS_VA, buf, 4) == EFAULT,
	    "back on the kernel address space the user VA is EFAULT");
	proc_release(a);
	proc_release(b);
}

#define CI_VA		0x20000000UL	/* two mapped pages */
#define CI_HOLE		0x30000000UL	/* nothing mapped */

struct ci_ctx {
	struct proc *p;
};

static void
copyin_thread(void *arg)
{
	struct ci_ctx *c = arg;
	char buf[64], out[64];
	size_t done;
	int e;
	static const uint64_t kernel_var = 7;

	report(read_cr3() == c->p->cr3, "the process's thread runs on its CR3");
	report(copyin(CI_HOLE, buf, 8) == EFAULT, "copyin from an unmapped user address: EFAULT");
	report(copyout(buf, CI_HOLE, 8) == EFAULT, "copyout to an unmapped user address: EFAULT");
	report(copyin((uint64_t)&kernel_var, buf, 8) == EFAULT, "copyin from a kernel address: EFAULT");
	report(copyout(buf, (uint64_t)&kernel_var, 8) == EFAULT, "copyout to a kernel address: EFAULT");
	report(copyin(USER_TOP - 4, buf, 8) == EFAULT, "copyin across the top of the user range: EFAULT");
	report(copyin(CI_VA, buf, ~0UL) == EFAULT, "copyin with a length that wraps: EFAULT");
	report(copyin(CI_HOLE, buf, 0) == 0, "zero-length copyin: 0");

	for (int i = 0; i < 64; i++)
		out[i] = (char)(i * 7 + 1);
	uint64_t cross = CI_VA + PAGE_SIZE - 32;
	e = copyout(out, cross, 64);
	memset(buf, 0, sizeof(buf));
	int e2 = copyin(cross, buf, 64);
	report(e == 0 && e2 == 0 && memcmp(buf, out, 64) == 0, "page-crossing copyout/copyin of 64 bytes: error_out=%d error_in=%d", e, e2);
	report(copyin(CI_VA + 2 * PAGE_SIZE - 8, buf, 16) == EFAULT, "copy running off the mapping: EFAULT");

	copyout("hello", CI_VA + 100, 6);
	e = copyinstr(CI_VA + 100, buf, sizeof(buf), &done);
	report(e == 0 && done == 6 && strcmp(buf, "hello") == 0, "copyinstr with terminator: error=%d done=%zu", e, done);
	memset(out, 'x', sizeof(out));
	copyout(out, CI_VA + 200, 32);
	e = copyinstr(CI_VA + 200, buf, 16, &done);
	report(e == ENAMETOOLONG && done == 16, "copyinstr without terminator in max: error=%s done=%zu", errno_name(e), done);
	copyout(out, CI_VA + 2 * PAGE_SIZE - 16, 16);
	e = copyinstr(CI_VA + 2 * PAGE_SIZE - 16, buf, sizeof(buf), &done);
	report(e == EFAULT && done == 16, "copyinstr into an unmapped page: error=%s done=%zu", errno_name(e), done);
	copyout("ab", CI_VA + PAGE_SIZE - 2, 2);
	copyout("c", CI_VA + PAGE_SIZE, 2);
	e = copyinstr(CI_VA + PAGE_SIZE - 2, buf, sizeof(buf), &done);
	report(e == 0 && done == 4 && strcmp(buf, "abc") == 0, "copyinstr across a page boundary: error=%d", e);
	report(copyinstr((uint64_t)&kernel_var, buf, 8, &done) == EFAULT, "copyinstr from a kernel address: EFAULT");
}

KTEST(copyin, "copyin/copyout/copyinstr: EFAULT cases, page crossing, terminators")
{
	struct ci_ctx c;
	c.p = proc_create("copyin");
	if (!report(c.p != NULL, "process created"))
		return;
	report(proc_map_anon(c.p, CI_VA, 2) == 0, "two pages mapped at va=%#lx", CI_VA);
	struct thread *t = thread_create("copyin", copyin_thread, &c, c.p, -1);
	struct thread_exit_info info;
	int err = t ? thread_join(t, &info, 10000000000UL) : ENOMEM;
	report(err == 0 && !info.killed, "the copy thread ended without a fault");
	proc_release(c.p);
}
