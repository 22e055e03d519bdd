; flood - a guest that tries to flood the host console both ways: one
; 300-character COM1 line, 3000 COM1 lines (6000 OUTs), one HC_PUTS of
; 1024 newlines (1024 empty lines) and one of 512 "p" lines; then MARK 2
; and one last COM1 line.  Each HC_PUTS must still return 0: the guest
; cannot tell a dropped line from a printed one.  flood.scn has the counts
; its VM's console budget lets through.
%include "hv.inc"

COM1_LINES	equ 3000
LONG_LINE	equ 300
PUTS_LEN	equ 1024
BUF		equ 0x300000		; the HC_PUTS strings, above the image

main:
	MARK	1				; the host makes the window long
	mov	dx, HV_GUEST_COM1
	mov	ecx, LONG_LINE
	mov	al, 'x'
.long:	out	dx, al
	dec	ecx
	jnz	.long
	mov	al, 10
	out	dx, al
	mov	ebx, COM1_LINES
.com1:	mov	al, 'c'
	out	dx, al
	mov	al, 10
	out	dx, al
	dec	ebx
	jnz	.com1
	; HC_PUTS of PUTS_LEN newlines, then of PUTS_LEN / 2 "p" lines
	mov	edi, BUF
	mov	al, 10
	mov	ecx, PUTS_LEN
	rep stosb
	mov	edi, BUF
	mov	esi, PUTS_LEN
	mov	eax, HC_PUTS
	call	hypercall
	mov	rbx, rax
	CHECK_EQ rbx, 0, "flood: HC_PUTS of 1024 newlines"
	mov	edi, BUF
	mov	ax, 0x0a70			; "p\n"
	mov	ecx, PUTS_LEN / 2
	rep stosw
	mov	edi, BUF
	mov	esi, PUTS_LEN
	mov	eax, HC_PUTS
	call	hypercall
	mov	rbx, rax
	CHECK_EQ rbx, 0, "flood: HC_PUTS of 512 lines"
	MARK	2				; the host ends the window
	lea	rdi, [after]
	call	com1_puts
	xor	eax, eax
	ret

section .data
after:	db	"after the flood", 10, 0
