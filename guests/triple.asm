; triple - an exception with an empty IDT: #UD cannot be delivered (#GP),
; nor can that (#DF), so the guest triple-faults (SDM Vol. 3 6.15, "Interrupt
; 8"; APM Vol. 2 8.2.9).  The host must get a decoded error, not a hang.
%include "hv.inc"

main:
	PUTS	"triple: loading an empty IDT, then ud2"
	lidt	[hv_null_idt]
	ud2
	MSG	"triple: ud2 returned"		; never: the VM is gone
	xor	edi, edi
	call	report
	mov	eax, 1
	ret
