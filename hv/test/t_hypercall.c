/*
 * t_hypercall.c - hypercall dispatch, the result and TLS reaching the
 * guest at the next run, guest serial lines, rate limiting.
 */
#include <string.h>
#include "test.h"


static struct hv_vm *vm;
static struct hv_vcpu *vcpu;
static struct hv_regs seen;	/* registers at the last fake entry */
static uint64_t hc_nr, hc_args[4];
static bool handled_in_hv;
static enum hv_hc last_hc;

/* One "entry": record the guest registers, then a VMCALL exit. */
static int
hypercall_hook(struct hv_vcpu *v, struct hv_exit *ex)
{
	struct hv_regs *r = fake_regs(v);

	hv_os_pin();
	hv_pre_entry(v, hv_os_cpu_id());
	hv_os_unpin();
	seen = *r;
	r->rax = hc_nr;
	r->rdi = hc_args[0];
	r->rsi = hc_args[1];
	r->rdx = hc_args[2];
	r->rcx = hc_args[3];
	last_hc = hv_hypercall(v, r, ex);
	if (last_hc == HV_HC_HOST)
		return 0;
	handled_in_hv = true;
	return 0;	/* the test looks at RAX directly */
}

static void
setup(void)
{
	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vcpu_create(vm, 1, &vcpu), 0);
	CHECK_EQ(hv_vm_load_image(vm, "hello\nworld", 11), 0);
	fake_run_hook = hypercall_hook;
}

