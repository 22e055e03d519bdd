/*
 * vmx_switch.S - the VMX world switch.
 *
 * int vmx_enter(uint64_t *gpr, int launched)
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
 */
#define VMCS_HOST_RSP	0x6c14
#define G_RAX	0
#define G_RCX	8
#define G_RDX	16
#define G_RBX	24
#define G_RBP	40
#define G_RSI	48
#define G_RDI	56
#define G_R8	64
#define G_R9	72
#define G_R10	80
#define G_R11	88
#define G_R12	96
#define G_R13	104
#define G_R14	112
#define G_R15	120
#define G_CR2	128

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
	pushq	%rdi			/* save area, found again at the exit */

	movq	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	.Lfail			/* CF or ZF: the write failed */

	movq	G_CR2(%rdi), %rax
	movq	%rax, %cr2

	testl	%esi, %esi		/* flags survive the movs below */
	movq	G_RAX(%rdi), %rax
	movq	G_RCX(%rdi), %rcx
	movq	G_RDX(%rdi), %rdx
	movq	G_RBX(%rdi), %rbx
	movq	G_RBP(%rdi), %rbp
	movq	G_RSI(%rdi), %rsi
	movq	G_R8(%rdi), %r8
	movq	G_R9(%rdi), %r9
	movq	G_R10(%rdi), %r10
	movq	G_R11(%rdi), %r11
	movq	G_R12(%rdi), %r12
	movq	G_R13(%rdi), %r13
	movq	G_R14(%rdi), %r14
	movq	G_R15(%rdi), %r15
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
	addq	$8, %rsp
	jmp	.Lreturn

	.globl	vmx_exit_point
	.type	vmx_exit_point, @function
vmx_exit_point:
	/* RSP = HOST_RSP: the save-area pointer is on top */
	pushq	%rdi
	movq	8(%rsp), %rdi
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
	addq	$8, %rsp
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
