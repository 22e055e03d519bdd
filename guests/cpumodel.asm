; cpumodel - what a guest sees of the CPU model its host chose
; (hv_vm_set_model; a scenario's `cpu` line): one line each for CPUID leaf
; 0's vendor string, leaf 0x80000000's EBX (AMD repeats the vendor there,
; Intel reserves it), leaf 0x80000008's MAXPHYADDR (EAX[7:0]), RDMSR of
; IA32_MISC_ENABLE (Intel's) and of AMD's PERFEVTSEL0 (AMD's): the value
; or #GP.  The cpumodel_*.scn scenarios check the lines.
%include "hv.inc"
%include "ring3.inc"
%include "catch.inc"

main:
	push	rbx
	call	cpu_setup
	IDT_GATE X86_VEC_GP, catch_gp, 0x8e
	xor	eax, eax
	cpuid
	mov	[vendor], ebx
	mov	[vendor + 4], edx
	mov	[vendor + 8], ecx
	MSG	"cpumodel: vendor "
	lea	rdi, [vendor]
	call	msg_str
	call	msg_puts
	mov	eax, 0x80000000
	cpuid
	MSG	"cpumodel: leaf 0x80000000 ebx "
	MSGX	rbx
	call	msg_puts
	mov	eax, 0x80000008
	cpuid
	movzx	ebx, al
	MSG	"cpumodel: maxphyaddr "
	MSGD	rbx
	call	msg_puts
	MSG	"cpumodel: misc_enable "
	mov	ecx, X86_MSR_MISC_ENABLE
	call	rdmsr_msg
	MSG	"cpumodel: k7_perfevtsel0 "
	mov	ecx, X86_MSR_K7_PERFEVTSEL0
	call	rdmsr_msg
	pop	rbx
	xor	eax, eax
	ret

; rdmsr_msg(ecx): append RDMSR's EDX:EAX, or "#GP", and print the line
rdmsr_msg:
	lea	rax, [.gp]
	call	arm
	rdmsr
	shl	rdx, 32
	or	rax, rdx
	MSGX	rax
	jmp	msg_puts
.gp:	MSGS	"#GP"
	jmp	msg_puts

section .data
vendor:		times 13 db 0
