; hello - the smallest guest: one line through HC_PUTS, one through the
; guest COM1 port (OUT 0x3f8, handled inside hv), a check, exit 0.
%include "hv.inc"

main:
	PUTS	"hello from the guest via HC_PUTS"
	lea	rdi, [com1_msg]
	call	com1_puts
	MSG	"hello: vcpu="
	MSGD	[hv_vcpu_id]
	MSGS	" mem="
	MSGX	[hv_mem_size]
	MSGS	" vmmcall="
	movzx	eax, byte [hv_use_vmmcall]
	MSGD	rax
	mov	edi, 1
	call	report
	xor	eax, eax
	ret

section .data
com1_msg:	db	"hello from the guest via COM1", 10, 0
