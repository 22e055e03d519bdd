; isr.asm - interrupt and exception entry stubs.  Every stub leaves the same
; frame (struct trapframe in testkern/kern/trap.h): GPRs, vector, error code, then
; the CPU's RIP/CS/RFLAGS/RSP/SS.  The CPU pushes an error code only for
; vectors 8, 10-14, 17, 21, 29, 30 (SDM vol. 3A 6.13); the others push 0.

bits 64
section .text
extern trap_dispatch

%macro ISR_NOERR 1
isr_%1:
	push 0
	push %1
	jmp isr_common
%endmacro
%macro ISR_ERR 1
isr_%1:
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	ISR_ERR v
%else
	ISR_NOERR v
%endif
%assign v v+1
%endrep
ISR_NOERR 32			; LAPIC timer
ISR_NOERR 240			; call-function IPI
ISR_NOERR 241			; kick IPI
ISR_NOERR 254			; LAPIC error
ISR_NOERR 255			; spurious

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector, error code
	iretq

section .rodata
align 8
; isr_table[v] = stub address or 0: idt.c builds the IDT from it.
global isr_table
isr_table:
%assign v 0
%rep 256
%if v < 33 || v == 0xf0 || v == 0xf1 || v == 0xfe || v == 0xff
	dq isr_ %+ v
%else
	dq 0
%endif
%assign v v+1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
