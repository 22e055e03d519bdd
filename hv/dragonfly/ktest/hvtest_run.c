/*
 * hvtest_run.c - runs a preloaded guest image on vmm.ko through hv's API:
 * the hypercalls a test guest makes (guests/lib/hv.inc: HC_REPORT,
 * HC_MARK, HC_SET_TLS; HC_PUTS and COM1 hv handles itself), the end of the
 * run (HC_EXIT, a decoded stop), and a watchdog on the kernel's ticks.
 */
#include <sys/kernel.h>
#include <sys/linker.h>
#include <sys/sysctl.h>
#include <sys/thread2.h>

#include "hvtest.h"

const char *
hvt_end_name(enum hvt_end e)
{
	switch (e) {
	case HVT_DONE:		return "done";
	case HVT_ERROR:		return "error";
	case HVT_TIMEOUT:	return "timeout";
	case HVT_HOSTERR:	return "host error";
	}
	return "?";
}

uint64_t
hvt_stat(const char *name)
{
	char full[64];
	uint64_t v = 0;
	size_t len = sizeof(v);
	int error;

	ksnprintf(full, sizeof(full), "hw.vmm.stats.%s", name);
	error = kernel_sysctlbyname(full, &v, &len, NULL, 0, NULL);
	if (error != 0 || len != sizeof(v)) {
		kprintf("hvtest: sysctl %s: error %d, %zu bytes\n", full, error, len);
		return 0;
	}
	return v;
}

/* The preloaded hv_guest file whose base name is image; false if none. */
static bool
find_image(const char *image, const void **data, size_t *size)
{
	caddr_t mp = NULL, *addr;
	const char *type, *name, *base;
	size_t *sz;

	while ((mp = preload_search_next_name(mp)) != NULL) {
		type = (const char *)preload_search_info(mp, MODINFO_TYPE);
		name = (const char *)preload_search_info(mp, MODINFO_NAME);
		if (type == NULL || name == NULL || strcmp(type, HVT_GUEST_TYPE) != 0)
			continue;
		base = strrchr(name, '/');
		if (strcmp(base != NULL ? base + 1 : name, image) != 0)
			continue;
		addr = (caddr_t *)preload_search_info(mp, MODINFO_ADDR);
		sz = (size_t *)preload_search_info(mp, MODINFO_SIZE);
		if (addr == NULL || sz == NULL)
			return false;
		*data = *addr;
		*size = *sz;
		return true;
	}
	return false;
}

int
hvt_setup(struct hvt_run *r)
{
	const void *data;
	size_t size;
	int error;

	r->vm = NULL;
	if (!find_image(r->image, &data, &size)) {
		hvt_check(false, "%s: no preloaded file of type %s", r->image,
		    HVT_GUEST_TYPE);
		return HV_ENOENT;
	}
	error = hv_vm_create(HVT_VM_MEM, &r->vm);
	if (error != 0) {
		hvt_check(false, "%s: hv_vm_create: error %d", r->image, error);
		return error;
	}
	error = hv_vm_load_image(r->vm, data, size);
	if (error != 0) {
		hvt_check(false, "%s: hv_vm_load_image of %zu bytes: error %d",
		    r->image, size, error);
		hvt_teardown(r);
	}
	return error;
}

void
hvt_teardown(struct hvt_run *r)
{
	int error;

	if (r->vm == NULL)
		return;
	error = hv_vm_destroy(r->vm);
	if (error != 0)
		hvt_check(false, "%s: hv_vm_destroy: error %d", r->image, error);
	r->vm = NULL;
}

static void
guest_report(struct hvt_out *out, struct hv_vcpu *vcpu, const struct hv_exit *ex)
{
	char msg[HVT_REPORT_MAX + 1];
	int error;

	out->reports++;
	error = hv_copyinstr(vcpu, ex->args[1], msg, sizeof(msg), NULL);
	if (error != 0)
		ksnprintf(msg, sizeof(msg), "guest report at 0x%jx unreadable: error %d",
		    (uintmax_t)ex->args[1], error);
	if (ex->args[0] == 0 || error != 0)
		out->reports_failed++;
	strlcpy(out->last_report, msg, sizeof(out->last_report));
	if (!out->quiet)
		hvt_check(ex->args[0] != 0 && error == 0, "%s", msg);
}

