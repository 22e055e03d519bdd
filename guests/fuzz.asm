; fuzz - a hostile guest: from the seed the host puts in R13 it runs, forever,
; random work a guest may do to its hypervisor, one operation per round:
;   - random byte streams, single-stepped, at CPL 0 and at CPL 3;
;   - system instructions from a table (VMX/SVM, MONITOR, XSETBV, INVD,
;     descriptor tables, segment loads, INTn, ...) with random operand bytes;
;   - hypercalls with random numbers and arguments (VMCALL or VMMCALL);
;   - port I/O of every size to random and known ports;
;   - RDMSR/WRMSR of known and random MSR numbers;
;   - MOV to and from every control and debug register number;
;   - paging changes: a bit of a PTE or PDE of its user region flipped, then
;     INVLPG, a CR3 reload or a switch to a second PML4, then a touch.
; Each operation is a short stream of bytes ending in UD2, entered by IRETQ
; with RFLAGS.TF=1 and random registers.  Every vector of the IDT goes to
; one handler on an IST stack: a single-step #DB counts an instruction and
; resumes (up to STEP_MAX per stream), anything else counts the vector and
; goes back to the round loop with the guest's own state restored (CR0,
; CR3, CR4, DR7, EFER, GDT, IDT, segments, stack), like a longjmp.
; Whatever the guest does to itself (a triple fault, a HLT with IF=0, a
; mapping outside its memory) ends its run; the host (testkern/vmtests/
; fuzz_guest.c) counts those and checks that nothing of its own changed.
; The counters are in fz_stats; the first hypercall tells the host where
; (HC_HOST action FZ_HOST_STATS).
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"

FZ_HOST_STATS	equ 0x667a		; HC_HOST action: (gva of fz_stats, its size)
IST_TOP		equ 0x1c0000		; TSS.IST1: every trap starts on this stack
CODE0		equ 0x400000		; CPL-0 streams run here
STACK0_TOP	equ 0x402000		; and push on the page below this
USER_VA		equ 0x40000000		; user region: USER_PAGES 4 KiB pages, U/S=1
USER_PA		equ 0x800000		; its frames (the identity map reaches them too)
USER_PAGES	equ 512
USER_STACK_TOP	equ USER_VA + 0x2000	; page 1; CPL-3 streams run in page 0
STREAM_MAX	equ 40			; random bytes of one stream
STEP_MAX	equ 64			; single steps of one stream
RESET_ROUNDS	equ 256			; the user region's PTEs are reset this often
RFLAGS_STREAM	equ 0x302		; TF | IF | bit 1: IF=1 so that HLT yields
DR7_GD		equ 1 << 13		; DR7 general detect (SDM Vol. 3B 17.2.4)

; ---- stats: read by the host at the end of the run (keep in the order of
; struct fz_stats in testkern/vmtests/fuzz_guest.c) ----
section .data
	align 8
fz_stats:
st_magic:	dq 0x7a7a7566		; "fuzz"
st_rounds:	dq 0			; operations started
st_steps:	dq 0			; single-stepped instructions
st_done:	dq 0			; streams that reached their UD2
st_traps:	dq 0			; other exceptions and interrupts taken
st_ops:		times 8 dq 0		; rounds by operation (fz_ops order)
st_vec:		times 33 dq 0		; traps by vector 0..31, 32 = any INTn >= 32
fz_stats_end:

fz_state:	dq 0			; xorshift64 state
fz_ksp:		dq 0			; the round loop's stack pointer
fz_cr0:		dq 0			; the guest's own state, restored after a trap
fz_cr3:		dq 0
fz_cr4:		dq 0
fz_efer:	dq 0
fz_alt_cr3:	dq 0			; a second PML4 with the same entries
fz_pt:		dq 0			; the user region's page table
fz_pde:		dq 0			; and the PDE that points to it
fz_pt_copy:	dq 0			; its pristine copy
fz_efer_dirty:	db 0			; a WRMSR of EFER ran this round
fz_stepping:	db 0			; a stream is running: #DB is a step
	align 8
fz_end_rip:	dq 0			; the UD2 that ends the running stream
fz_nsteps:	dq 0
fz_len:		dq 0			; bytes in fz_buf
fz_buf:		times 64 db 0		; the next stream, without its UD2
fz_regs:	times 16 dq 0		; RAX..R15 for the stream (RSP slot unused)
section .text

