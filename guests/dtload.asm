; dtload - LGDT, LIDT, LTR and LLDT in 64-bit mode with the architecture's
; checks (SDM Vol. 2A LGDT/LIDT, LLDT, LTR; Vol. 3A 8.2.3; APM Vol. 3), the
; same on every backend whoever does them (hv on SVM: hv/dtload.c):
;   LGDT/LIDT of a base that is not canonical: #GP(0), GDTR/IDTR unchanged
;   (SGDT/SIDT); of a good one: loaded, SGDT shows it, a segment load reads
;   the new table.
;   LTR of a 16-byte TSS descriptor whose base is not canonical: #GP(sel),
;   TR unchanged (STR); of a good one: TR loaded, the busy bit set in the
;   GDT; of it again, now busy: #GP(sel).
;   LLDT of the null selector: LDTR null; of a data segment (wrong type), of
;   an LDT whose base is not canonical, of a selector with TI set: #GP(sel);
;   of an LDT not present: #NP(sel); of a good LDT: loaded (SLDT).
;   LGDT with RFLAGS.TF: one single-step #DB, RIP past it (hv/exit.h).
%include "hv.inc"
%include "ring3.inc"

NONCANON	equ	0xaaaaaaaaaaaaaaaa
SEL_TSS_BAD	equ	0x38		; in gdt2: a TSS, base not canonical
SEL_TSS_GOOD	equ	0x48		; a TSS
SEL_LDT		equ	0x58		; an LDT
SEL_LDT_NP	equ	0x68		; an LDT, not present
SEL_LDT_BAD	equ	0x78		; an LDT, base not canonical

; TRY instruction: run it with the fault record cleared; a #GP, #NP or #SS
; it raises resumes after it with the vector and error code recorded.
%macro TRY 1+
	lea	r11, [%%after]
	mov	[f_resume], r11
	mov	qword [f_vec], -1
	mov	qword [f_err], -1
	%1
%%after:
%endmacro

; FAULT_CHECKS vector, error, "what"
%macro FAULT_CHECKS 3
	%strcat %%v %3, ": vector"
	%strcat %%e %3, ": error code"
	CHECK_EQ [f_vec], %1, %%v
	CHECK_EQX [f_err], %2, %%e
%endmacro

main:
	call	cpu_setup
	IDT_GATE X86_VEC_GP, gp_handler, 0x8e
	IDT_GATE X86_VEC_NP, np_handler, 0x8e
	IDT_GATE X86_VEC_SS, ss_handler, 0x8e
	IDT_GATE X86_VEC_DB, db_handler, 0x8e
	call	gdt2_build

	; ---- LGDT, LIDT -------------------------------------------------------
	TRY	lgdt [bad_dtr]
	FAULT_CHECKS 13, 0, "lgdt non-canonical base"
	sgdt	[dt_read]
	lea	rax, [gdt]
	CHECK_EQX [dt_read + 2], rax, "lgdt non-canonical base: gdtr base unchanged"
	movzx	eax, word [dt_read]
	CHECK_EQX rax, gdt_end - gdt - 1, "lgdt non-canonical base: gdtr limit unchanged"
	TRY	lidt [bad_dtr]
	FAULT_CHECKS 13, 0, "lidt non-canonical base"
	sidt	[dt_read]
	lea	rax, [idt]
	CHECK_EQX [dt_read + 2], rax, "lidt non-canonical base: idtr base unchanged"

	TRY	lgdt [gdt2r]
	CHECK_EQ [f_vec], -1, "lgdt good base: no fault"
	sgdt	[dt_read]
	lea	rax, [gdt2]
	CHECK_EQX [dt_read + 2], rax, "lgdt good base: sgdt base"
	movzx	eax, word [dt_read]
	CHECK_EQX rax, gdt2_end - gdt2 - 1, "lgdt good base: sgdt limit"
	mov	ax, SEL_KDATA		; read from the new table
	mov	ds, ax

	; ---- LTR --------------------------------------------------------------
	mov	ax, SEL_TSS_BAD
	TRY	ltr ax
	FAULT_CHECKS 13, SEL_TSS_BAD, "ltr non-canonical tss base"
	str	rax
	CHECK_EQX rax, SEL_TSS, "ltr non-canonical tss base: tr unchanged"
	mov	ax, SEL_TSS_GOOD
	TRY	ltr ax
	CHECK_EQ [f_vec], -1, "ltr good tss: no fault"
	str	rax
	CHECK_EQX rax, SEL_TSS_GOOD, "ltr good tss: str"
	movzx	eax, byte [gdt2 + SEL_TSS_GOOD + 5]
	CHECK_EQX rax, 0x8b, "ltr good tss: descriptor busy in the gdt"
	mov	ax, SEL_TSS_GOOD
	TRY	ltr ax
	FAULT_CHECKS 13, SEL_TSS_GOOD, "ltr busy tss"

	; ---- LLDT -------------------------------------------------------------
	xor	eax, eax
	TRY	lldt ax
	CHECK_EQ [f_vec], -1, "lldt null: no fault"
	sldt	rax
	CHECK_EQX rax, 0, "lldt null: sldt"
	mov	ax, SEL_KDATA
	TRY	lldt ax
	FAULT_CHECKS 13, SEL_KDATA, "lldt data segment"
	mov	ax, SEL_LDT_BAD
	TRY	lldt ax
	FAULT_CHECKS 13, SEL_LDT_BAD, "lldt non-canonical ldt base"
	mov	ax, SEL_LDT | 4		; TI: a selector in the LDT
	TRY	lldt ax
	FAULT_CHECKS 13, SEL_LDT | 4, "lldt selector with ti"
	TRY	lldt [sel_ldt_np]	; a memory operand
	FAULT_CHECKS 11, SEL_LDT_NP, "lldt ldt not present"
	mov	ax, SEL_LDT
	TRY	lldt ax
	CHECK_EQ [f_vec], -1, "lldt good ldt: no fault"
	sldt	rax
	CHECK_EQX rax, SEL_LDT, "lldt good ldt: sldt"
	xor	eax, eax
	lldt	ax

	; ---- LGDT under TF: back to the first table, one #DB past it ----------
	mov	qword [db_count], 0
	pushfq
	or	qword [rsp], X86_RFLAGS_TF
	popfq
	lgdt	[gdtr]
