; copyuser.asm - the only instructions allowed to fault on user addresses.
; copyin.c registers a #PF hook that, when RIP is inside [copyuser_begin,
; copyuser_end), resumes at copyuser_fault, which returns EFAULT.  None of
; these routines touch the stack between entry and the faulting access, so the
; fault path can simply `ret`.

bits 64
section .text
global copyuser_begin, copyuser_end, copyuser_fault
global copy_user_bytes, fetch_user_byte

copyuser_begin:
; int copy_user_bytes(void *dst, const void *src, size_t len): 0 or EFAULT
copy_user_bytes:
	mov rcx, rdx
	rep movsb
	xor eax, eax
	ret

; int fetch_user_byte(const uint8_t *src, uint8_t *out): 0 or EFAULT
fetch_user_byte:
	movzx eax, byte [rdi]
	mov [rsi], al
	xor eax, eax
	ret
copyuser_end:

copyuser_fault:
	mov eax, 14			; EFAULT
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
