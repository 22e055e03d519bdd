; isolation - one probe per item of docs/ISOLATION.md that a guest changes
; without an exit (and PAT and the SYSENTER MSRs, which exit: their guest
; copies are what the CPU holds while the guest runs): the guest loads a distinctive
; value into each, makes exits of every path (CPUID, HC_NOP, a host action
; at MARK 1), then reads each back and reports it (one CHECK each).  The
; host's own values stay intact: with hw.vmm.hostcheck=1 any difference
; after an exit stops the VM (guests/isolation.scn).  The MSRs of the
; table below may be #GP (the guest's own IDT catches it) and the check
; reports what the guest got.
; XCR0: the guest's XSETBV sets its own XCR0 (hv/xsave.c; QEMU TCG runs it
; without the SVM intercept), which hv keeps across exits (hv/fpu.c).
%include "hv.inc"
%include "ring3.inc"
%include "catch.inc"

FAULTED		equ 0xfa17000000000000	; a read reported as FAULTED | vector

; this guest's own descriptors: ring3.inc's GDT copied below, then an LDT
; and a second code/stack pair, so LDTR, CS, SS and ES hold selectors no
; host uses (SDM Vol. 3A 3.4.2, 3.5, 8.2.3 for the 16-byte LDT descriptor)
SEL_LDT		equ 0x38
SEL_ISO_CODE	equ 0x48
SEL_ISO_STACK	equ 0x50
SEL_LDT_DATA	equ 0x04 | 3		; LDT entry 0, TI=1, RPL 3

; the distinctive values (none is what a host or the boot state holds)
V_FS_BASE	equ 0x00007f1234560000
V_GS_BASE	equ 0x00007f2345670000
V_KGS_BASE	equ 0x00007f3456780000
V_CR2		equ 0x00000000dead2000
V_CR8		equ 9
V_DR0		equ 0x0000000000100000
V_DR1		equ 0x0000000000200008
V_DR2		equ 0x0000000000300010
V_DR3		equ 0x0000000000400018
V_DR6		equ 0xffff0ff1			; B0 set, the fixed bits as read
V_DR7		equ 0x0000000000000700		; LE and GE, no breakpoint enabled
V_FCW		equ 0x0e7f			; round toward zero
V_MXCSR		equ 0x7f80			; round down, all masked
V_PAT		equ 0x0007010600070106		; WC in entries 1 and 5
V_SYSENTER_CS	equ 0x4b
V_SYSENTER_ESP	equ 0x00007f4567890000
V_SYSENTER_EIP	equ 0x00007f5678900000
V_XCR0		equ X86_XCR0_X87 | X86_XCR0_SSE	; not the reset value
V_TSC_AUX	equ 0x5a

;
; The items, one line each: where the guest's value goes, the value, its
; slot in `seen` (RBX) and its name.  FOR_EACH_REG / FOR_EACH_MSR /
; FOR_EACH_SEG op calls op with each line's arguments, so that loading,
; reading back and checking each item use the one list.
%macro FOR_EACH_REG 1		; register, value, slot, name
	%1 cr2, V_CR2, S_CR2, "CR2"
	%1 cr8, V_CR8, S_CR8, "CR8"
	%1 dr0, V_DR0, S_DR0, "DR0"
	%1 dr1, V_DR1, S_DR1, "DR1"
	%1 dr2, V_DR2, S_DR2, "DR2"
	%1 dr3, V_DR3, S_DR3, "DR3"
	%1 dr6, V_DR6, S_DR6, "DR6"
	%1 dr7, V_DR7, S_DR7, "DR7"	; last: nothing enabled
