; hist_vkern - a minimal vkernel (report of 2 Sep 2013): three guest-user processes, each
; with its own page tables, make "system calls" whose arguments the host
; reads with its copyin family (HC_COPY_TEST: copyin of a 64-byte struct and
; copyinstr of a string, both crossing a page boundary).  The processes use
; the same virtual addresses for different guest-physical pages (out of
; order), and the host pages the argument pages out first (MARK 1), so they
; are not in the nested tables when the host reads them.  The vkernel hashes
; each argument before MARK 1; the user code compares the host's hash with
; it and reports the first difference as
; "syscall argument not intact: pid=N op=... got=0x... want=0x...", prints
; it, and makes MARK 2 with RSI = the message (scenario action guestfail).
; Guest memory >= 8 MiB.
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"
%include "copytest.inc"

NPROC		equ 3
ROUNDS		equ 2
ARG_VA		equ 0x10000000		; three pages per process from here
STRUCT_VA	equ ARG_VA + 0xfe0	; 64 bytes: 32 in page 0, 32 in page 1
STRUCT_LEN	equ 64
STR_VA		equ ARG_VA + 0x1fe8	; the string: 24 bytes in page 1, rest page 2
ARG_GPA		equ 0x700000		; process p: ARG_GPA + p * 0x4000
USER_STACK	equ 0x3f0000

main:
	call	cpu_setup
	xor	ebx, ebx
.mk:	mov	edi, ebx
	call	make_proc
	inc	ebx
	cmp	ebx, NPROC
	jb	.mk
	MARK	1				; the host pages the argument pages out
	xor	r13d, r13d			; failed calls
	xor	r12d, r12d			; round
.round:	xor	ebx, ebx
.proc:	mov	rdi, [pml4s + rbx * 8]		; switch to process rbx
	call	pt_load
	lea	rdi, [user_main]
	mov	esi, USER_STACK
	mov	edx, ebx
	call	enter_user
	add	r13, rax
	inc	ebx
	cmp	ebx, NPROC
	jb	.proc
	inc	r12d
	cmp	r12d, ROUNDS
	jb	.round
	CHECK_EQ r13, 0, "vkern: syscalls whose arguments did not arrive intact"
	xor	eax, eax
	ret

; make_proc(rdi = p): page tables of process p, its argument pages filled
; through them, and the hashes the host's copies must give.
make_proc:
	push	rbx
	push	r12
	mov	ebx, edi
	call	pt_new_identity		; the vkernel's own view: supervisor
	mov	[pml4s + rbx * 8], rax
	mov	rdi, [pml4s + rbx * 8]		; the image's 2 MiB page: user code
	mov	esi, HV_GUEST_LOAD_GPA
	mov	edx, HV_GUEST_LOAD_GPA
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map2m
	; ARG_VA pages 0, 1, 2 -> GPA +0x2000, +0x0000, +0x3000: out of order
	mov	r12, rbx
	shl	r12, 14
	add	r12, ARG_GPA
	mov	rdi, [pml4s + rbx * 8]
	mov	esi, ARG_VA
	lea	rdx, [r12 + 0x2000]
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4s + rbx * 8]
	mov	esi, ARG_VA + 0x1000
	mov	rdx, r12
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4s + rbx * 8]
	mov	esi, ARG_VA + 0x2000
	lea	rdx, [r12 + 0x3000]
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4s + rbx * 8]
	call	pt_load
	; struct bytes (i * 7 + p * 31) & 0xff
	xor	ecx, ecx
.st:	imul	eax, ecx, 7
	imul	edx, ebx, 31
	add	eax, edx
	mov	[abs STRUCT_VA + rcx], al
	inc	ecx
	cmp	ecx, STRUCT_LEN
	jb	.st
	; the string, its digit replaced by p
	lea	rsi, [str_text]
	mov	edi, STR_VA
	mov	ecx, STR_LEN + 1
	rep	movsb
	lea	eax, [rbx + '0']
	mov	[abs STR_VA + STR_DIGIT], al
	mov	edi, STRUCT_VA
	mov	esi, STRUCT_LEN
	call	fnv32
	mov	[want_struct + rbx * 8], rax
	mov	edi, STR_VA
	mov	esi, STR_LEN
	call	fnv32
	mov	rdx, (STR_LEN + 1) << 32
	or	rax, rdx
	mov	[want_str + rbx * 8], rax
	pop	r12
	pop	rbx
	ret

; Guest-user code, rdi = p: two system calls; RAX = how many failed.
user_main:
	push	rbx
	push	r12
	push	r13
	mov	rbx, rdi
	xor	r12d, r12d
	COPYOP	COPY_COPYIN, STRUCT_VA, STRUCT_LEN, 0
	mov	r13, [want_struct + rbx * 8]
	cmp	rax, r13
	je	.s_ok
	inc	r12
	lea	rdi, [op_struct]
	mov	rsi, rax
	call	bad_arg
.s_ok:	COPYOP	COPY_COPYINSTR, STR_VA, 128, 0
	mov	r13, [want_str + rbx * 8]
	cmp	rax, r13
	je	.t_ok
	inc	r12
	lea	rdi, [op_str]
	mov	rsi, rax
	call	bad_arg
.t_ok:	mov	rax, r12
	pop	r13
	pop	r12
	pop	rbx
	int	USER_RET_VEC

; bad_arg(rdi = op name, rsi = got; rbx = p, r13 = want): report it once.
bad_arg:
	cmp	qword [reported], 0
	jne	.done
	mov	qword [reported], 1
	push	rsi
	push	rdi
	MSG	"syscall argument not intact: pid="
	MSGD	rbx
	MSGS	" op="
	pop	rdi
	call	msg_str
	MSGS	" got="
	pop	rdi
	call	msg_hex
	MSGS	" want="
	MSGX	r13
	xor	edi, edi
	call	report
	lea	rdi, [msgbuf]
	call	hv_puts
	lea	rsi, [msgbuf]			; MARK 2: the host's verdict hook
	MARK	2
.done:	ret

section .data
pml4s:		times NPROC dq 0
want_struct:	times NPROC dq 0
want_str:	times NPROC dq 0
reported:	dq 0
op_struct:	db "copyin(struct across pages)", 0
op_str:		db "copyinstr(string across pages)", 0
str_text:	db "guest-user pid 0 asks the host to read this path", 0
STR_LEN		equ $ - str_text - 1
STR_DIGIT	equ 15
section .text
