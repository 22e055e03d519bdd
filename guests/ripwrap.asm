; ripwrap - outside 64-bit mode the instruction pointer is EIP and wraps at
; 4 GiB (SDM Vol. 1 3.5, 3.6; APM Vol. 1 2.2.4), also after an instruction
; hv completes in the guest's place: CPUID (which exits on both backends)
; at EIP 0xfffffffe of a compatibility-mode code segment (base 0, D=1) goes
; on at EIP 0, where code returns to 64-bit mode.  The guest's own tables
; map the page at 0xfffff000 to guest memory; EIP 0 is in its identity map.
; An EIP carried to bit 32 is refused by VM entry outside 64-bit mode (SDM
; Vol. 3C 26.3.1.4: RIP bits 63:32 must be 0).
%include "hv.inc"
%include "paging.inc"

SEL_CODE64	equ	0x08
SEL_DATA	equ	0x10
SEL_CODE32	equ	0x18
TOP_PAGE_VA	equ	0xfffff000		; the last page below 4 GiB
TOP_PAGE_PA	equ	0x380000		; backed by this page of guest memory

main:
	push	rbx
	push	r12
	push	r13
	; vendor string part of CPUID leaf 0 in 64-bit code, to compare
	xor	eax, eax
	cpuid
	mov	[want_ebx], ebx
	; a GDT with a 32-bit code segment; CS and SS reloaded from it
	lgdt	[gdtr]
	push	SEL_CODE64
	lea	rax, [.cs]
	push	rax
	retfq
.cs:	mov	eax, SEL_DATA
	mov	ss, eax
	mov	ds, eax
	mov	es, eax
	; the page at the top of 4 GiB, and the code at both ends of EIP
	mov	esi, TOP_PAGE_VA
	mov	edx, TOP_PAGE_PA
	call	pt_identity_plus
	mov	word [abs TOP_PAGE_PA + 0xffe], 0xa20f	; CPUID at EIP 0xfffffffe
	mov	byte [abs 0], 0x6a				; EIP 0: push SEL_CODE64
	mov	byte [abs 1], SEL_CODE64
	mov	byte [abs 2], 0x68				; push imm32 back64
	lea	rax, [back64]
	mov	[abs 3], eax
	mov	byte [abs 7], 0xcb				; retf
	; far return into compatibility mode at EIP 0xfffffffe, leaf 0
	mov	[saved_rsp], rsp
	push	SEL_CODE32
	mov	ecx, 0xfffffffe
	push	rcx
	xor	eax, eax
	retfq

; back in 64-bit code; upper halves of the registers are undefined after
; compatibility mode (SDM Vol. 1 3.4.1.1): the stack pointer from memory
back64:
	mov	rsp, [saved_rsp]
	mov	[got_ebx], ebx
	mov	eax, [got_ebx]
	mov	edx, [want_ebx]
	CHECK_EQX rax, rdx, "ripwrap: CPUID at eip 0xfffffffe: ebx of leaf 0"
	pop	r13
	pop	r12
	pop	rbx
	xor	eax, eax
	ret

section .data
	align	8
gdt:	dq	0
	dq	0x00af9a000000ffff	; 0x08 64-bit code
	dq	0x00cf92000000ffff	; 0x10 flat data
	dq	0x00cf9a000000ffff	; 0x18 32-bit code, base 0, 4 GiB (D=1, L=0)
gdtr:	dw	4 * 8 - 1
	dq	gdt
saved_rsp:	dq	0
want_ebx:	dq	0
got_ebx:	dq	0
