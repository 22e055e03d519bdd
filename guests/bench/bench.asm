; bench - the guest half of `make bench` (host half: testkern/bench/bench.c).
;
; The guest asks the host what to measure (HC_HOST BH_NEXT returns
; op | iterations << 8, 0 when done), runs the operation that many times,
; timing each one with RDTSC, stores the tick counts at SAMPLES and hands
; them over (HC_HOST BH_DONE, op, n).  Under QEMU -icount shift=0 and Bochs
; with clock sync=none the TSC advances with retired instructions, so a
; difference of two RDTSCs counts the instructions the guest and the host
; executed in between: an exit round trip is the host's whole exit path.
; Keep the numbers below equal to testkern/bench/bench.c.
%include "hv.inc"

BH_NEXT		equ 0x100	; HC_HOST actions
BH_DONE		equ 0x101
BH_PING		equ 0x102
BH_MIGRATE	equ 0x103

OP_EMPTY	equ 1		; nothing between the RDTSCs: the overhead of T0 + T1
OP_CALIB	equ 2		; CALIB_LOOPS x (dec; jnz): known instruction count
OP_HC_NOP	equ 3		; HC_NOP hypercall (the fast path)
OP_CPUID	equ 4		; CPUID leaf 0
OP_OUT		equ 5		; OUT to the UART scratch register (port 0x3ff)
OP_RDMSR	equ 6		; RDMSR EFER (intercepted by the MSR bitmap)
OP_HLT		equ 7		; STI; HLT: a yield to the host and back
OP_TOUCH	equ 8		; first write to a fresh page: nested fault
OP_RETOUCH	equ 9		; the same pages after the host paged them out
OP_PING		equ 10		; HC_HOST to the host's run loop and back
OP_MIGRATE	equ 11		; HC_HOST; the host moves the vCPU thread to another CPU
OP_MAX		equ 11

CALIB_LOOPS	equ 100
SAMPLES		equ 0x400000	; up to 8192 u64 tick counts
COPYBUF		equ 0x480000	; 64 KiB the host copies in and out
COPYBUF_PAGES	equ 16
TOUCH_BASE	equ 0x1000000	; one fresh 4 KiB page per TOUCH iteration
COM1_SCR	equ HV_GUEST_COM1 + X86_UART_SCR

; T0 / T1: RDTSC into r15 / elapsed ticks into rax.  RDTSC is not ordered
; with the instructions around it on real CPUs; on the emulators it is.
%macro T0 0
	rdtsc
	shl	rdx, 32
	or	rax, rdx
	mov	r15, rax
%endmacro
%macro T1 0
	rdtsc
	shl	rdx, 32
	or	rax, rdx
	sub	rax, r15
	mov	[SAMPLES + r14 * 8], rax
%endmacro

; TIMED name, body...: loop r13 times (r14 = i), timing the body.
%macro TIMED 1-*
op_%1:
	xor	r14d, r14d
.loop:
	T0
%rep %0 - 1
%rotate 1
	%1
%endrep
	T1
	inc	r14
	cmp	r14, r13
	jb	.loop
	ret
%endmacro

main:
	; the host copies to and from COPYBUF: make it resident first
	mov	rdi, COPYBUF
	mov	ecx, COPYBUF_PAGES
.pre:	mov	byte [rdi], 0
	add	rdi, 4096
	dec	ecx
	jnz	.pre
.next:
	mov	edi, BH_NEXT
	mov	eax, HC_HOST
	call	hypercall
	test	rax, rax
	jz	.done
	movzx	r12d, al		; op
	mov	r13, rax
	shr	r13, 8			; iterations
	cmp	r12d, OP_MAX
	ja	.bad
	test	r12d, r12d
	jz	.bad
	lea	rax, [optab]
	call	[rax + r12 * 8 - 8]
	mov	edi, BH_DONE
	mov	esi, r12d
	mov	rdx, r13
	mov	eax, HC_HOST
	call	hypercall
	jmp	.next
.bad:	MSG	"bench: host asked for an unknown op "
	MSGD	r12
	xor	edi, edi
	call	report
.done:
	xor	eax, eax
	ret

; The hypercall instruction is chosen outside the timed loop.
op_hc_nop:
	cmp	byte [hv_use_vmmcall], 0
	jne	op_hc_nop_amd
	jmp	op_hc_nop_intel
op_ping:
	cmp	byte [hv_use_vmmcall], 0
	jne	op_ping_amd
	jmp	op_ping_intel
op_migrate:
	cmp	byte [hv_use_vmmcall], 0
	jne	op_migrate_amd
	jmp	op_migrate_intel

TIMED empty
TIMED calib, {mov ecx, CALIB_LOOPS}, {.c: dec ecx}, {jnz .c}
TIMED hc_nop_amd, {xor eax, eax}, vmmcall
TIMED hc_nop_intel, {xor eax, eax}, vmcall
TIMED cpuid, {xor eax, eax}, {xor ecx, ecx}, cpuid
TIMED out, {mov edx, COM1_SCR}, {out dx, al}
TIMED rdmsr, {mov ecx, X86_MSR_EFER}, rdmsr
TIMED hlt, sti, hlt, cli
TIMED ping_amd, {mov edi, BH_PING}, {mov eax, HC_HOST}, vmmcall
TIMED ping_intel, {mov edi, BH_PING}, {mov eax, HC_HOST}, vmcall
TIMED migrate_amd, {mov edi, BH_MIGRATE}, {mov eax, HC_HOST}, vmmcall
TIMED migrate_intel, {mov edi, BH_MIGRATE}, {mov eax, HC_HOST}, vmcall
; page i of TOUCH_BASE: the address is computed before the clock starts.
op_touch_all:
	xor	r14d, r14d
.loop:	mov	rdi, r14
	shl	rdi, 12
	add	rdi, TOUCH_BASE
	T0
	mov	[rdi], eax
	T1
	inc	r14
	cmp	r14, r13
	jb	.loop
	ret

section .data
	align 8
optab:	dq	op_empty, op_calib, op_hc_nop, op_cpuid, op_out, op_rdmsr, op_hlt
	dq	op_touch_all, op_touch_all, op_ping, op_migrate
