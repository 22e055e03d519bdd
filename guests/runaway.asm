; runaway - spins forever with interrupts off and never exits.  Only the
; host's preemption (host interrupts exit the guest) and its watchdog can stop
; it; the test expects a TIMEOUT verdict from the runner, not a hang.
%include "hv.inc"

main:
	PUTS	"runaway: spinning with interrupts disabled"
	cli
.spin:	jmp	.spin
