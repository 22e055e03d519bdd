/*
 * dev.c - vmmcheck's /dev/vmm ioctl tests: each ioctl with its specific
 * return value, a guest run answering its hypercalls, interrupts injected
 * from the running thread and from a second one, and a VM destroyed while
 * another thread runs its vCPU.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include "hv_abi.h"
#include "guest.h"
#include "out.h"
#include "sys.h"
#include "vmmcheck.h"

#define GUEST_TLS	0x7000	/* an FS base for hello, which never uses it */

static char img[64 * 1024];
static struct vc_thread thr;

static long
vcpu_ioctl(int fd, unsigned long cmd, int32_t vcpu)
{
	struct vmm_ioc_vcpu v = { vcpu, 0 };

	return (vc_ioctl(fd, cmd, &v));
}

static long
mem_ioctl(int fd, unsigned long cmd, uint64_t gpa, void *buf, uint64_t len)
{
	struct vmm_ioc_mem m = { gpa, (uint64_t)(uintptr_t)buf, len };

	return (vc_ioctl(fd, cmd, &m));
}

static int
same(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	while (n-- > 0)
		if (*x++ != *y++)
			return (0);
	return (1);
}

/* the registers and memory ioctls on a vCPU in its boot state */
static void
dev_state(int fd, long imglen)
{
	struct vmm_ioc_regs r;
	struct vmm_ioc_val val;
	struct vmm_ioc_xlate x;
	char buf[16], pat[8] = "vmmchk!", back[8];
	uint64_t cr3;
	long e;

	vc_memset(&r, 0, sizeof(r));
	e = vc_ioctl(fd, VMM_IOC_GET_REGS, &r);
	check(e == 0 && r.regs.rip == HV_GUEST_LOAD_GPA &&
	    r.regs.rdi == GUEST_MEM && r.regs.cr3 == HV_GUEST_PML4_GPA,
	    "GET_REGS = %s: rip=0x%lx rdi=0x%lx cr3=0x%lx", errname(e),
	    (unsigned long)r.regs.rip, (unsigned long)r.regs.rdi,
	    (unsigned long)r.regs.cr3);
	cr3 = r.regs.cr3;
	r.regs.rbx = 0x5eed1234;
	e = vc_ioctl(fd, VMM_IOC_SET_REGS, &r);
	r.regs.rbx = 0;
	vc_ioctl(fd, VMM_IOC_GET_REGS, &r);
	check(e == 0 && r.regs.rbx == 0x5eed1234,
	    "SET_REGS = %s: rbx read back 0x%lx", errname(e),
	    (unsigned long)r.regs.rbx);
	val.vcpu = 0;
	val.pad = 0;
	val.value = cr3;
	e = vc_ioctl(fd, VMM_IOC_SET_CR3, &val);
	vc_ioctl(fd, VMM_IOC_GET_REGS, &r);
	check(e == 0 && r.regs.cr3 == cr3, "SET_CR3(0x%lx) = %s: cr3 0x%lx",
	    (unsigned long)cr3, errname(e), (unsigned long)r.regs.cr3);
	/* taken at the next entry, like a hypercall result: see test_dev */
	val.value = 1ULL << 47;
	e = vc_ioctl(fd, VMM_IOC_SET_TLS, &val);
	check(e == -EINVAL, "SET_TLS(0x%lx) = %s (not canonical)",
	    (unsigned long)val.value, errname(e));
	val.value = GUEST_TLS;
	e = vc_ioctl(fd, VMM_IOC_SET_TLS, &val);
	check(e == 0, "SET_TLS(0x%x) = %s", GUEST_TLS, errname(e));

	vc_memset(&x, 0, sizeof(x));
	x.gva = HV_GUEST_LOAD_GPA + 0x123;
	e = vc_ioctl(fd, VMM_IOC_TRANSLATE, &x);
	check(e == 0 && x.gpa == HV_GUEST_LOAD_GPA + 0x123,
	    "TRANSLATE(0x%lx) = %s: gpa 0x%lx (identity map)",
	    (unsigned long)x.gva, errname(e), (unsigned long)x.gpa);
	x.gva = 1UL << 40;	/* beyond the boot map's 16 MiB */
	e = vc_ioctl(fd, VMM_IOC_TRANSLATE, &x);
	check(e == -EFAULT, "TRANSLATE(0x%lx) = %s (unmapped)",
	    (unsigned long)x.gva, errname(e));

	e = mem_ioctl(fd, VMM_IOC_MEM_READ, HV_GUEST_LOAD_GPA, buf, sizeof(buf));
	check(e == 0 && imglen >= 16 && same(buf, img, sizeof(buf)),
	    "MEM_READ(0x%x, 16) = %s: the image's first bytes",
	    HV_GUEST_LOAD_GPA, errname(e));
	e = mem_ioctl(fd, VMM_IOC_MEM_WRITE, 0x900ffc, pat, sizeof(pat));
	vc_memset(back, 0, sizeof(back));
	mem_ioctl(fd, VMM_IOC_MEM_READ, 0x900ffc, back, sizeof(back));
	check(e == 0 && same(pat, back, sizeof(pat)),
	    "MEM_WRITE(0x900ffc, 8) across a page = %s: read back \"%s\"",
	    errname(e), back);
	e = mem_ioctl(fd, VMM_IOC_MEM_READ, GUEST_MEM - 4, buf, 8);
	check(e == -EFAULT, "MEM_READ past the end of guest memory = %s",
	    errname(e));
}