REG_RAX	equ 0
REG_RCX	equ 1
REG_RDX	equ 2
REG_RSI	equ 6
REG_RDI	equ 7

main:
	mov	[fz_ksp], rsp
	mov	rax, 0x9e3779b97f4a7c15	; a zero xorshift state stays zero
	xor	rax, r13
	jnz	.seeded
	mov	eax, 1
.seeded:
	mov	[fz_state], rax
	call	cpu_setup
	call	fz_idt
	call	fz_tables
	mov	rax, cr0
	mov	[fz_cr0], rax
	mov	rax, cr4
	mov	[fz_cr4], rax
	mov	ecx, X86_MSR_EFER
	rdmsr
	shl	rdx, 32
	or	rax, rdx
	mov	[fz_efer], rax
	mov	eax, HC_HOST
	mov	edi, FZ_HOST_STATS
	lea	rsi, [fz_stats]
	mov	edx, fz_stats_end - fz_stats
	call	hypercall
	jmp	fz_round

; fz_idt: every vector to its stub, as a DPL-3 interrupt gate on IST1 (an
; INTn from CPL 3 arrives as itself; a stream's RSP does not matter).
fz_idt:
	push	rbx
	lea	rax, [tss]
	mov	qword [rax + 36], IST_TOP	; IST1 (SDM Vol. 3A 8.7, Figure 8-11)
	xor	ebx, ebx
.vec:	mov	edi, ebx
	lea	rax, [fz_isr_table]
	mov	rsi, [rax + rbx * 8]
	mov	edx, 0xee
	call	idt_set
	mov	rax, rbx
	shl	rax, 4
	lea	rdx, [idt]
	mov	byte [rdx + rax + 4], 1		; IST index
	inc	ebx
	cmp	ebx, 256
	jb	.vec
	pop	rbx
	ret

; fz_tables: the guest's own tables (identity map of its memory, supervisor
; only, plus the user region at USER_VA), a pristine copy of the region's
; page table, a second PML4 with the same entries; load the first.
fz_tables:
	push	rbx
	push	r12
	call	pt_new_identity
	mov	rbx, rax
	mov	[fz_cr3], rax
	xor	r12d, r12d
.map:	mov	rdi, rbx
	mov	rsi, r12
	shl	rsi, 12
	lea	rdx, [rsi + USER_PA]
	add	rsi, USER_VA
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	inc	r12
	cmp	r12, USER_PAGES
	jb	.map
	mov	rdi, rbx
	mov	esi, USER_VA
	mov	edx, 2
	call	pt_entry
	mov	[fz_pde], rax
	mov	rax, [rax]
	mov	rdx, X86_PTE_ADDR
	and	rax, rdx
	mov	[fz_pt], rax
	call	pt_alloc
	mov	[fz_pt_copy], rax
	mov	rdi, rax
	mov	rsi, [fz_pt]
	mov	ecx, 512
	rep	movsq
	call	pt_alloc
	mov	[fz_alt_cr3], rax
	mov	rdi, rax
	mov	rsi, rbx
	mov	ecx, 512
	rep	movsq
	mov	rdi, rbx
	call	pt_load
	pop	r12
	pop	rbx
	ret

; ---- random numbers -----------------------------------------------------------

; fz_rand: RAX = next xorshift64 value (Marsaglia 2003: 13, 7, 17); clobbers RDX.
fz_rand:
	mov	rax, [fz_state]
	mov	rdx, rax
	shl	rdx, 13
	xor	rax, rdx
	mov	rdx, rax
	shr	rdx, 7
	xor	rax, rdx
	mov	rdx, rax
	shl	rdx, 17
	xor	rax, rdx
	mov	[fz_state], rax
	ret

; fz_below(edi = n): EAX = a random number below n (n > 0); clobbers RDX, RCX.
fz_below:
	call	fz_rand
	mov	ecx, edi
	xor	edx, edx
	mov	eax, eax
	div	rcx
	mov	eax, edx
	ret

; fz_value: RAX = a register value of one of the kinds that find bugs:
; any, small, a user-region or identity address, 0, all ones, a high
; canonical address, 32 bits.
fz_value:
	call	fz_rand
	mov	rcx, rax
	shr	rcx, 61
	call	fz_rand
	jmp	[.kinds + rcx * 8]
.kinds:	dq	.done, .small, .user, .ident, .zero, .ones, .high, .low32
.small:	and	eax, 0xff
	ret
.user:	and	eax, 0x1fffff
	add	rax, USER_VA
	ret