%endmacro
%macro FOR_EACH_MSR 1		; MSR, value, slot, name
	%1 X86_MSR_FS_BASE, V_FS_BASE, S_FS_BASE, "FS_BASE"
	%1 X86_MSR_GS_BASE, V_GS_BASE, S_GS_BASE, "GS_BASE"
	%1 X86_MSR_KERNEL_GS_BASE, V_KGS_BASE, S_KGS_BASE, "KERNEL_GS_BASE"
	%1 X86_MSR_PAT, V_PAT, S_PAT, "PAT"
	%1 X86_MSR_SYSENTER_CS, V_SYSENTER_CS, S_SYSENTER_CS, "SYSENTER_CS"
	%1 X86_MSR_SYSENTER_ESP, V_SYSENTER_ESP, S_SYSENTER_ESP, "SYSENTER_ESP"
	%1 X86_MSR_SYSENTER_EIP, V_SYSENTER_EIP, S_SYSENTER_EIP, "SYSENTER_EIP"
%endmacro
%macro FOR_EACH_SEG 1		; how to read it into AX, slot, selector, name
	%1 {str ax}, S_TR, SEL_TSS, "TR"
	%1 {mov ax, ds}, S_DS, SEL_UDATA, "DS"
	%1 {mov ax, fs}, S_FS, SEL_UDATA, "FS"
	%1 {mov ax, gs}, S_GS, SEL_UDATA, "GS"
	%1 {sldt ax}, S_LDTR, SEL_LDT, "LDTR"
	%1 {mov ax, cs}, S_CS, SEL_ISO_CODE, "CS"
	%1 {mov ax, ss}, S_SS, SEL_ISO_STACK, "SS"
	%1 {mov ax, es}, S_ES, SEL_LDT_DATA, "ES"
%endmacro

%macro SET_REG 4
	mov	rax, %2
	mov	%1, rax
%endmacro
%macro SAVE_REG 4
	mov	rax, %1
	mov	[rbx + %3], rax
%endmacro
%macro SET_MSR 4
	mov	ecx, %1
	mov	rax, %2
	call	wrmsr64
%endmacro
%macro SAVE_MSR 4
	mov	ecx, %1
	call	rdmsr64
	mov	[rbx + %3], rax
%endmacro
%macro CHECK_SLOT 4		; a register's or an MSR's slot holds its value
	CHECK_EQX [rbx + %3], %2, %4
%endmacro
%macro SAVE_SEG 4
	%1
	mov	[rbx + %2], ax
%endmacro
%macro CHECK_SEG 4
	movzx	eax, word [rbx + %2]
	CHECK_EQX rax, %3, %4
%endmacro

main:
	; GDTR, IDTR, TR, CS/DS/ES/SS (ring3.inc), then the user data
	; segment in DS, ES, FS, GS (0x23: no host kernel uses an RPL-3 one)
	call	cpu_setup
	mov	edi, X86_VEC_GP
	lea	rsi, [catch_gp]
	mov	edx, 0x8e
	call	idt_set
	call	iso_segments
	mov	ax, SEL_UDATA
	mov	ds, ax
	mov	fs, ax
	mov	gs, ax
	; the segment bases after the selectors (a load zeroes FS/GS base)
	FOR_EACH_MSR SET_MSR
	call	msr_probe_write
	; control registers
	mov	rax, cr0
	or	rax, X86_CR0_AM
	mov	cr0, rax
	mov	rax, cr3
	or	rax, X86_CR3_PWT
	mov	cr3, rax
	mov	rax, cr4
	or	rax, X86_CR4_TSD | X86_CR4_OSFXSR	; OSFXSR: for LDMXCSR
	mov	cr4, rax
	FOR_EACH_REG SET_REG		; CR2, CR8, debug registers
	; x87 and SSE control
	fninit
	mov	word [scratch], V_FCW
	fldcw	[scratch]
	mov	dword [scratch], V_MXCSR
	ldmxcsr	[scratch]
	call	xcr0_probe_write

	; exits of each kind: CPUID, HC_NOP (the world switch's own loop
	; when the check is off), a mark the host acts on, a HC_PUTS
	mov	r12d, 8			; CPUID writes EBX
