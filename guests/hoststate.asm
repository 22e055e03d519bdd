; hoststate - many exits of several kinds (nested faults, CPUID, marks)
; while the host changes its thread's address space and TLS base between
; entries (at each MARK): after every return from the guest the host checks
; that its own CR3 and FS base are the ones it set (the 2013 stale
; HOST_CR3 and zero HOST_FS_BASE bugs, testkern/vmtests/guests.c).
%include "hv.inc"

ROUNDS		equ 40
FRESH		equ 0x800000

main:
	xor	ebx, ebx
.round:	inc	ebx
	mov	rax, rbx
	shl	rax, 12
	mov	[rax + FRESH], rbx		; a fresh page: a nested fault exit
	push	rbx
	mov	eax, 1
	cpuid					; a CPUID exit
	pop	rbx
	mov	rdi, rbx
	call	hv_mark				; the host switches CR3 and FS base
	cmp	ebx, ROUNDS
	jb	.round
	xor	eax, eax
	ret