void
test_dev(void)
{
	struct vmm_ioc_vm vm = { GUEST_MEM };
	struct vmm_ioc_regs r;
	struct vc_vcpu v;
	long fd, e, imglen;

	test_begin("dfly_dev");
	imglen = guest_image("hello.bin", img, sizeof(img));
	fd = vc_open(VMM_DEV_PATH, O_RDWR);
	check(fd >= 0, "open(" VMM_DEV_PATH ") = %ld", fd);
	if (fd < 0 || imglen <= 0) {
		check(0, "hello.bin: %s", errname(imglen));
		test_end(backend_name());
		return;
	}
	e = vcpu_ioctl((int)fd, VMM_IOC_VCPU_CREATE, 0);
	check(e == -ENOENT, "VCPU_CREATE before VM_CREATE = %s", errname(e));
	e = vc_ioctl((int)fd, VMM_IOC_VM_CREATE, &vm);
	check(e == 0, "VM_CREATE(16 MiB) = %s", errname(e));
	e = vc_ioctl((int)fd, VMM_IOC_VM_CREATE, &vm);
	check(e == -EEXIST, "VM_CREATE again = %s", errname(e));
	e = vcpu_ioctl((int)fd, VMM_IOC_VCPU_CREATE, 0);
	check(e == 0, "VCPU_CREATE(0) = %s", errname(e));
	e = vcpu_ioctl((int)fd, VMM_IOC_VCPU_CREATE, 0);
	check(e == -EEXIST, "VCPU_CREATE(0) again = %s", errname(e));
	e = vcpu_ioctl((int)fd, VMM_IOC_VCPU_CREATE, VMM_MAX_VCPUS);
	check(e == -EINVAL, "VCPU_CREATE(%d) = %s", VMM_MAX_VCPUS, errname(e));
	e = mem_ioctl((int)fd, VMM_IOC_LOAD_IMAGE, 0, img, (uint64_t)imglen);
	check(e == 0, "LOAD_IMAGE(hello.bin, %ld bytes) = %s", imglen,
	    errname(e));
	dev_state((int)fd, imglen);

	vc_memset(&v, 0, sizeof(v));
	v.fd = (int)fd;
	guest_run(&v);
	check(v.run_error == 0 && v.kind == VMM_EXIT_DONE && v.code == 0,
	    "RUN until done: %s, kind %u, exit code %ld, %d runs, %d hypercalls",
	    errname(v.run_error), v.kind, (long)v.code, v.runs, v.hypercalls);
	check(v.reports == 1 && v.failed_reports == 0,
	    "guest report (%d, %d failed): %s", v.reports, v.failed_reports,
	    v.report);
	vc_memset(&r, 0, sizeof(r));
	e = vc_ioctl((int)fd, VMM_IOC_GET_REGS, &r);
	check(e == 0 && r.regs.fs_base == GUEST_TLS,
	    "GET_REGS after the run = %s: fs_base 0x%lx (SET_TLS applied at "
	    "the entry)", errname(e), (unsigned long)r.regs.fs_base);

	e = vc_ioctl((int)fd, VMM_IOC_VM_DESTROY, NULL);
	check(e == 0, "VM_DESTROY = %s", errname(e));
	vc_memset(&v, 0, sizeof(v));
	v.fd = (int)fd;
	guest_run(&v);
	check(v.run_error == -ENOENT, "RUN after VM_DESTROY = %s",
	    errname(v.run_error));
	e = vc_ioctl((int)fd, VMM_IOC_VM_DESTROY, NULL);
	check(e == -ENOENT, "VM_DESTROY again = %s", errname(e));
	e = vc_ioctl((int)fd, _IO('V', 99), NULL);
	check(e == -ENOTTY, "unknown ioctl = %s", errname(e));
	e = vc_close((int)fd);
	check(e == 0, "close = %s", errname(e));
	test_end(backend_name());
}