.exits:	mov	eax, 1
	cpuid
	mov	eax, HC_NOP
	call	hypercall
	dec	r12d
	jnz	.exits
	MARK	1
	PUTS	"isolation: values loaded, exits made"

	; read everything back before any report (reports exit too)
	lea	rbx, [seen]
	mov	rax, cr0
	and	rax, X86_CR0_AM
	mov	[rbx + S_CR0], rax
	mov	rax, cr3
	and	rax, X86_CR3_PWT
	mov	[rbx + S_CR3], rax
	mov	rax, cr4
	and	rax, X86_CR4_TSD
	mov	[rbx + S_CR4], rax
	FOR_EACH_REG SAVE_REG
	fnstcw	[rbx + S_FCW]
	stmxcsr	[rbx + S_MXCSR]
	FOR_EACH_MSR SAVE_MSR
	sgdt	[rbx + S_GDTR]
	sidt	[rbx + S_IDTR]
	FOR_EACH_SEG SAVE_SEG
	call	msr_probe_read
	xor	eax, eax
	cmp	qword [xcr0_want], 0
	je	.noxsave
	xor	ecx, ecx
	xgetbv
	shl	rdx, 32
	or	rax, rdx
.noxsave: mov	[rbx + S_XCR0], rax

	; the guest saw its own values
	CHECK_EQX [rbx + S_CR0], X86_CR0_AM, "CR0.AM"
	CHECK_EQX [rbx + S_CR3], X86_CR3_PWT, "CR3.PWT"
	CHECK_EQX [rbx + S_CR4], X86_CR4_TSD, "CR4.TSD"
	FOR_EACH_REG CHECK_SLOT
	movzx	eax, word [rbx + S_FCW]
	CHECK_EQX rax, V_FCW, "FCW"
	mov	eax, [rbx + S_MXCSR]
	CHECK_EQX rax, V_MXCSR, "MXCSR"
	FOR_EACH_MSR CHECK_SLOT
	lea	rax, [iso_gdt]
	CHECK_EQX [rbx + S_GDTR + 2], rax, "GDTR.base"
	lea	rax, [idt]
	CHECK_EQX [rbx + S_IDTR + 2], rax, "IDTR.base"
	FOR_EACH_SEG CHECK_SEG
	call	msr_probe_report
	; XCR0: the guest's own after the exits (0 where the CPU has no XSAVE)
	CHECK_EQX [rbx + S_XCR0], [xcr0_want], "XCR0"
	; RDTSCP reads the guest's own TSC_AUX (the probe table's value),
	; not the host's: hv switches it around the guest
	rdtscp
	mov	eax, ecx
	CHECK_EQX rax, V_TSC_AUX, "RDTSCP ECX (TSC_AUX)"
	MSG	"isolation: XSETBV of XCR0=0x3: vector "
	MSGX	[xcr0_vec]
	call	msg_puts
	xor	eax, eax
	ret

; iso_segments: switch to iso_gdt (ring3.inc's descriptors, its TSS one
; copied after the LTR, plus the LDT and the second code/stack pair), then
; load CS, SS, LDTR and ES with this guest's own selectors.
iso_segments:
	mov	rax, [gdt_tss]
	mov	[iso_gdt + SEL_TSS], rax
	mov	rax, [gdt_tss + 8]
	mov	[iso_gdt + SEL_TSS + 8], rax
	; LDT descriptor: limit 7 (one entry), type 2, present; the base is
	; split as in a TSS descriptor (SDM Vol. 3A 8.2.3, Table 3-2)
	lea	rax, [iso_ldt]
	mov	rdx, rax
	and	edx, 0xffffff
	shl	rdx, 16
	or	rdx, 7
	mov	rcx, 0x82
	shl	rcx, 40
	or	rdx, rcx
	mov	rcx, rax
	shr	rcx, 24
	and	ecx, 0xff
	shl	rcx, 56
	or	rdx, rcx
	mov	[iso_gdt + SEL_LDT], rdx
	shr	rax, 32
	mov	[iso_gdt + SEL_LDT + 8], rax
	lgdt	[iso_gdtr]
	pop	rdx				; the return address
	push	SEL_ISO_CODE
	push	rdx
	mov	ax, SEL_ISO_STACK
	mov	ss, ax
	mov	ax, SEL_LDT
	lldt	ax
	mov	ax, SEL_LDT_DATA
	mov	es, ax
	retfq					; returns with CS = SEL_ISO_CODE