/* A hypercall for the host; false ends the run. */
static bool
hypercall(struct hvt_run *r, struct hvt_out *out, struct hv_vcpu *vcpu,
    const struct hv_exit *ex)
{
	int64_t result = 0;
	int error;

	switch (ex->nr) {
	case HC_REPORT:
		guest_report(out, vcpu, ex);
		break;
	case HC_MARK:
		out->marks++;
		error = r->mark != NULL ? r->mark(r, out, ex->args[0]) : 0;
		if (error != 0) {
			out->end = HVT_HOSTERR;
			out->error = error;
			ksnprintf(out->errmsg, sizeof(out->errmsg),
			    "mark %ju: host action failed: error %d",
			    (uintmax_t)ex->args[0], error);
			return false;
		}
		break;
	case HC_SET_TLS:
		result = -hv_vcpu_set_tls(vcpu, ex->args[0]);
		break;
	default:
		result = -HV_EINVAL;
		break;
	}
	hv_vcpu_set_hc_result(vcpu, result);
	return true;
}

void
hvt_loop(struct hvt_run *r, struct hv_vcpu *vcpu, struct hvt_out *out)
{
	uint64_t start = hvt_ms();
	struct hv_exit ex;
	int error;

	out->errmsg[0] = '\0';
	for (;;) {
		if (hvt_ms() - start > HVT_TIMEOUT_MS) {
			out->end = HVT_TIMEOUT;
			ksnprintf(out->errmsg, sizeof(out->errmsg),
			    "watchdog: guest still running after %d ms", HVT_TIMEOUT_MS);
			break;
		}
		error = hv_vcpu_run(vcpu, &ex);
		if (error != 0) {
			out->end = HVT_HOSTERR;
			out->error = error;
			ksnprintf(out->errmsg, sizeof(out->errmsg),
			    "hv_vcpu_run: error %d", error);
			break;
		}
		if (ex.kind == HV_EXIT_HYPERCALL) {
			if (!hypercall(r, out, vcpu, &ex))
				break;
			continue;
		}
		if (ex.kind == HV_EXIT_INTR) {
			/* the host's turn: let other threads run first */
			out->intr_exits++;
			lwkt_yield();
			continue;
		}
		if (ex.kind == HV_EXIT_DONE) {
			out->end = HVT_DONE;
			out->exit_code = ex.code;
		} else if (ex.kind == HV_EXIT_ERROR) {
			out->end = HVT_ERROR;
			out->error = ex.error;
			strlcpy(out->errmsg, ex.msg, sizeof(out->errmsg));
		} else {
			/* HV_EXIT_DEBUG: no debugger prompt here */
			out->end = HVT_HOSTERR;
			ksnprintf(out->errmsg, sizeof(out->errmsg),
			    "exit kind %d not handled", (int)ex.kind);
		}
		break;
	}
	out->ms = hvt_ms() - start;
	if (!out->quiet || out->end != HVT_DONE || out->exit_code != 0)
		kprintf("hvtest: %s on vcpu %d: %s after %ju ms (exit code %jd, "
		    "%ju intr exits)%s%s\n", r->image, out->vcpu_id,
		    hvt_end_name(out->end), (uintmax_t)out->ms, (intmax_t)out->exit_code,
		    (uintmax_t)out->intr_exits, out->errmsg[0] ? ": " : "", out->errmsg);
}

bool
hvt_run_image(struct hvt_run *r)
{
	struct hv_vcpu *vcpu;
	int error;

	if (hvt_setup(r) != 0)
		return false;
	error = hv_vcpu_create(r->vm, 0, &vcpu);
	if (error != 0) {
		hvt_check(false, "%s: hv_vcpu_create: error %d", r->image, error);
		hvt_teardown(r);
		return false;
	}
	hvt_loop(r, vcpu, &r->out);
	hvt_teardown(r);
	return true;
}
