/*
 * t_console.c - the per-VM budget of guest console lines (hv/console.c):
 * lines and characters per window, the window reopening, one summary line
 * per window and at teardown, a 1024-line HC_PUTS, the sysctl limits.
 */
#include <string.h>
#include "test.h"


static struct hv_vm *vm;
static struct hv_vcpu *vcpu;

static void
set(const char *name, uint64_t value)
{
	const struct hv_sysctl *leaf = fake_sysctl(name);

	if (CHECK(leaf != NULL))
		CHECK_EQ(leaf->set(leaf, value), 0);
}

static void
setup(uint64_t lines, uint64_t bytes)
{
	t_setup_vcpu(&vm, &vcpu);
	set("hw.vmm.console.lines", lines);
	set("hw.vmm.console.bytes", bytes);
	set("hw.vmm.console.window_ms", 1000);
	fake_time_step = 0;	/* time stands still unless a test moves it */
	fake_log_clear();
}

static void
teardown(void)
{
	if (vm != NULL)
		CHECK_EQ(hv_vm_destroy(vm), 0);
	vm = NULL;
	set("hw.vmm.console.lines", 100);
	set("hw.vmm.console.bytes", 8192);
	t_teardown();
}

static void
com1(const char *s)
{
	while (*s != '\0')
		hv_guest_serial_out(vcpu, (uint8_t)*s++);
}

/* Lines of the log that start with prefix. */
static int
count(const char *prefix)
{
	const char *p = fake_log();
	int n = 0;

	while (*p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return n;
}

/* The clock moves on by ms at its next reading. */
static void
later(uint64_t ms)
{
	fake_time_step = ms * 1000000;
	(void)hv_os_time_ns();
	fake_time_step = 0;
}

void
test_console_budget_lines(void)
{
	int i;

	setup(5, 8192);
	for (i = 0; i < 8; i++)
		com1("line\n");
	CHECK_EQ(count("guest0.0: line"), 5);
	CHECK_EQ(HV_STAT(console_lines), 5);
	CHECK_EQ(HV_STAT(console_lines_dropped), 3);
	CHECK_EQ(HV_STAT(console_bytes_dropped), 12);
	CHECK_EQ(count("guest0: "), 0);		/* no summary inside the window */
	/* the next window: first the summary, once, then its lines */
	later(1000);
	for (i = 0; i < 7; i++)
		com1("next\n");
	CHECK(strstr(fake_log(), "guest0.0: line\nguest0: 3 console lines dropped "
	    "(12 bytes)\nguest0.0: next\n") != NULL);
	CHECK_EQ(count("guest0: "), 1);
	CHECK_EQ(count("guest0.0: next"), 5);
	/* the teardown says what the last window dropped */
	fake_log_clear();
	CHECK_EQ(hv_vm_destroy(vm), 0);
	vm = NULL;
	CHECK(strcmp(fake_log(), "guest0: 2 console lines dropped (8 bytes)\n") == 0);
	teardown();
}

void
test_console_budget_bytes(void)
{
	setup(100, 10);
	com1("abcd\nefgh\nijkl\n\n");
	/* 4 + 4 characters fit, 4 more would not; the empty line still fits */
	CHECK(strcmp(fake_log(), "guest0.0: abcd\nguest0.0: efgh\nguest0.0: \n") == 0);
	CHECK_EQ(HV_STAT(console_lines_dropped), 1);
	CHECK_EQ(HV_STAT(console_bytes_dropped), 4);
	/* just before the end of the window: still this window */
	later(999);
	com1("xyz\n");
	CHECK_EQ(count("guest0.0: x"), 0);
	later(1);
	com1("y\n");
	CHECK_EQ(count("guest0: 2 console lines dropped (7 bytes)"), 1);
	CHECK_EQ(count("guest0.0: y"), 1);
	teardown();
}

/* HC_PUTS of 1024 newlines: one call, at most the budget's lines. */
static int
puts_hook(struct hv_vcpu *v, struct hv_exit *ex)
{
	struct hv_regs *r = fake_regs(v);

	r->rax = HC_PUTS;
	r->rdi = HV_GUEST_LOAD_GPA;
	r->rsi = 1024;
	if (hv_hypercall(v, r, ex) != HV_HC_HOST)
		ex->kind = HV_EXIT_INTR;
	return 0;
}

void
test_console_puts_flood(void)
{
	static char nl[1024];
	struct hv_exit ex;

	setup(100, 8192);
	memset(nl, '\n', sizeof(nl));
	CHECK_EQ(hv_vm_load_image(vm, nl, sizeof(nl)), 0);
	fake_run_hook = puts_hook;
	CHECK_EQ(hv_vcpu_run(vcpu, &ex), 0);
	CHECK_EQ(fake_regs(vcpu)->rax, 0);
	CHECK_EQ(count("guest0.0: "), 100);
	CHECK_EQ(HV_STAT(console_lines_dropped), 924);
	/* a second VM has its own budget */
	{
		struct hv_vm *vm2;
		struct hv_vcpu *v2;

		CHECK_EQ(hv_vm_create(T_MEM, &vm2), 0);
		CHECK_EQ(hv_vcpu_create(vm2, 0, &v2), 0);
		hv_guest_serial_out(v2, '\n');
		CHECK_EQ(count("guest1.0: "), 1);
		CHECK_EQ(hv_vm_destroy(vm2), 0);
	}
	teardown();
}

void
test_console_sysctl(void)
{
	const struct hv_sysctl *w;

	setup(100, 8192);
	w = fake_sysctl("hw.vmm.console.window_ms");
	if (CHECK(w != NULL)) {
		CHECK_EQ(w->type, HV_SYSCTL_U32);
		CHECK_EQ(w->set(w, 0), HV_EINVAL);
		CHECK_EQ(w->set(w, 1ull << 32), HV_EINVAL);
		CHECK_EQ(*(uint32_t *)w->ptr, 1000);
	}
	/* lines 0: the VM is silent, every line counted */
	set("hw.vmm.console.lines", 0);
	com1("quiet\n");
	CHECK_EQ(count("guest0.0: "), 0);
	CHECK_EQ(HV_STAT(console_lines_dropped), 1);
	teardown();
}
