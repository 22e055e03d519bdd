/*
 * vmx_switch.S - the VMX world switch.
 *
 * int vmx_enter(uint64_t *gpr, int launched, struct vmx_fast *f)
 *   gpr: struct vmx_vcpu's save area, indexed by x86 register number
 *   (slot 4, RSP, unused: the VMCS holds guest RSP), slot 16 = CR2.
 *   launched: 0 -> VMLAUNCH, else VMRESUME.
 * Returns 0 after a VM exit, 1 on VMfailInvalid (CF), 2 on VMfailValid (ZF).
 *
 * The host's callee-saved registers and the save-area pointer stay on the
 * stack; HOST_RSP is pointed at them so that the exit (which loads RSP and
 * RIP from the VMCS host area, SDM 27.5.3) lands at vmx_exit_point with
 * everything needed to store the guest's registers and return.  Guest CR2 is
 * not part of the VMCS, so it is switched here by hand.
 *
 * f (struct vmx_fast, vmx.h) is the HC_NOP loop: an exit that is a VMCALL
 * (full exit reason 18: not a failed entry) with guest RAX=HC_NOP from CPL
 * 0..2 (at CPL 3 the VM's policy decides, in C), while no
 * interrupt is queued, interrupt-window exiting is off and the VM's
 * invalidation generation is the one this CPU flushed for, is finished here
 * and VMRESUME runs again, at most f->budget times in a row.  The caller
 * has interrupts off for the whole call (the stretch, hv/run.h), and a host
 * interrupt arriving meanwhile stays pending and makes the next VMRESUME
 * exit at once (external-interrupt exiting), ending the loop.  HOST_RSP,
 * HOST_CR3, HOST_FS_BASE are not written in the loop, so every exit in it
 * lands on the same stack with the same host CR3 and FS base that the
 * caller checks after the last one (nor the VMX-preemption timer: without
 * "save VMX-preemption timer value" every entry starts from the field the
 * caller wrote, 25.5.1); guest CR2 and IA32_KERNEL_GS_BASE stay
 * in the CPU (nothing here faults or uses them) and are saved after the
 * loop.  Per exit, as the stretch's own fast path: vcpu->entries is bumped
 * before the generation is read (hv_pre_entry's order; running_on is
 * already this CPU), RIP moves past VMCALL by the exit's instruction length
 * and blocking by STI/MOV SS ends (SDM 24.4.2).  RAX is HC_NOP's result 0
 * already.  Guest RCX, RDX are the scratch, kept on the stack, RAX (0)
 * too: XOR gives the guest its 0 back.  f is the `fast` member of its
 * struct vmx_vcpu: the loop reads the vCPU's irq_window beside it.  A
 * VMRESUME of the loop that fails stores the guest's registers before it
 * returns the failure, as an exit would.
 */
#include "vmx_assym.h"	/* generated from vmx_assym.sym */

/* what the loop below takes for granted about those numbers */
#if HC_NOP != 0
#error "the HC_NOP test is testq %rax, %rax"
#endif
#if IRQ_WORDS != 4 || X_IRQ_WINDOW_SIZE != 1
#error "the queued-interrupt test reads 4 words, the window flag 1 byte"
#endif

/* guest RDI on the stack top, the save area in RDI: store every guest
 * register there (RDI popped from the stack; RAX is clobbered) */
.macro SAVE_GUEST
	movq	%rax, G_RAX(%rdi)
	movq	%rcx, G_RCX(%rdi)
	movq	%rdx, G_RDX(%rdi)
	movq	%rbx, G_RBX(%rdi)
	movq	%rbp, G_RBP(%rdi)
	movq	%rsi, G_RSI(%rdi)
	movq	%r8, G_R8(%rdi)
	movq	%r9, G_R9(%rdi)
	movq	%r10, G_R10(%rdi)
	movq	%r11, G_R11(%rdi)
	movq	%r12, G_R12(%rdi)
	movq	%r13, G_R13(%rdi)
	movq	%r14, G_R14(%rdi)
	movq	%r15, G_R15(%rdi)
	popq	%rax			/* guest RDI */
	movq	%rax, G_RDI(%rdi)
	movq	%cr2, %rax
	movq	%rax, G_CR2(%rdi)
.endm

	.text
	.globl	vmx_enter
	.type	vmx_enter, @function
vmx_enter:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdx			/* struct vmx_fast */
	pushq	%rdi			/* save area, found again at the exit */

	movq	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	.Lfail			/* CF or ZF: the write failed */

	movq	G_CR2(%rdi), %rax
	movq	%rax, %cr2

	/* RBP, R12-R15 here; the rest in .Lload, where a re-entry after
	 * vmx_exit_fast starts (the call kept these, callee-saved) */
	movq	G_RBP(%rdi), %rbp
	movq	G_R12(%rdi), %r12
	movq	G_R13(%rdi), %r13
	movq	G_R14(%rdi), %r14
	movq	G_R15(%rdi), %r15
	testl	%esi, %esi		/* flags survive the movs below */
