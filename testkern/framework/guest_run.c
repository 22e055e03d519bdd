/*
 * guest_run.c - the generic guest runner of the VM tests: create a VM,
 * load a guest image from the multiboot2 modules, run a vCPU and serve its
 * exits until the guest is done, fails, or the wall-clock watchdog fires;
 * always destroy the VM.
 */
#include "vmtests.h"
#include "mb2.h"
#include "sched.h"
#include "ktest.h"

const char *
vm_backend_name(void)
{
	const char *t = hv_type();

	if (t == NULL)
		return "none";
	if (strncmp(t, "VMX", 3) == 0)
		return "vmx";
	if (strncmp(t, "SVM", 3) == 0)
		return "svm";
	return "none";
}

const char *
vm_err(int error)
{
	return error == 0 ? "ok" : errno_name(error);
}

const char *
vmrun_end_name(enum vmrun_end e)
{
	switch (e) {
	case VR_DONE:		return "done";
	case VR_ERROR:		return "error";
	case VR_TIMEOUT:	return "timeout";
	case VR_QUIT:		return "quit";
	case VR_HOSTERR:	return "host error";
	}
	return "?";
}

int
vmrun_setup(struct vmrun *r)
{
	const struct kmodule *m;
	int error;

	r->vm = NULL;
	m = module_find(r->image);
	if (m == NULL) {
		ksnprintf(r->errmsg, sizeof(r->errmsg),
		    "no multiboot2 module named %s in the image", r->image);
		return ENOENT;
	}
	error = hv_vm_create(r->mem ? r->mem : VM_MEM_DEFAULT, &r->vm);
	if (error != 0) {
		ksnprintf(r->errmsg, sizeof(r->errmsg), "hv_vm_create: %s (%d)",
		    errno_name(error), error);
		return error;
	}
	error = hv_vm_load_image(r->vm, m->data, m->size);
	if (error != 0) {
		ksnprintf(r->errmsg, sizeof(r->errmsg), "hv_vm_load_image(%s): %s (%d)",
		    r->image, errno_name(error), error);
		vmrun_teardown(r);
		return error;
	}
	return 0;
}

int
vm_case_setup(struct vmrun *r, uint64_t which, struct hv_vcpu **vcpup)
{
	struct hv_regs regs;
	int error;

	r->mem = HV_GUEST_MIN_MEM;
	error = vmrun_setup(r);
	if (error != 0)
		return error;
	error = hv_vcpu_create(r->vm, 0, vcpup);
	if (error == 0)
		error = hv_vcpu_get_regs(*vcpup, &regs);
	if (error == 0) {
		regs.r13 = which;
		error = hv_vcpu_set_regs(*vcpup, &regs);
	}
	if (error != 0)
		vmrun_teardown(r);
	return error;
}

int
vm_run_until(struct hv_vcpu *vcpu, struct hv_exit *ex, int *intr_exits)
{
	int error, i;

	/* host-interrupt and preemption exits come back as HV_EXIT_INTR */
	for (i = 0; i < 1000; i++) {
		error = hv_vcpu_run(vcpu, ex);
		if (error != 0 || ex->kind != HV_EXIT_INTR)
			break;
		if (intr_exits != NULL)
			(*intr_exits)++;
	}
	return i == 1000 ? ETIMEDOUT : error;
}

int
vm_run_case(const char *image, uint64_t which, struct hv_exit *ex, struct hv_regs *regs,
    int *intr_exits)
{
	struct vmrun r = { .image = image };
	struct hv_vcpu *vcpu;
	int error;

	if (intr_exits != NULL)
		*intr_exits = 0;
	error = vm_case_setup(&r, which, &vcpu);
	if (error != 0)
		return error;
	error = vm_run_until(vcpu, ex, intr_exits);
	if (error == 0)
		error = hv_vcpu_get_regs(vcpu, regs);
	vmrun_teardown(&r);
	return error;
}

bool
vm_triple_at_r15(int error, const struct hv_exit *ex, const struct hv_regs *regs,
    char *want, size_t len)
{
	/* hv stops a guest as "guest<vm>.<vcpu>: <what> at rip=0x..." */
	ksnprintf(want, len, "at rip=0x%lx", error == 0 ? (unsigned long)regs->r15 : 0);
	return error == 0 && regs->r15 > HV_GUEST_LOAD_GPA && ex->kind == HV_EXIT_ERROR &&
	    vm_contains(ex->msg, "triple fault") && vm_contains(ex->msg, want);
}

void
vmrun_teardown(struct vmrun *r)
{
	int error;

	if (r->vm == NULL)
		return;
	error = hv_vm_destroy(r->vm);
	if (error != 0)
		kprintf("vm: hv_vm_destroy: %s (%d)\n", errno_name(error), error);
	r->vm = NULL;
}

bool
vm_report_read(struct hv_vcpu *vcpu, const struct hv_exit *ex, char *msg, size_t len)
{
	size_t done;
	int error;

	error = hv_copyinstr(vcpu, ex->args[1], msg, len, &done);
	if (error == ENAMETOOLONG) {
		msg[len - 1] = '\0';	/* cut: the check still counts */
		error = 0;
	}
	if (error != 0)
		ksnprintf(msg, len, "guest report at 0x%lx unreadable: %s",
		    (unsigned long)ex->args[1], errno_name(error));
	return ex->args[0] != 0 && error == 0;
}

