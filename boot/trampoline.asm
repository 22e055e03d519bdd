; trampoline.asm - AP start-up code.  smp.c copies tramp_start..tramp_end to
; physical TRAMP_PA and sends INIT-SIPI-SIPI with vector TRAMP_PA >> 12; the AP
; starts in real mode at CS = TRAMP_PA >> 4, IP = 0 (SDM vol. 3A 9.4.4 / 10.6.1).
; smp.c fills tr_cr3 (a PML4 below 4 GiB that identity-maps this page and
; holds the kernel's upper half), tr_stack, tr_entry and tr_arg.

TRAMP_PA	equ 0x8000

%include "x86_arch.inc"
%include "long_mode.inc"

section .rodata
global tramp_start, tramp_end, tr_cr3, tr_stack, tr_entry, tr_arg
bits 16
tramp_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	lgdt [tr_gdtr - tramp_start]
	mov eax, cr0
	or eax, X86_CR0_PE
	mov cr0, eax
	jmp dword 0x08:(TRAMP_PA + tr_pm32 - tramp_start)

bits 32
tr_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	ENTER_LONG_MODE [TRAMP_PA + tr_cr3 - tramp_start]
	jmp 0x18:(TRAMP_PA + tr_lm64 - tramp_start)

bits 64
tr_lm64:
	mov rsp, [TRAMP_PA + tr_stack - tramp_start]
	mov rdi, [TRAMP_PA + tr_arg - tramp_start]
	mov rax, [TRAMP_PA + tr_entry - tramp_start]
	call rax			; ap_entry(arg) never returns
.halt:
	cli
	hlt
	jmp .halt

align 8
tr_gdt:
	dq 0
	dq 0x00cf9a000000ffff		; 0x08: 32-bit code
	dq 0x00cf92000000ffff		; 0x10: data
	dq 0x00af9a000000ffff		; 0x18: 64-bit code
tr_gdt_end:
tr_gdtr:
	dw tr_gdt_end - tr_gdt - 1
	dd TRAMP_PA + tr_gdt - tramp_start
align 8
tr_cr3:		dq 0
tr_stack:	dq 0
tr_entry:	dq 0
tr_arg:		dq 0
tramp_end:

section .note.GNU-stack noalloc noexec nowrite progbits
