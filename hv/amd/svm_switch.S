/*
 * svm_switch.S - the SVM world switch (AMD APM Vol. 2 15.5, 15.17, 15.5.2).
 *
 * void svm_world_switch(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_pa,
 *     bool save_host, struct svm_fast *f)
 *
 * VMRUN saves and restores only part of the host state: RAX, RSP and RIP
 * come back, every other GPR holds the guest's value after #VMEXIT, and FS,
 * GS, TR, LDTR, KERNEL_GS_BASE and the SYSCALL/SYSENTER MSRs are neither
 * saved nor loaded.  So: VMSAVE the host's copy of those into the per-CPU
 * host VMCB, VMLOAD the guest's, VMRUN, VMSAVE the guest's, VMLOAD the
 * host's back.  The guest GPRs live in gpr[] by x86 register number (RSP
 * in the VMCB only); RAX is copied there from the VMCB at every exit that
 * leaves the HC_NOP loop and back before every VMRUN that follows one (C
 * reads and writes gpr[], never the VMCB's RAX).  save_host is
 * false only under the zero_host_fs quirk (hv/quirk.c): the host copy taken
 * at an earlier entry is loaded back, with that entry's FS base.
 *
 * CLGI holds off interrupts and NMIs for the whole sequence; STI before VMRUN
 * makes the host's saved RFLAGS.IF=1, which (with V_INTR_MASKING=1 and the
 * INTR intercept) turns a host interrupt arriving in the guest into an INTR
 * #VMEXIT instead of leaving it pending (15.21.1).  After the exit, CLI then
 * STGI, and the caller's RFLAGS (its IF) comes back with POPFQ, at which
 * point the host takes the interrupt.
 *
 * The HC_NOP loop (struct svm_fast, svm.h): right after #VMEXIT, a VMMCALL
 * with RAX=HC_NOP from CPL 0..2 that needs nothing else is finished here and VMRUN runs
 * again, at most f->budget times in a row.  Still GIF=0: no interrupt, NMI
 * or SMI handler of the host runs in the loop, so nothing the host state
 * depends on can change; an interrupt that arrives is held and turns the
 * next VMRUN into an INTR #VMEXIT before any guest instruction, which ends
 * the loop.  No VMSAVE/VMLOAD in the loop: the CPU keeps the guest's FS, GS,
 * TR, LDTR, KERNEL_GS_BASE and SYSCALL/SYSENTER MSRs from the last VMRUN
 * (#VMEXIT does not touch them, 15.5.2, and nothing here uses them), and
 * the host's copy stays in the host VMCB for the VMLOAD after the loop.
 * The loop touches only guest GPRs it saves and restores (RCX, RDX, RSI on
 * the stack; guest RAX lives in the VMCB, ours holds the VMCB pa that VMRUN
 * saved and #VMEXIT restored, 15.5.1).
 * Per exit, as the stretch (hv/run.h) would do at its next entry:
 * vcpu->entries is bumped and the VM's invalidation generation read after it
 * (the hv_pre_entry protocol, gmem.c: running_on is already this CPU); a new
 * generation ends the loop so that the flush happens in C.  No queued
 * interrupt and no VINTR intercept (else svm_irq_prepare has work).  RIP
 * moves past VMMCALL (NRIP when the CPU gives one, else +3, 15.7.1), the
 * interrupt shadow ends, EVENTINJ and TLB_CONTROL are 0 and the clean bits
 * say "nothing cached" exactly as svm_prepare_entry writes them (the ASID, N_CR3
 * and the rest stay: nothing in this pinned GIF=0 stretch can change them;
 * a teardown or a nested invalidation first interrupts this CPU).  The
 * counters are added by the stretch after the call (budget used).
 */
#include "svm_assym.h"	/* generated from svm_assym.sym */

/* what the loop below takes for granted about those numbers */
#if IRQ_WORDS != 4
#error "the queued-interrupt test reads 4 words"
#endif
#if TLB_CONTROL_NONE != 0
#error "the loop clears TLB_CONTROL with movb $0"
#endif

	.text
	.globl	svm_world_switch
	.type	svm_world_switch, @function
svm_world_switch:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	pushfq
	push	%rdx			/* host VMCB pa */
	push	%rsi			/* guest GPR area */
	push	%r8			/* struct svm_fast */
	push	%rdi			/* guest VMCB pa */

	clgi
	sti
	mov	%rdx, %rax
	test	%cl, %cl
	jz	1f
	vmsave	%rax
1:
	/* RBP, R12-R15 here; the rest in .Lload, where a re-entry after
	 * svm_exit_fast starts (the call kept these, callee-saved) */
	mov	G_RBP(%rsi), %rbp
	mov	G_R12(%rsi), %r12
	mov	G_R13(%rsi), %r13
	mov	G_R14(%rsi), %r14
	mov	G_R15(%rsi), %r15
