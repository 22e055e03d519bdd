; cpuid - the hv CPUID leaf: signature, the VMMCALL flag against the CPU
; vendor (AMD -> VMMCALL, Intel -> VMCALL), no reserved flag bits, and VMX/SVM
; hidden from the guest.  Reaching the first report at all proves the
; hypercall instruction picked from the flag works.
%include "hv.inc"

main:
	mov	eax, [hv_leaf_ebx]		; zero-extends
	CHECK_EQX rax, HV_CPUID_SIG_EBX, "cpuid: leaf 0x40000000 ebx"
	mov	eax, [hv_leaf_ecx]		; zero-extends
	CHECK_EQX rax, HV_CPUID_SIG_ECX, "cpuid: leaf 0x40000000 ecx"
	mov	eax, [hv_leaf_edx]		; zero-extends
	CHECK_EQX rax, HV_CPUID_SIG_EDX, "cpuid: leaf 0x40000000 edx"
	mov	eax, [hv_leaf_eax]
	and	eax, ~HV_CPUID_F_VMMCALL
	CHECK_EQX rax, 0, "cpuid: reserved flag bits of leaf eax"

	xor	eax, eax
	cpuid
	mov	[vendor], ebx
	mov	[vendor + 4], edx
	mov	[vendor + 8], ecx
	; expected flag: 1 on "AuthenticAMD", 0 on "GenuineIntel", else unknown (2)
	mov	r8d, 2
	cmp	ebx, 0x68747541		; "Auth"
	jne	.intel
	mov	r8d, 1
.intel:	cmp	ebx, 0x756e6547		; "Genu"
	jne	.cmp
	xor	r8d, r8d
.cmp:	mov	[want_flag], r8
	MSG	"cpuid: vendor="
	lea	rdi, [vendor]
	call	msg_str
	MSGS	" leaf_eax="
	mov	eax, [hv_leaf_eax]
	MSGX	rax
	MSGS	" vmmcall_flag="
	movzx	eax, byte [hv_use_vmmcall]
	MSGD	rax
	MSGS	" want="
	MSGD	[want_flag]
	movzx	eax, byte [hv_use_vmmcall]
	xor	edi, edi
	cmp	rax, [want_flag]
	sete	dil
	call	report

	mov	eax, 1
	xor	ecx, ecx
	cpuid
	and	ecx, 1 << 5		; CPUID.1:ECX.VMX
	CHECK_EQ rcx, 0, "cpuid: leaf 1 ecx.vmx (bit 5) hidden"
	mov	eax, 0x80000001
	xor	ecx, ecx
	cpuid
	and	ecx, 1 << 2		; CPUID.80000001:ECX.SVM
	CHECK_EQ rcx, 0, "cpuid: leaf 0x80000001 ecx.svm (bit 2) hidden"
	xor	eax, eax
	ret

section .data
vendor:		times 16 db 0
want_flag:	dq 0