.ident:	and	eax, 0x1fffff
	add	rax, USER_PA
	ret
.zero:	xor	eax, eax
	ret
.ones:	mov	rax, -1
	ret
.high:	mov	rdx, 0xffff800000000000
	shr	rax, 17
	or	rax, rdx
	ret
.low32:	mov	eax, eax
.done:	ret

; fz_fill_regs: every stream register gets a fz_value.
fz_fill_regs:
	push	rbx
	xor	ebx, ebx
.next:	call	fz_value
	lea	rdx, [fz_regs]
	mov	[rdx + rbx * 8], rax
	inc	ebx
	cmp	ebx, 16
	jb	.next
	pop	rbx
	ret

; fz_emit(dil = byte): append to fz_buf.
fz_emit:
	mov	rax, [fz_len]
	lea	rdx, [fz_buf]
	mov	[rdx + rax], dil
	inc	qword [fz_len]
	ret

; fz_emit_rand(edi = count): append count random bytes.  INS/OUTS opcodes
; become NOPs: the port operation makes string I/O now and then on its own
; (hv does it, hv/strio.c, or stops the guest where it cannot).  A
; 00 after 0F (group 6, with LTR) becomes 01: QEMU TCG (7.2) takes LTR of a
; null selector, which real CPUs refuse with #GP (SDM Vol. 2A LTR), and
; aborts at the next interrupt through that TSS ("fatal: invalid tss").
fz_emit_rand:
	push	rbx
	mov	ebx, edi
.next:	test	ebx, ebx
	jz	.done
	call	fz_rand
	mov	edi, eax
	and	al, 0xfc
	cmp	al, 0x6c
	jne	.grp6
	mov	edi, 0x90
.grp6:	test	dil, dil
	jnz	.emit
	mov	rax, [fz_len]
	test	rax, rax
	jz	.emit
	lea	rdx, [fz_buf]
	cmp	byte [rdx + rax - 1], 0x0f
	jne	.emit
	mov	edi, 0x01
.emit:	call	fz_emit
	dec	ebx
	jmp	.next
.done:	pop	rbx
	ret

; fz_cpl: EDI = 0 or 3 at random (the executor's argument).
fz_cpl:
	call	fz_rand
	and	eax, 1
	lea	edi, [rax * 2 + rax]
	ret

; ---- the round loop ---------------------------------------------------------

; One operation per round; each ends in fz_exec, whose stream always traps
; back to fz_recover, which comes here.
fz_round:
	mov	rsp, [fz_ksp]
	inc	qword [st_rounds]
	test	qword [st_rounds], RESET_ROUNDS - 1
	jnz	.pick
	call	fz_region_reset
.pick:	mov	qword [fz_len], 0
	call	fz_fill_regs
	call	fz_rand
	and	eax, 7
	lea	rdx, [st_ops]
	inc	qword [rdx + rax * 8]
	lea	rdx, [fz_ops]
	jmp	[rdx + rax * 8]

section .data
fz_ops:	dq	op_bytes0, op_bytes3, op_insn, op_hypercall, op_port, op_msr
	dq	op_crdr, op_paging
section .text

; random bytes at CPL 0 / CPL 3
op_bytes0:
	xor	ebx, ebx
	jmp	op_bytes
op_bytes3:
	mov	ebx, 3
op_bytes:
	mov	edi, STREAM_MAX
	call	fz_below
	lea	edi, [rax + 1]
	call	fz_emit_rand
	mov	edi, ebx
	jmp	fz_exec

; a system instruction from fz_insns, then 0..3 random bytes (ModRM,
; immediates, the next instruction), at a random CPL
op_insn:
	mov	edi, (fz_insns_end - fz_insns) / 8
	call	fz_below
	lea	rbx, [fz_insns]
	lea	rbx, [rbx + rax * 8]
	xor	r12d, r12d
.copy:	movzx	edi, byte [rbx + 2 + r12]
	call	fz_emit
	inc	r12d
	cmp	r12b, [rbx]
	jb	.copy
	mov	edi, 4
	call	fz_below
	mov	edi, eax
	call	fz_emit_rand
	call	fz_cpl
	jmp	fz_exec

; a hypercall: number mostly one of hv's, arguments random; HC_EXIT only
; once in 256 (it ends the run); HC_PUTS only with an address outside the
; guest's memory (the console is not this test's subject)
op_hypercall:
	call	fz_rand
	mov	rcx, rax
	and	eax, 7
	test	ecx, 0x700
	jnz	.nr
	mov	rax, rcx			; any number
