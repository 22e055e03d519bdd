; hcuser - hypercalls from guest CPL 3 under the VM's policy
; (hv_vm_set_user_hypercalls; the host sets it at MARK 1): the user code
; makes an HC_PUTS, an HC_MARK 5 and 100 HC_NOPs (the world switch's own
; loop at CPL 0).  A call the VM refuses is what VMCALL/VMMCALL is without
; a hypervisor to serve it: #UD at the instruction.  The guest kernel's
; #UD handler counts it, counts it again when RIP is exactly at the
; VMCALL/VMMCALL of `hypercall`, and resumes after the 3-byte instruction
; with RAX = UD_RAX.  Back at CPL 0 the guest prints what it saw:
;   hcuser: ud=N ud_at_call=N puts=R mark=R nops=S
; (R: RAX after the call, S: the sum of the 100 HC_NOP results) for
; hcuser_allow.scn and hcuser_refuse.scn to check.
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"

NOPS		equ 100
UD_RAX		equ 0xdead		; RAX after a refused call
USER_STACK	equ 0x3f0000

main:
	call	cpu_setup
	IDT_GATE X86_VEC_UD, ud_handler, 0x8e
	; the image (code, data, user stack) user-accessible
	call	pt_user_image
	MARK	1				; the host sets the VM's policy
	lea	rdi, [user_main]
	mov	esi, USER_STACK
	xor	edx, edx
	call	enter_user
	MSG	"hcuser: ud="
	MSGD	[ud_count]
	MSGS	" ud_at_call="
	MSGD	[ud_at_call]
	MSGS	" puts="
	MSGX	[r_puts]
	MSGS	" mark="
	MSGX	[r_mark]
	MSGS	" nops="
	MSGX	[r_nops]
	lea	rdi, [msgbuf]
	call	hv_puts
	xor	eax, eax
	ret

; CPL 3
user_main:
	lea	rdi, [user_line]
	call	hv_puts
	mov	[r_puts], rax
	mov	edi, 5
	call	hv_mark
	mov	[r_mark], rax
	mov	ebx, NOPS
.nop:	mov	eax, HC_NOP
	call	hypercall
	add	[r_nops], rax
	dec	ebx
	jnz	.nop
	int	USER_RET_VEC

; #UD (no error code): count it, and whether RIP is at the hypercall
; instruction; resume after it (VMCALL 0F 01 C1 and VMMCALL 0F 01 D9 are
; 3 bytes) with RAX = UD_RAX.
ud_handler:
	push	rax
	push	rcx
	inc	qword [ud_count]
	mov	rax, [rsp + 16]			; the faulting RIP
	lea	rcx, [hypercall.intel]
	cmp	rax, rcx
	je	.at_call
	lea	rcx, [hypercall.amd]
	cmp	rax, rcx
	jne	.skip
.at_call:
	inc	qword [ud_at_call]
.skip:	add	qword [rsp + 16], 3
	mov	qword [rsp + 8], UD_RAX		; the RAX the IRETQ returns with
	pop	rcx
	pop	rax
	iretq

section .data
	align 8
ud_count:	dq	0
ud_at_call:	dq	0
r_puts:		dq	0
r_mark:		dq	0
r_nops:		dq	0
user_line:	db	"hcuser: HC_PUTS from CPL 3", 10, 0
