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
hv_hypercall_fast(uint64_t nr)
{
	if (nr != HC_NOP)
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

bool
hv_hypercall(struct hv_vcpu *vcpu, struct hv_regs *regs, struct hv_exit *ex)
{
	uint64_t nr = regs->rax;

	HV_STAT_INC(hypercalls);
	switch (nr) {
	case HC_NOP:
		regs->rax = 0;
		return false;
	case HC_PUTS:
		regs->rax = (uint64_t)hc_puts(vcpu, regs->rdi, regs->rsi);
		return false;
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
		return true;
	default:
		HV_STAT_INC(hypercall_errors);
		hv_ratelog("hypercall", "guest%d.%d: unknown hypercall %llu\n",
		    vcpu->vm->id, vcpu->id, (unsigned long long)nr);
		regs->rax = (uint64_t)-(int64_t)HV_EINVAL;
		return false;
	}
}
