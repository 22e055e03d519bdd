; oob - the guest maps a page of its own tables to a guest-physical address
; beyond its memory and reads it: the nested fault cannot be resolved and
; the VM must stop with a decoded error naming the address, not hang or
; hand the guest some host page.
%include "hv.inc"
%include "paging.inc"

OOB_VA		equ 0x40000000
OOB_GPA		equ 0x7f000000		; far above the 16 MiB of the test VM

main:
	call	pt_new_identity
	mov	[pml4], rax
	mov	rdi, [pml4]
	mov	esi, OOB_VA
	mov	edx, OOB_GPA
	xor	ecx, ecx
	call	pt_map4k
	mov	rdi, [pml4]
	call	pt_load
	PUTS	"oob: reading guest-physical 0x7f000000"
	mov	rax, [abs OOB_VA]
	MSG	"oob: the read beyond guest memory returned "	; never
	MSGX	rax
	xor	edi, edi
	call	report
	mov	eax, 1
	ret

section .data
pml4:	dq 0
