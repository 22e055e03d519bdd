/* shell.c - the serial shell of docs/CONSOLE.md. */
#include "shell.h"
#include "console.h"
#include "cpu.h"
#include "ktest.h"
#include "mm.h"
#include "sched.h"
#include "sysctl.h"

#define LINE_MAX	256
#define ARGS_MAX	32

struct cmd {
	const char *name, *descr;
	void (*fn)(int argc, char **argv);
};

static void cmd_help(int argc, char **argv);

static void
cmd_cpus(int argc, char **argv)
{
	for (int i = 0; i < ncpus; i++) {
		struct cpu *c = cpus[i];
		bool ok = cpu_ping(i, 1000000000UL) == 0;
		kprintf("cpu %d: apic %u %s %s ipi %s\n", i, c->apic_id, c->bsp ? "bsp" : "ap",
		    c->online ? "online" : "offline", ok ? "ok" : "FAILED");
	}
	kprintf("cpus: %d online\n", ncpus);
}

static void
cmd_mem(int argc, char **argv)
{
	struct pmm_stats s;
	pmm_stats(&s);
	kprintf("mem: pages total=%lu free=%lu used=%lu heap=%lu\n", s.total, s.free, s.used, heap_bytes());
}

static void
print_leaf(const struct hv_sysctl *leaf, void *ctx)
{
	char v[128];
	sysctl_format(leaf, v, sizeof(v));
	kprintf("%s: %s\n", leaf->name, v);
}

/* One `sysctl` argument: NAME or NAME=VALUE.  Also used for boot words. */
void
shell_sysctl_arg(const char *arg)
{
	char name[128];
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	if (n >= sizeof(name)) {
		kprintf("error: sysctl: unknown name '%s'\n", arg);
		return;
	}
	memcpy(name, arg, n);
	name[n] = 0;
	if (!eq) {
		if (sysctl_foreach(name, print_leaf, NULL) == 0)
			kprintf("error: sysctl: unknown name '%s'\n", name);
		return;
	}
	char old[128], new_[128];
	int serr = 0;
	int err = sysctl_write(name, eq + 1, old, new_, sizeof(old), &serr);
	if (err == 0)
		kprintf("%s: %s -> %s\n", name, old, new_);
	else if (err == ENOENT)
		kprintf("error: sysctl: unknown name '%s'\n", name);
	else if (err == EPERM)
		kprintf("error: sysctl: %s is read-only\n", name);
	else if (err == EINVAL)
		kprintf("error: sysctl: %s: bad value '%s'\n", name, eq + 1);
	else
		kprintf("error: sysctl: %s: %s (%d)\n", name, errno_name(serr), serr);
}

static void
cmd_sysctl(int argc, char **argv)
{
	if (argc == 1) {
		sysctl_foreach("", print_leaf, NULL);
		return;
	}
	for (int i = 1; i < argc; i++)
		shell_sysctl_arg(argv[i]);
}

static void
cmd_list(int argc, char **argv)
{
	for (int i = 0; i < ktest_count(); i++) {
		const struct ktest *t = ktest_sorted(i);
		kprintf("  %s  %s\n", t->name, t->descr);
	}
}

static void
cmd_run(int argc, char **argv)
{
	if (argc < 2) {
		kprintf("error: run: no test named ''\n");
		return;
	}
	ktest_run_patterns(argc - 1, argv + 1);
}

static void
cmd_poweroff(int argc, char **argv)
{
	kprintf("poweroff: %s\n", ktest_failures ? "FAIL" : "PASS");
	emu_exit(ktest_failures == 0);
}

static const struct cmd cmds[] = {
	{ "help", "list the commands", cmd_help },
	{ "cpus", "CPUs and whether each answers an IPI", cmd_cpus },
	{ "mem", "page allocator and heap counters", cmd_mem },
	{ "sysctl", "sysctl [name[=value]]: show or set sysctls", cmd_sysctl },
	{ "list", "list the tests", cmd_list },
	{ "run", "run NAME...: run tests (globs allowed)", cmd_run },
	{ "poweroff", "exit the emulator (PASS if no test failed)", cmd_poweroff },
};

static void
cmd_help(int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		kprintf("  %s  %s\n", cmds[i].name, cmds[i].descr);
}

static int
read_line(char *buf, size_t size)
{
	static int last;
	size_t n = 0;
	for (;;) {
		int c = console_getc();
		if (c < 0) {
			thread_sleep_ns(10000000);	/* the BSP tick fills the buffer meanwhile */
			continue;
		}
		bool crlf = c == '\n' && last == '\r';	/* one line end, not two */
		last = c;
		if (crlf)
			continue;
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			buf[n] = 0;
			return (int)n;
		}
		if (c == 0x7f || c == 0x08) {
			if (n > 0) {
				n--;
				kprintf("\b \b");
			}
			continue;
		}
		if (c < 0x20 || n + 1 >= size)
			continue;
		buf[n++] = (char)c;
		kprintf("%c", c);
	}
}

int
shell_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (argc == max)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return argc;
}

void
shell_main(void *arg)
{
	char line[LINE_MAX];
	char *argv[ARGS_MAX];
	for (;;) {
		kprintf("hv> ");
		read_line(line, sizeof(line));
		int argc = shell_split(line, argv, ARGS_MAX);
		if (argc == 0)
			continue;
		size_t i;
		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			if (strcmp(argv[0], cmds[i].name) == 0)
				break;
		if (i == ARRAY_SIZE(cmds)) {
			kprintf("error: unknown command '%s' (try 'help')\n", argv[0]);
			continue;
		}
		cmds[i].fn(argc, argv);
	}
}
