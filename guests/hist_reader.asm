; hist_reader - the 2013 pageout without cpusync (report of 20 Sep 2013): vCPU 1 keeps
; reading page P on its CPU while vCPU 0, on the other CPU, asks the host to
; page P out (MARK 1) and then stores a new value in P and its number in
; page F.  P is written before F, so whenever vCPU 1 reads F = k it must read
; P >= k; a smaller value comes from a stale nested translation of the old
; frame.  Each round waits until the reader has seen it (emulators that run
; the vCPUs in turn would otherwise run all rounds before the reader reads).
; vCPU 1 prints and reports the first one as
; "stale translation: gpa=0x900000 read=0x... want=0x...", then MARK 2 with
; RSI = that message (scenario action guestfail), and exits with the number
; seen.  vCPU 0 exits 0 after ROUNDS rounds.
%include "hv.inc"
%include "pageout_writer.inc"

P		equ 0x900000
F		equ 0xa00000	; +0 round published, +8 vCPU 1 started, +16 stop,
			; +24 last round the reader has seen (its ack)
ROUNDS		equ 100
SPIN_LIMIT	equ 1000000000

main:
	test	rsi, rsi
	jnz	reader
	PAGEOUT_WRITER P, F, ROUNDS, SPIN_LIMIT	; vCPU 0

reader:
	; IF=0 as in a guest critical section: only the host's shootdown IPI
	; (or a timer exit) takes this vCPU out of the guest
	cli
	mov	qword [abs F + 8], 1
	xor	r9d, r9d			; stale reads
	xor	r10d, r10d			; first stale: value read
	xor	r11d, r11d			; first stale: value wanted
.loop:	mov	rdx, [abs F]
	mov	rax, [abs P]
	cmp	rax, rdx
	jae	.ok
	test	r9, r9
	jnz	.more
	mov	r10, rax
	mov	r11, rdx
.more:	inc	r9
.ok:	mov	[abs F + 24], rdx
	cmp	qword [abs F + 16], 0
	je	.loop
	sti
	push	r9
	test	r9, r9
	jz	.clean
	MSG	"stale translation: gpa="
	MSGX	P
	MSGS	" read="
	MSGX	r10
	MSGS	" want="
	MSGX	r11
	MSGS	" (stale reads "
	MSGD	[rsp]
	MSGS	")"
	lea	rdi, [msgbuf]
	call	hv_puts
	xor	edi, edi
	call	report
	lea	rsi, [msgbuf]			; MARK 2: the host's verdict hook
	MARK	2
	jmp	.out
.clean:	MSG	"reader: no stale translation of P after the pageouts"
	mov	edi, 1
	call	report
.out:	pop	rax
	ret
