/*
 * svm_switch.S - the SVM world switch (AMD APM Vol. 2 15.5, 15.17, 15.5.2).
 *
 * void svm_world_switch(uint64_t vmcb_pa, struct svm_gprs *g, uint64_t host_pa,
 *     bool save_host)
 *
 * VMRUN saves and restores only part of the host state: RAX, RSP and RIP
 * come back, every other GPR holds the guest's value after #VMEXIT, and FS,
 * GS, TR, LDTR, KERNEL_GS_BASE and the SYSCALL/SYSENTER MSRs are neither
 * saved nor loaded.  So: VMSAVE the host's copy of those into the per-CPU
 * host VMCB, VMLOAD the guest's, VMRUN, VMSAVE the guest's, VMLOAD the
 * host's back.  The guest GPRs other than RAX/RSP live in *g.  save_host is
 * false only under the zero_host_fs quirk (hv/quirk.c): the host copy taken
 * at an earlier entry is loaded back, with that entry's FS base.
 *
 * CLGI holds off interrupts and NMIs for the whole sequence; STI before VMRUN
 * makes the host's saved RFLAGS.IF=1, which (with V_INTR_MASKING=1 and the
 * INTR intercept) turns a host interrupt arriving in the guest into an INTR
 * #VMEXIT instead of leaving it pending (15.21.1).  After the exit, CLI then
 * STGI, and the caller's RFLAGS (its IF) comes back with POPFQ, at which
 * point the host takes the interrupt.
 */
#define G_RBX	0
#define G_RCX	8
#define G_RDX	16
#define G_RSI	24
#define G_RDI	32
#define G_RBP	40
#define G_R8	48
#define G_R9	56
#define G_R10	64
#define G_R11	72
#define G_R12	80
#define G_R13	88
#define G_R14	96
#define G_R15	104

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
	push	%rdi			/* guest VMCB pa */

	clgi
	sti
	mov	%rdx, %rax
	test	%cl, %cl
	jz	1f
	vmsave	%rax
1:

	mov	%rsi, %rax
	mov	G_RBX(%rax), %rbx
	mov	G_RCX(%rax), %rcx
	mov	G_RDX(%rax), %rdx
	mov	G_RSI(%rax), %rsi
	mov	G_RDI(%rax), %rdi
	mov	G_RBP(%rax), %rbp
	mov	G_R8(%rax), %r8
	mov	G_R9(%rax), %r9
	mov	G_R10(%rax), %r10
	mov	G_R11(%rax), %r11
	mov	G_R12(%rax), %r12
	mov	G_R13(%rax), %r13
	mov	G_R14(%rax), %r14
	mov	G_R15(%rax), %r15
	pop	%rax			/* guest VMCB pa */

	vmload	%rax
	vmrun	%rax
	vmsave	%rax

	mov	(%rsp), %rax		/* guest GPR area */
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
	pop	%rax			/* drop the GPR area pointer */
	pop	%rax			/* host VMCB pa */
	vmload	%rax

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
