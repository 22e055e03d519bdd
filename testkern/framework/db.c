/*
 * db.c - the db> prompt a guest #BP drops into (HV_EXIT_DEBUG), as the
 * DragonFly vkernel did with ddb:
 *   regs         general registers, RIP, RFLAGS, CR0/2/3/4, EFER, CPL
 *   x ADDR [N]   N bytes (default 16, at most 256) at guest-virtual ADDR,
 *                read with hv_copyin through the guest's page tables
 *   c            continue after the int3
 * Both backends step over the INT3 before reporting the #BP exit (hv/amd
 * svm_exit.c, hv/intel vmx_exit.c: the intercept comes before delivery with
 * RIP on the instruction, SDM Vol. 3 27.1, APM Vol. 2 15.12), so RIP is the
 * instruction after it here and `c` simply resumes.
 *   q            stop the VM
 * Input is COM1 through the console input buffer; after DB_IDLE_NS without
 * a keystroke the guest continues.  Bad input and
 * unreadable addresses give a one-line error and the prompt again.
 */
#include "vmtests.h"
#include "console.h"
#include "sched.h"

#define DB_LINE		80
#define DB_X_MAX	256
/*
 * No input for this long: continue the guest, so a `run vm_*` at boot (no
 * one at the console) passes the breakpoint instead of stalling into the
 * test's own watchdog (kern.test_timeout_ms).
 */
#define DB_IDLE_NS	(30ull * 1000000000ull)

/* Read one line with echo; false when nothing came for DB_IDLE_NS. */
static bool
db_readline(char *buf, size_t size)
{
	uint64_t last = time_ns();
	size_t n = 0;
	int c;

	for (;;) {
		console_poll_rx();
		c = console_getc();
		if (c < 0) {
			if (time_ns() - last > DB_IDLE_NS)
				return false;
			thread_sleep_ns(1000000);
			continue;
		}
		last = time_ns();
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			buf[n] = '\0';
			return true;
		}
		if ((c == 0x7f || c == '\b') && n > 0) {
			n--;
			kprintf("\b \b");
			continue;
		}
		if (c >= 0x20 && c < 0x7f && n < size - 1) {
			buf[n++] = (char)c;
			kprintf("%c", c);
		}
	}
}

static void
db_regs(struct hv_vcpu *vcpu)
{
	struct hv_regs r;
	int error = hv_vcpu_get_regs(vcpu, &r);

	if (error != 0) {
		kprintf("error: regs: %s (%d)\n", errno_name(error), error);
		return;
	}
	kprintf("rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx\n",
	    r.rax, r.rbx, r.rcx, r.rdx);
	kprintf("rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx rsp=0x%016lx\n",
	    r.rsi, r.rdi, r.rbp, r.rsp);
	kprintf("r8=0x%016lx r9=0x%016lx r10=0x%016lx r11=0x%016lx\n",
	    r.r8, r.r9, r.r10, r.r11);
	kprintf("r12=0x%016lx r13=0x%016lx r14=0x%016lx r15=0x%016lx\n",
	    r.r12, r.r13, r.r14, r.r15);
	kprintf("rip=0x%016lx rflags=0x%lx cpl=%u\n", r.rip, r.rflags, r.cpl);
	kprintf("cr0=0x%lx cr2=0x%lx cr3=0x%lx cr4=0x%lx efer=0x%lx\n",
	    r.cr0, r.cr2, r.cr3, r.cr4, r.efer);
}

static void
db_examine(struct hv_vcpu *vcpu, const char *args)
{
	char a[DB_LINE], *n;
	uint64_t addr, len = 16, off;
	uint8_t bytes[16];
	int error, i;

	strlcpy(a, args, sizeof(a));
	n = strchr(a, ' ');
	if (n != NULL) {
		*n++ = '\0';
		while (*n == ' ')
			n++;
	}
	if (a[0] == '\0' || parse_u64(a, &addr) != 0 ||
	    (n != NULL && *n != '\0' && parse_u64(n, &len) != 0)) {
		kprintf("error: usage: x ADDR [N] (ADDR, N decimal or 0x hex)\n");
		return;
	}
	if (len == 0 || len > DB_X_MAX) {
		kprintf("error: x: N must be 1..%d\n", DB_X_MAX);
		return;
	}
	for (off = 0; off < len; off += 16) {
		size_t chunk = len - off < 16 ? len - off : 16;

		error = hv_copyin(vcpu, addr + off, bytes, chunk);
		if (error != 0) {
			kprintf("error: x: 0x%lx: %s (%d)\n", (unsigned long)(addr + off),
			    errno_name(error), error);
			return;
		}
		kprintf("0x%016lx:", (unsigned long)(addr + off));
		for (i = 0; i < (int)chunk; i++)
			kprintf(" %02x", bytes[i]);
		kprintf("\n");
	}
}

enum db_verdict
db_prompt(struct hv_vcpu *vcpu)
{
	char line[DB_LINE];
	struct hv_regs r;

	if (hv_vcpu_get_regs(vcpu, &r) == 0)
		kprintf("db: guest #BP: int3 at 0x%lx, rip=0x%lx\n",
		    (unsigned long)(r.rip - 1), (unsigned long)r.rip);
	for (;;) {
		kprintf("db> ");
		if (!db_readline(line, sizeof(line))) {
			kprintf("\ndb: no input for %lu s, continuing\n",
			    (unsigned long)(DB_IDLE_NS / 1000000000ull));
			return DB_CONTINUE;
		}
		if (line[0] == '\0')
			continue;
		if (strcmp(line, "regs") == 0)
			db_regs(vcpu);
		else if (strcmp(line, "x") == 0 || strncmp(line, "x ", 2) == 0)
			db_examine(vcpu, line + 1 + (line[1] == ' '));
		else if (strcmp(line, "c") == 0)
			return DB_CONTINUE;
		else if (strcmp(line, "q") == 0)
			return DB_QUIT;
		else if (strcmp(line, "help") == 0)
			kprintf("  regs  registers\n  x ADDR [N]  dump guest memory\n"
			    "  c  continue\n  q  stop the VM\n");
		else
			kprintf("error: db: unknown command '%s' (regs, x ADDR [N], c, q)\n",
			    line);
	}
}
