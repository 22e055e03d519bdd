/*
 * hypercall.c - the guest's ways to reach hv: hypercalls (hv_abi.h) and
 * the COM1 data port.  Guest text goes to the console through
 * hv/console.c, as "guest<vm>.<vcpu>: text", under the VM's budget.
 */
#include "core.h"

#define PUTS_MAX	1024	/* longest HC_PUTS string */

void
hv_guest_serial_out(struct hv_vcpu *vcpu, uint8_t byte)
{
	HV_STAT_INC(serial_bytes);
	hv_console_put(vcpu, &vcpu->serial, byte);
}

/* HC_PUTS(gva, len): one output line per guest line, the last one too. */
static int64_t
hc_puts(struct hv_vcpu *vcpu, uint64_t gva, uint64_t len)
{
	struct hv_console_buf line;
	char chunk[128];
	uint64_t off;

	if (len > PUTS_MAX) {
		hv_ratelog("puts", "guest%d.%d: HC_PUTS length %llu > %d\n",
		    vcpu->vm->id, vcpu->id, (unsigned long long)len, PUTS_MAX);
		return -HV_EINVAL;
	}
	line.len = 0;
	line.cut = 0;
	for (off = 0; off < len; off += sizeof(chunk)) {
		size_t n = len - off < sizeof(chunk) ? (size_t)(len - off) : sizeof(chunk);
		size_t i;

		if (hv_copyin(vcpu, gva + off, chunk, n) != 0) {
			hv_ratelog("puts", "guest%d.%d: HC_PUTS bad address 0x%llx\n",
			    vcpu->vm->id, vcpu->id, (unsigned long long)(gva + off));
			return -HV_EFAULT;
		}
		for (i = 0; i < n; i++)
			hv_console_put(vcpu, &line, (uint8_t)chunk[i]);
	}
	hv_console_flush(vcpu, &line);
	return 0;
}

bool
hv_hypercall_fast(uint64_t nr, unsigned cpl)
{
	/* from CPL 3 the VM's policy decides (hv_hypercall) */
	if (nr != HC_NOP || cpl == 3)
		return false;
	HV_STAT_INC(hypercalls);
	return true;
}

/*
 * count HC_NOPs that a backend's world switch finished itself and entered
 * again after (svm_switch.S, vmx_switch.S): as many hypercalls and VM
 * entries; the backend counts the exits.  Added once per stretch, after it.
 */
void
hv_hypercall_fast_loop(uint64_t count)
{
	HV_STAT_ADD(hypercalls, count);
	HV_STAT_ADD(entries, count);
}

/* A hypercall from CPL 3 that the VM allows (hv_vm_set_user_hypercalls). */
static bool
user_allowed(const struct hv_vm *vm, uint64_t nr)
{
	return nr < 64 && (hv_vm_user_hypercalls(vm) & (1ull << nr)) != 0;
}

enum hv_hc
hv_hypercall(struct hv_vcpu *vcpu, struct hv_regs *regs, struct hv_exit *ex)
{
	uint64_t nr = regs->rax;

	HV_STAT_INC(hypercalls);
	if (regs->cpl == 3 && !user_allowed(vcpu->vm, nr)) {
		HV_STAT_INC(hypercalls_user_refused);
		return HV_HC_UD;
	}
	switch (nr) {
	case HC_NOP:
		regs->rax = 0;
		return HV_HC_RESUME;
	case HC_PUTS:
		regs->rax = (uint64_t)hc_puts(vcpu, regs->rdi, regs->rsi);
		return HV_HC_RESUME;
	case HC_REPORT:
	case HC_MARK:
	case HC_HOST:
	case HC_COPY_TEST:
	case HC_SET_TLS:
	case HC_EXIT:
		HV_STAT_INC(hypercalls_host);
		ex->kind = nr == HC_EXIT ? HV_EXIT_DONE : HV_EXIT_HYPERCALL;
		ex->nr = nr;
		ex->args[0] = regs->rdi;
		ex->args[1] = regs->rsi;
		ex->args[2] = regs->rdx;
		ex->args[3] = regs->rcx;
		ex->code = (int64_t)regs->rdi;
		return HV_HC_HOST;
	default:
		HV_STAT_INC(hypercall_errors);
		hv_ratelog("hypercall", "guest%d.%d: unknown hypercall %llu\n",
		    vcpu->vm->id, vcpu->id, (unsigned long long)nr);
		regs->rax = (uint64_t)-(int64_t)HV_EINVAL;
		return HV_HC_RESUME;
	}
}