.Lload:
	movq	G_RAX(%rdi), %rax
	movq	G_RBX(%rdi), %rbx
	movq	G_RCX(%rdi), %rcx
	movq	G_RDX(%rdi), %rdx
	movq	G_RSI(%rdi), %rsi
	movq	G_R8(%rdi), %r8
	movq	G_R9(%rdi), %r9
	movq	G_R10(%rdi), %r10
	movq	G_R11(%rdi), %r11
	movq	G_RDI(%rdi), %rdi
	jnz	.Lresume
	vmlaunch
	jmp	.Lfail			/* only reached when VMLAUNCH failed */
.Lresume:
	vmresume
.Lfail:
	/* SDM 31.2: CF=1 VMfailInvalid, ZF=1 VMfailValid; movs keep flags */
	movl	$2, %eax
	jnc	1f
	movl	$1, %eax
1:
	addq	$16, %rsp
	jmp	.Lreturn

	.globl	vmx_exit_point
	.type	vmx_exit_point, @function
vmx_exit_point:
	/* RSP = HOST_RSP: the save-area pointer on top, struct vmx_fast next */
	testq	%rax, %rax		/* guest RAX: HC_NOP? (else two insns) */
	jnz	.Lsave
	/* RAX is 0 from here on for the guest: XOR gives it back */
	pushq	%rcx
	pushq	%rdx
	movl	$VMCS_EXIT_REASON, %edx
	vmread	%rdx, %rax
	cmpq	$EXIT_VMCALL, %rax
	jne	.Lslow
	/* CPL (= SS.DPL, SDM 24.4.1) 3: the VM's policy decides (hv_hypercall) */
	movl	$VMCS_GUEST_SS_AR, %edx
	vmread	%rdx, %rax
	andl	$AR_DPL3, %eax
	cmpl	$AR_DPL3, %eax
	je	.Lslow
	movq	24(%rsp), %rcx		/* struct vmx_fast */
	/* the budget taken first (CF: there was none), given back at
	 * .Lunbudget */
	subl	$1, X_BUDGET(%rcx)
	jb	.Lunbudget
	cmpb	$0, X_IRQ_WINDOW(%rcx)	/* in struct vmx_vcpu, beside f */
	jne	.Lunbudget
	movq	X_IRQ_PENDING(%rcx), %rdx
	movq	(%rdx), %rax
	orq	8(%rdx), %rax
	orq	16(%rdx), %rax
	orq	24(%rdx), %rax
	jnz	.Lunbudget
	/* hv_pre_entry's order: entries (a full barrier), then the generation */
	movq	X_ENTRIES(%rcx), %rdx
	lock incq (%rdx)
	movq	X_INVAL_GEN(%rcx), %rdx
	movq	(%rdx), %rax
	movq	X_FLUSHED_GEN(%rcx), %rdx
	cmpq	(%rdx), %rax
	jne	.Lunbudget
	incl	X_NOPS(%rcx)
	/* RIP past VMCALL; the exit's instruction length is valid (27.2.5) */
	movl	$VMCS_GUEST_RIP, %edx
	vmread	%rdx, %rax
	movl	$VMCS_EXIT_INSN_LEN, %ecx
	vmread	%rcx, %rcx
	addq	%rcx, %rax
	vmwrite	%rax, %rdx
	movl	$VMCS_GUEST_INTERRUPTIBILITY, %edx
	vmread	%rdx, %rax
	testb	$3, %al
	jz	2f
	andq	$~3, %rax
	vmwrite	%rax, %rdx
2:
	popq	%rdx
	popq	%rcx
	xorl	%eax, %eax
.Lreenter:
	vmresume
	/* failed (CF or ZF): keep the guest's registers, then report it */
	pushfq
	pushq	%rdi
	movq	16(%rsp), %rdi
	SAVE_GUEST
	popfq
	movl	$2, %eax
	jnc	3f
	movl	$1, %eax
3:
	addq	$16, %rsp
	jmp	.Lreturn
.Lunbudget:
	addl	$1, X_BUDGET(%rcx)	/* the budget back: not used */
.Lslow:
	popq	%rdx
	popq	%rcx
	xorl	%eax, %eax
.Lsave:
	pushq	%rdi
	movq	8(%rsp), %rdi
	SAVE_GUEST
	/* the pinned exits: vmx_exit_fast, interrupts still off (RSP is
	 * HOST_RSP, 8 mod 16: aligned for the call) */
	movq	8(%rsp), %rdi		/* struct vmx_fast */
	subq	$8, %rsp
	call	vmx_exit_fast
	addq	$8, %rsp
	testl	%eax, %eax
	jz	.Lout
	/* RBX is callee-saved too, but CPUID writes it: .Lload reloads it;
	 * guest CR2 is still in the CPU; VMRESUME (the save area is not
	 * null: ZF=0), whose failure leaves the saved registers as they are */
	movq	(%rsp), %rdi		/* save area */
	testq	%rdi, %rdi
	jmp	.Lload
.Lout:
	addq	$16, %rsp
	xorl	%eax, %eax
.Lreturn:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	vmx_enter, . - vmx_enter

	.section .note.GNU-stack, "", @progbits