static void
teardown(void)
{
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

static int
call(uint64_t nr, uint64_t a0, uint64_t a1, struct hv_exit *ex)
{
	hc_nr = nr;
	hc_args[0] = a0;
	hc_args[1] = a1;
	hc_args[2] = 0x33;
	hc_args[3] = 0x44;
	handled_in_hv = false;
	return hv_vcpu_run(vcpu, ex);
}

void
test_hypercall_dispatch(void)
{
	struct hv_exit ex;

	setup();
	/* HC_NOP and HC_PUTS are handled inside hv */
	CHECK_EQ(call(HC_NOP, 0, 0, &ex), 0);
	CHECK(handled_in_hv);
	CHECK_EQ(fake_regs(vcpu)->rax, 0);
	fake_log_clear();
	CHECK_EQ(call(HC_PUTS, HV_GUEST_LOAD_GPA, 11, &ex), 0);
	CHECK(handled_in_hv);
	CHECK_EQ(fake_regs(vcpu)->rax, 0);
	CHECK(strcmp(fake_log(), "guest0.1: hello\nguest0.1: world\n") == 0);
	CHECK_EQ(call(HC_PUTS, 0x0000800000000000ull, 4, &ex), 0);
	CHECK_EQ(fake_regs(vcpu)->rax, (uint64_t)-HV_EFAULT);
	CHECK_EQ(call(HC_PUTS, HV_GUEST_LOAD_GPA, 100000, &ex), 0);
	CHECK_EQ(fake_regs(vcpu)->rax, (uint64_t)-HV_EINVAL);
	/* unknown number: -EINVAL to the guest, a rate-limited message */
	fake_log_clear();
	CHECK_EQ(call(999, 0, 0, &ex), 0);
	CHECK(handled_in_hv);
	CHECK_EQ(fake_regs(vcpu)->rax, (uint64_t)-HV_EINVAL);
	CHECK(strstr(fake_log(), "unknown hypercall 999") != NULL);
	/* host hypercalls: the exit carries number and arguments */
	CHECK_EQ(call(HC_REPORT, 1, 0x1234, &ex), 0);
	CHECK(!handled_in_hv);
	CHECK_EQ(ex.kind, HV_EXIT_HYPERCALL);
	CHECK_EQ(ex.nr, HC_REPORT);
	CHECK_EQ(ex.args[0], 1);
	CHECK_EQ(ex.args[1], 0x1234);
	CHECK_EQ(ex.args[2], 0x33);
	CHECK_EQ(ex.args[3], 0x44);
	/* its result reaches RAX at the next entry, 0 when not set */
	hv_vcpu_set_hc_result(vcpu, -5);
	CHECK_EQ(call(HC_MARK, 7, 0, &ex), 0);
	CHECK_EQ(seen.rax, (uint64_t)-5);
	CHECK_EQ(ex.nr, HC_MARK);
	CHECK_EQ(call(HC_NOP, 0, 0, &ex), 0);
	CHECK_EQ(seen.rax, 0);
	CHECK_EQ(call(HC_HOST, 1, 2, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_HYPERCALL);
	CHECK_EQ(call(HC_COPY_TEST, 1, 2, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_HYPERCALL);
	/* HC_SET_TLS goes to the host, which sets the TLS for the next entry */
	CHECK_EQ(call(HC_SET_TLS, 0x7000123000ull, 0, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_HYPERCALL);
	CHECK_EQ(ex.nr, HC_SET_TLS);
	CHECK_EQ(hv_vcpu_set_tls(vcpu, ex.args[0]), 0);
	CHECK_EQ(hv_vcpu_set_tls(vcpu, 0x0000900000000000ull), HV_EINVAL);
	CHECK_EQ(call(HC_NOP, 0, 0, &ex), 0);
	CHECK_EQ(seen.fs_base, 0x7000123000ull);
	CHECK(!vcpu->tls_dirty);
	/* HC_EXIT: done, with the code */
	CHECK_EQ(call(HC_EXIT, (uint64_t)-3, 0, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_DONE);
	CHECK_EQ(ex.code, -3);
	CHECK_EQ(HV_STAT(hypercalls), 13);
	teardown();
}

void
test_hypercall_user_policy(void)
{
	struct hv_exit ex;

	setup();
	fake_regs(vcpu)->cpl = 3;
	fake_regs(vcpu)->cr0 &= ~(1ull << 31);	/* paging off: HC_PUTS reads at CPL 3 */
	/* a new VM allows nothing from CPL 3: #UD, nothing done, counted */
	CHECK_EQ(hv_vm_user_hypercalls(vm), HV_USER_HC_NONE);
	fake_log_clear();
	CHECK_EQ(call(HC_PUTS, HV_GUEST_LOAD_GPA, 11, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_UD);
	CHECK_EQ(fake_log()[0], '\0');
	CHECK_EQ(fake_regs(vcpu)->rax, HC_PUTS);	/* RAX untouched */
	CHECK_EQ(call(HC_EXIT, 0, 0, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_UD);
	CHECK_EQ(call(HC_NOP, 0, 0, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_UD);
	CHECK_EQ(HV_STAT(hypercalls_user_refused), 3);
	/* the fast path never serves CPL 3 */
	CHECK(!hv_hypercall_fast(HC_NOP, 3));
	CHECK(hv_hypercall_fast(HC_NOP, 0));
	CHECK(!hv_hypercall_fast(HC_PUTS, 0));
	/* one number allowed: that one is served, the others still refused */
	CHECK_EQ(hv_vm_set_user_hypercalls(vm, 1ull << HC_PUTS), 0);
	CHECK_EQ(call(HC_PUTS, HV_GUEST_LOAD_GPA, 5, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_RESUME);
	CHECK_EQ(fake_regs(vcpu)->rax, 0);
	CHECK(strcmp(fake_log(), "guest0.1: hello\n") == 0);
	CHECK_EQ(call(HC_EXIT, 0, 0, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_UD);
	/* all: as at CPL 0, but numbers from 64 up are never allowed */
	CHECK_EQ(hv_vm_set_user_hypercalls(vm, HV_USER_HC_ALL), 0);
	CHECK_EQ(call(HC_EXIT, 5, 0, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_HOST);
	CHECK_EQ(ex.kind, HV_EXIT_DONE);
	CHECK_EQ(call(63, 0, 0, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_RESUME);
	CHECK_EQ(fake_regs(vcpu)->rax, (uint64_t)-HV_EINVAL);
	CHECK_EQ(call(64, 0, 0, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_UD);
	CHECK_EQ(HV_STAT(hypercalls_user_refused), 5);
	/* CPL 0 is not the policy's business */
	CHECK_EQ(hv_vm_set_user_hypercalls(vm, HV_USER_HC_NONE), 0);
	fake_regs(vcpu)->cpl = 0;
	CHECK_EQ(call(HC_MARK, 1, 0, &ex), 0);
	CHECK_EQ(last_hc, HV_HC_HOST);
	CHECK_EQ(HV_STAT(hypercalls_user_refused), 5);
	CHECK_EQ(hv_vm_set_user_hypercalls(NULL, 0), HV_EINVAL);
	teardown();
}

void
test_serial_lines(void)
{
	const char *s = "ab\r\ncd\x1b[2J\n";

	setup();
	fake_log_clear();
	while (*s != '\0')
		hv_guest_serial_out(vcpu, (uint8_t)*s++);
	/* the escape byte is neutralised; \r dropped */
	CHECK(strcmp(fake_log(), "guest0.1: ab\nguest0.1: cd?[2J\n") == 0);
	/* an overlong line is cut at HV_CONSOLE_LINE_MAX: one line, the rest
	 * counted as dropped characters */
	fake_log_clear();
	for (int i = 0; i < 130; i++)
		hv_guest_serial_out(vcpu, 'z');
	CHECK_EQ(strlen(fake_log()), 0);
	hv_guest_serial_out(vcpu, '\n');
	CHECK_EQ(strlen(fake_log()), strlen("guest0.1: \n") + 120);
	CHECK_EQ(HV_STAT(console_lines_cut), 1);
	CHECK_EQ(HV_STAT(console_bytes_dropped), 10);
	CHECK_EQ(HV_STAT(console_lines), 3);
	CHECK_EQ(HV_STAT(serial_bytes), 11 + 131);
	teardown();
}

void
test_ratelog(void)
{
	int i;
	const char *p;
	int lines = 0;

	for (i = 0; i < 20; i++)
		hv_ratelog("test-flood", "flood %d\n", i);
	hv_ratelog("test-other", "other\n");
	for (p = fake_log(); (p = strstr(p, "flood ")) != NULL; p++)
		lines++;
	CHECK_EQ(lines, 5);
	CHECK(strstr(fake_log(), "further such messages suppressed") != NULL);
	CHECK(strstr(fake_log(), "other\n") != NULL);
	CHECK_EQ(HV_STAT(ratelog), 21);
	CHECK_EQ(HV_STAT(ratelog_dropped), 15);
}