.nr:	cmp	rax, HC_EXIT
	jne	.puts
	test	ecx, 0xff0000
	jz	.nr_ok
	mov	eax, HC_NOP
.puts:	cmp	rax, HC_PUTS
	jne	.nr_ok
	btr	rcx, 62				; bit 63 set, 62 clear: not canonical
	bts	rcx, 63
	mov	[fz_regs + REG_RDI * 8], rcx
.nr_ok:	mov	[fz_regs + REG_RAX * 8], rax
	mov	edi, 0x0f
	call	fz_emit
	mov	edi, 0x01
	call	fz_emit
	mov	edi, 0xc1			; VMCALL
	cmp	byte [hv_use_vmmcall], 0
	je	.emit
	mov	edi, 0xd9			; VMMCALL
.emit:	call	fz_emit
	call	fz_cpl
	jmp	fz_exec

; port I/O: IN or OUT of 1, 2 or 4 bytes, through DX or an immediate, to a
; random or a known port; no OUT reaches the COM1 data register (the
; console is not this test's subject); a string I/O once in 512
op_port:
	call	fz_rand
	mov	rbx, rax
	movzx	edx, ax				; a random port
	test	ebx, 0x10000
	jz	.have
	mov	edi, (fz_ports_end - fz_ports) / 2
	call	fz_below
	lea	rdx, [fz_ports]
	movzx	edx, word [rdx + rax * 2]
.have:	bt	ebx, 20				; bit 20: OUT
	jnc	.port
	lea	eax, [rdx - HV_GUEST_COM1 + 3]	; [COM1 - 3, COM1] would reach it
	cmp	eax, 4
	jae	.port
	add	edx, 8
.port:	mov	[fz_regs + REG_RDX * 8], rdx
	mov	r12, rdx
	mov	eax, ebx			; bits 21..27 and 30..31 all 0:
	and	eax, 0xcfe00000			; string I/O
	jnz	.size
	mov	edi, 0xf3			; REP
	call	fz_emit
	mov	edi, ebx
	shr	edi, 20
	and	edi, 1
	add	edi, 0x6c			; INSB 6C / OUTSB 6E
	lea	edi, [rdi + rdi - 0x6c]
	call	fz_emit
	jmp	.run
.size:	mov	eax, ebx			; bits 24..25: 0 byte, 1 word, else dword
	shr	eax, 24
	and	eax, 3
	jz	.byte
	cmp	eax, 1
	jne	.dword
	mov	edi, 0x66
	call	fz_emit
.dword:	mov	r13d, 1
	jmp	.op
.byte:	xor	r13d, r13d
.op:	mov	edi, 0xec			; IN AL/eAX, DX: EC/ED; OUT: EE/EF
	bt	ebx, 20
	jnc	.dx
	mov	edi, 0xee
.dx:	bt	ebx, 21				; bit 21: the immediate form E4..E7
	jnc	.emit
	cmp	r12, 0xff
	ja	.emit
	sub	edi, 8
	add	edi, r13d
	call	fz_emit
	mov	edi, r12d
	call	fz_emit
	jmp	.run
.emit:	add	edi, r13d
	call	fz_emit
.run:	call	fz_cpl
	jmp	fz_exec

; RDMSR or WRMSR of a known MSR, a random one in an architectural range, or
; any number; a WRMSR of EFER flips one bit of the guest's value (restored)
op_msr:
	call	fz_rand
	mov	rbx, rax
	test	ebx, 3
	jz	.any
	mov	edi, (fz_msrs_end - fz_msrs) / 4
	call	fz_below
	lea	rdx, [fz_msrs]
	mov	ecx, [rdx + rax * 4]
	test	ebx, 4
	jz	.have
	mov	eax, ebx			; near a known one
	shr	eax, 8
	and	eax, 0x3ff
	add	ecx, eax
	jmp	.have
.any:	mov	rcx, rbx
	shr	rcx, 32
.have:	mov	[fz_regs + REG_RCX * 8], rcx
	mov	edi, 0x0f
	call	fz_emit
	mov	edi, 0x32			; RDMSR
	bt	ebx, 3
	jnc	.emit
	mov	edi, 0x30			; WRMSR
	cmp	dword [fz_regs + REG_RCX * 8], X86_MSR_EFER
	jne	.emit
	mov	byte [fz_efer_dirty], 1
	mov	ecx, ebx
	shr	ecx, 10
	and	ecx, 63
	mov	rax, [fz_efer]
	btc	rax, rcx
	mov	[fz_regs + REG_RAX * 8], eax
	mov	dword [fz_regs + REG_RAX * 8 + 4], 0
	shr	rax, 32
	mov	[fz_regs + REG_RDX * 8], rax
.emit:	call	fz_emit
	call	fz_cpl
	jmp	fz_exec

; MOV to or from CRn (n = 0..15, REX.R for 8..15) or DRn (0..7) with RAX;
; the value written is near the guest's own for CR0, CR3, CR4 (one bit
; flipped, or the other PML4), random for the others
op_crdr:
	call	fz_rand
	mov	rbx, rax
	mov	r12d, ebx
	and	r12d, 15			; register number
	bt	ebx, 4				; DR
	jnc	.cr
	and	r12d, 7