/* ---- interrupts: guests/irqrecv.asm (its header has the protocol) ---- */

struct irq_run {
	long	res[8];		/* INJECT_IRQ results, in order */
	int	n;
};
static struct irq_run irq0, irq1;

static long
inject(struct vc_vcpu *v, struct irq_run *ir, int32_t vcpu, uint32_t vector)
{
	struct vmm_ioc_irq q = { vcpu, vector };
	long e = vc_ioctl(v->fd, VMM_IOC_INJECT_IRQ, &q);

	if (ir->n < 8)
		ir->res[ir->n++] = e;
	return (e);
}

/* vCPU 0, in the main thread: marks 1-4 (IF=1, then IF=0) */
static long
irq_mark0(struct vc_vcpu *v, uint64_t n)
{
	switch (n) {
	case 1:
		inject(v, &irq0, 0, 0x40);
		inject(v, &irq0, 0, 31);		/* an exception vector */
		inject(v, &irq0, 2, 0x40);		/* no such vCPU */
		break;
	case 2:
		inject(v, &irq0, 0, 0x41);
		break;
	case 3:
	case 4:
		inject(v, &irq0, 0, 0x40);
		if (n == 4)
			inject(v, &irq0, 0, 0x41);
		break;
	}
	return (0);
}

/* vCPU 1, in a second thread: mark 7 while vCPU 0 spins in the guest */
static long
irq_mark1(struct vc_vcpu *v, uint64_t n)
{
	if (n == 7)
		inject(v, &irq1, 0, 0x42);
	return (0);
}

static void
run_thread(void *arg)
{
	guest_run(arg);
}

