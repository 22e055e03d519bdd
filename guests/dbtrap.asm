; dbtrap - breakpoints and single steps are the guest's, delivered through its
; own IDT as the CPU delivers them, on a VM without the host's debugger.
;   INT3 and INT 3 (CD 03): #BP, a trap: the frame's RIP is past the
;   instruction (SDM Vol. 3A 6.5, Table 6-1; APM Vol. 2 8.2.4).
;   RFLAGS.TF=1 over an instruction hv completes in the guest's place (CPUID,
;   IN from COM1, the HC_NOP hypercall of the fast path, HLT, a load from
;   the local APIC page, which hv emulates): the
;   instruction ends with exactly one #DB, a trap: RIP past it, DR6.BS set,
;   the pushed RFLAGS with TF set and RF clear (SDM Vol. 3B 17.3.1.4, 17.2.3;
;   APM Vol. 2 13.1.1).  TF is set by POPF, whose own step does not trap (TF
;   was clear as it began), so the one instruction after it is the one
;   stepped.  After MOV SS the step of MOV SS itself is held back to the
;   end of the next instruction (SDM Vol. 3A 6.8.3): CPUID, or the APIC
;   load, there gives one #DB past it, and the shadow ends with it (SDM Vol.
;   3C 26.3.1.5: VM entry refuses MOV SS blocking with TF=1 and no pending
;   single step).
%include "hv.inc"
%include "ring3.inc"
%include "paging.inc"

APIC	equ	X86_APIC_DEFAULT_PA


; STEP label, instruction: clear the #DB record, set TF with POPF, run the
; instruction under it; label is the address just after it.
%macro STEP 2+
	call	db_clear
	TF_ON
	%2
%1:
%endmacro

%macro TF_ON 0
	pushfq
	or	qword [rsp], X86_RFLAGS_TF
	popfq
%endmacro

; STEP_CHECKS label, "what": one #DB, at label, with DR6.BS, TF=1 RF=0 pushed
%macro STEP_CHECKS 2
	%strcat %%n %2, ": #DB count"
	%strcat %%r %2, ": #DB frame rip (past it)"
	%strcat %%b %2, ": DR6.BS"
	%strcat %%f %2, ": pushed rflags tf, rf"
	CHECK_EQ [db_count], 1, %%n
	lea	rax, [%1]
	CHECK_EQX [db_rip], rax, %%r
	mov	rax, [db_dr6]
	and	eax, X86_DR6_BS
	CHECK_EQX rax, X86_DR6_BS, %%b
	mov	rax, [db_rflags]
	and	eax, X86_RFLAGS_TF | X86_RFLAGS_RF
	CHECK_EQX rax, X86_RFLAGS_TF, %%f
%endmacro

main:
	push	rbx
	push	r12
	call	cpu_setup
	IDT_GATE X86_VEC_BP, bp_handler, 0x8e
	IDT_GATE X86_VEC_DB, db_handler, 0x8e

	int3
after_int3:
	CHECK_EQ [bp_count], 1, "dbtrap: INT3: #BP count"
	lea	rax, [after_int3]
	CHECK_EQX [bp_rip], rax, "dbtrap: INT3: #BP frame rip (past it)"
	db	0xcd, 0x03			; INT 3
after_int_3:
	CHECK_EQ [bp_count], 2, "dbtrap: INT 3: #BP count"
	lea	rax, [after_int_3]
	CHECK_EQX [bp_rip], rax, "dbtrap: INT 3: #BP frame rip (past it)"

	xor	eax, eax
	STEP after_cpuid, cpuid
	STEP_CHECKS after_cpuid, "dbtrap: CPUID under TF"

	mov	edx, HV_GUEST_COM1 + X86_UART_LSR
	STEP after_in, in al, dx
	STEP_CHECKS after_in, "dbtrap: IN under TF"

	; the hypercall instruction of this CPU, inline (a CALL would be the
	; stepped instruction)
	mov	eax, HC_NOP
	cmp	byte [hv_use_vmmcall], 0
	jne	hc_amd
	lea	r12, [after_vmcall]
	STEP after_vmcall, vmcall
	jmp	hc_done
hc_amd:	lea	r12, [after_vmmcall]
	STEP after_vmmcall, vmmcall
hc_done:
	CHECK_EQ rax, 0, "dbtrap: HC_NOP under TF: result"
	CHECK_EQ [db_count], 1, "dbtrap: HC_NOP under TF: #DB count"
	CHECK_EQX [db_rip], r12, "dbtrap: HC_NOP under TF: #DB frame rip (past it)"
	mov	rax, [db_dr6]
	and	eax, X86_DR6_BS
	CHECK_EQX rax, X86_DR6_BS, "dbtrap: HC_NOP under TF: DR6.BS"

	call	db_clear
	mov	ax, ss				; CPUID leaf: the selector, any will do
	TF_ON
	mov	ss, ax
	cpuid
after_movss_cpuid:
	STEP_CHECKS after_movss_cpuid, "dbtrap: MOV SS; CPUID under TF"

	; the APIC page through the guest's own map, above guest memory
	mov	esi, APIC
	mov	edx, APIC
	call	pt_identity_plus
	mov	ebx, APIC
	xor	eax, eax
	STEP after_apic, {mov eax, [rbx + X86_LAPIC_VER]}
	mov	r12, rax
	STEP_CHECKS after_apic, "dbtrap: APIC load under TF"
	CHECK_EQX r12, [apic_version], "dbtrap: APIC load under TF: value"

	call	db_clear
	mov	ax, ss
	TF_ON
	mov	ss, ax
	mov	eax, [rbx + X86_LAPIC_VER]
after_movss_apic:
	STEP_CHECKS after_movss_apic, "dbtrap: MOV SS; APIC load under TF"

	; HLT with IF=1 completes as a yield of the host (hv/exit.c)
	sti
	STEP after_hlt, hlt
	cli
	STEP_CHECKS after_hlt, "dbtrap: HLT under TF"

	pop	r12
	pop	rbx
	xor	eax, eax
	ret

; db_clear: a fresh #DB record and DR6; every register kept
db_clear:
	push	rax
	mov	qword [db_count], 0
	mov	qword [db_rip], 0
	mov	qword [db_rflags], 0
	mov	rax, X86_DR6_INIT
	mov	dr6, rax
	pop	rax
	ret

; frame without an error code: RIP, CS, RFLAGS, RSP, SS
bp_handler:
	push	rax
	inc	qword [bp_count]
	mov	rax, [rsp + 8]
	mov	[bp_rip], rax
	pop	rax
	iretq

; record the #DB and end the stepping: TF off in the RFLAGS IRETQ restores
db_handler:
	push	rax
	inc	qword [db_count]
	mov	rax, [rsp + 8]
	mov	[db_rip], rax
	mov	rax, [rsp + 24]
	mov	[db_rflags], rax
	and	qword [rsp + 24], ~X86_RFLAGS_TF
	mov	rax, dr6
	mov	[db_dr6], rax
	pop	rax
	iretq

section .data
apic_version:	dq	0x00050014	; hv/lapic.c's: integrated, 6 LVT entries
bp_count:	dq	0
bp_rip:		dq	0
db_count:	dq	0
db_rip:		dq	0
db_rflags:	dq	0
db_dr6:		dq	0
