; badstate - asks the host (HC_HOST, action 1) to corrupt its guest state
; before the next entry: the host sets CR0.PG=1 with CR0.PE=0, which both
; VM-entry checks (SDM Vol. 3 26.3.1.1) and VMRUN checks (APM Vol. 2 15.5.1,
; EFER.LME=1 with CR0.PG=1 and CR0.PE=0) refuse.  The guest must never run
; again; if it does, it reports a failure.
%include "hv.inc"

HOST_CORRUPT_CR0 equ 1

main:
	PUTS	"badstate: asking the host to corrupt CR0"
	mov	edi, HOST_CORRUPT_CR0
	mov	eax, HC_HOST
	call	hypercall
	MSG	"badstate: guest ran after the corrupted entry, hc result="
	MSGD	rax
	xor	edi, edi
	call	report
	mov	eax, 1
	ret
