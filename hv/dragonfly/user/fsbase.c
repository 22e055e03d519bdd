/*
 * fsbase.c - the 2013 FS-base bug, seen from DragonFly user space.
 *
 * DragonFly's context switch writes the FS_BASE MSR only when the incoming
 * thread's TLS differs from a per-CPU cache (gd_user_fs; set_user_TLS in
 * platform/pc64/x86_64/tls.c), and its kernel never uses %fs, so an FS base
 * that a VM exit leaves wrong is what user space finds in %fs when the
 * ioctl returns.  Two threads, each with its own TLS block (set_tls_area;
 * the block's first word points at itself, as in the x86-64 TLS ABI), both
 * pinned to CPU 0, each run guests/hist_tls.asm in its own VM and read
 * %fs:0 after every VMM_IOC_RUN.  Page 0 is mapped and holds a marker, so
 * an FS base of 0 reads the marker instead of faulting.
 *
 * Before them the main thread (no TLS: FS base 0) runs a guest on CPU 0,
 * then applies the loader's vmmcheck.sysctl (a quirk build: zero_host_fs).
 * So the quirk's SVM form (the host VMSAVE taken once per CPU, every later
 * exit loading it back) brings back that FS base of 0 too, as VMX's
 * HOST_FS_BASE of 0 does: both read page 0's marker.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include "guest.h"
#include "out.h"
#include "sys.h"
#include "vmmcheck.h"

#define PAGE0_MARK	0x304553414253462eULL	/* ".FSBASE0" */
#define NTHREADS	2

struct tls_block {
	uint64_t	self;
	uint64_t	pad[7];
};

struct fs_thread {
	struct tls_block tls __attribute__((aligned(64)));
	struct vc_vcpu	 v;
	long		 pin, settls, vm;
	uint64_t	 fs0_before;
	struct vc_thread t;
};

static struct fs_thread fst[NTHREADS];
static char fs_img[16 * 1024];
static long fs_imglen;

static void
fs_thread_main(void *arg)
{
	struct fs_thread *f = arg;
	long fd;

	f->pin = vc_pin_cpu(0);
	f->tls.self = (uint64_t)(uintptr_t)&f->tls;
	f->settls = vc_set_tls(&f->tls, sizeof(f->tls));
	f->fs0_before = vc_read_fs0();
	fd = vc_open(VMM_DEV_PATH, O_RDWR);
	f->vm = fd < 0 ? fd : guest_vm((int)fd, 1, fs_img, (size_t)fs_imglen);
	if (f->vm != 0)
		return;
	f->v.fd = (int)fd;
	f->v.fs_check = 1;
	f->v.fs_want = f->tls.self;
	guest_run(&f->v);
	vc_close((int)fd);
}

/* hist_tls once in the main thread, on CPU 0 */
static void
main_run_on_cpu0(void)
{
	struct vc_vcpu v;
	long fd, pin, e;

	pin = vc_pin_cpu(0);
	fd = vc_open(VMM_DEV_PATH, O_RDWR);
	e = fd < 0 ? fd : guest_vm((int)fd, 1, fs_img, (size_t)fs_imglen);
	vc_memset(&v, 0, sizeof(v));
	if (e == 0) {
		v.fd = (int)fd;
		guest_run(&v);
	}
	check(pin == 0 && e == 0 && v.run_error == 0 && v.kind == VMM_EXIT_DONE &&
	    v.code == 0, "main thread (FS base 0) on CPU 0 (%s): hist_tls %s, "
	    "exit code %ld", errname(pin), errname(e != 0 ? e : v.run_error),
	    (long)v.code);
	if (fd >= 0)
		vc_close((int)fd);
}

void
test_fsbase(void)
{
	struct fs_thread *f;
	long e;
	int i;

	test_begin("dfly_fsbase");
	fs_imglen = guest_image("hist_tls.bin", fs_img, sizeof(fs_img));
	e = vc_mmap_fixed(0, 4096);
	if (e == 0)
		*(volatile uint64_t *)(uintptr_t)e = PAGE0_MARK;
	check(fs_imglen > 0 && e == 0, "hist_tls.bin (%ld bytes); page 0 "
	    "mapped (%s) holding 0x%lx", fs_imglen, e < 0 ? errname(e) : "0",
	    (unsigned long)PAGE0_MARK);
	if (fs_imglen <= 0 || e != 0) {
		test_end(backend_name());
		return;
	}
	main_run_on_cpu0();
	apply_env_sysctl();
	for (i = 0; i < NTHREADS; i++)
		thread_start(&fst[i].t, fs_thread_main, &fst[i]);
	for (i = 0; i < NTHREADS; i++)
		thread_join(&fst[i].t);
	for (i = 0; i < NTHREADS; i++) {
		f = &fst[i];
		check(f->pin == 0 && f->settls == 0 && f->vm == 0 &&
		    f->fs0_before == f->tls.self, "thread %d on CPU 0 (%s), "
		    "set_tls_area(0x%lx) = %s, %%fs:0 = 0x%lx, VM %s", i,
		    errname(f->pin), (unsigned long)f->tls.self,
		    errname(f->settls), (unsigned long)f->fs0_before,
		    errname(f->vm));
		check(f->v.run_error == 0 && f->v.kind == VMM_EXIT_DONE &&
		    f->v.code == 0 && f->v.failed_reports == 0 &&
		    f->v.tls_sets == 48, "thread %d: hist_tls %s, exit code %ld, "
		    "%d SET_TLS, %d runs, guest: %s", i, errname(f->v.run_error),
		    (long)f->v.code, f->v.tls_sets, f->v.runs, f->v.report);
		check(f->v.runs > 0 && f->v.fs_bad == 0, "thread %d: %%fs:0 "
		    "after VMM_IOC_RUN wrong %d of %d times, first 0x%lx%s "
		    "(want 0x%lx)", i, f->v.fs_bad, f->v.runs,
		    (unsigned long)f->v.fs_first_bad,
		    f->v.fs_first_bad == PAGE0_MARK ? " = page 0: FS base 0" :
		    "", (unsigned long)f->tls.self);
	}
	test_end(backend_name());
}