.cr:	cmp	r12d, 8
	jb	.norex
	mov	edi, 0x44			; REX.R
	call	fz_emit
.norex:	mov	edi, 0x0f
	call	fz_emit
	mov	edi, ebx			; 0F 20 MOV r,CR; 21 MOV r,DR;
	shr	edi, 4				; 22 MOV CR,r; 23 MOV DR,r
	and	edi, 3
	add	edi, 0x20
	mov	r13d, edi
	call	fz_emit
	mov	edi, r12d
	and	edi, 7
	shl	edi, 3
	or	edi, 0xc0			; ModRM: register form, RAX
	call	fz_emit
	cmp	r13d, 0x22
	jne	.run
	mov	ecx, ebx			; a bit to flip: 0..31, once in 8
	shr	ecx, 8				; 0..63 (QEMU TCG ends the guest at
	and	ecx, 31				; a reserved CR4 bit: fuzz_guest.c)
	test	ebx, 0x1c000000
	jnz	.bit
	add	ecx, 32
.bit:
	cmp	r12d, 0
	je	.cr0
	cmp	r12d, 4
	je	.cr4
	cmp	r12d, 3
	jne	.run
	mov	rax, [fz_cr3]			; CR3: ours, the other, PWT/PCD
	bt	ebx, 16
	jnc	.cr3
	mov	rax, [fz_alt_cr3]
.cr3:	mov	edx, ebx
	shr	edx, 17
	and	edx, X86_PTE_PWT | X86_PTE_PCD
	or	rax, rdx
	jmp	.val
.cr0:	mov	rax, [fz_cr0]
	jmp	.flip
.cr4:	mov	rax, [fz_cr4]
.flip:	btc	rax, rcx
.val:	mov	[fz_regs + REG_RAX * 8], rax
.run:	xor	edi, edi
	test	ebx, 0xe00000			; CPL 3 once in 8
	jnz	fz_exec
	mov	edi, 3
	jmp	fz_exec

; flip a bit of one of the user region's PTEs (or, once in 16, of its PDE),
; then INVLPG, reload CR3, switch to the other PML4 or nothing, then touch
; the page (a load, a store or a call) at a random CPL
op_paging:
	call	fz_rand
	mov	rbx, rax
	mov	edi, (fz_ptebits_end - fz_ptebits)
	call	fz_below
	lea	rdx, [fz_ptebits]
	movzx	ecx, byte [rdx + rax]
	test	ebx, 0xff000000			; once in 256: a frame bit beyond
	jnz	.page				; the guest's memory (hv stops it)
	mov	ecx, 28
.page:
	mov	r12d, ebx
	shr	r12d, 8
	and	r12d, USER_PAGES - 1		; the page
	mov	rdi, [fz_pt]
	lea	rdi, [rdi + r12 * 8]
	test	ebx, 0xf0
	jnz	.flip
	mov	rdi, [fz_pde]
.flip:	mov	rax, [rdi]
	btc	rax, rcx
	mov	[rdi], rax
	shl	r12, 12
	add	r12, USER_VA
	mov	eax, ebx
	shr	eax, 20
	and	eax, 3
	jz	.touch
	cmp	eax, 1
	jne	.cr3
	invlpg	[r12]
	jmp	.touch
.cr3:	mov	rdx, [fz_cr3]
	cmp	eax, 2
	je	.load
	mov	rdx, [fz_alt_cr3]
