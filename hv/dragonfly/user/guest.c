/*
 * guest.c - VM setup, the hypercall loop and vCPU threads (guest.h).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/fcntl.h>
#include "hv_abi.h"
#include "hv_impl.h"
#include "guest.h"
#include "guest_text.h"
#include "out.h"
#include "sys.h"

long
guest_image(const char *name, void *buf, size_t len)
{
	char path[64];
	long fd, n, total = 0;

	hv_snprintf(path, sizeof(path), "%s%s", GUEST_DIR, name);
	fd = vc_open(path, O_RDONLY);
	if (fd < 0)
		return (fd);
	while ((size_t)total < len &&
	    (n = vc_read((int)fd, (char *)buf + total, len - total)) > 0)
		total += n;
	vc_close((int)fd);
	return (total);
}

long
guest_vm(int fd, int nvcpu, const void *img, size_t len)
{
	struct vmm_ioc_vm vm = { GUEST_MEM };
	struct vmm_ioc_vcpu vc;
	struct vmm_ioc_mem m;
	long e;
	int i;

	e = vc_ioctl(fd, VMM_IOC_VM_CREATE, &vm);
	for (i = 0; i < nvcpu && e == 0; i++) {
		vc_memset(&vc, 0, sizeof(vc));
		vc.vcpu = i;
		e = vc_ioctl(fd, VMM_IOC_VCPU_CREATE, &vc);
	}
	if (e == 0) {
		m.gpa = 0;
		m.uaddr = (uint64_t)(uintptr_t)img;
		m.len = len;
		e = vc_ioctl(fd, VMM_IOC_LOAD_IMAGE, &m);
	}
	return (e);
}

long
guest_string(int fd, int vcpu, uint64_t gva, char *buf, size_t len)
{
	struct vmm_ioc_xlate x;
	struct vmm_ioc_mem m;
	size_t got = 0, n;
	long e = 0;

	while (got + 1 < len) {
		/* a page at a time: the guest's mapping may differ per page */
		vc_memset(&x, 0, sizeof(x));
		x.vcpu = vcpu;
		x.gva = gva + got;
		e = vc_ioctl(fd, VMM_IOC_TRANSLATE, &x);
		if (e != 0)
			break;
		n = 4096 - (x.gva & 4095);
		if (n > len - 1 - got)
			n = len - 1 - got;
		m.gpa = x.gpa;
		m.uaddr = (uint64_t)(uintptr_t)(buf + got);
		m.len = n;
		e = vc_ioctl(fd, VMM_IOC_MEM_READ, &m);
		if (e != 0)
			break;
		while (n-- > 0)
			if (buf[got++] == '\0')
				return (0);
	}
	buf[got] = '\0';
	return (got + 1 < len ? e : 0);
}

/* One HC_* exit that needs user space: its result for the guest. */
static long
guest_hypercall(struct vc_vcpu *v, const struct vmm_ioc_run *r)
{
	struct vmm_ioc_val val;
	char msg[sizeof(v->report)];

	switch (r->nr) {
	case HC_REPORT:
		v->reports++;
		guest_string(v->fd, v->vcpu, r->args[1], msg, sizeof(msg));
		/* keep the first failed report, else the last one */
		if (r->args[0] == 0 && v->failed_reports++ != 0)
			return (0);
		/* printed later: escaped now (guest_text.h) */
		guest_text(v->report, sizeof(v->report), msg, vc_strlen(msg));
		return (0);
	case HC_MARK:
		v->marks++;
		return (v->on_mark != NULL ? v->on_mark(v, r->args[0]) : 0);
	case HC_SET_TLS:
		/* the vkernel thread's TLS: the guest's own FS base */
		v->tls_sets++;
		vc_memset(&val, 0, sizeof(val));
		val.vcpu = v->vcpu;
		val.value = r->args[0];
		return (vc_ioctl(v->fd, VMM_IOC_SET_TLS, &val));
	}
	return (-EOPNOTSUPP);
}

void
guest_run(struct vc_vcpu *v)
{
	struct vmm_ioc_run r;
	uint64_t fs;
	long e;

	vc_memset(&r, 0, sizeof(r));
	r.vcpu = v->vcpu;
	for (;;) {
		e = vc_ioctl(v->fd, VMM_IOC_RUN, &r);
		v->runs++;
		if (v->fs_check) {
			/* the thread's TLS self slot, right after the return */
			fs = vc_read_fs0();
			if (fs != v->fs_want && v->fs_bad++ == 0)
				v->fs_first_bad = fs;
		}
		if (e != 0) {
			v->run_error = e;
			return;
		}
		r.set_result = 0;
		if (r.kind == VMM_EXIT_INTR)
			continue;
		if (r.kind != VMM_EXIT_HYPERCALL) {
			v->kind = r.kind;
			v->code = r.code;
			return;
		}
		v->hypercalls++;
		r.result = guest_hypercall(v, &r);
		r.set_result = 1;
	}
}

static void
thread_entry(void *arg)
{
	struct vc_thread *t = arg;

	t->fn(t->arg);
	__atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
	vc_umtx_wakeup(&t->done);
	vc_lwp_exit();
}

long
thread_start(struct vc_thread *t, void (*fn)(void *), void *arg)
{
	t->done = 0;
	t->fn = fn;
	t->arg = arg;
	return (vc_lwp_create(thread_entry, t, t->stack + sizeof(t->stack)));
}

void
thread_join(struct vc_thread *t)
{
	while (!__atomic_load_n(&t->done, __ATOMIC_SEQ_CST))
		vc_umtx_sleep(&t->done, 0, 100000);
}
