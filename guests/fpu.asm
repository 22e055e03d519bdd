; fpu - the guest side of vm_fpu and vm_avx (testkern/vmtests/fpu.c): the
; guest loads its own x87/AVX state, makes HC_MARK (the host loads its own
; state while the guest is out), then checks its state survived.  The host
; picks the case in R13 before the first entry (vm_run_case).
%include "hv.inc"

GUEST_FCW	equ 0x0b7f

main:
	cmp	r13, 1
	je	avx
	ja	.bad
	jmp	fpu
.bad:	mov	eax, 99			; unknown case
	ret

; 0: FCW = GUEST_FCW, HC_MARK, then exit with the FCW read back
fpu:
	fninit
	sub	rsp, 16
	mov	word [rsp], GUEST_FCW
	fldcw	[rsp]
	xor	edi, edi
	call	hv_mark
	fnstcw	[rsp + 2]
	movzx	eax, word [rsp + 2]
	add	rsp, 16
	ret

; 1: CR4.OSXSAVE on, XCR0 = x87|SSE|AVX (it starts at x87 only), a pattern
; in ymm0[255:128], HC_MARK, then exit with the upper half XOR the pattern
; (0: intact)
avx:
	mov	rax, cr4
	or	rax, X86_CR4_OSXSAVE
	mov	cr4, rax
	xor	ecx, ecx
	xor	edx, edx
	mov	eax, X86_XCR0_AVX
	xsetbv
	sub	rsp, 32
	mov	rax, 0x6a7b8c9d01234567
	mov	[rsp], rax
	mov	rax, 0x0badcafe5eed1e55
	mov	[rsp + 8], rax
	vinsertf128 ymm0, ymm0, [rsp], 1
	xor	edi, edi
	call	hv_mark
	vextractf128 [rsp + 16], ymm0, 1
	mov	rax, [rsp + 16]
	xor	rax, [rsp]
	mov	rdx, [rsp + 24]
	xor	rdx, [rsp + 8]
	or	rax, rdx
	add	rsp, 32
	ret
