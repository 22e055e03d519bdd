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
%include "pageout.inc"

ROUNDS		equ 50

	PAGEOUT_MAIN ROUNDS		; vCPU 0

reader:
	mov	qword [abs F + 8], 1
	xor	r12d, r12d			; stale reads
	xor	r13d, r13d			; first stale: value read
	xor	r14d, r14d			; first stale: value wanted
	xor	r15d, r15d			; HC_NOPs made
.loop:	mov	eax, HC_NOP
	call	hypercall
	inc	r15
	PAGEOUT_READ r12, r13, r14, .loop
	test	r12, r12
	jz	.clean
	PAGEOUT_STALE "stale translation after HC_NOP", r13, r14, r12
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
