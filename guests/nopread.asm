; nopread - the HC_NOP loop of the world switches (svm_switch.S,
; vmx_switch.S) against a cross-CPU nested invalidation.  vCPU 1 makes an
; HC_NOP between every two reads of page P, so it spends most of its time in
; that loop, which enters the guest again without going back through C.
; vCPU 0, on the other CPU, has the host page P out (MARK 1), stores the round
; number in P (a fresh frame) and then in page F.  Since P is written before
; F, a reader that sees F = k must see P >= k; a smaller value is a stale
; nested translation the loop kept across the invalidation.  vCPU 1 reports
; the first such read ("stale translation after HC_NOP: ...") or none.
%include "hv.inc"
%include "pageout_writer.inc"

P		equ 0x900000
F		equ 0xa00000	; +0 round, +8 reader started, +16 stop, +24 reader's ack
ROUNDS		equ 50
SPIN_LIMIT	equ 1000000000

main:
	test	rsi, rsi
	jnz	reader
	PAGEOUT_WRITER P, F, ROUNDS, SPIN_LIMIT	; vCPU 0

reader:
	mov	qword [abs F + 8], 1
	xor	r12d, r12d			; stale reads
	xor	r13d, r13d			; first stale: value read
	xor	r14d, r14d			; first stale: value wanted
	xor	r15d, r15d			; HC_NOPs made
.loop:	mov	eax, HC_NOP
	call	hypercall
	inc	r15
	mov	rdx, [abs F]
	mov	rax, [abs P]
	cmp	rax, rdx
	jae	.ok
	test	r12, r12
	jnz	.more
	mov	r13, rax
	mov	r14, rdx
.more:	inc	r12
.ok:	mov	[abs F + 24], rdx
	cmp	qword [abs F + 16], 0
	je	.loop
	test	r12, r12
	jz	.clean
	MSG	"stale translation after HC_NOP: gpa="
	MSGX	P
	MSGS	" read="
	MSGX	r13
	MSGS	" want="
	MSGX	r14
	MSGS	" (stale reads "
	MSGD	r12
	MSGS	")"
	lea	rdi, [msgbuf]
	call	hv_puts
	xor	edi, edi
	call	report
	mov	eax, 3
	ret
.clean:	MSG	"reader: P current after every pageout; HC_NOPs "
	MSGD	r15
	lea	rdi, [msgbuf]
	call	hv_puts
	mov	edi, 1
	call	report
	xor	eax, eax
	ret
