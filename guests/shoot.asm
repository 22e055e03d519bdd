; shoot - nested TLB shootdown under hv_vm_pageout.  vCPU 1 keeps
; incrementing a word in page P and checks each time that it reads back what
; it wrote last; meanwhile the host pages P out again and again (during
; vCPU 0's MARK 1) with vCPU 1 running on the other CPU.  A CPU left with a
; stale nested translation after a pageout writes into the old frame after
; the copy was taken: the update is lost and vCPU 1 sees an older value.
; vCPU 1's exit code is the number of lost updates; its counts are left at
; RESULTS for the host (testkern/vmtests/smp.c).
%include "hv.inc"

P		equ 0x900000
RESULTS		equ 0xa00000	; iterations, lost updates, last value written
FLAGS		equ 0xa01000	; +0 vCPU 1 started, +8 stop
SPIN_LIMIT	equ 1000000000

main:
	test	rsi, rsi
	jnz	vcpu1
	mov	rcx, SPIN_LIMIT			; vCPU 0: wait for vCPU 1 to run
.wait:	cmp	qword [abs FLAGS], 0
	jne	.go
	pause
	dec	rcx
	jnz	.wait
	mov	eax, 2				; vCPU 1 never started
	ret
.go:	MARK	1				; the host pages P out, repeatedly
	mov	qword [abs FLAGS + 8], 1
	xor	eax, eax
	ret

vcpu1:
	; IF=0, as a guest kernel in a critical section: the shootdown IPIs
	; must still take vCPU 1 out of the guest (external-interrupt exiting
	; ignores the guest's IF, SDM Vol. 3 25.3; Bochs 2.7 does not, and there
	; the VMX-preemption timer does it).
	cli
	mov	qword [abs FLAGS], 1
	xor	r8d, r8d			; last value written
	xor	r9d, r9d			; lost updates
	xor	r10d, r10d			; iterations
.loop:	mov	rax, [abs P]
	cmp	rax, r8
	je	.ok
	inc	r9
	mov	r8, rax				; count each loss once
.ok:	inc	r8
	mov	[abs P], r8
	inc	r10
	cmp	qword [abs FLAGS + 8], 0
	je	.loop
	mov	[abs RESULTS], r10
	mov	[abs RESULTS + 8], r9
	mov	[abs RESULTS + 16], r8
	mov	rax, r9
	ret
