; strio - string I/O (INS/OUTS, with and without REP) that hv does for the
; guest on the I/O exit (hv/strio.c): REP OUTSB to COM1 prints a line; the
; scenario's 4-byte scratch port at SCRATCH (`port 0xe0 scratch4`) takes
; and gives back OUTSB/W/D and INSB/D with DF=0 and DF=1; REP INSD across a
; page boundary onto two frames apart, REP INSB of 6000 bytes (several
; exits: RIP stays on the instruction until RCX is 0); REP with RCX 0; the
; 32-bit address size (67 prefix) in 64-bit mode; an FS override; and the
; #PF its own IDT gets for an unmapped source, a read-only destination and
; a word across into an unmapped page, with CR2, the error code and
; RSI/RDI/RCX as they were.  One report per check.
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"
%include "pfcatch.inc"

SCRATCH		equ 0xe0
MAPPED		equ 0x40000000	; -> GPA 0x600000, writable
HOLE		equ 0x40001000	; not mapped
CROSS_A		equ 0x40002000	; -> GPA 0x610000
CROSS_B		equ 0x40003000	; -> GPA 0x620000 (not next to CROSS_A's)
ROPAGE		equ 0x40004000	; -> GPA 0x630000, read-only
BIG		equ 0x700000	; identity-mapped, 6000 bytes of REP INSB

; R12 = RSI, R13 = RCX after a string instruction (the checks clobber both)
%macro SAVE 0
	mov	r12, rsi
	mov	r13, rcx
%endmacro

main:
	call	cpu_setup
	IDT_GATE X86_VEC_PF, pf_handler, 0x8e
	call	build
	mov	rax, cr0
	or	rax, X86_CR0_WP			; read-only pages for CPL 0 too
	mov	cr0, rax
	mov	rdi, [pml4]
	call	pt_load
	cld

	; REP OUTSB to COM1: the line on the console (the scenario checks it)
	lea	rsi, [line]
	mov	ecx, line_len
	mov	dx, HV_GUEST_COM1
	rep	outsb
	SAVE
	CHECK_EQ r13, 0, "strio: rep outsb to COM1 leaves RCX 0"
	lea	rax, [line + line_len]
	CHECK_EQX r12, rax, "strio: rep outsb to COM1 leaves RSI past the line"

	; REP OUTSB up and down: the scratch byte holds the last one written
	lea	rsi, [abc]
	mov	ecx, 8
	mov	dx, SCRATCH
	rep	outsb
	SAVE
	call	in_scratch_byte
	CHECK_EQX rax, 'H', "strio: rep outsb DF=0 ends with the last byte"
	lea	rax, [abc + 8]
	CHECK_EQX r12, rax, "strio: rep outsb DF=0 RSI"
	lea	rsi, [abc + 7]
	mov	ecx, 8
	mov	dx, SCRATCH
	std
	rep	outsb
	cld
	SAVE
	call	in_scratch_byte
	CHECK_EQX rax, 'A', "strio: rep outsb DF=1 ends with the first byte"
	lea	rax, [abc - 1]
	CHECK_EQX r12, rax, "strio: rep outsb DF=1 RSI"

	; OUTSD then OUTSW at the scratch's second byte: each at its offset
	lea	rsi, [dword_val]
	mov	dx, SCRATCH
	outsd
	mov	dx, SCRATCH + 1
	outsw
	mov	dx, SCRATCH
	in	eax, dx
	CHECK_EQX rax, 0x44bbaa11, "strio: outsd, then outsw at offset 1"

	; REP INSB DF=1: three bytes down from buf + 2
	mov	dword [buf], 0
	mov	al, 0x5a
	mov	dx, SCRATCH
	out	dx, al
	lea	rdi, [buf + 2]
	mov	ecx, 3
	std
	rep	insb
	cld
	mov	r12, rdi
	mov	eax, [buf]
	CHECK_EQX rax, 0x5a5a5a, "strio: rep insb DF=1 fills buf[0..2]"
	lea	rax, [buf - 1]
	CHECK_EQX r12, rax, "strio: rep insb DF=1 RDI"

	; REP INSD of 8 dwords across CROSS_A's end into CROSS_B (other frame)
	mov	eax, 0x04030201
	mov	dx, SCRATCH
	out	dx, eax
	mov	rdi, CROSS_B - 16
	mov	ecx, 8
	rep	insd
	mov	rax, CROSS_B + 16
	CHECK_EQX rdi, rax, "strio: rep insd across a page: RDI"
	mov	rax, [abs 0x610ff8]
	mov	r14, 0x0403020104030201
	CHECK_EQX rax, r14, "strio: rep insd: the end of the first frame"
	mov	rax, [abs 0x620008]
	CHECK_EQX rax, r14, "strio: rep insd: the second frame"
	mov	rax, [abs 0x620010]
	CHECK_EQX rax, 0, "strio: rep insd: nothing past the count"

	; REP INSB of 6000 bytes over three pages: done in several exits
	mov	al, 0x77
	mov	dx, SCRATCH
	out	dx, al
	mov	edi, BIG + 0x800
	mov	ecx, 6000
	rep	insb
	mov	r12, rdi
	mov	r13, rcx
	CHECK_EQ r13, 0, "strio: rep insb of 6000: RCX"
	CHECK_EQX r12, BIG + 0x800 + 6000, "strio: rep insb of 6000: RDI"
	movzx	eax, byte [abs BIG + 0x800 + 5999]
	CHECK_EQX rax, 0x77, "strio: rep insb of 6000: the last byte"
	movzx	eax, byte [abs BIG + 0x800 + 6000]
	CHECK_EQX rax, 0, "strio: rep insb of 6000: not one more"

	; REP with RCX 0: nothing moves
	lea	rsi, [abc]
	xor	ecx, ecx
	mov	dx, SCRATCH
	rep	outsb
	SAVE
	call	in_scratch_byte
	CHECK_EQX rax, 0x77, "strio: rep outsb with RCX 0 writes nothing"
	lea	rax, [abc]
	CHECK_EQX r12, rax, "strio: rep outsb with RCX 0 keeps RSI"

	; a32 (67): ESI and ECX only, written back zero-extended
	lea	rsi, [abc]
	mov	rax, 0xffffffff00000000
	or	rsi, rax
	mov	rcx, 0xdead000000000002
	mov	dx, SCRATCH
	db	0x67				; a32 rep outsb
	rep	outsb
	SAVE
	call	in_scratch_byte
	CHECK_EQX rax, 'B', "strio: a32 rep outsb takes ESI, ECX"
	lea	rax, [abc + 2]
	CHECK_EQX r12, rax, "strio: a32 rep outsb: RSI zero-extended"
	CHECK_EQX r13, 0, "strio: a32 rep outsb: RCX zero-extended"

	; an FS override: FS base + RSI
	lea	rax, [abc - 0x100]
	mov	rdx, rax
	shr	rdx, 32
	mov	ecx, X86_MSR_FS_BASE
	wrmsr
	mov	esi, 0x105
	mov	dx, SCRATCH
	db	0x64				; fs outsb
	outsb
	xor	eax, eax
	xor	edx, edx
	mov	ecx, X86_MSR_FS_BASE
	wrmsr
	call	in_scratch_byte
	CHECK_EQX rax, 'F', "strio: fs outsb reads FS base + RSI"

	; #PF: REP OUTSB from a page not mapped: not present, read
	lea	rax, [.hole_back]
	mov	[pf_resume], rax
	mov	rsi, HOLE + 8
	mov	ecx, 4
	mov	dx, SCRATCH
	rep	outsb
.hole_back:
	SAVE
	CHECK_EQ [pf_count], 1, "strio: rep outsb from a hole: one #PF"
	CHECK_EQX [pf_err], 0, "strio: rep outsb from a hole: error code"
	CHECK_EQX [pf_cr2], HOLE + 8, "strio: rep outsb from a hole: CR2"
	CHECK_EQ r13, 4, "strio: rep outsb from a hole: RCX as it was"
	CHECK_EQX r12, HOLE + 8, "strio: rep outsb from a hole: RSI as it was"

	; #PF: INSB into a read-only page: present, write
	lea	rax, [.ro_back]
	mov	[pf_resume], rax
	mov	rdi, ROPAGE + 0x10
	mov	dx, SCRATCH
	insb
.ro_back:
	CHECK_EQ [pf_count], 2, "strio: insb into a read-only page: a #PF"
	CHECK_EQX [pf_err], X86_PFERR_P | X86_PFERR_W, "strio: insb into a read-only page: error code"
	CHECK_EQX [pf_cr2], ROPAGE + 0x10, "strio: insb into a read-only page: CR2"
	movzx	eax, byte [abs 0x630010]
	CHECK_EQX rax, 0, "strio: insb into a read-only page: nothing written"

	; #PF: OUTSW of a word across MAPPED's end into the hole: CR2 the hole
	lea	rax, [.cross_back]
	mov	[pf_resume], rax
	mov	rsi, HOLE - 1
	mov	dx, SCRATCH
	outsw
.cross_back:
	CHECK_EQ [pf_count], 3, "strio: outsw across into a hole: a #PF"
	CHECK_EQX [pf_cr2], HOLE, "strio: outsw across into a hole: CR2 the hole's start"
	xor	eax, eax
	ret

; RAX = IN AL from the scratch port, zero-extended
in_scratch_byte:
	mov	dx, SCRATCH
	xor	eax, eax
	in	al, dx
	ret

build:
	call	pt_new_identity
	mov	[pml4], rax
	mov	rdi, [pml4]
	mov	esi, MAPPED
	mov	edx, 0x600000
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, CROSS_A
	mov	edx, 0x610000
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, CROSS_B
	mov	edx, 0x620000
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, ROPAGE
	mov	edx, 0x630000
	xor	ecx, ecx
	call	pt_map4k
	ret

section .data
pml4:		dq 0
line:		db "strio: rep outsb to COM1", 10
line_len	equ $ - line
		db 0
abc:		db "ABCDEFGH"
dword_val:	dd 0x44332211
		dw 0xbbaa
buf:		dq 0
