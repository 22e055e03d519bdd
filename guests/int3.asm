; int3 - a breakpoint: hv reports the guest #BP to the host (HV_EXIT_DEBUG),
; which opens its db> prompt.  The guest prints the breakpoint's address and
; loads recognisable values into RBX and R15 first, so the prompt's `regs`
; and `x` output can be checked; after `c` it reports that it resumed.
%include "hv.inc"

main:
	MSG	"int3: breakpoint at "
	lea	rax, [breakpoint]
	MSGX	rax
	call	msg_puts
	mov	rbx, 0x1122334455667788
	mov	r15, 0x00000000feedface
breakpoint:
	int3
	mov	r12, rbx			; resumed: the registers survived?
	CHECK_EQX r12, 0x1122334455667788, "int3: resumed after the breakpoint, rbx"
	xor	eax, eax
	ret
