; cr4 - MOV to CR4 as the guest's CPUID says (hv/cr.c; SDM Vol. 2A MOV CR,
; Vol. 3A 2.5, 4.10.1; APM Vol. 2 3.1.3): #GP(0) for a reserved bit and for
; bits whose feature CPUID hides (VMXE), for clearing PAE or changing
; LA57 in long mode, for PCIDE with CR3[11:0] not 0; PKS, PCIDE with a clean
; CR3 and INVPCID behave as CPUID.7:ECX.PKS, CPUID.1:ECX.PCID and
; CPUID.7:EBX.INVPCID say; an allowed write through a REX register sticks.  WRMSR of a linear address
; (SYSENTER_ESP) checks it in the width CPUID.7:ECX.LA57 says (hv/msr.c).  The guest's own IDT
; catches the faults; CR4 is read back after each refused write.
%include "hv.inc"
%include "ring3.inc"
%include "try.inc"

; REFUSED bits, "label", "label2": OR bits into CR4 (through R9), expect
; #GP(0) and CR4 unchanged (RBX holds it).
%macro REFUSED 3
	mov	r9, rbx
	mov	rax, %1
	or	r9, rax
	TRY	{mov cr4, r9}
	CHECK_EQ [fault_vec], X86_VEC_GP, %2
	mov	rax, cr4
	CHECK_EQX rax, rbx, %3
%endmacro

; AS_CPUID leaf, bit, cr4bit, "label": setting CR4 bit cr4bit is #GP
; exactly when CPUID leaf (subleaf 0) has ECX bit clear; CR4 back as it
; was, in RBX (CPUID clobbers it: read again).
%macro AS_CPUID 4
	mov	eax, %1
	xor	ecx, ecx
	cpuid
	mov	rbx, cr4
	mov	r12d, NO_FAULT
	mov	eax, X86_VEC_GP
	bt	ecx, %2
	cmovnc	r12d, eax
	mov	r9, rbx
	bts	r9, %3
	TRY	{mov cr4, r9}
	CHECK_EQ [fault_vec], r12, %4
	mov	cr4, rbx
%endmacro

main:
	push	rbx
	push	r12
	push	r13
	push	r14
	call	cpu_setup
	IDT_GATE X86_VEC_UD, ud_handler, 0x8e
	IDT_GATE X86_VEC_GP, gp_handler, 0x8e
	mov	rbx, cr4

	REFUSED	1 << 15, "cr4: reserved bit 15 #GP", "cr4: kept after bit 15"
	CHECK_EQ [fault_err], 0, "cr4: #GP error code"
	REFUSED	X86_CR4_VMXE, "cr4: VMXE (CPUID hides VMX) #GP", "cr4: kept after VMXE"
	; PKS: hv shows it where the backend switches IA32_PKRS
	AS_CPUID 7, 31, 24, "cr4: PKS as CPUID.7:ECX.PKS says"
	mov	rax, cr4
	CHECK_EQX rax, rbx, "cr4: back without PKS"
	REFUSED	X86_CR4_LA57, "cr4: LA57 change in long mode #GP", "cr4: kept after LA57"

	; clearing PAE in long mode
	mov	r9, rbx
	and	r9, ~X86_CR4_PAE
	TRY	{mov cr4, r9}
	CHECK_EQ [fault_vec], X86_VEC_GP, "cr4: PAE clear in long mode #GP"

	; PCIDE while CR3[11:0] is not 0 (PWT), with or without PCID
	mov	r12, cr3
	mov	rax, r12
	or	rax, X86_CR3_PWT
	mov	cr3, rax
	REFUSED	X86_CR4_PCIDE, "cr4: PCIDE with cr3[11:0]!=0 #GP", "cr4: kept after PCIDE"
	mov	cr3, r12

	; PCIDE with a clean CR3: allowed exactly when CPUID shows PCID
	AS_CPUID 1, 17, 17, "cr4: PCIDE as CPUID.1:ECX.PCID says"

	; an allowed bit through a REX register (41 0F 22 E1): kept
	mov	r12, rbx
	btc	r12, 10			; X86_CR4_OSXMMEXCPT
	mov	r9, r12
	TRY	{mov cr4, r9}
	CHECK_EQ [fault_vec], NO_FAULT, "cr4: OSXMMEXCPT toggle taken"
	mov	rax, cr4
	CHECK_EQX rax, r12, "cr4: OSXMMEXCPT toggle reads back"
	mov	cr4, rbx

	; INVPCID (all contexts, type 2): runs exactly when CPUID shows it
	mov	eax, 7
	xor	ecx, ecx
	cpuid
	mov	r13d, ecx
	mov	r12d, NO_FAULT
	mov	eax, X86_VEC_UD
	bt	ebx, 10			; CPUID.7:EBX.INVPCID
	cmovnc	r12d, eax
	mov	ecx, 2
	TRY	{invpcid rcx, [invpcid_desc]}
	CHECK_EQ [fault_vec], r12, "cr4: INVPCID as CPUID.7:EBX.INVPCID says"

	; SYSENTER_ESP = 57-bit canonical, not 48: taken exactly with LA57
	mov	r12d, NO_FAULT
	mov	eax, X86_VEC_GP
	bt	r13d, 16		; CPUID.7:ECX.LA57 (ECX kept in R13D)
	cmovnc	r12d, eax
	mov	ecx, X86_MSR_SYSENTER_ESP
	rdmsr
	mov	r14d, eax
	shl	rdx, 32
	or	r14, rdx		; the guest's SYSENTER_ESP, put back below
	mov	ecx, X86_MSR_SYSENTER_ESP
	mov	eax, 0xaaaaaaaa
	mov	edx, 0xffaaaaaa
	TRY	{wrmsr}
	CHECK_EQ [fault_vec], r12, "cr4: wrmsr sysenter_esp 57-bit canonical as CPUID.7:ECX.LA57 says"
	mov	ecx, X86_MSR_SYSENTER_ESP
	mov	eax, 0xaaaaaaaa
	mov	edx, eax
	TRY	{wrmsr}
	CHECK_EQ [fault_vec], X86_VEC_GP, "cr4: wrmsr sysenter_esp non-canonical #GP"
	mov	ecx, X86_MSR_SYSENTER_ESP
	mov	eax, r14d
	mov	rdx, r14
	shr	rdx, 32
	wrmsr

	pop	r14
	pop	r13
	pop	r12
	pop	rbx
	xor	eax, eax
	ret

section .data
		align 16
invpcid_desc:	dq	0, 0		; PCID 0, address 0
