; compatsys - SYSCALL from compatibility mode and SYSRET back to it, as the
; guest CPU's vendor defines them (a scenario's `cpu` line).  An AMD CPU
; runs SYSCALL there (APM Vol. 3 SYSCALL, long mode): RCX the next RIP, R11
; RFLAGS, RFLAGS masked by IA32_FMASK; CS STAR[47:32] with RPL cleared, a
; flat 64-bit code segment, SS STAR[47:32] + 8, both DPL 0; RIP IA32_CSTAR.
; An Intel CPU raises #UD for it (SDM Vol. 2B SYSCALL: not 64-bit mode),
; and both raise #UD with EFER.SCE clear.  SYSRET to compatibility mode
; loads CS STAR[63:48] | 3 and SS STAR[63:48] + 8 | 3 on both.  The
; single-step trap of a SYSCALL under TF is decided as it ends: IA32_FMASK
; masking TF leaves none, TF kept traps at its target.
; One serial line per case, what the guest saw; the compatsys_*.scn
; scenarios check the lines.
%include "hv.inc"
%include "ring3.inc"
%include "paging.inc"

; descriptors this guest adds after ring3.inc's (the TSS ends at 0x38)
SEL_CODE32	equ	0x38		; 32-bit code, DPL 0
SEL_SYSRET	equ	0x40		; STAR[63:48]: 32-bit code DPL 3, data DPL 3
SEL_SYSCALL	equ	0x50		; STAR[47:32]: 64-bit code DPL 0, data DPL 0
STAR_VALUE	equ	(SEL_SYSRET << 48) | (SEL_SYSCALL << 32)
; RFLAGS bit 1 reads as 1; CF (0), DF (10) and ID (21) are in no FMASK here
; the status flags and DF (SDM Vol. 1 3.4.3.1, 3.4.3.2): the lines show
; RFLAGS after SYSCALL without them, as the system flags FMASK is about
; (QEMU's TCG, under which SVM runs here, loses them at a long-mode
; SYSCALL; the APM keeps every flag FMASK does not name)
RFLAGS_STATUS_DF equ	0xcd5
SYS_RFLAGS	equ	X86_RFLAGS_FIXED1 | X86_RFLAGS_CF | X86_RFLAGS_DF | X86_RFLAGS_AC | X86_RFLAGS_ID
USER_RFLAGS	equ	X86_RFLAGS_FIXED1 | X86_RFLAGS_CF | X86_RFLAGS_ID	; SYSRET's R11
TF_RFLAGS	equ	X86_RFLAGS_FIXED1 | X86_RFLAGS_TF

%macro WRMSR64 2			; WRMSR64 msr, value (clobbers rax, rcx, rdx)
	mov	ecx, %1
	mov	rax, %2
	mov	rdx, rax
	shr	rdx, 32
	wrmsr
%endmacro

; CASE "text", entry: run the 32-bit code at entry at CPL 0 (its SYSCALL
; at entry_at), then print text and where the SYSCALL went
%macro CASE 2
	lea	rdi, [%2]
	lea	rsi, [%2 %+ _at]
	call	run32
	MSG	%1
	call	landing
%endmacro

main:
	push	rbx
	call	cpu_setup
	call	pt_user_image
	; ring3.inc's descriptors, its TSS's included, then this guest's
	lea	rsi, [gdt]
	lea	rdi, [gdt32]
	mov	ecx, gdt_end - gdt
	rep movsb
	lgdt	[gdtr32]
	IDT_GATE X86_VEC_UD, ud_entry, 0x8e
	IDT_GATE X86_VEC_DB, db_entry, 0x8e
	lea	rbx, [cstar_entry]
	WRMSR64	X86_MSR_CSTAR, rbx
	lea	rbx, [lstar_entry]
	WRMSR64	X86_MSR_LSTAR, rbx
	WRMSR64	X86_MSR_STAR, STAR_VALUE
	WRMSR64	X86_MSR_FMASK, X86_RFLAGS_AC | X86_RFLAGS_TF
	mov	ecx, X86_MSR_EFER
	rdmsr
	or	eax, X86_EFER_SCE
	wrmsr

	; R11 has SYS_RFLAGS, RFLAGS keeps ID and loses AC (FMASK)
	CASE	"compatsys: syscall: ", c32_syscall

	; STAR[47:32] with RPL 3: CS gets it cleared; SS is STAR[47:32] + 8
	; (its RPL bits are left out here: the APM leaves them as STAR has
	; them, some emulators clear them)
	WRMSR64	X86_MSR_STAR, STAR_VALUE | (3 << 32)
	lea	rdi, [c32_syscall]
	lea	rsi, [c32_syscall_at]
	call	run32
	WRMSR64	X86_MSR_STAR, STAR_VALUE
	MSG	"compatsys: star rpl 3: "
	call	landing_where
	cmp	qword [sc_where], 'C'
	jne	.rpl_out
	MSGS	" cs "
	MSGX	[sc_cs]
	MSGS	" ss index "
	mov	rax, [sc_ss]
	and	eax, ~3
	MSGX	rax
