; tls - HC_SET_TLS: the vkernel thread's TLS pointer becomes the guest FS
; base at the next entry.  The guest stores two markers, asks for FS base =
; their address, and reads them back through FS; a non-canonical base must be
; refused (-EINVAL) and leave the old base in place.
%include "hv.inc"

TLS_GPA		equ 0x300000
EINVAL		equ 22

main:
	mov	rax, 0x7115da7a00000001
	mov	[abs TLS_GPA], rax
	mov	rax, 0x7115da7a00000002
	mov	[abs TLS_GPA + 8], rax
	mov	edi, TLS_GPA
	mov	eax, HC_SET_TLS
	call	hypercall
	CHECK_EQ rax, 0, "tls: HC_SET_TLS(0x300000) result"
	mov	rax, [fs:0]
	CHECK_EQX rax, 0x7115da7a00000001, "tls: fs:0 after HC_SET_TLS"
	mov	rax, [fs:8]
	CHECK_EQX rax, 0x7115da7a00000002, "tls: fs:8 after HC_SET_TLS"
	mov	rdi, 0x0000800000000000
	mov	eax, HC_SET_TLS
	call	hypercall
	CHECK_EQ rax, -EINVAL, "tls: HC_SET_TLS(non-canonical) result"
	mov	rax, [fs:0]
	CHECK_EQX rax, 0x7115da7a00000001, "tls: fs:0 after the refused HC_SET_TLS"
	xor	eax, eax
	ret
