; regs.asm - void regs_capture(struct trapframe *tf): the caller's registers
; as a trap frame (RIP = return address, RSP = the caller's), so panic() can
; print the same decoded dump as an exception.

bits 64
section .text
global regs_capture
regs_capture:
	mov [rdi + 0*8], r15
	mov [rdi + 1*8], r14
	mov [rdi + 2*8], r13
	mov [rdi + 3*8], r12
	mov [rdi + 4*8], r11
	mov [rdi + 5*8], r10
	mov [rdi + 6*8], r9
	mov [rdi + 7*8], r8
	mov [rdi + 8*8], rbp
	mov [rdi + 9*8], rdi
	mov [rdi + 10*8], rsi
	mov [rdi + 11*8], rdx
	mov [rdi + 12*8], rcx
	mov [rdi + 13*8], rbx
	mov [rdi + 14*8], rax
	mov qword [rdi + 15*8], -1	; vector: none
	mov qword [rdi + 16*8], 0	; error code
	mov rax, [rsp]
	mov [rdi + 17*8], rax		; rip: where we were called from
	mov ax, cs
	movzx eax, ax
	mov [rdi + 18*8], rax
	pushfq
	pop rax
	mov [rdi + 19*8], rax
	lea rax, [rsp + 8]
	mov [rdi + 20*8], rax		; rsp before the call
	mov ax, ss
	movzx eax, ax
	mov [rdi + 21*8], rax
	mov rax, [rdi + 14*8]
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