.rpl_out:
	call	msg_puts

	; SYSRET into 32-bit code at CPL 3, whose SYSCALL comes back
	call	run_sysret
	MSG	"compatsys: sysret: cs "
	MSGX	[u_cs]
	MSGS	" ss "
	MSGX	[u_ss]
	call	msg_puts
	MSG	"compatsys: syscall from cpl 3: "
	lea	rax, [u32_syscall]
	mov	[sc_at], rax
	lea	rax, [u32_next]
	mov	[sc_next], rax
	call	landing

	; TF set by POPF just before SYSCALL: masked by FMASK, no #DB;
	; kept, one #DB at CSTAR
	CASE	"compatsys: tf masked: ", c32_tf
	WRMSR64	X86_MSR_FMASK, X86_RFLAGS_AC
	CASE	"compatsys: tf kept: ", c32_tf

	; EFER.SCE clear: #UD for every vendor
	mov	ecx, X86_MSR_EFER
	rdmsr
	and	eax, ~X86_EFER_SCE
	wrmsr
	CASE	"compatsys: sce clear: ", c32_syscall
	pop	rbx
	xor	eax, eax
	ret

; run32(rdi = 32-bit code, rsi = its SYSCALL): clear the records, enter
; it at CPL 0 in compatibility mode; back here when its SYSCALL lands or
; it faults
run32:
	call	clear
	mov	[sc_at], rsi
	add	rsi, 2				; SYSCALL is 0F 05
	mov	[sc_next], rsi
	lea	rax, [.ret]
	mov	[k_resume], rax
	mov	[k_rsp], rsp
	push	SEL_CODE32
	push	rdi
	retfq
.ret:	ret

; run_sysret: SYSRET (32-bit operand size) into u32_entry at CPL 3 with
; RFLAGS USER_RFLAGS, on the user stack; back when its SYSCALL lands or it
; faults
run_sysret:
	call	clear
	lea	rax, [.ret]
	mov	[k_resume], rax
	mov	[k_rsp], rsp
	lea	rcx, [u32_entry]
	mov	r11d, USER_RFLAGS
	lea	rsp, [ustack_top]
	sysret
.ret:	ret

clear:
	xor	eax, eax
	mov	[sc_where], rax
	mov	[ud_count], rax
	mov	[db_count], rax
	ret

; SYSCALL lands here (CPL 0, 64-bit code): what it left
cstar_entry:
	mov	qword [sc_where], 'C'
	jmp	syscall_landed
lstar_entry:
	mov	qword [sc_where], 'L'
syscall_landed:
	mov	[sc_rcx], rcx
	mov	[sc_r11], r11
	pushfq
	pop	qword [sc_rflags]
	mov	[sc_cs], cs
	mov	[sc_ss], ss
	jmp	back

; #UD: where it was raised
ud_entry:
	inc	qword [ud_count]
	mov	rax, [rsp]
	mov	[ud_rip], rax
	mov	rax, [rsp + 8]
	mov	[ud_cs], rax
	jmp	back

; #DB: where and with which RFLAGS; TF cleared in the frame, then on
db_entry:
	inc	qword [db_count]
	push	rax
	mov	rax, [rsp + 8]
	mov	[db_rip], rax
	mov	rax, [rsp + 16]
	mov	[db_cs], rax
	mov	rax, [rsp + 24]
	mov	[db_rflags], rax
	and	qword [rsp + 24], ~X86_RFLAGS_TF
	pop	rax
	iretq

