; switch.asm - kernel thread context switch.
;
; struct thread *switch_to(uint64_t *save_rsp, uint64_t new_rsp)
; Saves the callee-saved registers on the current stack, stores RSP in
; *save_rsp, loads new_rsp and pops the incoming thread's registers.  Returns
; (in the incoming thread) whatever that thread's RAX slot says: sched.c passes
; the outgoing thread in RDX so the incoming side can finish the switch.
; FS base and CR3 are handled in C before the call.

bits 64
section .text
global switch_to, thread_trampoline
extern thread_start

switch_to:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	mov rax, rdx			; outgoing thread, returned to the incoming one
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; First run of a new thread: switch_to "returns" here with RAX = the thread
; we switched away from; r12 = fn, r13 = arg were set up by thread_create.
thread_trampoline:
	mov rdi, rax
	mov rsi, r12
	mov rdx, r13
	call thread_start		; never returns
	ud2

section .note.GNU-stack noalloc noexec nowrite progbits
