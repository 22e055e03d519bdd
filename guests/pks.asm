; pks - supervisor protection keys (SDM Vol. 3A 4.6.2, 2.5, 4.7): where the
; guest's CPUID.(EAX=7,ECX=0):ECX[31] shows PKS, its own IA32_PKRS (reset
; value 0, WRMSR/RDMSR round trip, #GP for reserved bit 32) rules the
; writes of its supervisor pages under its own CR4.PKS: a page with key 5
; under PKRS.WD(5) gives #PF with P, W and PK in the error code and CR2 the
; address, a page with key 6 stays writable, and both still after a host
; round trip (HC_MARK 2: hv puts the host's PKRS back and the guest's in
; again).  Its scenario reboots the VM at HC_MARK 1, with PKRS.WD(5) and
; CR4.PKS still set: the guest after it starts again from the top, where
; PKRS reads 0 and the key-5 page is writable under CR4.PKS.  Where CPUID
; hides PKS, RDMSR and WRMSR of PKRS and MOV to CR4 with PKS are #GP.
; The guest's own IDT catches the faults.
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"
%include "pfcatch.inc"
%include "try.inc"

KEY_A		equ 5			; the key PKRS write-disables
KEY_B		equ 6			; a key it leaves open
VA_A		equ 0x40000000		; a supervisor page with key KEY_A
VA_B		equ 0x40001000		; a supervisor page with key KEY_B
PA_A		equ 0x300000
PA_B		equ 0x301000
PKRS_VAL	equ (1 << (2 * KEY_A + 1)) | (3 << 30)	; WD(5), AD(15), WD(15)
PK_WRITE	equ X86_PFERR_P | X86_PFERR_W | X86_PFERR_PK
NO_PF		equ -1

main:
	push	rbx
	push	r12
	call	cpu_setup
	IDT_GATE X86_VEC_GP, gp_handler, 0x8e
	IDT_GATE X86_VEC_PF, pf_handler, 0x8e
	mov	eax, 7
	xor	ecx, ecx
	cpuid
	bt	ecx, 31
	jnc	hidden
	PUTS	"pks: CPUID.(EAX=7,ECX=0):ECX[31] set: PKS shown"

	; this guest's PKRS from its start: 0, whatever a guest before it left
	call	rd_pkrs
	mov	r12, rax
	CHECK_EQ [fault_vec], NO_FAULT, "pks: rdmsr PKRS taken"
	CHECK_EQX r12, 0, "pks: PKRS 0 at the guest's start"

	; its own tables: the two keyed supervisor pages, writable
	call	pt_new_identity
	mov	rbx, rax
	mov	rdi, rbx
	mov	esi, VA_A
	mov	edx, PA_A
	mov	rcx, X86_PTE_RW | (KEY_A << X86_PTE_PKEY_SHIFT)
	call	pt_map4k
	mov	rdi, rbx
	mov	esi, VA_B
	mov	edx, PA_B
	mov	rcx, X86_PTE_RW | (KEY_B << X86_PTE_PKEY_SHIFT)
	call	pt_map4k
	mov	rdi, rbx
	call	pt_load
	mov	rax, cr0			; WD rules supervisor writes with WP
	or	rax, X86_CR0_WP
	mov	cr0, rax

	mov	rax, cr4
	or	rax, X86_CR4_PKS
	mov	r12, rax
	TRY	{mov cr4, r12}
	CHECK_EQ [fault_vec], NO_FAULT, "pks: mov cr4 with PKS taken"
	mov	rax, cr4
	CHECK_EQX rax, r12, "pks: CR4.PKS reads back"
	mov	edi, VA_A
	call	probe_write
	CHECK_EQX rax, NO_PF, "pks: write to key 5 under the guest's reset PKRS: no #PF"

	mov	ecx, X86_MSR_PKRS
	mov	eax, PKRS_VAL
	xor	edx, edx
	TRY	{wrmsr}
	CHECK_EQ [fault_vec], NO_FAULT, "pks: wrmsr PKRS 0xc0000800 taken"
	call	rd_pkrs
	CHECK_EQX rax, PKRS_VAL, "pks: rdmsr PKRS reads it back"
	mov	ecx, X86_MSR_PKRS
	xor	eax, eax
	mov	edx, 1				; bit 32: reserved
	TRY	{wrmsr}
	CHECK_EQ [fault_vec], X86_VEC_GP, "pks: wrmsr PKRS with bit 32 set #GP"
	CHECK_EQ [fault_err], 0, "pks: #GP error code"
	call	rd_pkrs
	CHECK_EQX rax, PKRS_VAL, "pks: PKRS unchanged by the refused write"

	call	probe_rights
	MARK	2				; a host round trip: rights again
	call	probe_rights
	MARK	1				; the scenario reboots here once
	pop	r12
	pop	rbx
	xor	eax, eax
	ret

; PKS hidden: no PKRS, no CR4.PKS
hidden:
	PUTS	"pks: CPUID.(EAX=7,ECX=0):ECX[31] clear: PKS hidden"
	call	rd_pkrs
	CHECK_EQ [fault_vec], X86_VEC_GP, "pks: hidden: rdmsr PKRS #GP"
	mov	ecx, X86_MSR_PKRS
	xor	eax, eax
	xor	edx, edx
	TRY	{wrmsr}
	CHECK_EQ [fault_vec], X86_VEC_GP, "pks: hidden: wrmsr PKRS 0 #GP"
	mov	rbx, cr4
	mov	r12, rbx
	or	r12, X86_CR4_PKS
	TRY	{mov cr4, r12}
	CHECK_EQ [fault_vec], X86_VEC_GP, "pks: hidden: mov cr4 with PKS #GP"
	mov	rax, cr4
	CHECK_EQX rax, rbx, "pks: hidden: CR4 unchanged"
	pop	r12
	pop	rbx
	xor	eax, eax
	ret

; the rights under PKRS.WD(5): key 5 read but not written, key 6 written
probe_rights:
	mov	edi, VA_A
	call	probe_write
	CHECK_EQX rax, PK_WRITE, "pks: write to key 5 under PKRS.WD(5): #PF error P|W|PK"
	CHECK_EQX [pf_cr2], VA_A, "pks: CR2 of that #PF"
	mov	edi, VA_B
	call	probe_write
	CHECK_EQX rax, NO_PF, "pks: write to key 6: no #PF"
	mov	edi, VA_A
	call	probe_read
	CHECK_EQX rax, NO_PF, "pks: read of key 5 (WD only): no #PF"
	ret

; rd_pkrs: RAX = RDMSR of PKRS under TRY ([fault_vec] says whether it ran)
rd_pkrs:
	mov	ecx, X86_MSR_PKRS
	xor	eax, eax
	xor	edx, edx
	TRY	{rdmsr}
	shl	rdx, 32
	or	rax, rdx
	ret

; probe_write(rdi = va) / probe_read(rdi = va): RAX = the #PF error code
; of the access, NO_PF when it completed
probe_write:
	mov	qword [pf_err], NO_PF
	lea	rax, [.back]
	mov	[pf_resume], rax
	mov	[rdi], rdi
.back:	mov	rax, [pf_err]
	ret

probe_read:
	mov	qword [pf_err], NO_PF
	lea	rax, [.back]
	mov	[pf_resume], rax
	mov	rax, [rdi]
.back:	mov	rax, [pf_err]
	ret