.load:	mov	cr3, rdx
.touch:	mov	[fz_regs + REG_RAX * 8], r12
	mov	edi, 3
	call	fz_below
	lea	rdx, [fz_touch]
	movzx	edi, byte [rdx + rax * 2]
	movzx	r13d, byte [rdx + rax * 2 + 1]
	call	fz_emit				; 8A 00 / 88 00 / FF D0
	mov	edi, r13d
	call	fz_emit
	call	fz_cpl
	jmp	fz_exec

; fz_region_reset: the user region's page table and PDE as built, and the
; TLB flushed (fz_recover reloads CR3)
fz_region_reset:
	mov	rdi, [fz_pt]
	mov	rsi, [fz_pt_copy]
	mov	ecx, 512
	rep	movsq
	mov	rax, [fz_pt]
	or	rax, X86_PTE_P | X86_PTE_RW | X86_PTE_US
	mov	rdx, [fz_pde]
	mov	[rdx], rax
	mov	rax, [fz_cr3]
	mov	cr3, rax
	ret

; ---- the executor and the trap handler --------------------------------------

; fz_exec(edi = CPL 0 or 3): fz_buf and a UD2 copied to the stream page of
; that CPL and entered by IRETQ with RFLAGS_STREAM and fz_regs.  Does not
; return: the stream ends in a trap.
fz_exec:
	mov	rsi, CODE0			; where the bytes go (identity)
	mov	r8, CODE0			; where they run
	mov	r9, STACK0_TOP
	mov	r10d, SEL_KCODE
	mov	r11d, SEL_KDATA
	test	edi, edi
	jz	.copy
	mov	rsi, USER_PA
	mov	r8, USER_VA
	mov	r9, USER_STACK_TOP
	mov	r10d, SEL_UCODE
	mov	r11d, SEL_UDATA
.copy:	mov	rdi, rsi
	lea	rsi, [fz_buf]
	mov	rcx, [fz_len]
	rep	movsb
	mov	word [rdi], 0x0b0f		; UD2
	mov	rax, [fz_len]
	add	rax, r8
	mov	[fz_end_rip], rax
	mov	qword [fz_nsteps], 0
	mov	byte [fz_stepping], 1
	push	r11				; IRETQ frame (SDM Vol. 3A 6.14.3)
	push	r9
	push	RFLAGS_STREAM
	push	r10
	push	r8
	lea	rax, [fz_regs]
	mov	rcx, [rax + 1 * 8]
	mov	rdx, [rax + 2 * 8]
	mov	rbx, [rax + 3 * 8]
	mov	rbp, [rax + 5 * 8]
	mov	rsi, [rax + 6 * 8]
	mov	rdi, [rax + 7 * 8]
	mov	r8, [rax + 8 * 8]
	mov	r9, [rax + 9 * 8]
	mov	r10, [rax + 10 * 8]
	mov	r11, [rax + 11 * 8]
	mov	r12, [rax + 12 * 8]
	mov	r13, [rax + 13 * 8]
	mov	r14, [rax + 14 * 8]
	mov	r15, [rax + 15 * 8]
	mov	rax, [rax]
	iretq

; Every vector: [rsp] = vector, then the error code (0 if none), RIP, CS,
; RFLAGS, RSP, SS.  A single step of a stream resumes it; anything else is
; counted and the round ends.
fz_trap:
	cmp	qword [rsp], X86_VEC_DB
	jne	.trap
	cmp	byte [fz_stepping], 0
	je	.trap
	inc	qword [st_steps]
	inc	qword [fz_nsteps]
	cmp	qword [fz_nsteps], STEP_MAX
	jae	.trap
	add	rsp, 16
	iretq
.trap:	mov	byte [fz_stepping], 0
	mov	rax, [rsp]
	cmp	rax, X86_VEC_UD
	jne	.count
	mov	rdx, [rsp + 16]
	cmp	rdx, [fz_end_rip]
	jne	.count
	inc	qword [st_done]
	jmp	fz_recover
.count:	inc	qword [st_traps]
	cmp	rax, 32
	jb	.vec
	mov	eax, 32
.vec:	lea	rdx, [st_vec]
	inc	qword [rdx + rax * 8]