.stepped:
	CHECK_EQ [db_count], 1, "lgdt under tf: #DB count"
	lea	rax, [.stepped]
	CHECK_EQX [db_rip], rax, "lgdt under tf: #DB rip past it"
	sgdt	[dt_read]
	lea	rax, [gdt]
	CHECK_EQX [dt_read + 2], rax, "lgdt under tf: gdtr base"
	xor	eax, eax
	ret

; gdt2: ring3.inc's first five descriptors and its TSS's, then the test's.
gdt2_build:
	lea	rsi, [gdt]
	lea	rdi, [gdt2]
	mov	ecx, (gdt_end - gdt) / 8
	rep movsq
	; the TSS descriptor cpu_setup made, available again (type 9, not 11)
	mov	rax, [gdt_tss]
	btr	rax, 41				; the busy bit (type bit 1)
	mov	[gdt2 + SEL_TSS_GOOD], rax
	mov	rdx, [gdt_tss + 8]
	mov	[gdt2 + SEL_TSS_GOOD + 8], rdx
	mov	[gdt2 + SEL_TSS_BAD], rax
	mov	rdx, NONCANON >> 32		; base 63:32
	mov	[gdt2 + SEL_TSS_BAD + 8], rdx
	; LDTs: base 0 (or 63:32 not canonical), limit 0xffff, type 2
	mov	rax, 0x000082000000ffff		; present
	mov	[gdt2 + SEL_LDT], rax
	mov	[gdt2 + SEL_LDT_BAD], rax
	mov	qword [gdt2 + SEL_LDT_BAD + 8], rdx
	mov	rax, 0x000002000000ffff		; not present
	mov	[gdt2 + SEL_LDT_NP], rax
	ret

; #GP, #NP, #SS: record vector and error code, resume after the TRY
gp_handler:
	push	X86_VEC_GP
	jmp	fault_common
np_handler:
	push	X86_VEC_NP
	jmp	fault_common
ss_handler:
	push	X86_VEC_SS
fault_common:
	pop	qword [f_vec]
	pop	qword [f_err]
	push	rax
	mov	rax, [f_resume]
	mov	[rsp + 8], rax			; the frame's RIP
	pop	rax
	iretq

; single step: count, record RIP, clear TF in the frame
db_handler:
	inc	qword [db_count]
	push	rax
	mov	rax, [rsp + 8]
	mov	[db_rip], rax
	and	qword [rsp + 24], ~X86_RFLAGS_TF
	pop	rax
	iretq

section .data
	align 16
gdt2:	times 0x88 db 0
gdt2_end:
gdt2r:	dw	gdt2_end - gdt2 - 1
	dq	gdt2
bad_dtr: dw	0xfff
	dq	NONCANON
dt_read: times 10 db 0
sel_ldt_np: dw	SEL_LDT_NP
	align 8
f_resume: dq	0
f_vec:	dq	0
f_err:	dq	0
db_count: dq	0
db_rip:	dq	0
