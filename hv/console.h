/*
 * console.h - guest text on the host console (hv/console.c): every line a
 * guest prints, through COM1 or HC_PUTS, goes out here, cut to
 * HV_CONSOLE_LINE_MAX characters and under its VM's budget.
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_vm;
struct hv_vcpu;

/* Characters of one guest line that reach the console; the rest is dropped. */
#define HV_CONSOLE_LINE_MAX	120

/* A VM's budget: the window now open and what was dropped since the last
 * summary line (hv/console.c). */
struct hv_console {
	volatile int	 lock;
	bool		 window_open;	/* a line was printed or dropped since creation */
	uint64_t	 window_start;	/* ns: when the window opened */
	uint32_t	 lines, bytes;	/* printed in this window */
	uint64_t	 dropped_lines, dropped_bytes;
};

/* A guest line being assembled (a vCPU's COM1, one HC_PUTS). */
struct hv_console_buf {
	char		 text[HV_CONSOLE_LINE_MAX + 1];
	size_t		 len;
	size_t		 cut;		/* characters beyond the limit */
};

/*
 * One guest byte into b: '\n' ends the line, which goes out as
 * "guest<vm>.<vcpu>: text" or is dropped and counted; '\r' is ignored;
 * a byte outside printable ASCII and tab becomes '?'.
 */
void	 hv_console_put(struct hv_vcpu *vcpu, struct hv_console_buf *b, uint8_t byte);
/* The line in b so far, if it has anything, as if '\n' came. */
void	 hv_console_flush(struct hv_vcpu *vcpu, struct hv_console_buf *b);
/* The VM goes: the summary of what it dropped since the last one. */
void	 hv_console_fini(struct hv_vm *vm);
/* hw.vmm.console.* (hv_init): 0 or HV_E*. */
int	 hv_console_publish(void);

#endif /* HV_CONSOLE_H */
