; boot32 - hv's 32-bit boot state (HV_BOOT_PROT32, hv/hv.h) as the guest
; sees it at its first instruction, and the switch to long mode it makes
; itself from there (guests/lib/entry32.inc): EAX/EBX as the host gave them
; (vm_boot32: the multiboot v1 magic and 0x9000), CR0 = PE|ET (paging and
; caches' CD/NW off), CR4 = 0, EFER = 0, EFLAGS = 2 (IF off); then, in
; 64-bit code, EFER.LMA set by the CPU (or, on VMX, by hv's CR0 exit), CR0.PG
; and CR4.PAE as the guest wrote them, and CS the guest's own 64-bit
; selector; and CPUID.1:ECX.OSXSAVE following the guest's own CR4.OSXSAVE.
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
	; CPUID.1:ECX.OSXSAVE mirrors this guest's CR4.OSXSAVE (0 at boot),
	; whatever the host's is
	mov	eax, 1
	cpuid
	and	ecx, X86_CPUID1_ECX_OSXSAVE
	CHECK_EQX rcx, 0, "boot32: cpuid.1 ecx.osxsave with cr4.osxsave=0"
	mov	rax, cr4
	or	rax, X86_CR4_OSXSAVE
	mov	cr4, rax
	mov	eax, 1
	cpuid
	and	ecx, X86_CPUID1_ECX_OSXSAVE
	CHECK_EQX rcx, X86_CPUID1_ECX_OSXSAVE, "boot32: cpuid.1 ecx.osxsave with cr4.osxsave=1"
	xor	eax, eax
	ret
