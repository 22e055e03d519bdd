; platform - the small platform hv gives every guest (hv/lapic.c, hv/mmio.c,
; hv/exit.c, hv/cpuid.c), as a guest kernel's start-up uses it:
;  - CPUID offers nothing hv does not keep: no x2APIC, TSC-deadline, PDCM,
;    debug store (DS, DTES64, DS-CPL), AMD core counters, Intel PMU (leaf
;    0xA); and what hv keeps itself on every CPU: TSC_ADJUST (hv/msr.c);
;  - IA32_APIC_BASE reads 0xfee00900 (base, EN, BSP);
;  - the xAPIC page at 0xfee00000 (mapped by the guest's own tables; beyond
;    guest memory) answers MOVs of every form hv decodes: the ID register
;    (vCPU 0), TPR written by MOV r/m32,r32 / MOV r/m32,imm32 / MOV moffs,EAX
;    and read back by MOV r32,r/m32 / MOV EAX,moffs, an SIB+disp8 address;
;  - the debug-exit port 0xf4 ends the guest with the value written
;    (the scenario expects exit 7: main never returns).
%include "hv.inc"
%include "paging.inc"

APIC	equ	X86_APIC_DEFAULT_PA

main:
	; ---- CPUID ----
	mov	eax, 1
	cpuid
	mov	ebx, edx			; the checks below clobber RDX
	and	ecx, X86_CPUID1_ECX_X2APIC | X86_CPUID1_ECX_TSC_DEADLINE | X86_CPUID1_ECX_PDCM | X86_CPUID1_ECX_DTES64 | X86_CPUID1_ECX_DS_CPL
	CHECK_EQX rcx, 0, "platform: cpuid.1 ecx x2apic|tsc-deadline|pdcm|dtes64|ds-cpl"
	and	ebx, X86_CPUID1_EDX_DS
	CHECK_EQX rbx, 0, "platform: cpuid.1 edx.ds"
	mov	eax, 0x80000001
	cpuid
	and	ecx, X86_CPUID81_ECX_PERFCTR_CORE
	CHECK_EQX rcx, 0, "platform: cpuid.80000001 ecx.perfctr_core"
	mov	eax, 7
	xor	ecx, ecx
	cpuid
	and	ebx, X86_CPUID7_EBX_TSC_ADJUST
	CHECK_EQX rbx, X86_CPUID7_EBX_TSC_ADJUST, "platform: cpuid.7 ebx.tsc_adjust"
	mov	eax, X86_CPUID_LEAF_PERFMON
	xor	ecx, ecx
	cpuid
	CHECK_EQX rax, 0, "platform: cpuid.0xa eax (no architectural PMU)"
	; ---- IA32_APIC_BASE ----
	mov	ecx, X86_MSR_APIC_BASE
	rdmsr
	mov	r8d, APIC | X86_APIC_BASE_EN | X86_APIC_BASE_BSP
	CHECK_EQX rax, r8, "platform: apic base msr"
	; ---- the register page through the guest's own map ----
	mov	esi, APIC
	mov	edx, APIC
	call	pt_identity_plus
	mov	ebx, APIC			; above 2 GiB: no disp32 reaches it
	mov	eax, [rbx + X86_LAPIC_ID]		; 8B /r
	CHECK_EQX rax, 0, "platform: apic id (vcpu 0)"
	mov	eax, [rbx + X86_LAPIC_VER]
	and	eax, 0xff
	CHECK_EQX rax, 0x14, "platform: apic version"
	mov	edx, 0x30
	mov	[rbx + X86_LAPIC_TPR], edx		; 89 /r
	mov	ecx, [rbx + X86_LAPIC_TPR]
	CHECK_EQX rcx, 0x30, "platform: tpr by mov r/m32, r32"
	mov	dword [rbx + X86_LAPIC_TPR], 0x40	; C7 /0 imm32
	mov	r9d, [rbx + X86_LAPIC_TPR]		; REX.R
	CHECK_EQX r9, 0x40, "platform: tpr by mov r/m32, imm32 (read into r9d)"
	mov	eax, 0x50
	mov	[abs qword APIC + X86_LAPIC_TPR], eax	; A3 moffs64
	xor	eax, eax
	mov	eax, [abs qword APIC + X86_LAPIC_TPR]	; A1 moffs64
	CHECK_EQX rax, 0x50, "platform: tpr by mov moffs, eax / eax, moffs"
	xor	ecx, ecx
	mov	eax, [rbx + rcx * 4 + X86_LAPIC_PPR]	; SIB + disp32
	CHECK_EQX rax, 0x50, "platform: ppr follows tpr (sib addressing)"
	mov	dword [rbx + X86_LAPIC_ESR], 0
	mov	eax, [rbx + X86_LAPIC_ICR_LO]
	and	eax, X86_LAPIC_ICR_BUSY
	CHECK_EQX rax, 0, "platform: icr never busy"
	; ---- the debug-exit port ends the guest with its value ----
	mov	eax, 7
	out	HV_GUEST_DEBUG_EXIT, eax
	; not reached
	mov	eax, 99
	ret
