; isolation - one probe per item of docs/ISOLATION.md that a guest changes
; without an exit (and PAT and the SYSENTER MSRs, which exit: their guest
; copies are what the CPU holds while the guest runs): the guest loads a distinctive
; value into each, makes exits of every path (CPUID, HC_NOP, a host action
; at MARK 1), then reads each back and reports it (one CHECK each).  The
; host's own values stay intact: with hw.vmm.hostcheck=1 any difference
; after an exit stops the VM (guests/isolation.scn).
%include "hv.inc"
%include "ring3.inc"

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

; the guest's value into an MSR or a control/debug register, and back out
; into its slot of `seen` (RBX)
%macro SET_MSR 2
	mov	ecx, %1
	mov	rax, %2
	call	wrmsr64
%endmacro
%macro SET_REG 2
	mov	rax, %2
	mov	%1, rax
%endmacro
%macro SAVE_MSR 2
	mov	ecx, %1
	call	rdmsr64
	mov	[rbx + %2], rax
%endmacro
%macro SAVE_REG 2
	mov	rax, %1
	mov	[rbx + %2], rax
%endmacro

main:
	push	rbx
	push	r12
	; GDTR, IDTR, TR, CS/DS/ES/SS (ring3.inc), then the user data
	; segment in DS, ES, FS, GS (0x23: no host kernel uses an RPL-3 one)
	call	cpu_setup
	mov	ax, SEL_UDATA
	mov	ds, ax
	mov	es, ax
	mov	fs, ax
	mov	gs, ax
	; the segment bases after the selectors (a load zeroes FS/GS base)
	SET_MSR X86_MSR_FS_BASE, V_FS_BASE
	SET_MSR X86_MSR_GS_BASE, V_GS_BASE
	SET_MSR X86_MSR_KERNEL_GS_BASE, V_KGS_BASE
	SET_MSR X86_MSR_PAT, V_PAT
	SET_MSR X86_MSR_SYSENTER_CS, V_SYSENTER_CS
	SET_MSR X86_MSR_SYSENTER_ESP, V_SYSENTER_ESP
	SET_MSR X86_MSR_SYSENTER_EIP, V_SYSENTER_EIP
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
	SET_REG cr2, V_CR2
	SET_REG cr8, V_CR8
	; debug registers (DR7 last: nothing enabled)
	SET_REG dr0, V_DR0
	SET_REG dr1, V_DR1
	SET_REG dr2, V_DR2
	SET_REG dr3, V_DR3
	SET_REG dr6, V_DR6
	SET_REG dr7, V_DR7
	; x87 and SSE control
	fninit
	mov	word [scratch], V_FCW
	fldcw	[scratch]
	mov	dword [scratch], V_MXCSR
	ldmxcsr	[scratch]

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
	SAVE_REG cr2, S_CR2
	SAVE_REG cr8, S_CR8
	SAVE_REG dr0, S_DR0
	SAVE_REG dr1, S_DR1
	SAVE_REG dr2, S_DR2
	SAVE_REG dr3, S_DR3
	SAVE_REG dr6, S_DR6
	SAVE_REG dr7, S_DR7
	fnstcw	[rbx + S_FCW]
	stmxcsr	[rbx + S_MXCSR]
	SAVE_MSR X86_MSR_FS_BASE, S_FS_BASE
	SAVE_MSR X86_MSR_GS_BASE, S_GS_BASE
	SAVE_MSR X86_MSR_KERNEL_GS_BASE, S_KGS_BASE
	SAVE_MSR X86_MSR_PAT, S_PAT
	SAVE_MSR X86_MSR_SYSENTER_CS, S_SYSENTER_CS
	SAVE_MSR X86_MSR_SYSENTER_ESP, S_SYSENTER_ESP
	SAVE_MSR X86_MSR_SYSENTER_EIP, S_SYSENTER_EIP
	sgdt	[rbx + S_GDTR]
	sidt	[rbx + S_IDTR]
	str	ax
	mov	[rbx + S_TR], ax
	mov	ax, ds
	mov	[rbx + S_DS], ax
	mov	ax, fs
	mov	[rbx + S_FS], ax
	mov	ax, gs
	mov	[rbx + S_GS], ax

	; the guest saw its own values
	CHECK_EQX [rbx + S_CR0], X86_CR0_AM, "CR0.AM"
	CHECK_EQX [rbx + S_CR3], X86_CR3_PWT, "CR3.PWT"
	CHECK_EQX [rbx + S_CR4], X86_CR4_TSD, "CR4.TSD"
	CHECK_EQX [rbx + S_CR2], V_CR2, "CR2"
	CHECK_EQX [rbx + S_CR8], V_CR8, "CR8"
	CHECK_EQX [rbx + S_DR0], V_DR0, "DR0"
	CHECK_EQX [rbx + S_DR1], V_DR1, "DR1"
	CHECK_EQX [rbx + S_DR2], V_DR2, "DR2"
	CHECK_EQX [rbx + S_DR3], V_DR3, "DR3"
	CHECK_EQX [rbx + S_DR6], V_DR6, "DR6"
	CHECK_EQX [rbx + S_DR7], V_DR7, "DR7"
	movzx	eax, word [rbx + S_FCW]
	CHECK_EQX rax, V_FCW, "FCW"
	mov	eax, [rbx + S_MXCSR]
	CHECK_EQX rax, V_MXCSR, "MXCSR"
	CHECK_EQX [rbx + S_FS_BASE], V_FS_BASE, "FS_BASE"
	CHECK_EQX [rbx + S_GS_BASE], V_GS_BASE, "GS_BASE"
	CHECK_EQX [rbx + S_KGS_BASE], V_KGS_BASE, "KERNEL_GS_BASE"
	CHECK_EQX [rbx + S_PAT], V_PAT, "PAT"
	CHECK_EQX [rbx + S_SYSENTER_CS], V_SYSENTER_CS, "SYSENTER_CS"
	CHECK_EQX [rbx + S_SYSENTER_ESP], V_SYSENTER_ESP, "SYSENTER_ESP"
	CHECK_EQX [rbx + S_SYSENTER_EIP], V_SYSENTER_EIP, "SYSENTER_EIP"
	lea	rax, [gdt]
	CHECK_EQX [rbx + S_GDTR + 2], rax, "GDTR.base"
	lea	rax, [idt]
	CHECK_EQX [rbx + S_IDTR + 2], rax, "IDTR.base"
	movzx	eax, word [rbx + S_TR]
	CHECK_EQX rax, SEL_TSS, "TR"
	movzx	eax, word [rbx + S_DS]
	CHECK_EQX rax, SEL_UDATA, "DS"
	movzx	eax, word [rbx + S_FS]
	CHECK_EQX rax, SEL_UDATA, "FS"
	movzx	eax, word [rbx + S_GS]
	CHECK_EQX rax, SEL_UDATA, "GS"
	pop	r12
	pop	rbx
	xor	eax, eax
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
S_SIZE		equ 224

section .data
	align 16
scratch:	dq 0
seen:		times S_SIZE db 0
