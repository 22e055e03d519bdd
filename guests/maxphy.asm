; maxphy - a guest whose MAXPHYADDR (36, its scenario's `cpu phys-bits 36`)
; is below the host's: an address bit at or above it in one of its own
; paging-structure entries is reserved, so the access faults with #PF,
; error code RSVD and P set (with W, U, I/D from the access) and CR2 the
; linear address (SDM Vol. 3A 4.5.4 Tables 4-14..4-20, 4.7; APM Vol. 2
; 5.3.3, 8.4.2).  The CPU under the guest checks its own, wider MAXPHYADDR
; and reaches a guest-physical address beyond the VM; hv turns that nested
; fault into the guest's #PF (hv/maxphy.c).  Cases: a PTE frame with bit
; 36, read and written; a PDE naming its page table with bit 37 (the fault
; is on the guest's own walk); a fetch from such a page (EFER.NXE: I/D);
; a read from CPL 3 (U); and a read from CPL 3 of a supervisor page with
; bit 36, where the wider CPU completes the walk and raises the #PF for
; the rights itself, without RSVD (hv intercepts such a guest's #PFs and
; adds it).  One report per check; the guest then exits 0.
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"
%include "pfcatch.inc"

RSVD_PTE	equ 0x40500000	; PTE frame bit 36 -> GPA 0x1000644000
RSVD_PDE	equ 0x40600000	; its PDE names the PT at bit 37
RSVD_X		equ 0x40800000	; PTE frame bit 36, executable
RSVD_U		equ 0x40a00000	; PTE frame bit 36, user
RSVD_S		equ 0x40c00000	; PTE frame bit 36, supervisor only
USER_STACK	equ 0x3f0000
RSVD		equ X86_PFERR_P | X86_PFERR_RSVD

main:
	call	cpu_setup
	IDT_GATE X86_VEC_PF, pf_handler, 0x8e
	mov	eax, 0x80000008
	cpuid
	and	eax, 0xff
	CHECK_EQ rax, 36, "maxphy: CPUID 0x80000008 MAXPHYADDR"
	mov	ecx, X86_MSR_EFER
	rdmsr
	or	eax, X86_EFER_NXE		; fetches then report I/D (SDM 4.7)
	wrmsr
	call	build
	mov	rdi, [pml4]
	call	pt_load

	lea	rax, [.r_back]			; a read through the PTE
	mov	[pf_resume], rax
	mov	rax, [abs RSVD_PTE + 0x28]
.r_back:
	CHECK_EQX [pf_err], RSVD, "maxphy: #PF error reading through a PTE with bit 36"
	CHECK_EQX [pf_cr2], RSVD_PTE + 0x28, "maxphy: CR2 of the read"

	lea	rax, [.w_back]			; a write through it
	mov	[pf_resume], rax
	mov	qword [abs RSVD_PTE + 8], 1
.w_back:
	CHECK_EQX [pf_err], RSVD | X86_PFERR_W, "maxphy: #PF error writing through a PTE with bit 36"
	CHECK_EQX [pf_cr2], RSVD_PTE + 8, "maxphy: CR2 of the write"

	lea	rax, [.d_back]			; the walk itself: a PDE with bit 37
	mov	[pf_resume], rax
	mov	rax, [abs RSVD_PDE + 0x30]
.d_back:
	CHECK_EQX [pf_err], RSVD, "maxphy: #PF error reading through a PDE with bit 37"
	CHECK_EQX [pf_cr2], RSVD_PDE + 0x30, "maxphy: CR2 of the PDE fault"

	lea	rax, [.x_back]			; a fetch
	mov	[pf_resume], rax
	mov	rax, RSVD_X
	jmp	rax
.x_back:
	CHECK_EQX [pf_err], RSVD | X86_PFERR_ID, "maxphy: #PF error fetching through a PTE with bit 36"
	CHECK_EQX [pf_cr2], RSVD_X, "maxphy: CR2 of the fetch"

	lea	rdi, [pf_user_read]		; a read at CPL 3
	mov	esi, USER_STACK
	mov	edx, RSVD_U + 0x40
	call	enter_user
	CHECK_EQX rax, RSVD | X86_PFERR_U, "maxphy: #PF error reading at CPL 3 through a PTE with bit 36"
	CHECK_EQX [pf_cr2], RSVD_U + 0x40, "maxphy: CR2 of the CPL 3 read"

	lea	rdi, [pf_user_read]		; CPL 3 on a supervisor page
	mov	esi, USER_STACK
	mov	edx, RSVD_S + 0x48
	call	enter_user
	CHECK_EQX rax, RSVD | X86_PFERR_U, "maxphy: #PF error reading a supervisor page with bit 36 at CPL 3"
	CHECK_EQX [pf_cr2], RSVD_S + 0x48, "maxphy: CR2 of the supervisor-page read"
	CHECK_EQ [pf_count], 6, "maxphy: page faults taken"
	xor	eax, eax
	ret

build:
	call	pt_user_image			; user code and stack; CR3 is it
	mov	rax, cr3			; (main loads it again when done)
	mov	[pml4], rax
	mov	rdi, [pml4]
	mov	esi, RSVD_PTE
	mov	rdx, (1 << 36) | 0x644000
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	mov	rdi, [pml4]			; a valid page, then its PDE spoilt
	mov	esi, RSVD_PDE
	mov	edx, 0x645000
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, RSVD_PDE
	mov	edx, 2
	call	pt_entry
	mov	rcx, 1 << 37
	or	[rax], rcx
	mov	rdi, [pml4]
	mov	esi, RSVD_X
	mov	rdx, (1 << 36) | 0x646000
	xor	ecx, ecx
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, RSVD_U
	mov	rdx, (1 << 36) | 0x647000
	mov	ecx, X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, RSVD_S
	mov	rdx, (1 << 36) | 0x648000
	xor	ecx, ecx
	call	pt_map4k
	ret

section .data
pml4:		dq 0
