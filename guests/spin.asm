; spin - every vCPU counts forever in its own word (0x800000 + 8 * id),
; making an HC_NOP (handled inside hv, no host exit) every 2^16 counts.  It
; never ends by itself: the host stops it (vmmcheck, hv/dragonfly/user/dev.c,
; destroys the VM under it).
%include "hv.inc"

COUNTERS	equ 0x800000

main:
	lea	rbx, [COUNTERS + rsi * 8]
	xor	r12d, r12d
.loop:	inc	qword [rbx]
	inc	r12d
	test	r12d, 0xffff
	jnz	.loop
	mov	eax, HC_NOP
	call	hypercall
	jmp	.loop
