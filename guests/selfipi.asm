; selfipi - the local APIC as a guest kernel uses it to interrupt itself
; (hv/lapic.c, hv/irq.c, each backend's delivery): SDM Vol. 3A chapter 11.
;
; The xAPIC page (0xfee00000, through its own map) is software-enabled; its
; own IDT logs each interrupt with the PPR its handler reads, and ends it
; with an EOI (all but vector 0x70, which the main line ends itself):
;   a. with IF=0, self-IPIs by the self shorthand (0x40) and by its own
;      physical APIC ID (0x51) wait in IRR; after STI both arrive before the
;      next instruction but one, the higher first (PPR 0x50, then 0x40);
;      IRR, ISR and PPR are empty after; an IPI to all-excluding-self or to
;      another APIC ID reaches nothing;
;   b. TPR 0x50 holds 0x45 in IRR while 0x62 arrives at once; TPR 0x30
;      lets 0x45 in right after that write;
;   c. 0x70 in service (no EOI yet) holds 0x72, of its own class, in IRR
;      (PPR 0x70); the EOI ends 0x70 and 0x72 arrives right after it;
;   d. an NMI sent to itself (delivery mode NMI) arrives with IF=0 right
;      after the ICR write; the one its handler sends is blocked until the
;      handler's IRET and arrives right after it, before the main line's
;      next instruction (SDM Vol. 3A 6.7.1).
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"

APIC		equ X86_APIC_DEFAULT_PA
LOGMAX		equ 16
NOEOI_VEC	equ 0x70		; its handler leaves it in service
ICR_SELF	equ X86_LAPIC_ICR_SH_SELF << X86_LAPIC_ICR_SH_SHIFT
ICR_ALL_BUT_SELF equ 3 << X86_LAPIC_ICR_SH_SHIFT
ICR_NMI		equ X86_LAPIC_ICR_DM_NMI << X86_LAPIC_ICR_DM_SHIFT
IRR_40		equ X86_LAPIC_IRR + 0x20	; IRR bits of vectors 0x40-0x5f
ISR_40		equ X86_LAPIC_ISR + 0x20
ISR_60		equ X86_LAPIC_ISR + 0x30

main:
	call	cpu_setup
	mov	esi, APIC
	mov	edx, APIC
	call	pt_identity_plus
	IDT_GATE 0x40, irq_0x40, 0x8e
	IDT_GATE 0x45, irq_0x45, 0x8e
	IDT_GATE 0x48, irq_0x48, 0x8e
	IDT_GATE 0x51, irq_0x51, 0x8e
	IDT_GATE 0x62, irq_0x62, 0x8e
	IDT_GATE 0x70, irq_0x70, 0x8e
	IDT_GATE 0x72, irq_0x72, 0x8e
	IDT_GATE X86_VEC_NMI, nmi_handler, 0x8e
	mov	ebx, APIC			; above 2 GiB: no disp32 reaches it
	mov	dword [rbx + X86_LAPIC_SVR], X86_LAPIC_SVR_ENABLE | 0xff

	; ---- a. IRR while IF=0, then both in priority order ----
	cli
	mov	dword [rbx + X86_LAPIC_ICR_LO], ICR_SELF | 0x40
	mov	dword [rbx + X86_LAPIC_ICR_HI], 0 << X86_LAPIC_ICR_DEST_SHIFT
	mov	dword [rbx + X86_LAPIC_ICR_LO], 0x51	; physical, to APIC ID 0
	mov	r12d, [rbx + IRR_40]
	mov	r13, [nlog]
	sti
	nop				; the STI shadow
	cli				; both taken before this instruction
	mov	r14, [nlog]
	CHECK_EQX r12, 0x00020001, "selfipi: irr holds 0x40 and 0x51 while if=0"
	CHECK_EQ r13, 0, "selfipi: nothing delivered while if=0"
	CHECK_EQ r14, 2, "selfipi: both delivered right after sti"
	CHECK_EQX [ilog], 0x5051, "selfipi: 0x51 first, ppr 0x50 in its handler"
	CHECK_EQX [ilog + 8], 0x4040, "selfipi: then 0x40, ppr 0x40 in its handler"
	mov	eax, [rbx + IRR_40]
	mov	ecx, [rbx + ISR_40]
	or	eax, ecx
	mov	ecx, [rbx + X86_LAPIC_PPR]
	or	eax, ecx
	CHECK_EQX rax, 0, "selfipi: irr, isr and ppr empty after the eois"
	sti
	mov	dword [rbx + X86_LAPIC_ICR_LO], ICR_ALL_BUT_SELF | 0x48
	mov	dword [rbx + X86_LAPIC_ICR_HI], 5 << X86_LAPIC_ICR_DEST_SHIFT
	mov	dword [rbx + X86_LAPIC_ICR_LO], 0x48	; physical, to APIC ID 5
	cli
	mov	eax, [rbx + IRR_40]
	CHECK_EQX rax, 0, "selfipi: all-excluding-self and another apic id: irr empty"
	CHECK_EQ [nlog], 2, "selfipi: all-excluding-self and another apic id: nothing delivered"

	; ---- b. TPR ----
	mov	dword [rbx + X86_LAPIC_TPR], 0x50
	sti
	mov	dword [rbx + X86_LAPIC_ICR_LO], ICR_SELF | 0x45
	mov	dword [rbx + X86_LAPIC_ICR_LO], ICR_SELF | 0x62
	mov	r12, [nlog]			; 0x62 taken already
	mov	r13d, [rbx + IRR_40]
	mov	dword [rbx + X86_LAPIC_TPR], 0x30
	mov	r14, [nlog]			; 0x45 taken already
	cli
	mov	dword [rbx + X86_LAPIC_TPR], 0
	CHECK_EQ r12, 3, "selfipi: tpr 0x50: 0x62 delivered at once"
	CHECK_EQX [ilog + 16], 0x6062, "selfipi: 0x62 with ppr 0x60 in its handler"
	CHECK_EQX r13, 0x20, "selfipi: tpr 0x50: 0x45 held in irr"
	CHECK_EQ r14, 4, "selfipi: tpr 0x30: 0x45 delivered right after the write"
	CHECK_EQX [ilog + 24], 0x4045, "selfipi: 0x45 with ppr 0x40 in its handler"

	; ---- c. a vector in service holds its own class until EOI ----
	sti
	mov	dword [rbx + X86_LAPIC_ICR_LO], ICR_SELF | NOEOI_VEC
	mov	dword [rbx + X86_LAPIC_ICR_LO], ICR_SELF | 0x72
	mov	r12, [nlog]
	mov	r13d, [rbx + X86_LAPIC_PPR]
	mov	r15d, [rbx + ISR_60]
	mov	dword [rbx + X86_LAPIC_EOI], 0
	mov	r14, [nlog]
	cli
	CHECK_EQ r12, 5, "selfipi: 0x72 held while 0x70 is in service"
	CHECK_EQX r13, 0x70, "selfipi: ppr 0x70 while 0x70 is in service"
	CHECK_EQX r15, 0x00010000, "selfipi: isr holds 0x70"
	CHECK_EQ r14, 6, "selfipi: 0x72 delivered right after the eoi"
	CHECK_EQX [ilog + 40], 0x7072, "selfipi: 0x72 with ppr 0x70 in its handler"
	mov	eax, [rbx + ISR_60]
	CHECK_EQX rax, 0, "selfipi: isr empty after the eois"

	; ---- d. NMIs: not masked by IF, blocked until IRET ----
	mov	dword [rbx + X86_LAPIC_ICR_LO], ICR_SELF | ICR_NMI
nmi_next:				; both NMIs arrive with RIP here
	mov	r12, [nmi_count]
	CHECK_EQ r12, 2, "selfipi: two nmis with if=0"
	CHECK_EQ [nmi_inside], 1, "selfipi: the second nmi blocked in the first one's handler"
	lea	r13, [nmi_next]
	CHECK_EQX [nmi_rip], r13, "selfipi: first nmi right after the icr write"
	CHECK_EQX [nmi_rip + 8], r13, "selfipi: second nmi right after the first one's iret"
	xor	eax, eax
	ret

; Interrupt stubs: push the vector, then the common handler.
%macro IRQ_STUB 1
irq_%1:
	push	qword %1
	jmp	irq_common
%endmacro
IRQ_STUB 0x40
IRQ_STUB 0x45
IRQ_STUB 0x48
IRQ_STUB 0x51
IRQ_STUB 0x62
IRQ_STUB 0x70
IRQ_STUB 0x72

; Log vector | PPR << 8, then EOI (not for NOEOI_VEC).
irq_common:
	push	rax
	push	rcx
	push	rdx
	mov	ecx, APIC
	mov	eax, [rcx + X86_LAPIC_PPR]
	shl	eax, 8
	or	rax, [rsp + 24]		; the vector
	mov	rdx, [nlog]
	cmp	rdx, LOGMAX
	jae	.full
	lea	rcx, [ilog]
	mov	[rcx + rdx * 8], rax
.full:	inc	qword [nlog]
	cmp	qword [rsp + 24], NOEOI_VEC
	je	.out
	mov	ecx, APIC
	mov	dword [rcx + X86_LAPIC_EOI], 0
.out:	pop	rdx
	pop	rcx
	pop	rax
	add	rsp, 8
	iretq

; NMI: note the interrupted RIP; the first one sends a second NMI, which
; must not arrive before this handler's IRET.
nmi_handler:
	push	rax
	push	rcx
	push	rdx
	mov	rax, [nmi_count]
	cmp	rax, 2
	jae	.out
	mov	rcx, [rsp + 24]		; the interrupted RIP
	lea	rdx, [nmi_rip]
	mov	[rdx + rax * 8], rcx
	inc	qword [nmi_count]
	test	rax, rax
	jnz	.out
	mov	ecx, APIC
	mov	dword [rcx + X86_LAPIC_ICR_LO], ICR_SELF | ICR_NMI
	nop
	mov	rax, [nmi_count]
	mov	[nmi_inside], rax
.out:	pop	rdx
	pop	rcx
	pop	rax
	iretq

section .data
	align 8
ilog:		times LOGMAX dq 0
nlog:		dq 0
nmi_count:	dq 0
nmi_inside:	dq 0
nmi_rip:	dq 0, 0
section .text