bool
vm_hc_common(struct hv_vcpu *vcpu, const struct hv_exit *ex, int64_t *result)
{
	switch (ex->nr) {
	case HC_SET_TLS:
		*result = -hv_vcpu_set_tls(vcpu, ex->args[0]);
		return true;
	case HC_COPY_TEST:
		*result = vm_copy_test(vcpu, ex->args[0], ex->args[1], ex->args[2],
		    ex->args[3]);
		return true;
	default:
		return false;
	}
}

/* HC_REPORT(cond, gva): the guest's check becomes one CHECK line. */
static void
do_report(struct vmrun *out, struct hv_vcpu *vcpu, const struct hv_exit *ex)
{
	char msg[VM_REPORT_MAX + 1];
	bool ok = vm_report_read(vcpu, ex, msg, sizeof(msg));

	out->reports++;
	if (!ok)
		out->reports_failed++;
	strlcpy(out->last_report, msg, sizeof(out->last_report));
	if (!out->quiet)
		report(ok, "%s", msg);
}

/* One hypercall for the host; false when the run must stop. */
static bool
do_hypercall(struct vmrun *r, struct vmrun *out, struct hv_vcpu *vcpu,
    const struct hv_exit *ex)
{
	int64_t result = 0;
	int error = 0;

	switch (ex->nr) {
	case HC_REPORT:
		do_report(out, vcpu, ex);
		break;
	case HC_MARK:
		out->marks++;
		if (r->hooks != NULL && r->hooks->mark != NULL)
			error = r->hooks->mark(out, vcpu, ex->args[0]);
		break;
	case HC_HOST:
		if (r->hooks != NULL && r->hooks->host != NULL)
			error = r->hooks->host(out, vcpu, ex, &result);
		else
			result = -EINVAL;
		break;
	default:
		if (!vm_hc_common(vcpu, ex, &result))
			result = -EINVAL;
		break;
	}
	if (error != 0) {
		out->end = VR_HOSTERR;
		out->error = error;
		if (out->errmsg[0] == '\0')
			ksnprintf(out->errmsg, sizeof(out->errmsg),
			    "hypercall %lu hook: %s (%d)", (unsigned long)ex->nr,
			    errno_name(error), error);
		return false;
	}
	hv_vcpu_set_hc_result(vcpu, result);
	return true;
}

void
vmrun_loop(struct vmrun *r, struct hv_vcpu *vcpu, struct vmrun *out)
{
	uint64_t start = time_ns();
	uint64_t limit = (r->timeout_ms ? r->timeout_ms : VM_TIMEOUT_MS) * 1000000ull;
	struct hv_exit ex;
	int error;

	out->errmsg[0] = '\0';
	for (;;) {
		if (time_ns() - start > limit) {
			out->end = VR_TIMEOUT;
			ksnprintf(out->errmsg, sizeof(out->errmsg),
			    "watchdog: guest still running after %lu ms",
			    (unsigned long)(limit / 1000000));
			break;
		}
		error = hv_vcpu_run(vcpu, &ex);
		if (error != 0) {
			out->end = VR_HOSTERR;
			out->error = error;
			ksnprintf(out->errmsg, sizeof(out->errmsg), "hv_vcpu_run: %s (%d)",
			    errno_name(error), error);
			break;
		}
		if (ex.kind == HV_EXIT_HYPERCALL) {
			if (!do_hypercall(r, out, vcpu, &ex))
				break;
			continue;
		}
		if (ex.kind == HV_EXIT_DONE) {
			out->end = VR_DONE;
			out->exit_code = ex.code;
			break;
		}
		if (ex.kind == HV_EXIT_DEBUG) {
			uint64_t t0 = time_ns();
			enum db_verdict v;

			out->debug_exits++;
			v = db_prompt(vcpu);
			/* time at the prompt is the user's, not the guest's */
			start += time_ns() - t0;
			if (v == DB_QUIT) {
				out->end = VR_QUIT;
				ksnprintf(out->errmsg, sizeof(out->errmsg),
				    "stopped by q at the debugger prompt");
				break;
			}
			continue;
		}
		if (ex.kind == HV_EXIT_INTR) {
			/* the host's turn: let other threads run, then re-enter */
			out->intr_exits++;
			thread_yield();
			continue;
		}
		if (ex.kind == HV_EXIT_ERROR) {
			out->end = VR_ERROR;
			out->error = ex.error;
			out->raw_reason = ex.raw_reason;
			strlcpy(out->errmsg, ex.msg, sizeof(out->errmsg));
			break;
		}
		out->end = VR_HOSTERR;
		ksnprintf(out->errmsg, sizeof(out->errmsg), "unknown exit kind %d",
		    (int)ex.kind);
		break;
	}
	out->ms = (time_ns() - start) / 1000000;
	if (!out->quiet || out->end != VR_DONE || out->exit_code != 0)
		kprintf("vm: %s on vcpu %d: %s after %lu ms (exit code %ld, %lu intr exits)%s%s\n",
		    r->image, out->vcpu_id, vmrun_end_name(out->end),
		    (unsigned long)out->ms, (long)out->exit_code,
		    (unsigned long)out->intr_exits, out->errmsg[0] ? ": " : "", out->errmsg);
}

int
vmrun_image(struct vmrun *r)
{
	struct hv_vcpu *vcpu;
	int error;

	error = vmrun_setup(r);
	if (error != 0)
		return error;
	error = hv_vcpu_create(r->vm, 0, &vcpu);
	if (error != 0) {
		ksnprintf(r->errmsg, sizeof(r->errmsg), "hv_vcpu_create: %s (%d)",
		    errno_name(error), error);
		vmrun_teardown(r);
		return error;
	}
	vmrun_loop(r, vcpu, r);
	vmrun_teardown(r);
	return 0;
}