; fz_recover: the guest's own state back, then the next round.
fz_recover:
	mov	rsp, [fz_ksp]
	push	2				; IF=0, TF=0, DF=0, AC=0
	popfq
	lgdt	[gdtr]
	lidt	[idtr]
	mov	ax, SEL_KDATA
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	xor	eax, eax
	mov	dr7, rax			; no breakpoint of a stream stays armed
	mov	rax, [fz_cr0]
	mov	cr0, rax
	mov	rax, [fz_cr4]
	mov	cr4, rax
	mov	rax, [fz_cr3]
	mov	cr3, rax
	cmp	byte [fz_efer_dirty], 0
	je	.done
	mov	byte [fz_efer_dirty], 0
	mov	ecx, X86_MSR_EFER
	mov	rax, [fz_efer]
	mov	rdx, rax
	shr	rdx, 32
	wrmsr
.done:	jmp	fz_round

; Stubs: push a 0 where the CPU pushes no error code (SDM Vol. 3A 6.13:
; 8, 10-14, 17, 21, 29, 30 have one), then the vector.
%assign v 0
%rep 256
fz_isr_ %+ v:
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
%else
	push	0
%endif
	push	v
	jmp	fz_trap
%assign v v + 1
%endrep

section .data
	align 8
fz_isr_table:
%assign v 0
%rep 256
	dq	fz_isr_ %+ v
%assign v v + 1
%endrep

; System instructions: length, 0, up to 6 opcode bytes (op_insn appends
; random bytes: ModRM, immediates).  No LTR (fz_emit_rand says why).
%macro INSN 1-6
	db	%0, 0
	db	%{1:-1}
	times 6 - %0 db 0
%endmacro
fz_insns:
	INSN	0x0f, 0x01, 0xc1		; VMCALL
	INSN	0x0f, 0x01, 0xd9		; VMMCALL
	INSN	0x0f, 0x01, 0xd8		; VMRUN
	INSN	0x0f, 0x01, 0xda		; VMLOAD
	INSN	0x0f, 0x01, 0xdb		; VMSAVE
	INSN	0x0f, 0x01, 0xdc		; STGI
	INSN	0x0f, 0x01, 0xdd		; CLGI
	INSN	0x0f, 0x01, 0xde		; SKINIT
	INSN	0x0f, 0x01, 0xdf		; INVLPGA
	INSN	0x0f, 0x01, 0xc2		; VMLAUNCH
	INSN	0x0f, 0x01, 0xc3		; VMRESUME
	INSN	0x0f, 0x01, 0xc4		; VMXOFF
	INSN	0xf3, 0x0f, 0xc7, 0x30		; VMXON [rax]
	INSN	0x0f, 0xc7, 0x30		; VMPTRLD [rax]
	INSN	0x66, 0x0f, 0xc7, 0x30		; VMCLEAR [rax]
	INSN	0x0f, 0x78, 0xc8		; VMREAD rax, rcx
	INSN	0x0f, 0x79, 0xc1		; VMWRITE rax, rcx
	INSN	0x66, 0x0f, 0x38, 0x80, 0x00	; INVEPT rax, [rax]
	INSN	0x0f, 0x01, 0xc8		; MONITOR
	INSN	0x0f, 0x01, 0xc9		; MWAIT
	INSN	0x0f, 0x01, 0xd0		; XGETBV
	INSN	0x0f, 0x01, 0xd1		; XSETBV
	INSN	0x0f, 0x01, 0xf8		; SWAPGS
	INSN	0x0f, 0x01, 0xf9		; RDTSCP
	INSN	0x0f, 0x01, 0xca		; CLAC
	INSN	0x0f, 0x01, 0xcb		; STAC
	INSN	0x0f, 0x01, 0xee		; RDPKRU
	INSN	0x0f, 0x01, 0xef		; WRPKRU
	INSN	0x0f, 0x01			; group 7: SGDT..INVLPG by ModRM
	INSN	0x0f, 0x01, 0x38		; INVLPG [rax]
	INSN	0x0f, 0x01, 0x10		; LGDT [rax]
	INSN	0x0f, 0x01, 0x18		; LIDT [rax]
	INSN	0x0f, 0x01, 0xf0		; LMSW ax
	INSN	0x0f, 0x31			; RDTSC
	INSN	0x0f, 0x33			; RDPMC
	INSN	0x0f, 0x08			; INVD
	INSN	0x0f, 0x09			; WBINVD
	INSN	0x0f, 0xa2			; CPUID
	INSN	0x0f, 0x06			; CLTS
	INSN	0x0f, 0x05			; SYSCALL
	INSN	0x48, 0x0f, 0x07		; SYSRETQ
	INSN	0x0f, 0x34			; SYSENTER
	INSN	0x0f, 0x35			; SYSEXIT
	INSN	0x0f, 0x37			; GETSEC
	INSN	0x0f, 0xae			; group 15: FXSAVE..CLFLUSH by ModRM
	INSN	0x0f, 0xc7			; group 9: CMPXCHG16B, RDRAND, RDPID...
	INSN	0xf3, 0x48, 0x0f, 0xae		; RD/WRFSBASE, RD/WRGSBASE by ModRM
	INSN	0xf4				; HLT (IF=1: a yield)
	INSN	0xfb				; STI
	INSN	0xcc				; INT3
	INSN	0xcd, 0x03			; INT 3
	INSN	0xcd				; INT n
	INSN	0xf1				; INT1
	INSN	0x48, 0xcf			; IRETQ
	INSN	0x8e, 0xd0			; MOV SS, ax
	INSN	0x8e, 0xd0, 0x0f, 0x01, 0xc1	; MOV SS, ax; VMCALL (in its shadow)
	INSN	0x8e, 0xd0, 0x0f, 0x01, 0xd9	; MOV SS, ax; VMMCALL
	INSN	0xfb, 0x0f, 0x01, 0xc1		; STI; VMCALL (in its shadow)
	INSN	0xfb, 0x0f, 0x01, 0xd9		; STI; VMMCALL
	INSN	0x8e, 0xe0			; MOV FS, ax
	INSN	0x8e, 0xe8			; MOV GS, ax
	INSN	0x0f, 0x00, 0xd0		; LLDT ax
	INSN	0x0f, 0xa1			; POP FS
	INSN	0x9d				; POPF
	INSN	0x0f, 0x0b			; UD2 (as its own operation)
	INSN	0xd9, 0xee			; FLDZ (x87)
	INSN	0xc5, 0xfc, 0x77		; VZEROALL
	INSN	0x0f, 0xae, 0x28		; XRSTOR [rax]
