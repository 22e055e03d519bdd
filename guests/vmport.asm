; vmport - the VMware backdoor as the guest of a VM with and without it
; (hv/vmport.c; a scenario's `cpu vmware-backdoor`): at CPL 0 and at CPL 3
; (IOPL 0, no I/O permission bitmap in the TSS, CR4.PCE clear, so the CPU
; raises #GP(0) for IN and RDPMC there), a GETVERSION command (IN EAX, DX
; from port 0x5658 with the magic in EAX, 10 in ECX, EBX preset to
; 0xdeadbeef) and RDPMC of pseudo-counter 0x10000; at CPL 3 also IN from
; port 0x1234 and RDPMC of counter 1, which stay #GP.  The guest's own #GP
; handler (catch.inc) records the vector; back at CPL 0 it prints one line
; per probe for vmport.scn and vmport_absent.scn:
;   vmport: cplN in: ebx=X vec=V    (V 0xff: no exception, 0xd: #GP)
;   vmport: cplN rdpmc 0x10000: vec=V
;   vmport: cpl3 in 0x1234: vec=V
;   vmport: cpl3 rdpmc 0x1: vec=V
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"
%include "catch.inc"

USER_STACK	equ 0x3f0000
PORT		equ 0x5658
MAGIC		equ 0x564d5868
GETVERSION	equ 10

; PROBE_IN port, slot: IN EAX, DX with a GETVERSION command; EBX and the
; vector caught into results + slot * 16
%macro PROBE_IN 2
	lea	rax, [%%after]
	call	arm
	mov	eax, MAGIC
	mov	ebx, 0xdeadbeef
	mov	ecx, GETVERSION
	mov	edx, %1
	in	eax, dx
%%after:
	mov	[results + %2 * 16], rbx
	mov	rax, [caught]
	mov	[results + %2 * 16 + 8], rax
%endmacro
; PROBE_RDPMC counter, slot: the vector caught into results + slot * 16 + 8
%macro PROBE_RDPMC 2
	lea	rax, [%%after]
	call	arm
	mov	ecx, %1
	rdpmc
%%after:
	mov	rax, [caught]
	mov	[results + %2 * 16 + 8], rax
%endmacro
; PRINT slot, "label", with_ebx
%macro PRINT 3
	MSG	%2
%if %3
	MSGS	" ebx="
	MSGX	[results + %1 * 16]
%endif
	MSGS	" vec="
	MSGX	[results + %1 * 16 + 8]
	call	msg_puts
%endmacro

main:
	push	rbx
	call	cpu_setup
	IDT_GATE X86_VEC_GP, catch_gp, 0x8e
	; the image (code, data, user stack) user-accessible
	call	pt_user_image
	PROBE_IN PORT, 0
	PROBE_RDPMC 0x10000, 1
	lea	rdi, [user_main]
	mov	esi, USER_STACK
	xor	edx, edx
	call	enter_user
	PRINT	0, "vmport: cpl0 in:", 1
	PRINT	1, "vmport: cpl0 rdpmc 0x10000:", 0
	PRINT	2, "vmport: cpl3 in:", 1
	PRINT	3, "vmport: cpl3 rdpmc 0x10000:", 0
	PRINT	4, "vmport: cpl3 in 0x1234:", 0
	PRINT	5, "vmport: cpl3 rdpmc 0x1:", 0
	pop	rbx
	xor	eax, eax
	ret

; CPL 3
user_main:
	PROBE_IN PORT, 2
	PROBE_RDPMC 0x10000, 3
	PROBE_IN 0x1234, 4
	PROBE_RDPMC 1, 5
	int	USER_RET_VEC

section .data
results:	times 6 * 2 dq 0
