; boot - the boot state of hv/hv_abi.h as the guest itself sees it: long
; mode at CPL 0 (CR0.PE/PG, CR4.PAE, EFER.LME/LMA), caches on (CR0.CD/NW
; clear), CR3 at HV_GUEST_PML4_GPA, the selectors, RDI/RSI, and the
; identity map covering all of guest memory (the last byte is readable).
%include "hv.inc"

main:
	mov	r12, rdi			; memory size
	mov	r13, rsi			; vCPU id
	mov	rbx, cr0
	MSG	"boot: cr0="
	MSGX	rbx
	MSGS	" (want PE=1 PG=1 CD=0 NW=0)"
	mov	rax, rbx
	mov	ecx, X86_CR0_PE | X86_CR0_PG | X86_CR0_CD | X86_CR0_NW	; zero-extended
	and	rax, rcx
	mov	ecx, X86_CR0_PE | X86_CR0_PG
	xor	edi, edi
	cmp	rax, rcx
	sete	dil
	call	report
	mov	rax, cr4
	and	eax, X86_CR4_PAE
	CHECK_EQX rax, X86_CR4_PAE, "boot: cr4.pae"
	mov	ecx, X86_MSR_EFER
	rdmsr
	and	eax, X86_EFER_LME | X86_EFER_LMA
	CHECK_EQX rax, X86_EFER_LME | X86_EFER_LMA, "boot: efer.lme|lma"
	mov	rax, cr3
	CHECK_EQX rax, HV_GUEST_PML4_GPA, "boot: cr3"
	mov	ax, cs
	movzx	eax, ax
	CHECK_EQX rax, 0x08, "boot: cs"
	mov	ax, ss
	movzx	eax, ax
	CHECK_EQX rax, 0x10, "boot: ss"
	mov	ax, ds
	movzx	eax, ax
	CHECK_EQX rax, 0x10, "boot: ds"
	CHECK_EQX r12, 0x1000000, "boot: rdi = guest memory size"
	CHECK_EQ r13, 0, "boot: rsi = vcpu id"
	; the last byte of guest memory through the boot identity map
	mov	al, [r12 - 1]
	MSG	"boot: last byte of guest memory readable"
	mov	edi, 1
	call	report
	xor	eax, eax
	ret
