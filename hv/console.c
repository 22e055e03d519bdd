/*
 * console.c - the one door of guest text to the host console.  A guest
 * prints through COM1 (hv/uart.c, lines assembled in hv/hypercall.c) and
 * HC_PUTS (hv/hypercall.c); both end here, from exit handlers that may run
 * pinned, so a guest must not be able to make them print without end.
 *
 * Each line is cut to HV_CONSOLE_LINE_MAX characters.  Each VM has a
 * budget per window: a window opens with the first line after the last
 * window ended and lasts hw.vmm.console.window_ms; in it at most
 * hw.vmm.console.lines lines and hw.vmm.console.bytes characters of the VM
 * are printed, every further line is dropped (a new window length counts
 * at once, also for the window open).  The next window starts with
 * one line "guest<vm>: N console lines dropped (B bytes)" for what was
 * dropped since the last such line, and the VM's teardown prints it for
 * the rest: at most one per window.  Counted in hw.vmm.stats: console_lines
 * (printed), console_lines_dropped, console_lines_cut, console_bytes_dropped
 * (characters of dropped lines and beyond the cut).
 */
#include "core.h"

static uint32_t console_lines = 100;	/* hw.vmm.console.lines */
static uint32_t console_bytes = 8192;	/* hw.vmm.console.bytes */
static uint32_t console_window_ms = 1000;	/* hw.vmm.console.window_ms */

static void
console_lock(struct hv_console *c)
{
	hv_os_pin();	/* another vCPU of the VM spins for no longer than this */
	while (__atomic_exchange_n(&c->lock, 1, __ATOMIC_ACQUIRE) != 0)
		hv_cpu_relax();
}

static void
console_unlock(struct hv_console *c)
{
	__atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
	hv_os_unpin();
}

static void
say_dropped(int vm_id, uint64_t lines, uint64_t bytes)
{
	if (lines != 0)
		hv_os_log("guest%d: %llu console lines dropped (%llu bytes)\n", vm_id,
		    (unsigned long long)lines, (unsigned long long)bytes);
}

/* One line of text[0..len) (NUL-terminated), cut characters cut off. */
static void
console_line(struct hv_vcpu *vcpu, const char *text, size_t len, size_t cut)
{
	struct hv_console *c = &vcpu->vm->console;
	uint64_t now, said_lines = 0, said_bytes = 0;
	bool print;

	if (cut != 0) {
		HV_STAT_INC(console_lines_cut);
		HV_STAT_ADD(console_bytes_dropped, cut);
	}
	console_lock(c);
	/* under the lock: no other vCPU opened a window after this time */
	now = hv_os_time_ns();
	if (!c->window_open || now - c->window_start >= (uint64_t)__atomic_load_n(
	    &console_window_ms, __ATOMIC_RELAXED) * 1000000u) {
		c->window_open = true;
		c->window_start = now;
		c->lines = 0;
		c->bytes = 0;
		said_lines = c->dropped_lines;
		said_bytes = c->dropped_bytes;
		c->dropped_lines = 0;
		c->dropped_bytes = 0;
	}
	print = c->lines < __atomic_load_n(&console_lines, __ATOMIC_RELAXED) &&
	    c->bytes + len <= __atomic_load_n(&console_bytes, __ATOMIC_RELAXED);
	if (print) {
		c->lines++;
		c->bytes += (uint32_t)len;
	} else {
		c->dropped_lines++;
		c->dropped_bytes += len;
	}
	console_unlock(c);
	say_dropped(vcpu->vm->id, said_lines, said_bytes);
	if (!print) {
		HV_STAT_INC(console_lines_dropped);
		HV_STAT_ADD(console_bytes_dropped, len);
		return;
	}
	HV_STAT_INC(console_lines);
	hv_os_log("guest%d.%d: %s\n", vcpu->vm->id, vcpu->id, text);
}

/* The line in b goes out (an empty one too); b starts a new one. */
static void
line_end(struct hv_vcpu *vcpu, struct hv_console_buf *b)
{
	b->text[b->len] = '\0';
	console_line(vcpu, b->text, b->len, b->cut);
	b->len = 0;
	b->cut = 0;
}

void
hv_console_flush(struct hv_vcpu *vcpu, struct hv_console_buf *b)
{
	if (b->len != 0 || b->cut != 0)
		line_end(vcpu, b);
}

void
hv_console_put(struct hv_vcpu *vcpu, struct hv_console_buf *b, uint8_t byte)
{
	if (byte == '\r')
		return;
	if (byte == '\n')
		line_end(vcpu, b);
	else if (b->len == HV_CONSOLE_LINE_MAX)
		b->cut++;
	else	/* never let a guest send escape sequences to the host console */
		b->text[b->len++] = (byte >= 0x20 && byte < 0x7f) || byte == '\t' ?
		    (char)byte : '?';
}

void
hv_console_fini(struct hv_vm *vm)
{
	/* no vCPU runs any more: no lock needed */
	say_dropped(vm->id, vm->console.dropped_lines, vm->console.dropped_bytes);
}

static int
console_set(const struct hv_sysctl *leaf, uint64_t value)
{
	/* a window of 0 ms would never hold anything back */
	if (value > 0xffffffffu || (leaf->ptr == &console_window_ms && value == 0))
		return HV_EINVAL;
	__atomic_store_n((uint32_t *)leaf->ptr, (uint32_t)value, __ATOMIC_RELAXED);
	return 0;
}

static const struct hv_sysctl console_leaves[] = {
	{ "hw.vmm.console.lines", "guest console lines a VM may print per window",
	    HV_SYSCTL_U32, &console_lines, console_set },
	{ "hw.vmm.console.bytes", "guest console characters a VM may print per "
	    "window", HV_SYSCTL_U32, &console_bytes, console_set },
	{ "hw.vmm.console.window_ms", "length of a VM's console budget window",
	    HV_SYSCTL_U32, &console_window_ms, console_set },
};

int
hv_console_publish(void)
{
	return hv_sysctl_add_all(console_leaves,
	    sizeof(console_leaves) / sizeof(console_leaves[0]));
}
