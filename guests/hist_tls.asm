; hist_tls - two vkernel threads on one vCPU, each with its own TLS area set
; through HC_SET_TLS, switched between at every round; each checks %fs:0
; before and after the MARK exit where the host checks its own TLS (the
; 2013 zero HOST_FS_BASE bug, guests/zero_host_fs.scn).
; One report at the end: the number of wrong %fs:0 reads (want 0).
%include "hv.inc"

ROUNDS		equ 24
TLS_A		equ 0x300000
TLS_B		equ 0x301000

main:
	mov	qword [abs TLS_A], TLS_A	; self pointers, as a TLS block starts
	mov	qword [abs TLS_B], TLS_B
	xor	ebx, ebx			; mark number
	xor	r12d, r12d			; wrong reads
.round:	inc	ebx
	test	ebx, 1
	mov	r13d, TLS_A			; odd marks: thread A, even: thread B
	jnz	.set
	mov	r13d, TLS_B
.set:	mov	rdi, r13
	mov	eax, HC_SET_TLS
	call	hypercall
	cmp	[fs:0], r13
	je	.ok1
	inc	r12
.ok1:	mov	rdi, rbx
	call	hv_mark				; host: TLS checks, yield, migrate
	cmp	[fs:0], r13
	je	.ok2
	inc	r12
.ok2:	cmp	ebx, ROUNDS * 2
	jb	.round
	CHECK_EQ r12, 0, "hist_tls: wrong %fs:0 reads in the guest's two TLS areas"
	xor	eax, eax
	ret
