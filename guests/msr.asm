; msr - the MSRs hv keeps for a guest beyond the VMCB/VMCS fields, and
; what the guest's own instructions do with them (hv/msr.c, the backends'
; svm_msr.c / vmx_msr.c), the same checks on both backends:
;  - IA32_TSC_ADJUST starts at 0; a WRMSR to it moves the TSC by as much,
;    and a WRMSR to the TSC moves it by as much (SDM Vol. 3B 17.17.3);
;  - machine-check MSRs: MCG_CAP reads 0 (no banks) and is read-only;
;    MCG_STATUS keeps bits 3:0, bits 63:4 are reserved (#GP);
;  - IA32_MISC_ENABLE on an Intel CPU: 0x1801 at reset (fast strings; no
;    BTS, no PEBS), a reserved bit #GP, Limit CPUID Maxval honoured by
;    CPUID.0, ENABLE MONITOR FSM (bit 18) switching CPUID.01H:ECX.MONITOR
;    and MONITOR/MWAIT (#UD while clear; SDM Vol. 4 Table 2-2); on an AMD
;    CPU there is none (#GP), and the checks report what an AMD CPU gives;
;  - SYSCALL through the guest's own EFER.SCE, LSTAR, STAR and FMASK;
;  - RDTSCP returns the guest's IA32_TSC_AUX; its bits 63:32 are reserved.
; A #GP is caught by the guest's own IDT (catch.inc) and reported as
; FAULTED | 13; MONITOR's #UD and #GP as the vector caught.
%include "hv.inc"
%include "ring3.inc"
%include "catch.inc"

FAULTED		equ 0xfa17000000000000
GP		equ FAULTED | X86_VEC_GP
ADJ		equ 1 << 44		; moves the TSC by about 4.6 hours at 1 GHz
SLACK		equ 1 << 40		; more than any run between two reads
AUX		equ 0x1234

; r = rdmsr_safe(ecx): the value, or GP
%macro RD 1
	mov	ecx, %1
	call	rdmsr_safe
%endmacro
; r = wrmsr_safe(ecx, rax): 0, or GP
%macro WR 2
	mov	ecx, %1
	mov	rax, %2
	call	wrmsr_safe
%endmacro

main:
	push	rbx
	push	r12
	push	r13
	push	r15
	call	cpu_setup
	IDT_GATE X86_VEC_GP, catch_gp, 0x8e
	IDT_GATE X86_VEC_UD, catch_ud, 0x8e
	xor	eax, eax
	cpuid
	xor	r15d, r15d
	cmp	ebx, X86_VENDOR_AMD_EBX
	sete	r15b			; r15: an AMD CPU

	; ---- IA32_TSC_ADJUST and the TSC ----
	RD	X86_MSR_TSC_ADJUST
	CHECK_EQX rax, 0, "msr: tsc_adjust at reset"
	rdtsc
	shl	rdx, 32
	or	rax, rdx
	mov	r12, rax			; TSC before
	WR	X86_MSR_TSC_ADJUST, ADJ
	rdtsc
	shl	rdx, 32
	or	rax, rdx
	sub	rax, r12
	mov	r13, rax			; how far the TSC moved
	RD	X86_MSR_TSC_ADJUST
	CHECK_EQX rax, ADJ, "msr: tsc_adjust read back"
	mov	rax, ADJ
	cmp	r13, rax
	setae	bl
	mov	rax, ADJ + SLACK
	cmp	r13, rax
	setb	al
	and	bl, al
	movzx	eax, bl
	CHECK_EQ rax, 1, "msr: the tsc moved by tsc_adjust's write (2^44 .. 2^44+2^40)"
	; WRMSR to the TSC of (now + 2^45): TSC_ADJUST grows by 2^45 less
	; the ticks between the RDTSC and the write
	rdtsc
	shl	rdx, 32
	or	rax, rdx
	mov	rdx, ADJ << 1
	add	rax, rdx
	mov	r12, rax
	WR	X86_MSR_TSC, r12
	RD	X86_MSR_TSC_ADJUST
	mov	rdx, ADJ
	sub	rax, rdx			; what the TSC write added
	mov	rdx, ADJ << 1
	cmp	rax, rdx
	setbe	bl
	mov	rdx, (ADJ << 1) - SLACK
	cmp	rax, rdx
	seta	al
	and	bl, al
	movzx	eax, bl
	CHECK_EQ rax, 1, "msr: a tsc write moved tsc_adjust by as much (2^45-2^40 .. 2^45)"
	WR	X86_MSR_TSC_ADJUST, 0
	RD	X86_MSR_TSC_ADJUST
	CHECK_EQX rax, 0, "msr: tsc_adjust written back to 0"

	; ---- machine-check MSRs ----
	RD	X86_MSR_MCG_CAP
	CHECK_EQX rax, 0, "msr: mcg_cap (no banks)"
	WR	X86_MSR_MCG_CAP, 1
	CHECK_EQX rax, GP, "msr: wrmsr mcg_cap (read-only)"
	WR	X86_MSR_MCG_STATUS, 5
	RD	X86_MSR_MCG_STATUS
	CHECK_EQX rax, 5, "msr: mcg_status ripv|mcip kept"
	WR	X86_MSR_MCG_STATUS, 0x10
	CHECK_EQX rax, GP, "msr: wrmsr mcg_status bit 4 (reserved)"
	WR	X86_MSR_MCG_STATUS, 0

	; ---- IA32_MISC_ENABLE (Intel only) ----
	RD	X86_MSR_MISC_ENABLE
	mov	rdx, X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS | X86_MISC_NO_PEBS
	mov	rcx, GP
	test	r15d, r15d
	cmovnz	rdx, rcx
	CHECK_EQX rax, rdx, "msr: misc_enable at reset (amd: #GP)"
	WR	X86_MSR_MISC_ENABLE, X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS | X86_MISC_NO_PEBS | 2
	CHECK_EQX rax, GP, "msr: wrmsr misc_enable bit 1 (reserved)"
	WR	X86_MSR_MISC_ENABLE, X86_MISC_LIMIT_CPUID | X86_MISC_NO_BTS | X86_MISC_NO_PEBS
	xor	eax, eax
	cpuid
	cmp	eax, 2
	seta	bl
	movzx	ebx, bl
	mov	rdx, 0
	mov	rcx, 1
	test	r15d, r15d
	cmovnz	rdx, rcx
	CHECK_EQ rbx, rdx, "msr: limit cpuid maxval: cpuid.0 eax > 2 (amd: no such bit)"
	WR	X86_MSR_MISC_ENABLE, X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS | X86_MISC_NO_PEBS
	xor	eax, eax
	cpuid
	cmp	eax, 2
	seta	bl
	movzx	ebx, bl
	CHECK_EQ rbx, 1, "msr: limit cpuid maxval off: cpuid.0 eax > 2"

	; ---- ENABLE MONITOR FSM (IA32_MISC_ENABLE bit 18, Intel only) ----
	; set: kept, CPUID.01H:ECX.MONITOR set, MONITOR and MWAIT complete,
	; MONITOR's ECX (extensions: none) #GP; clear again: MONITOR #UD.
	; An AMD CPU: the WRMSR is #GP and MONITOR stays #UD.
	WR	X86_MSR_MISC_ENABLE, X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS | X86_MISC_NO_PEBS | X86_MISC_MONITOR
	RD	X86_MSR_MISC_ENABLE
	mov	rdx, X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS | X86_MISC_NO_PEBS | X86_MISC_MONITOR
	mov	rcx, GP
	test	r15d, r15d
	cmovnz	rdx, rcx
	CHECK_EQX rax, rdx, "msr: misc_enable monitor fsm kept (amd: #GP)"
	mov	eax, 1
	cpuid
	and	ecx, X86_CPUID1_ECX_MONITOR
	mov	edx, X86_CPUID1_ECX_MONITOR
	xor	eax, eax
	test	r15d, r15d
	cmovnz	edx, eax
	CHECK_EQX rcx, rdx, "msr: monitor fsm on: cpuid.1 ecx.monitor (amd: clear)"
	lea	rax, [.mon]
	call	arm
	lea	rax, [sc_rcx]
	xor	ecx, ecx
	xor	edx, edx
	monitor
.mon:	lea	rax, [.mwait]
	call	arm
	xor	eax, eax
	xor	ecx, ecx
	mwait
.mwait:	mov	rbx, [caught]
	mov	edx, NONE
	mov	ecx, X86_VEC_UD
	test	r15d, r15d
	cmovnz	edx, ecx
	CHECK_EQX rbx, rdx, "msr: monitor fsm on: monitor, mwait complete (amd: #UD)"
	lea	rax, [.mon_ext]
	call	arm
	lea	rax, [sc_rcx]
	mov	ecx, 1
	xor	edx, edx
	monitor
.mon_ext: mov	rbx, [caught]
	; an AMD CPU may check ECX before the intercept (#GP) or leave the
	; instruction to hv (#UD): either is a fault, as there is no MONITOR
	mov	ecx, X86_VEC_GP
	xor	edx, edx
	cmp	rbx, X86_VEC_UD
	sete	dl
	and	edx, r15d
	cmovnz	rbx, rcx
	CHECK_EQX rbx, X86_VEC_GP, "msr: monitor fsm on: monitor ecx=1 #GP (amd: #GP or #UD)"
	WR	X86_MSR_MISC_ENABLE, X86_MISC_FAST_STRINGS | X86_MISC_NO_BTS | X86_MISC_NO_PEBS
	mov	eax, 1
	cpuid
	and	ecx, X86_CPUID1_ECX_MONITOR
	CHECK_EQX rcx, 0, "msr: monitor fsm off: cpuid.1 ecx.monitor clear"
	lea	rax, [.mon_off]
	call	arm
	lea	rax, [sc_rcx]
	xor	ecx, ecx
	xor	edx, edx
	monitor
.mon_off: CHECK_EQX [caught], X86_VEC_UD, "msr: monitor fsm off: monitor #UD"

	; ---- SYSCALL through the guest's own MSRs ----
	RD	X86_MSR_EFER
	or	rax, X86_EFER_SCE
	WR	X86_MSR_EFER, rax
	CHECK_EQX rax, 0, "msr: wrmsr efer.sce"
	lea	rax, [syscall_target]
	WR	X86_MSR_LSTAR, rax
	WR	X86_MSR_STAR, SEL_KCODE << 32	; SYSCALL: CS 0x08, SS 0x10
	WR	X86_MSR_FMASK, X86_RFLAGS_AC
	pushfq
	or	qword [rsp], X86_RFLAGS_AC
	popfq
	syscall
.after:	lea	rax, [.after]
	CHECK_EQX [sc_rcx], rax, "msr: syscall went to lstar with rcx = the next rip"
	mov	rax, [sc_r11]
	and	eax, X86_RFLAGS_AC
	CHECK_EQX rax, X86_RFLAGS_AC, "msr: syscall saved rflags.ac in r11"
	mov	rax, [sc_rflags]
	and	eax, X86_RFLAGS_AC
	CHECK_EQX rax, 0, "msr: syscall cleared rflags.ac by fmask"
	movzx	eax, word [sc_cs]
	CHECK_EQX rax, SEL_KCODE, "msr: syscall loaded cs from star"

	; ---- IA32_TSC_AUX and RDTSCP ----
	WR	X86_MSR_TSC_AUX, AUX
	rdtscp
	mov	eax, ecx
	CHECK_EQX rax, AUX, "msr: rdtscp ecx = tsc_aux"
	RD	X86_MSR_TSC_AUX
	CHECK_EQX rax, AUX, "msr: tsc_aux read back"
	WR	X86_MSR_TSC_AUX, 1 << 32
	CHECK_EQX rax, GP, "msr: wrmsr tsc_aux bit 32 (reserved)"

	pop	r15
	pop	r13
	pop	r12
	pop	rbx
	xor	eax, eax
	ret

; SYSCALL lands here at CPL 0 (SDM Vol. 2B SYSCALL): note what it did,
; put SS back (SYSCALL loaded STAR[47:32] + 8, the same 0x10) and return
syscall_target:
	mov	[sc_rcx], rcx
	mov	[sc_r11], r11
	pushfq
	pop	qword [sc_rflags]
	mov	word [sc_cs], cs
	jmp	rcx

; rdmsr_safe(ecx): rax = EDX:EAX, or GP
rdmsr_safe:
	lea	rax, [.gp]
	call	arm
	rdmsr
	shl	rdx, 32
	or	rax, rdx
	ret
.gp:	mov	rax, GP
	ret

; wrmsr_safe(ecx, rax): rax = 0, or GP
wrmsr_safe:
	push	rax
	lea	rax, [.gp]
	call	arm
	pop	rax
	mov	rdx, rax
	shr	rdx, 32
	wrmsr
	xor	eax, eax
	ret
.gp:	mov	rax, GP
	ret

section .data
sc_rcx:		dq	0
sc_r11:		dq	0
sc_rflags:	dq	0
sc_cs:		dq	0
section .text
