; hist_pressure - the problem the 20 Sep 2013 report left open: the host pages guest memory
; out under pressure while the guest uses it.  Each vCPU fills its own 512 KiB
; region (two words per page: at offset 0 and 0xff8, each its own address
; xor a seed), then verifies it again and again; vCPU 0 marks after each of
; its passes (the host pages both regions out), vCPU 1 verifies without
; stopping while that happens on the other CPU.  Every word must read back
; as written: one report per vCPU with the number of bad words (want 0).
%include "hv.inc"

REGION0		equ 0x800000
REGION1		equ 0x900000
REGION_LEN	equ 0x80000
SEED		equ 0x5eed5eed00000000
ROUNDS		equ 3
FLAGS		equ 0xc00000		; +0 vCPU 1 filled, +8 stop

main:
	mov	r12, REGION0
	test	rsi, rsi
	jz	.fill
	mov	r12, REGION1
.fill:	mov	rdi, r12
	call	fill
	test	rsi, rsi			; (fill keeps rsi)
	jnz	vcpu1
	mov	rcx, 1000000000			; vCPU 0: wait for vCPU 1's data
.wait:	cmp	qword [abs FLAGS], 0
	jne	.go
	pause
	dec	rcx
	jnz	.wait
.go:	xor	r13d, r13d			; bad words
	xor	ebx, ebx
.round:	mov	rdi, r12
	call	verify
	add	r13, rax
	inc	ebx
	mov	rdi, rbx
	call	hv_mark				; MARK 1..ROUNDS: the host pages out
	cmp	ebx, ROUNDS
	jb	.round
	mov	rdi, r12
	call	verify
	add	r13, rax
	mov	qword [abs FLAGS + 8], 1
	CHECK_EQ r13, 0, "pressure: vCPU 0 words not as written after the pageouts"
	jmp	pressure_out

vcpu1:
	mov	qword [abs FLAGS], 1
	xor	r13d, r13d
.again:	mov	rdi, r12
	call	verify
	add	r13, rax
	cmp	qword [abs FLAGS + 8], 0
	je	.again
	CHECK_EQ r13, 0, "pressure: vCPU 1 words not as written while paged out from the other CPU"
pressure_out:
	xor	eax, eax
	ret

; fill(rdi = region): two words per page.
fill:
	mov	rcx, REGION_LEN / 4096
	mov	rdx, SEED
.page:	mov	rax, rdi
	xor	rax, rdx
	mov	[rdi], rax
	lea	rax, [rdi + 0xff8]
	xor	rax, rdx
	mov	[rdi + 0xff8], rax
	add	rdi, 4096
	dec	rcx
	jnz	.page
	ret

; verify(rdi = region): RAX = words that are not as fill wrote them.
verify:
	xor	eax, eax
	mov	rcx, REGION_LEN / 4096
	mov	rdx, SEED
.page:	mov	r8, rdi
	xor	r8, rdx
	cmp	[rdi], r8
	je	.w2
	inc	rax
.w2:	lea	r8, [rdi + 0xff8]
	xor	r8, rdx
	cmp	[rdi + 0xff8], r8
	je	.next
	inc	rax
.next:	add	rdi, 4096
	dec	rcx
	jnz	.page
	ret
