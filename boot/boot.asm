; boot.asm - multiboot2 header and the BSP's path from GRUB's 32-bit protected
; mode to 64-bit C (kmain).  GRUB hands over with paging off, EAX = multiboot2
; magic, EBX = physical address of the boot information (multiboot2 spec 3.3).

KERNEL_VMA	equ 0xffffffff80000000
DIRECT_MAP	equ 0xffff800000000000
MB2_MAGIC	equ 0xe85250d6
MB2_BOOT_MAGIC	equ 0x36d76289

%include "x86_arch.inc"
%include "long_mode.inc"

section .multiboot
align 8
mb2_header:
	dd MB2_MAGIC
	dd 0				; architecture: i386 protected mode
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
	; information request: command line (1), modules (3), memory map (6),
	; ACPI old RSDP (14) and new RSDP (15).  Optional (flags=1) so that a
	; machine without ACPI 2.0 still boots.
align 8
.info_req:
	dw 1, 1
	dd .info_req_end - .info_req
	dd 1, 3, 6, 14, 15
.info_req_end:
align 8
	; entry address tag: the ELF entry is a high virtual address, GRUB needs
	; the physical one.
	dw 3, 0
	dd 12
	dd _start_phys
align 8
	; module alignment tag: modules start on page boundaries.
	dw 6, 0
	dd 8
align 8
	dw 0, 0				; end tag
	dd 8
mb2_header_end:

section .text.boot
bits 32
global _start_phys
_start_phys equ _start - KERNEL_VMA

global _start
_start:
	cli
	cld
	mov esp, boot_stack_top - KERNEL_VMA
	mov edi, eax			; keep magic and MBI for kmain
	mov esi, ebx
	cmp edi, MB2_BOOT_MAGIC
	jne .fail_magic
	; long mode present?  CPUID 0x80000001 EDX bit 29 (SDM vol. 2A, CPUID)
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .fail_lm
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .fail_lm

	; zero the boot page tables (7 pages, contiguous in .bss)
	push edi
	mov edi, boot_pml4 - KERNEL_VMA
	mov ecx, (7 * 4096) / 4
	xor eax, eax
	rep stosd
	pop edi

	; PML4[0] = identity (needed while we switch), PML4[256] = direct map,
	; PML4[511] = kernel image window.
	mov eax, boot_pdpt_low - KERNEL_VMA
	or eax, X86_PTE_P | X86_PTE_RW
	mov [boot_pml4 - KERNEL_VMA + 0 * 8], eax
	mov eax, boot_pdpt_dm - KERNEL_VMA
	or eax, X86_PTE_P | X86_PTE_RW
	mov [boot_pml4 - KERNEL_VMA + 256 * 8], eax
	mov eax, boot_pdpt_k - KERNEL_VMA
	or eax, X86_PTE_P | X86_PTE_RW
	mov [boot_pml4 - KERNEL_VMA + 511 * 8], eax

	; identity 0-1 GiB and kernel window 0xffffffff80000000 -> 0 share PD 0
	mov eax, boot_pd - KERNEL_VMA
	or eax, X86_PTE_P | X86_PTE_RW
	mov [boot_pdpt_low - KERNEL_VMA], eax
	mov [boot_pdpt_k - KERNEL_VMA + 510 * 8], eax
	; direct map 0-4 GiB: PDPT_dm[0..3] = PD 0..3
	mov ecx, 0
.pdpt_dm:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd - KERNEL_VMA
	or eax, X86_PTE_P | X86_PTE_RW
	mov [boot_pdpt_dm - KERNEL_VMA + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt_dm
	; 2048 2 MiB entries (P|W|PS) covering 0-4 GiB
	mov ecx, 0
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, X86_PTE_P | X86_PTE_RW | X86_PTE_PS
	mov edx, ecx
	shr edx, 11			; bits 32+ of the physical address
	mov [boot_pd - KERNEL_VMA + ecx * 8], eax
	mov [boot_pd - KERNEL_VMA + ecx * 8 + 4], edx
	inc ecx
	cmp ecx, 2048
	jb .pd

	; long mode on the boot tables, then the kernel GDT
	ENTER_LONG_MODE boot_pml4 - KERNEL_VMA
	lgdt [boot_gdtr - KERNEL_VMA]
	jmp 0x08:(long_entry - KERNEL_VMA)

.fail_magic:
	mov al, 'M'
	jmp early_fail
.fail_lm:
	mov al, 'L'
early_fail:
	; print "boot: fail X" on COM1 (no init: firmware/GRUB left it usable)
	mov ebx, eax
	mov esi, early_msg - KERNEL_VMA
.msg:
	lodsb
	test al, al
	jz .code
	mov dx, X86_COM1_PORT
	out dx, al
	jmp .msg
.code:
	mov al, bl
	out dx, al
	mov al, 10
	out dx, al
	mov al, 0x11			; FAIL exit (QEMU isa-debug-exit)
	out 0xf4, al
.hang:
	hlt
	jmp .hang

bits 64
long_entry:
	; still running at the physical address through the identity map: jump
	; to the high kernel address.
	mov rax, high_entry
	jmp rax
high_entry:
	lgdt [boot_gdtr_hi]
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	; rdi = magic, rsi = MBI physical address (zero-extended by the 32-bit movs)
	mov edi, edi
	mov esi, esi
	extern kmain
	call kmain
.halt:
	cli
	hlt
	jmp .halt

section .rodata
early_msg: db "boot: fail ", 0
align 16
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit code
	dq 0x00cf92000000ffff		; 0x10: data
boot_gdt_end:
boot_gdtr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt - KERNEL_VMA
boot_gdtr_hi:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt

section .bss
align 4096
global boot_pml4
boot_pml4:	resb 4096
boot_pdpt_low:	resb 4096
boot_pdpt_dm:	resb 4096
boot_pdpt_k:	resb 4096
boot_pd:	resb 4 * 4096
global boot_stack, boot_stack_top
boot_stack:	resb 16384			; = KSTACK_PAGES pages (testkern/kern/mm.h)
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
