; smp - two vCPUs of one VM.  Each adds ROUNDS to a shared counter with
; LOCK INC, marks (the host migrates the vCPU threads to the other CPU
; there), adds ROUNDS more, then waits for the total.  vCPU 0 reports; vCPU 1
; exits with 0 when it saw the right total, 1 otherwise.
%include "hv.inc"

ROUNDS		equ 20000
NVCPU		equ 2
SPIN_LIMIT	equ 2000000000

main:
	mov	rbx, rsi			; vCPU id
	call	add_rounds
	lea	rdi, [rbx + 10]
	call	hv_mark				; MARK 10 + id: host migrates us
	call	add_rounds
	; wait for the other vCPU
	mov	rcx, SPIN_LIMIT
.wait:	cmp	qword [counter], 2 * ROUNDS * NVCPU
	je	.done
	pause
	dec	rcx
	jnz	.wait
.done:	mov	r8, [counter]
	test	rbx, rbx
	jnz	.other
	CHECK_EQ r8, 2 * ROUNDS * NVCPU, "smp: shared counter after both vCPUs"
	xor	eax, eax
	ret
.other:	xor	eax, eax
	cmp	r8, 2 * ROUNDS * NVCPU
	setne	al
	ret

add_rounds:
	mov	ecx, ROUNDS
.inc:	lock inc qword [counter]
	dec	ecx
	jnz	.inc
	ret

section .data
	align 8
counter:	dq 0