; msr_probe_write / _read / _report: the rows of msr_probes.  Write each
; value (a #GP is caught), read each back after the exits (the value, or
; FAULTED | vector) and report it against the row's want for this vendor.
msr_probe_write:
	push	rbx
	lea	rbx, [msr_probes]
.row:	mov	ecx, [rbx + P_MSR]
	test	ecx, ecx
	jz	.done
	lea	rax, [.next]
	call	arm
	mov	eax, [rbx + P_VALUE]		; inline: a #GP resumes at .next
	mov	edx, [rbx + P_VALUE + 4]
	wrmsr
.next:	add	rbx, P_SIZE
	jmp	.row
.done:	pop	rbx
	ret

msr_probe_read:
	push	rbx
	lea	rbx, [msr_probes]
.row:	mov	ecx, [rbx + P_MSR]
	test	ecx, ecx
	jz	.done
	lea	rax, [.after]
	call	arm
	rdmsr					; inline: a #GP resumes at .after
	shl	rdx, 32
	or	rax, rdx
.after:	cmp	qword [caught], NONE
	je	.keep
	mov	rax, FAULTED
	or	rax, [caught]
.keep:	mov	[rbx + P_SEEN], rax
	add	rbx, P_SIZE
	jmp	.row
.done:	pop	rbx
	ret

msr_probe_report:
	push	rbx
	push	r12
	xor	eax, eax
	cpuid
	xor	r12d, r12d
	cmp	ebx, X86_VENDOR_AMD_EBX
	sete	r12b
	lea	rbx, [msr_probes]
.row:	cmp	dword [rbx + P_MSR], 0
	je	.done
	mov	rdx, [rbx + P_WANT_VMX]
	test	r12d, r12d
	cmovnz	rdx, [rbx + P_WANT_SVM]
	mov	rsi, [rbx + P_SEEN]
	mov	rdi, [rbx + P_NAME]
	mov	ecx, 1
	call	report_eq
	add	rbx, P_SIZE
	jmp	.row
.done:	pop	r12
	pop	rbx
	ret

; xcr0_probe_write: with XSAVE, set CR4.OSXSAVE and XSETBV V_XCR0 (vector
; caught), which the guest must read back after its exits.
xcr0_probe_write:
	mov	eax, 1
	cpuid
	test	ecx, X86_CPUID1_ECX_XSAVE
	jz	.none
	mov	rax, cr4
	or	rax, X86_CR4_OSXSAVE
	mov	cr4, rax
	mov	qword [xcr0_want], V_XCR0
	lea	rax, [.after]
	call	arm
	xor	ecx, ecx
	xor	edx, edx
	mov	eax, V_XCR0
	xsetbv
.after:	mov	rax, [caught]
	mov	[xcr0_vec], rax
	ret
.none:	mov	qword [xcr0_want], 0
	ret

; WRMSR / RDMSR of ECX with the value in RAX
wrmsr64:
	mov	rdx, rax
	shr	rdx, 32
	wrmsr
	ret
rdmsr64:
	rdmsr
	shl	rdx, 32
	or	rax, rdx
	ret

