; exits - one short case per exit no other guest program makes, for the
; backend tests svm_exits, vmx_exits and vmx_xsetbv (testkern/vmtests/).
; The host picks the case in R13 before the first entry (vm_run_case);
; main leaves the values the host checks in R8-R11 and returns 0.  The boot
; state has no IDT, so an exception hv reflects into the guest becomes a
; triple fault at the faulting instruction: each such case puts that
; instruction's address in R15 first, and the host wants exactly that RIP
; in the decoded error.
%include "hv.inc"

COM1_LSR	equ HV_GUEST_COM1 + X86_UART_LSR

main:
	cmp	r13, (cases.end - cases) / 8
	jae	.bad
	jmp	[cases + r13 * 8]
.bad:	mov	eax, 99			; unknown case
	ret

; the order is the case number (keep equal to testkern/vmtests/*.c)
cases:	dq	msr_io, bad_rdmsr, bad_pat, bad_lstar, vmload, ud, int80
	dq	sti_hlt, cli_hlt, cr_msr_io, bad_wrmsr, xsetbv, int_3, rex_int3
	dq	rex_int80, xsetbv_stop
.end:

; 0 (SVM): RDMSR EFER -> R8, IN COM1 LSR -> R9, IN port 0x80 -> R10, STAR
; written and read back (high half -> R11): exits; WRMSR FS_BASE: exits
; too (its canonical check, hv/msr.c), RDMSR of it would not.
msr_io:
	call	efer_lsr
	mov	dx, 0x80		; nothing answers there
	in	al, dx
	movzx	r10d, al
	mov	ecx, X86_MSR_STAR
	xor	eax, eax
	mov	edx, 0x00230008
	wrmsr
	xor	edx, edx
	rdmsr
	mov	r11, rdx
	mov	ecx, X86_MSR_FS_BASE
	mov	eax, 0x11223344
	xor	edx, edx
	wrmsr
	xor	eax, eax
	ret

; 1: RDMSR of an MSR nobody has: #GP
bad_rdmsr:
	lea	r15, [.f]
	mov	ecx, 0x12345678
.f:	rdmsr
	jmp	$

; 2: WRMSR PAT with the reserved memory type 2: #GP
bad_pat:
	lea	r15, [.f]
	mov	ecx, X86_MSR_PAT
	mov	eax, 0x02060606
	xor	edx, edx
.f:	wrmsr
	jmp	$

; 3: WRMSR LSTAR with a non-canonical address: #GP
bad_lstar:
	lea	r15, [.f]
	mov	ecx, X86_MSR_LSTAR
	xor	eax, eax
	mov	edx, 0x80000000
.f:	wrmsr
	jmp	$

; 4 (SVM): VMLOAD: #UD, SVM is hidden from the guest
vmload:
	lea	r15, [.f]
	xor	rax, rax
.f:	vmload
	jmp	$

; 5: UD2: #UD reflected
ud:
	lea	r15, [.f]
	nop
.f:	ud2
	jmp	$

; 6 (SVM): INT 0x80, no IDT: a triple fault (an INTn exit only with a host debugger)
int80:
	lea	r15, [.f]
.f:	int	0x80
	jmp	$

; 7: HLT with IF=1 is a yield to the host, then on to HC_EXIT(0)
sti_hlt:
	sti
	hlt
	xor	eax, eax
	ret

; 8: HLT with IF=0 could never wake: a decoded error
cli_hlt:
	cli
	hlt
	jmp	$

; 9 (VMX): CR0.CD is host-owned: MOV to CR0 exits and the guest reads the
; shadow back (R10); CR0 restored (exits); RDMSR EFER -> R8; IN COM1 LSR -> R9
cr_msr_io:
	mov	rax, cr0
	mov	rbx, rax
	or	rax, X86_CR0_CD
	mov	cr0, rax
	mov	r10, cr0
	mov	cr0, rbx
	call	efer_lsr
	xor	eax, eax
	ret

; RDMSR EFER -> R8 and IN COM1 LSR -> R9 (both exit)
efer_lsr:
	mov	ecx, X86_MSR_EFER
	rdmsr
	mov	r8, rax
	mov	dx, COM1_LSR
	in	al, dx
	movzx	r9d, al
	ret

; 10 (VMX): WRMSR of the MTRR default type, which hv refuses: #GP
bad_wrmsr:
	lea	r15, [.f]
	mov	ecx, X86_MSR_MTRR_DEF_TYPE
	xor	eax, eax
	xor	edx, edx
.f:	wrmsr
	jmp	$

; 15: XSETBV of XCR0=1 (x87 only, not the host's), then HLT with IF=0,
; which stops the VM: the guest's XCR0 is switched back to the host's at
; the end of the run, before the host's FPU state is restored
xsetbv_stop:
	mov	rax, cr4
	or	rax, X86_CR4_OSXSAVE
	mov	cr4, rax
	xor	ecx, ecx
	mov	eax, 1
	xor	edx, edx
	xsetbv
	cli
	hlt

; 11 (VMX): XSETBV of XCR0=0 (x87 clear): exits, refused with #GP
xsetbv:
	mov	rax, cr4
	or	rax, X86_CR4_OSXSAVE
	mov	cr4, rax
	lea	r15, [.f]
	xor	ecx, ecx
	xor	eax, eax
	xor	edx, edx
.f:	xsetbv
	jmp	$

; 12 (SVM): INT 3 in its two-byte form (CD 03): a breakpoint exit with RIP
; past both bytes, at R15
int_3:
	lea	r15, [.next]
	db	0xcd, 0x03
.next:	jmp	$

; 13 (SVM): INT3 after a REX prefix (48 CC): the same, past both bytes
rex_int3:
	lea	r15, [.next]
	db	0x48, 0xcc
.next:	jmp	$

; 14 (SVM): INT 0x80 after a REX prefix (41 CD 80): delivered as INT 0x80
; (no IDT: a triple fault), not refused as undecodable
rex_int80:
	lea	r15, [.f]
.f:	db	0x41, 0xcd, 0x80
	jmp	$
