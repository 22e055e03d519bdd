; boot32 - hv's 32-bit boot state (HV_BOOT_PROT32, hv/hv.h) as the guest
; sees it at its first instruction, and the switch to long mode it makes
; itself from there (guests/lib/entry32.inc): EAX/EBX as the host gave them
; (vm_boot32: the multiboot v1 magic and 0x9000), CR0 = PE|ET (paging and
; caches' CD/NW off), CR4 = 0, EFER = 0, EFLAGS = 2 (IF off); then, in
; 64-bit code, EFER.LMA set by the CPU (or, on VMX, by hv's CR0 exit), CR0.PG
; and CR4.PAE as the guest wrote them, and CS the guest's own 64-bit
; selector.
%define HV_ENTRY32
%include "hv.inc"

main:
	CHECK_EQX [entry32_eax], 0x2badb002, "boot32: eax at entry"
	CHECK_EQX [entry32_ebx], 0x9000, "boot32: ebx at entry"
	CHECK_EQX [entry32_cr0], X86_CR0_PE | X86_CR0_ET, "boot32: cr0 at entry"
	CHECK_EQX [entry32_cr4], 0, "boot32: cr4 at entry"
	CHECK_EQX [entry32_efer], 0, "boot32: efer at entry"
	CHECK_EQX [entry32_eflags], 2, "boot32: eflags at entry"
	mov	ecx, X86_MSR_EFER
	rdmsr
	and	eax, X86_EFER_LME | X86_EFER_LMA
	CHECK_EQX rax, X86_EFER_LME | X86_EFER_LMA, "boot32: efer.lme|lma in 64-bit code"
	mov	rax, cr0
	mov	ecx, X86_CR0_PE | X86_CR0_PG
	and	rax, rcx
	CHECK_EQX rax, X86_CR0_PE | X86_CR0_PG, "boot32: cr0.pe|pg in 64-bit code"
	mov	rax, cr3
	CHECK_EQX rax, ENTRY32_TABLES, "boot32: cr3 the guest's own"
	xor	eax, eax
	ret