void
test_irq(void)
{
	struct vc_vcpu v0, v1;
	long fd, e, imglen;

	test_begin("dfly_irq");
	imglen = guest_image("irqrecv.bin", img, sizeof(img));
	fd = vc_open(VMM_DEV_PATH, O_RDWR);
	e = fd < 0 ? fd : guest_vm((int)fd, 2, img, (size_t)imglen);
	check(imglen > 0 && e == 0, "irqrecv.bin (%ld bytes), 2 vCPUs: %s",
	    imglen, errname(e));
	if (e != 0) {
		test_end(backend_name());
		return;
	}
	vc_memset(&v0, 0, sizeof(v0));
	vc_memset(&v1, 0, sizeof(v1));
	v0.fd = v1.fd = (int)fd;
	v1.vcpu = 1;
	v0.on_mark = irq_mark0;
	v1.on_mark = irq_mark1;
	e = thread_start(&thr, run_thread, &v1);
	check(e >= 0, "lwp_create for vCPU 1 = %ld", e);
	guest_run(&v0);
	thread_join(&thr);
	check(v0.run_error == 0 && v0.kind == VMM_EXIT_DONE && v0.code == 0,
	    "vCPU 0: %s, kind %u, exit code %ld, %d marks",
	    errname(v0.run_error), v0.kind, (long)v0.code, v0.marks);
	check(v1.run_error == 0 && v1.kind == VMM_EXIT_DONE && v1.code == 0,
	    "vCPU 1: %s, kind %u, exit code %ld, %d marks",
	    errname(v1.run_error), v1.kind, (long)v1.code, v1.marks);
	check(irq0.n == 7 && irq0.res[0] == 0 && irq0.res[1] == -EINVAL &&
	    irq0.res[2] == -ENOENT && irq0.res[3] == 0 && irq0.res[4] == 0 &&
	    irq0.res[5] == 0 && irq0.res[6] == 0,
	    "INJECT_IRQ from vCPU 0's thread: 0x40 %s, 31 %s, vCPU 2 %s, "
	    "0x41 %s, 0x40 %s, 0x40 %s, 0x41 %s", errname(irq0.res[0]),
	    errname(irq0.res[1]), errname(irq0.res[2]), errname(irq0.res[3]),
	    errname(irq0.res[4]), errname(irq0.res[5]), errname(irq0.res[6]));
	check(irq1.n == 1 && irq1.res[0] == 0,
	    "INJECT_IRQ(vCPU 0, 0x42) from the second thread while vCPU 0 "
	    "runs = %s", errname(irq1.res[0]));
	check(v0.reports == 6 && v0.failed_reports == 0,
	    "guest reports (%d, %d failed), last: %s", v0.reports,
	    v0.failed_reports, v0.report);
	e = vc_close((int)fd);
	check(e == 0, "close with the VM = %s", errname(e));
	test_end(backend_name());
}

/* ---- VM_DESTROY while another thread runs the vCPU ---- */

void
test_destroy(void)
{
	struct vc_vcpu v;
	struct vmm_ioc_regs r;
	uint64_t count = 0;
	long fd, e, imglen;
	int tries;

	test_begin("dfly_destroy");
	imglen = guest_image("spin.bin", img, sizeof(img));
	fd = vc_open(VMM_DEV_PATH, O_RDWR);
	e = fd < 0 ? fd : guest_vm((int)fd, 1, img, (size_t)imglen);
	check(imglen > 0 && e == 0, "spin.bin (%ld bytes): %s", imglen,
	    errname(e));
	if (e != 0) {
		test_end(backend_name());
		return;
	}
	vc_memset(&v, 0, sizeof(v));
	v.fd = (int)fd;
	e = thread_start(&thr, run_thread, &v);
	/* the guest counts at 0x800000 once it runs */
	for (tries = 0; tries < 500 && count == 0; tries++) {
		vc_umtx_sleep(&thr.done, 0, 10000);
		mem_ioctl((int)fd, VMM_IOC_MEM_READ, 0x800000, &count,
		    sizeof(count));
	}
	check(e >= 0 && count > 0, "vCPU 0 runs in the second thread: "
	    "guest counter %lu", (unsigned long)count);
	e = vc_ioctl((int)fd, VMM_IOC_VM_DESTROY, NULL);
	check(e == 0, "VM_DESTROY while it runs = %s", errname(e));
	thread_join(&thr);
	check(v.run_error == -ENOENT, "its VMM_IOC_RUN returned %s after %d "
	    "runs", errname(v.run_error), v.runs);
	vc_memset(&r, 0, sizeof(r));
	e = vc_ioctl((int)fd, VMM_IOC_GET_REGS, &r);
	check(e == -ENOENT, "GET_REGS after = %s", errname(e));
	e = vc_close((int)fd);
	check(e == 0, "close = %s", errname(e));
	test_end(backend_name());
}