fz_insns_end:

; Ports worth hitting: the 8259s, PIT, keyboard, CMOS, POST, ISA debug exit
; (QEMU), the Bochs shutdown and debug ports, PCI configuration, COM1..4
fz_ports:
	dw	0x20, 0x21, 0xa0, 0xa1, 0x40, 0x43, 0x60, 0x64, 0x70, 0x71, 0x80, 0x92
	dw	0xf4, 0x402, 0x8900, 0xe9, 0xcf8, 0xcfc, 0xcf9, 0x3f8, 0x3f9, 0x3fa, 0x3fb
	dw	0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x2f8, 0x3e8, 0x2e8, 0x510, 0x511, 0xb2, 0x0
fz_ports_end:

; MSRs worth hitting (op_msr also tries the 1024 above each)
fz_msrs:
	dd	X86_MSR_TSC, X86_MSR_APIC_BASE, X86_MSR_FEATURE_CONTROL
	dd	X86_MSR_SYSENTER_CS, X86_MSR_SYSENTER_ESP, X86_MSR_SYSENTER_EIP
	dd	X86_MSR_PAT, X86_MSR_MTRR_DEF_TYPE, X86_MSR_VMX_BASIC
	dd	X86_MSR_VMX_PROCBASED_CTLS2, X86_MSR_EFER, X86_MSR_STAR, X86_MSR_LSTAR
	dd	X86_MSR_CSTAR, X86_MSR_FMASK, X86_MSR_FS_BASE, X86_MSR_GS_BASE
	dd	X86_MSR_KERNEL_GS_BASE, X86_MSR_VM_CR, X86_MSR_VM_HSAVE_PA
	dd	X86_MSR_DEBUGCTL, X86_MSR_TSC_AUX, X86_MSR_MISC_ENABLE
	dd	X86_MSR_MCG_STATUS, 0
fz_msrs_end:

; PTE bits op_paging flips: P, R/W, U/S, PWT, PCD, A, D, PS/PAT, G, an
; ignored bit, frame bits inside the user region, reserved bits, NX
fz_ptebits:
	db	0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 4, 5, 6, 7, 7, 8, 9
	db	12, 13, 14, 15, 16, 17, 18, 19, 51, 52, 62, 63, 63
	db	0, 1, 2, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19, 63
	db	0, 1, 2, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19, 63
	db	0, 1, 63, 2
fz_ptebits_end:

; the touch of op_paging: MOV al, [rax]; MOV [rax], al; CALL rax
fz_touch:
	db	0x8a, 0x00, 0x88, 0x00, 0xff, 0xd0
section .text
