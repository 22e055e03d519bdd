; intnp - a fault while the CPU delivers an INTn the guest runs: it reports
; the INT instruction's own address, so the handler's IRET runs the INT
; again (SDM Vol. 3A 6.5, 6.12.1.1; hv/amd/vmcb.c: INTn is not intercepted
; unless the host's debugger takes breakpoints).
;  - vector 0x80's gate is not present: INT 0x80 raises #NP with the error
;    code of an IDT entry (IDT bit set, EXT clear; the index field is not
;    checked: QEMU TCG writes vector * 16 there, Bochs vector * 8) and RIP
;    on the INT; the #NP handler marks the gate present and returns there;
;    the INT then reaches its handler once, with RIP past the INT.
;  - an INT whose frame goes to a page never touched: a nested page fault
;    in the middle of its delivery; the handler still runs once, its frame
;    RIP past the INT (SVM once injected the interrupted INT again with RIP
;    on the instruction, which the handler's IRET then ran a second time).
%include "hv.inc"
%include "ring3.inc"

VEC		equ 0x80
GATE_ABSENT	equ 0x0e		; 64-bit interrupt gate, P clear
GATE_PRESENT	equ 0x8e
FRESH_TOP	equ 0x380000		; the top of a page nothing touches before

main:
	call	cpu_setup
	IDT_GATE X86_VEC_NP, np_handler, GATE_PRESENT
	IDT_GATE VEC, int_handler, GATE_ABSENT
	lea	r12, [int_at]
	lea	r13, [int_after]
int_at:
	int	VEC
int_after:
	CHECK_EQ [np_count], 1, "intnp: one #np"
	CHECK_EQX [np_rip], r12, "intnp: #np rip on the int instruction"
	mov	rax, [np_err]
	and	eax, 3			; EXT (bit 0) and IDT (bit 1): SDM 6.13
	CHECK_EQX rax, 2, "intnp: #np error code: an idt entry, not external"
	CHECK_EQ [int_count], 1, "intnp: the int reaches its handler once the gate is present"
	CHECK_EQX [int_rip], r13, "intnp: its frame rip past the int"
	; the INT's frame goes to a page the guest never touched: its first
	; write is a nested page fault in the middle of the delivery, after
	; which the delivery is done again: one handler run, RIP past the INT
	mov	r14, rsp
	mov	rsp, FRESH_TOP
	lea	r13, [int2_after]
	int	VEC
int2_after:
	mov	rsp, r14
	CHECK_EQ [int_count], 2, "intnp: an int whose frame is on a fresh page reaches its handler once"
	CHECK_EQX [int_rip], r13, "intnp: that frame's rip past the int"
	xor	eax, eax
	ret

; #NP: error code, then RIP, CS, RFLAGS, RSP, SS.
np_handler:
	push	rax
	mov	rax, [rsp + 8]
	mov	[np_err], rax
	mov	rax, [rsp + 16]
	mov	[np_rip], rax
	inc	qword [np_count]
	lea	rax, [idt]
	mov	byte [rax + VEC * 16 + 5], GATE_PRESENT
	pop	rax
	add	rsp, 8			; the error code
	iretq

int_handler:
	push	rax
	mov	rax, [rsp + 8]
	mov	[int_rip], rax
	inc	qword [int_count]
	pop	rax
	iretq

section .data
	align 8
np_count:	dq 0
np_rip:		dq 0
np_err:		dq 0
int_count:	dq 0
int_rip:	dq 0
section .text
