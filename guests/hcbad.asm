; hcbad - bad hypercalls get an error in RAX and the guest goes on: an
; unknown number, HC_PUTS with an unmapped or overlong buffer, HC_COPY_TEST
; with an unknown operation or length, HC_HOST with no host action.
%include "hv.inc"
%include "copytest.inc"

EINVAL		equ 22
UNMAPPED	equ 0x10000000		; beyond the boot identity map of 16 MiB

main:
	mov	eax, 99
	call	hypercall
	CHECK_EQ rax, -EINVAL, "hcbad: unknown hypercall 99"
	mov	edi, UNMAPPED
	mov	esi, 8
	mov	eax, HC_PUTS
	call	hypercall
	CHECK_EQ rax, -EFAULT, "hcbad: HC_PUTS from an unmapped address"
	lea	rdi, [msgbuf]
	mov	esi, 5000
	mov	eax, HC_PUTS
	call	hypercall
	CHECK_EQ rax, -EINVAL, "hcbad: HC_PUTS of 5000 bytes"
	COPYOP	99, msgbuf, 8, 0
	CHECK_EQ rax, -EINVAL, "hcbad: HC_COPY_TEST unknown op"
	COPYOP	COPY_COPYIN, msgbuf, 5000, 0
	CHECK_EQ rax, -EINVAL, "hcbad: HC_COPY_TEST of 5000 bytes"
	mov	edi, 42
	mov	eax, HC_HOST
	call	hypercall
	CHECK_EQ rax, -EINVAL, "hcbad: HC_HOST with no host action"
	xor	eax, eax
	ret