; back to 64-bit kernel code and stack, RFLAGS clean, at k_resume
back:
	mov	rsp, [k_rsp]
	push	2
	popfq
	push	SEL_KCODE
	lea	rax, [.k]
	push	rax
	retfq
.k:	mov	eax, SEL_KDATA
	mov	ss, eax
	mov	ds, eax
	mov	es, eax
	jmp	[k_resume]

; landing: append where the SYSCALL at [sc_at] went and the trap after
; it, print the line
landing:
	call	landing_where
	cmp	qword [sc_where], 'C'
	jne	.db
	MSGS	" cs "
	MSGX	[sc_cs]
	MSGS	" ss "
	MSGX	[sc_ss]
	MSGS	" rcx "
	mov	rax, [sc_rcx]
	cmp	rax, [sc_next]
	jne	.rcx
	MSGS	"next"
	jmp	.r11
.rcx:	MSGX	rax
.r11:	MSGS	" r11 "
	MSGX	[sc_r11]
	MSGS	" sysflags "
	mov	rax, [sc_rflags]
	and	eax, ~RFLAGS_STATUS_DF
	MSGX	rax
.db:	MSGS	" #DB "
	MSGD	[db_count]
	cmp	qword [db_count], 0
	je	.out
	MSGS	" at "
	lea	rax, [cstar_entry]
	cmp	rax, [db_rip]
	jne	.dbrip
	MSGS	"cstar"
	jmp	.dbcs
.dbrip:	MSGX	[db_rip]
.dbcs:	MSGS	" cs "
	MSGX	[db_cs]
	MSGS	" rflags "
	MSGX	[db_rflags]
.out:	jmp	msg_puts

; landing_where: append "cstar", "lstar" or "#UD at syscall cs N"
landing_where:
	cmp	qword [ud_count], 0
	je	.sys
	MSGS	"#UD at "
	mov	rax, [ud_rip]
	cmp	rax, [sc_at]
	jne	.udrip
	MSGS	"syscall"
	jmp	.udcs
.udrip:	MSGX	rax
.udcs:	MSGS	" cs "
	MSGX	[ud_cs]
	ret
.sys:	cmp	qword [sc_where], 'C'
	jne	.l
	MSGS	"cstar"
	ret
.l:	cmp	qword [sc_where], 'L'
	jne	.none
	MSGS	"lstar"
	ret
.none:	MSGS	"nowhere"
	ret

; ---- 32-bit code (compatibility mode) ------------------------------------
bits 32
c32_syscall:
	push	SYS_RFLAGS
	popfd
c32_syscall_at:
	syscall
	ud2
c32_tf:
	push	TF_RFLAGS
	popfd
c32_tf_at:
	syscall
	ud2
; CPL 3, entered by SYSRET: its CS and SS, then SYSCALL
u32_entry:
	mov	[u_cs], cs
	mov	[u_ss], ss
u32_syscall:
	syscall
u32_next:
	ud2
bits 64

section .data
	align 16
gdt32:	times 7 dq 0				; ring3.inc's, copied
	dq	0x00cf9a000000ffff		; 0x38 32-bit code, DPL 0
	dq	0x00cffa000000ffff		; 0x40 32-bit code, DPL 3
	dq	0x00cff2000000ffff		; 0x48 data, DPL 3
	dq	0x00af9a000000ffff		; 0x50 64-bit code, DPL 0
	dq	0x00cf92000000ffff		; 0x58 data, DPL 0
gdt32_end:
gdtr32:	dw	gdt32_end - gdt32 - 1
	dq	gdt32
k_rsp:		dq	0
k_resume:	dq	0
sc_at:		dq	0
sc_next:	dq	0
sc_where:	dq	0
sc_rcx:		dq	0
sc_r11:		dq	0
sc_rflags:	dq	0
sc_cs:		dq	0
sc_ss:		dq	0
ud_count:	dq	0
ud_rip:		dq	0
ud_cs:		dq	0
db_count:	dq	0
db_rip:		dq	0
db_cs:		dq	0
db_rflags:	dq	0
u_cs:		dq	0
u_ss:		dq	0
	align 16
ustack:		times 256 db 0
ustack_top:
