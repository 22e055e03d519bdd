; rf - the RFLAGS image pushed for a fault hv injects has RF set (SDM Vol.
; 3A 6.6 Table 6-1, 18.3.1.1): the guest's own IDT catches the #UD hv
; reflects for UD2 and the #GP hv gives for RDMSR of an MSR it does not
; have, reads the pushed RFLAGS and steps over the 2-byte instruction.
%include "hv.inc"
%include "ring3.inc"

main:
	call	cpu_setup
	IDT_GATE X86_VEC_UD, ud_handler, 0x8e
	IDT_GATE X86_VEC_GP, gp_handler, 0x8e
	ud2
	mov	rax, [ud_rflags]
	and	eax, X86_RFLAGS_RF
	CHECK_EQX rax, X86_RFLAGS_RF, "rf: #UD (reflected) pushed rflags.rf"
	mov	ecx, 0x12345		; no such MSR
	rdmsr
	mov	rax, [gp_rflags]
	and	eax, X86_RFLAGS_RF
	CHECK_EQX rax, X86_RFLAGS_RF, "rf: #GP (rdmsr) pushed rflags.rf"
	CHECK_EQ [gp_error], 0, "rf: #GP error code"
	xor	eax, eax
	ret

; frame without an error code: RIP, CS, RFLAGS, RSP, SS
ud_handler:
	mov	rax, [rsp + 16]
	mov	[ud_rflags], rax
	add	qword [rsp], 2
	iretq

; with one: error, RIP, CS, RFLAGS, ...
gp_handler:
	pop	rax
	mov	[gp_error], rax
	mov	rax, [rsp + 16]
	mov	[gp_rflags], rax
	add	qword [rsp], 2
	iretq

section .data
ud_rflags:	dq	0
gp_rflags:	dq	0
gp_error:	dq	-1
