; irqrecv.asm - receives the external interrupts its host injects
; (hv_vcpu_inject_irq; scenario guests/irq_inject.scn, action `irq`).
;
; vCPU 0 installs its own IDT (ring3.inc: exceptions reported) with a
; handler on every vector 32..255 that counts the vector and logs the order
; of arrival.  There is no emulated local APIC: the guest sees the vector
; through its IDT and owes no EOI, so the handler just returns (IRETQ).
;
;   marks 1, 2, 3 (IF=1): the host queues 0x40, 0x41, 0x40; each arrives
;                 right after the mark's exit, or wakes the STI;HLT wait
;   mark 4 (IF=0): the host queues 0x40 and 0x41; nothing may arrive while
;                 IF=0 (across mark 5, another exit) and both must arrive
;                 right after STI's shadow (one instruction), 0x41 first
;   mark 7 (vCPU 1): the host queues 0x42 for vCPU 0, which spins with
;                 IF=1 and no exits of its own: hv must make it exit
; Then vCPU 0 prints "irq N: vector=0xV" per arrival and
; "count vector=0xV n=N" per vector received, and checks the totals.

%include "hv.inc"
%include "ring3.inc"

LOGMAX		equ 16
WAIT_HLT	equ 1000		; STI;HLT rounds before giving up
WAIT_SPIN	equ 100000000		; PAUSE rounds before giving up

main:
	cmp	rsi, 0
	jne	vcpu1
	call	cpu_setup
	; interrupt gates (IF cleared in the handler) on 32..255
	mov	ebx, 32
.gate:	mov	rdi, rbx
	lea	rax, [irq_table]
	mov	rsi, [rax + rbx * 8 - 32 * 8]
	mov	edx, 0x8e
	call	idt_set
	inc	ebx
	cmp	ebx, 256
	jb	.gate

	; ---- IF=1: each vector arrives once, in order ----
	sti
	MARK	1
	mov	edi, 1
	call	wait_hlt
	MARK	2
	mov	edi, 2
	call	wait_hlt
	MARK	3
	mov	edi, 3
	call	wait_hlt
	CHECK_EQ [irq_nlog], 3, "arrivals with IF=1"

	; ---- IF=0: deferred until STI ----
	cli
	MARK	4
	MARK	5
	mov	rbx, [irq_nlog]
	CHECK_EQ rbx, 3, "arrivals while IF=0"
	sti
	nop			; the STI shadow: interrupts are taken after this
	mov	r12, [irq_nlog]	; both delivered before this instruction
	CHECK_EQ r12, 5, "arrivals right after STI"

	; ---- from another vCPU while this one runs ----
	mov	qword [spinning], 1
	mov	ecx, WAIT_SPIN
.spin:	cmp	qword [irq_count + 0x42 * 8], 0
	jne	.got
	pause
	dec	ecx
	jnz	.spin
.got:	cli
	CHECK_EQ [irq_count + 0x42 * 8], 1, "0x42 from vCPU 1's thread"
	mov	qword [done0], 1

	; ---- report ----
	xor	ebx, ebx
.log:	cmp	rbx, [irq_nlog]
	jae	.counts
	cmp	rbx, LOGMAX
	jae	.counts
	MSG	"irq "
	lea	rdi, [rbx + 1]
	call	msg_dec
	MSGS	": vector="
	lea	rax, [irq_log]
	mov	rdi, [rax + rbx * 8]
	call	msg_hex
	call	msg_puts
	inc	rbx
	jmp	.log
.counts:
	xor	r13d, r13d		; sum of the counts
	xor	ebx, ebx
.cnt:	lea	rax, [irq_count]
	mov	r12, [rax + rbx * 8]
	test	r12, r12
	jz	.next
	add	r13, r12
	MSG	"count vector="
	MSGX	rbx
	MSGS	" n="
	MSGD	r12
	call	msg_puts
.next:	inc	ebx
	cmp	ebx, 256
	jb	.cnt
	CHECK_EQ r13, 6, "interrupts received"
	CHECK_EQ [irq_nlog], 6, "arrivals logged"
	xor	eax, eax
	ret

; vCPU 1: once vCPU 0 spins with IF=1, ask the host to interrupt it, then
; wait for vCPU 0 to finish.
vcpu1:
.wait:	cmp	qword [spinning], 0
	jne	.go
	pause
	jmp	.wait
.go:	MARK	7
.done:	cmp	qword [done0], 0
	jne	.out
	pause
	jmp	.done
.out:	xor	eax, eax
	ret

; wait_hlt(rdi = n): STI;HLT until n interrupts have arrived (bounded).
wait_hlt:
	mov	ecx, WAIT_HLT
.again:	cmp	[irq_nlog], rdi
	jae	.ok
	sti
	hlt
	dec	ecx
	jnz	.again
.ok:	ret

; Stubs for vectors 32..255: push the vector, then the common handler.
%assign v 32
%rep 224
irq_ %+ v:
	push	qword v
	jmp	irq_common
%assign v v + 1
%endrep

; Count the vector and log it (no EOI: nothing to acknowledge).
irq_common:
	push	rax
	push	rcx
	push	rdx
	mov	rax, [rsp + 24]		; the vector
	lea	rcx, [irq_count]
	inc	qword [rcx + rax * 8]
	mov	rcx, [irq_nlog]
	cmp	rcx, LOGMAX
	jae	.full
	lea	rdx, [irq_log]
	mov	[rdx + rcx * 8], rax
.full:	inc	qword [irq_nlog]
	pop	rdx
	pop	rcx
	pop	rax
	add	rsp, 8
	iretq

section .data
	align 8
irq_table:
%assign v 32
%rep 224
	dq	irq_ %+ v
%assign v v + 1
%endrep
irq_count:	times 256 dq 0
irq_log:	times LOGMAX dq 0
irq_nlog:	dq 0
spinning:	dq 0
done0:		dq 0
section .text
