/*
 * start.S - the machine-level pieces of vmmcheck, the freestanding init
 * that drives /dev/vmm on a DragonFly kernel: the ELF brand note, process
 * and thread entry, the raw system call, and the %fs:0 read.
 *
 * DragonFly x86-64 system calls (sys/platform/pc64/x86_64/trap.c,
 * syscall2): SYSCALL with the number in %rax and the arguments in %rdi,
 * %rsi, %rdx, %r10, %r8, %r9; a seventh is read from the user stack at
 * 8(%rsp).  On error RFLAGS.CF is set and %rax holds the errno value.
 */

/*
 * The brand note the kernel's ELF image activator (sys/kern/imgact_elf.c,
 * dragonfly_brandnote) looks for in a PT_NOTE segment: name "DragonFly",
 * type 1, a 4-byte descriptor holding the OS release the binary was
 * built for.  Without it the image is refused (ENOEXEC).
 */
#define DFLY_OSREL	500700		/* DragonFly 5.7, the source snapshot */

	.section .note.tag, "a", @note
	.p2align 2
	.long	10			/* n_namesz: "DragonFly" and its NUL */
	.long	4			/* n_descsz */
	.long	1			/* n_type: ABI tag */
	.asciz	"DragonFly"
	.p2align 2
	.long	DFLY_OSREL

	.text

/*
 * Process entry (exec_setregs): %rdi points at argc, argv[] follows.
 * main(argc, argv) never returns; a 16-byte aligned stack for the ABI.
 */
	.globl	_start
_start:
	movq	(%rdi), %rax
	leaq	8(%rdi), %rsi
	movq	%rax, %rdi
	andq	$-16, %rsp
	call	vc_main
1:	hlt				/* not reached; faults if it were */
	jmp	1b

/*
 * long vc_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
 *                 long a6, long a7): the value, or -errno.
 * C passes a6 at 8(%rsp) and a7 at 16(%rsp); the kernel wants the seventh
 * at 8(%rsp) of the SYSCALL, so it is copied into a new slot there.
 */
	.globl	vc_syscall
vc_syscall:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	movq	%rcx, %rdx
	movq	%r8, %r10
	movq	%r9, %r8
	movq	8(%rsp), %r9
	subq	$16, %rsp
	movq	32(%rsp), %rcx
	movq	%rcx, 8(%rsp)
	syscall
	leaq	16(%rsp), %rsp		/* LEA: keep the carry flag */
	jnc	2f
	negq	%rax
2:	ret

/* uint64_t vc_read_fs0(void): the 8 bytes at %fs:0 (the TLS self slot). */
	.globl	vc_read_fs0
vc_read_fs0:
	movq	%fs:0, %rax
	ret

	.section .note.GNU-stack, "", @progbits
