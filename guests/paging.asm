; paging - the guest kernel's own paging works under nested paging: its
; 4-level tables (4 KiB and 2 MiB pages), aliases, and the protection faults
; its own IDT takes: NX (EFER.NXE), read-only with CR0.WP=1, and a
; supervisor page touched from CPL 3.  Each fault is caught by a #PF handler
; that records the error code and CR2 and resumes at a recovery point.
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"
%include "pfcatch.inc"

ALIAS2M		equ 0x40000000	; 2 MiB page -> GPA 0x600000
ALIAS4K		equ 0x40400000	; 4 KiB page -> GPA 0x601000 (inside the 2 MiB one)
NXPAGE		equ 0x40401000	; NX -> GPA 0x640000, holds a RET
ROPAGE		equ 0x40402000	; read-only -> GPA 0x641000
SUPPAGE		equ 0x40403000	; supervisor only -> GPA 0x642000
USER_STACK	equ 0x3f0000

main:
	call	cpu_setup
	IDT_GATE X86_VEC_PF, pf_handler, 0x8e
	; NX needs EFER.NXE (SDM Vol. 3 4.1.1)
	mov	ecx, X86_MSR_EFER
	rdmsr
	or	eax, X86_EFER_NXE
	wrmsr
	rdmsr
	and	eax, X86_EFER_NXE
	CHECK_EQX rax, X86_EFER_NXE, "paging: EFER.NXE set by the guest"
	call	build
	mov	rax, cr0
	or	rax, 1 << 16			; CR0.WP
	mov	cr0, rax
	mov	rdi, [pml4]
	call	pt_load

	; an alias: written through the 4 KiB mapping, read through the 2 MiB one
	mov	r12, 0xa11a5a11a5a11a5
	mov	[abs ALIAS4K + 0x18], r12
	mov	rbx, [abs ALIAS2M + 0x1000 + 0x18]
	CHECK_EQX rbx, r12, "paging: 4 KiB alias write seen through the 2 MiB page"
	mov	rbx, [abs 0x601018]		; and through the identity map
	CHECK_EQX rbx, r12, "paging: same word through the identity map"

	; executing an NX page: #PF, error P|I/D, CR2 = the page
	lea	rax, [.nx_back]
	mov	[pf_resume], rax
	mov	rax, NXPAGE
	jmp	rax
.nx_back:
	CHECK_EQX [pf_err], X86_PFERR_P | X86_PFERR_ID, "paging: #PF error executing an NX page"
	CHECK_EQX [pf_cr2], NXPAGE, "paging: CR2 of the NX fault"

	; writing a read-only page at CPL 0 with CR0.WP=1: #PF, error P|W
	lea	rax, [.ro_back]
	mov	[pf_resume], rax
	mov	qword [abs ROPAGE + 8], 1
.ro_back:
	CHECK_EQX [pf_err], X86_PFERR_P | X86_PFERR_W, "paging: #PF error writing a read-only page"
	CHECK_EQX [pf_cr2], ROPAGE + 8, "paging: CR2 of the write fault"

	; the supervisor page from CPL 3: #PF, error P|U; the user code then
	; returns to CPL 0 with the error code it saw
	lea	rdi, [pf_user_read]
	mov	esi, USER_STACK
	mov	edx, SUPPAGE + 0x10
	call	enter_user
	CHECK_EQX rax, X86_PFERR_P | X86_PFERR_U, "paging: #PF error reading a supervisor page at CPL 3"
	CHECK_EQX [pf_cr2], SUPPAGE + 0x10, "paging: CR2 of the CPL 3 fault"
	CHECK_EQX [pf_cs], SEL_UCODE, "paging: the CPL 3 fault came from the user CS"
	xor	eax, eax
	ret

build:
	call	pt_new_identity
	mov	[pml4], rax
	mov	rdi, [pml4]			; user code and stack
	mov	esi, HV_GUEST_LOAD_GPA
	mov	edx, HV_GUEST_LOAD_GPA
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map2m
	mov	rdi, [pml4]
	mov	esi, ALIAS2M
	mov	edx, 0x600000
	mov	ecx, X86_PTE_RW
	call	pt_map2m
	mov	rdi, [pml4]
	mov	esi, ALIAS4K
	mov	edx, 0x601000
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	mov	byte [abs 0x640000], 0xc3	; RET: would run if NX were ignored
	mov	rdi, [pml4]
	mov	esi, NXPAGE
	mov	edx, 0x640000
	mov	rcx, X86_PTE_RW | X86_PTE_NX
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, ROPAGE
	mov	edx, 0x641000
	xor	ecx, ecx
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, SUPPAGE
	mov	edx, 0x642000
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	ret

section .data
pml4:		dq 0
