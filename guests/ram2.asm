; ram2 - a VM's second range of RAM (hv_vm_add_ram; the scenario's
; `mem 4M ram 0xff000000 64K`): guest-physical 0xff000000-0xff00ffff, far
; above the memory at 0, is RAM like it.  Through its own page tables the
; guest writes the first and the last qword of the range and a qword of the
; memory at 0 in the page the range's first page follows in hv's page
; array (a slot mix-up would alias them), reads them back, and again after
; the host paged the range out at MARK 1 (the scenario counts 2 pageouts).
%include "hv.inc"
%include "paging.inc"

RAM2		equ	0xff000000
RAM2_LEN	equ	0x10000
LOW		equ	0x3ff000	; the last page of the memory at 0 (4 MiB)
A		equ	0x1122334455667788
B		equ	0x99aabbccddeeff00
C		equ	0x0123456789abcdef

main:
	push	rbx
	push	r12
	call	pt_new_identity
	mov	rbx, rax
	xor	r12d, r12d
.map:	mov	rdi, rbx
	mov	esi, RAM2
	add	rsi, r12
	mov	rdx, rsi
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	add	r12d, 4096
	cmp	r12d, RAM2_LEN
	jb	.map
	mov	rdi, rbx
	call	pt_load
	mov	ebx, RAM2		; above 2 GiB: no disp32 reaches it
	mov	rax, A
	mov	[rbx], rax
	mov	rax, B
	mov	[rbx + RAM2_LEN - 8], rax
	mov	rax, C
	mov	[abs LOW], rax
	call	check
	MARK	1			; host: page the range out
	call	check
	pop	r12
	pop	rbx
	xor	eax, eax
	ret

; the three values as written
check:
	mov	rax, [rbx]
	mov	rcx, A
	CHECK_EQX rax, rcx, "ram2: first qword of the range"
	mov	rax, [rbx + RAM2_LEN - 8]
	mov	rcx, B
	CHECK_EQX rax, rcx, "ram2: last qword of the range"
	mov	rax, [abs LOW]
	mov	rcx, C
	CHECK_EQX rax, rcx, "ram2: the memory at 0 apart from it"
	ret
