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
%include "pageout.inc"

ROUNDS		equ 100

	PAGEOUT_MAIN ROUNDS		; vCPU 0

reader:
	; IF=0 as in a guest critical section: only the host's shootdown IPI
	; (or a timer exit) takes this vCPU out of the guest
	cli
	mov	qword [abs F + 8], 1
	xor	r9d, r9d			; stale reads
	xor	r10d, r10d			; first stale: value read
	xor	r11d, r11d			; first stale: value wanted
.loop:	PAGEOUT_READ r9, r10, r11, .loop
	sti
	push	r9
	test	r9, r9
	jz	.clean
	PAGEOUT_STALE "stale translation", r10, r11, [rsp]
	lea	rsi, [msgbuf]			; MARK 2: the host's verdict hook
	MARK	2
	jmp	.out
.clean:	MSG	"reader: no stale translation of P after the pageouts"
	mov	edi, 1
	call	report
.out:	pop	rax
	ret