S_CR0		equ 0
S_CR3		equ 8
S_CR4		equ 16
S_CR2		equ 24
S_CR8		equ 32
S_DR0		equ 40
S_DR1		equ 48
S_DR2		equ 56
S_DR3		equ 64
S_DR6		equ 72
S_DR7		equ 80
S_FCW		equ 88
S_MXCSR		equ 96
S_FS_BASE	equ 104
S_GS_BASE	equ 112
S_KGS_BASE	equ 120
S_PAT		equ 128
S_GDTR		equ 136		; 10 bytes
S_IDTR		equ 152		; 10 bytes
S_TR		equ 168
S_DS		equ 176
S_FS		equ 184
S_GS		equ 192
S_SYSENTER_CS	equ 200
S_SYSENTER_ESP	equ 208
S_SYSENTER_EIP	equ 216
S_LDTR		equ 224
S_CS		equ 232
S_SS		equ 240
S_ES		equ 248
S_XCR0		equ 256
S_SIZE		equ 264

; a row of msr_probes
P_MSR		equ 0		; 0 ends the table
P_VALUE		equ 8
P_WANT_SVM	equ 16
P_WANT_VMX	equ 24
P_NAME		equ 32
P_SEEN		equ 40
P_SIZE		equ 48
GP		equ FAULTED | X86_VEC_GP

; PROBE msr, value, want on SVM, want on VMX, name (a label of its text)
%macro PROBE 5
	dd	%1, 0
	dq	%2, %3, %4, %5, 0
%endmacro

section .data
	align 16
scratch:	dq 0
seen:		times S_SIZE db 0
xcr0_want:	dq 0
xcr0_vec:	dq NONE
	align 8
; STAR..FMASK: SVM keeps them in the VMCB (VMLOAD/VMSAVE), VMX in its
; MSR-load lists; TSC_AUX: both, where the CPU has RDTSCP (hv/msr.c).
; DEBUGCTL: #GP on both.
msr_probes:
	PROBE X86_MSR_STAR,  0x0023001000a1b2c3, 0x0023001000a1b2c3, 0x0023001000a1b2c3, n_star
	PROBE X86_MSR_LSTAR, 0x00007f6789a00000, 0x00007f6789a00000, 0x00007f6789a00000, n_lstar
	PROBE X86_MSR_CSTAR, 0x00007f789ab00000, 0x00007f789ab00000, 0x00007f789ab00000, n_cstar
	PROBE X86_MSR_FMASK, 0x0000000000047700, 0x0000000000047700, 0x0000000000047700, n_fmask
	PROBE X86_MSR_DEBUGCTL, 0x2, GP, GP, n_debugctl
	PROBE X86_MSR_TSC_AUX, V_TSC_AUX, V_TSC_AUX, V_TSC_AUX, n_tsc_aux
	dd	0
n_star:		db "STAR", 0
n_lstar:	db "LSTAR", 0
n_cstar:	db "CSTAR", 0
n_fmask:	db "FMASK", 0
n_debugctl:	db "DEBUGCTL", 0
n_tsc_aux:	db "TSC_AUX", 0
	align 16
iso_gdt:
	dq	0
	dq	0x00af9a000000ffff	; 0x08 code, DPL 0, L=1 (the IDT's gates)
	dq	0x00cf92000000ffff	; 0x10 data, DPL 0
	dq	0x00affa000000ffff	; 0x18 code, DPL 3, L=1
	dq	0x00cff2000000ffff	; 0x20 data, DPL 3
	dq	0, 0			; 0x28 the TSS (ring3.inc's, copied)
	dq	0, 0			; 0x38 the LDT
	dq	0x00af9a000000ffff	; 0x48 code, DPL 0, L=1: CS
	dq	0x00cf92000000ffff	; 0x50 data, DPL 0: SS
iso_gdt_end:
iso_gdtr: dw	iso_gdt_end - iso_gdt - 1
	dq	iso_gdt
	align 8
iso_ldt: dq	0x00cff2000000ffff	; LDT 0: data, DPL 3: ES