.Lload:
	mov	16(%rsp), %rax		/* guest GPR area */
	mov	8(%rsp), %rbx		/* struct svm_fast */
	mov	F_VMCB(%rbx), %rbx
	mov	G_RAX(%rax), %rcx
	mov	%rcx, V_RAX(%rbx)	/* guest RAX: gpr[] to the VMCB */
	mov	G_RBX(%rax), %rbx
	mov	G_RCX(%rax), %rcx
	mov	G_RDX(%rax), %rdx
	mov	G_RSI(%rax), %rsi
	mov	G_RDI(%rax), %rdi
	mov	G_R8(%rax), %r8
	mov	G_R9(%rax), %r9
	mov	G_R10(%rax), %r10
	mov	G_R11(%rax), %r11
	mov	(%rsp), %rax		/* guest VMCB pa */
	vmload	%rax
.Lrun:
	vmrun	%rax

	/* the HC_NOP loop; any other exit costs these four */
	mov	8(%rsp), %rax		/* struct svm_fast */
	mov	F_VMCB(%rax), %rax
	cmpq	$EXIT_VMMCALL, V_EXITCODE(%rax)
	jne	.Lsave
	/* three guest GPRs as scratch */
	push	%rcx
	push	%rdx
	push	%rsi
	mov	32(%rsp), %rcx		/* struct svm_fast */
	mov	%rax, %rdx		/* the VMCB */
	/* the budget taken first (CF: there was none), given back at .Lleave */
	subl	$1, F_BUDGET(%rcx)
	jb	.Lleave
	cmpq	$HC_NOP, V_RAX(%rdx)
	jne	.Lleave
	cmpb	$3, V_CPL(%rdx)
	je	.Lleave			/* CPL 3: the VM's policy decides (hv_hypercall) */
	btl	$V_EVENT_VALID_BIT, V_EXITINTINFO(%rdx)
	jc	.Lleave			/* an event to re-inject */
	testl	$V_I1_VINTR, V_MISC1(%rdx)
	jnz	.Lleave
	mov	F_IRQ_PENDING(%rcx), %rsi
	mov	(%rsi), %rax
	or	8(%rsi), %rax
	or	16(%rsi), %rax
	or	24(%rsi), %rax
	jnz	.Lleave
	/* hv_pre_entry's order: entries (a full barrier), then the generation */
	mov	F_ENTRIES(%rcx), %rsi
	lock incq (%rsi)
	mov	F_INVAL_GEN(%rcx), %rsi
	mov	(%rsi), %rax
	mov	F_FLUSHED_GEN(%rcx), %rsi
	cmp	(%rsi), %rax
	jne	.Lleave
	/* done: RIP past VMMCALL: NRIP when the CPU gives one, else past
	 * its 3 bytes; RAX is already HC_NOP's 0 */
	cmpl	$0, F_NRIPS(%rcx)
	je	1f
	mov	V_NRIP(%rdx), %rax
	test	%rax, %rax
	jnz	2f
1:	mov	V_RIP(%rdx), %rax
	add	$3, %rax
2:	mov	%rax, V_RIP(%rdx)
	movq	$0, V_INT_SHADOW(%rdx)
	movq	$0, V_EVENTINJ(%rdx)
	movb	$0, V_TLB_CONTROL(%rdx)
	movl	$0, V_CLEAN(%rdx)
	incl	F_NOPS(%rcx)
	pop	%rsi
	pop	%rdx
	pop	%rcx
	mov	(%rsp), %rax		/* guest VMCB pa */
	jmp	.Lrun
.Lleave:
	addl	$1, F_BUDGET(%rcx)	/* the budget back: not used */
	pop	%rsi
	pop	%rdx
	pop	%rcx
.Lsave:
	mov	(%rsp), %rax		/* guest VMCB pa */
	vmsave	%rax

	mov	16(%rsp), %rax		/* guest GPR area */
	mov	%rbx, G_RBX(%rax)
	mov	%rcx, G_RCX(%rax)
	mov	%rdx, G_RDX(%rax)
	mov	%rsi, G_RSI(%rax)
	mov	%rdi, G_RDI(%rax)
	mov	%rbp, G_RBP(%rax)
	mov	%r8, G_R8(%rax)
	mov	%r9, G_R9(%rax)
	mov	%r10, G_R10(%rax)
	mov	%r11, G_R11(%rax)
	mov	%r12, G_R12(%rax)
	mov	%r13, G_R13(%rax)
	mov	%r14, G_R14(%rax)
	mov	%r15, G_R15(%rax)
	mov	8(%rsp), %rdi		/* struct svm_fast */
	mov	F_VMCB(%rdi), %rbx
	mov	V_RAX(%rbx), %rbx
	mov	%rbx, G_RAX(%rax)	/* guest RAX: the VMCB to gpr[] */
	mov	24(%rsp), %rax		/* host VMCB pa */
	vmload	%rax

	/* the pinned exits: svm_exit_fast(f), still at GIF=0 on the host's
	 * segment state (RSP is 16-byte aligned here) */
	call	svm_exit_fast
	test	%eax, %eax
	/* RBX is callee-saved too, but CPUID writes it: .Lload reloads it */
	jnz	.Lload
	add	$32, %rsp		/* drop the VMCB pas, svm_fast and GPR area */
	cli
	stgi
	popfq
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size	svm_world_switch, . - svm_world_switch

	.section .note.GNU-stack, "", @progbits
