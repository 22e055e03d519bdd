; realmode - a multiboot v1 kernel that leaves protected mode and runs hv's
; exits in real-address mode (guests/realmode.scn), on both backends: SVM
; runs real mode with nested paging as it is (APM Vol. 2 15.19), VMX with
; the unrestricted-guest control (SDM Vol. 3C 26.3.1.1), CR0.PE cleared
; through hv's CR0 exit.
;
; The file is its own ELF32 image (one PT_LOAD of 16 KiB at 0x8000, the
; multiboot header after the program header), so testkern's loader places
; the boot information clear of it (below 640 KiB: 0x9e000 with 4 MiB).
; In real mode, each line `rm: ...` printed on COM1 by OUT (16-bit code)
; carries a value the scenario checks:
;  - EBX at entry (the information), its flags and its module's first word;
;  - CR0 read back after clearing PE (0x10: ET only);
;  - the COM1 line status (IN AL, DX): 0x60;
;  - CPUID leaf 0x40000000 (hv's signature) in 16-bit code;
;  - IP after an exiting instruction that ends at 0xffff: CPUID at
;    0x2000:0xfffe and HLT at 0x2000:0xffff go on at 0x2000:0000 (IP is
;    16 bits in 16-bit code);
;  - #GP from RDMSR of an MSR hv does not have, through the real-mode IVT:
;    IP, CS, FLAGS on the stack and no error code (6 bytes);
; then the debug-exit port 0xf4 ends the guest with the failure count.
%include "hv_abi.inc"
%include "x86_arch.inc"

LOAD		equ	0x8000
SIZE		equ	0x4000		; memsz: over 0x9000-0xb000 too
WRAP_SEG	equ	0x2000		; the segment of the IP-wrap checks
NO_MSR		equ	0xbad		; an MSR hv does not have: #GP
STACK		equ	0x7000		; real-mode SP (below the image)
MB1_MAGIC	equ	0x1badb002

bits 32
org LOAD
ehdr:	db	0x7f, "ELF", 1, 1, 1, 0		; ELF32, little-endian, v1
	times 8 db 0
	dw	2, 3				; ET_EXEC, EM_386
	dd	1, start32, phdr - ehdr, 0, 0	; version, entry, phoff, shoff, flags
	dw	52, 32, 1, 0, 0, 0		; ehsize, phentsize, phnum, sh*
phdr:	dd	1, 0, LOAD, LOAD		; PT_LOAD from offset 0 at LOAD
	dd	file_end - LOAD, SIZE, 7, 0x1000
	align	4
mbhdr:	dd	MB1_MAGIC, 0, -MB1_MAGIC	; no flags: ELF placement

; 16-bit code and data segments of 64 KiB at 0: what real mode keeps
gdt:	dq	0
	dq	0x00009b000000ffff
	dq	0x000093000000ffff
gdtr:	dw	gdt.end - gdt - 1
	dd	gdt
gdt.end	equ	gdtr
ivt:	dw	256 * 4 - 1
	dd	0

start32:
	mov	[entry_ebx], ebx
	lgdt	[gdtr]
	jmp	0x08:pm16
bits 16
pm16:	mov	ax, 0x10
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	mov	eax, cr0
	and	eax, ~X86_CR0_PE
	mov	cr0, eax
	jmp	0:rm
rm:	xor	ax, ax
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	mov	sp, STACK
	lidt	[ivt]			; the IVT: 256 vectors at 0
	mov	word [13 * 4], gp_handler	; IVT entry 13: #GP
	mov	word [13 * 4 + 2], 0

	; ---- the boot information, read in real mode ----
	mov	si, s_ebx
	mov	eax, [entry_ebx]
	call	print_hex
	mov	eax, [entry_ebx]
	call	far_ptr
	mov	si, s_flags
	mov	eax, [fs:bx]
	call	print_hex
	mov	eax, [entry_ebx]
	call	far_ptr
	mov	eax, [fs:bx + 24]	; mods_addr
	call	far_ptr
	mov	eax, [fs:bx]		; mods[0].mod_start
	call	far_ptr
	mov	si, s_module
	mov	eax, [fs:bx]		; the module's first four bytes
	call	print_hex

	; ---- CR0 as the guest wrote it ----
	mov	si, s_cr0
	mov	eax, cr0
	call	print_hex

	; ---- COM1 line status by IN ----
	mov	dx, HV_GUEST_COM1 + X86_UART_LSR
	xor	eax, eax
	in	al, dx
	mov	si, s_lsr
	call	print_hex

	; ---- CPUID in 16-bit code ----
	mov	eax, 0x40000000
	cpuid
	mov	[regs], ebx
	mov	[regs + 4], ecx
	mov	[regs + 8], edx
	mov	si, s_cpuid_b
	mov	eax, [regs]
	call	print_hex
	mov	si, s_cpuid_c
	mov	eax, [regs + 4]
	call	print_hex
	mov	si, s_cpuid_d
	mov	eax, [regs + 8]
	call	print_hex

	; ---- IP wraps at 64 KiB after an exit ----
	; WRAP_SEG:0 jumps back to wrap_back; WRAP_SEG:0x10000 (linear, no
	; limit check) to wrap_lost; CPUID ends at 0xffff, then HLT does.
	mov	ax, WRAP_SEG
	mov	es, ax
	mov	byte [es:0], 0xea		; jmp far 0:wrap_back
	mov	word [es:1], wrap_back
	mov	word [es:3], 0
	mov	ax, WRAP_SEG + 0x1000
	mov	es, ax
	mov	byte [es:0], 0xea		; jmp far 0:wrap_lost
	mov	word [es:1], wrap_lost
	mov	word [es:3], 0
	mov	ax, WRAP_SEG
	mov	es, ax
	mov	word [es:0xfffe], 0xa20f	; cpuid
	mov	byte [wrap_what], 'c'
	mov	eax, 0
	jmp	WRAP_SEG:0xfffe
wrap_back:
	cmp	byte [wrap_what], 'h'
	je	.hlt_done
	mov	si, s_wrap_cpuid
	call	print_line
	mov	byte [es:0xffff], 0xf4		; hlt (IF=1: hv yields, then goes on)
	mov	byte [wrap_what], 'h'
	sti
	jmp	WRAP_SEG:0xffff
.hlt_done:
	cli
	mov	si, s_wrap_hlt
	call	print_line

	; ---- #GP in real mode: through the IVT, no error code ----
	mov	[gp_sp], sp
	mov	ecx, NO_MSR
gp_insn:
	rdmsr
	mov	si, s_gp
	movzx	eax, word [gp_frame]
	call	print_hex
	mov	si, s_gp_ip
	movzx	eax, word [gp_ip]
	sub	ax, gp_insn
	call	print_hex

	; ---- the end: exit with the failure count ----
	mov	al, [failures]
	out	HV_GUEST_DEBUG_EXIT, al
	cli
.halt:	hlt
	jmp	.halt

wrap_lost:
	mov	si, s_wrap_lost
	call	print_line
	inc	byte [failures]
	jmp	wrap_back

; #GP: record the frame size (IP, CS, FLAGS; an error code would make it 8)
; and the faulting IP, then return past the 2-byte RDMSR.  A fetch past
; WRAP_SEG's limit (IP not wrapped) also lands here: that is wrap_lost.
gp_handler:
	mov	bp, sp
	cmp	word [bp + 2], WRAP_SEG
	je	.lost
	mov	ax, [gp_sp]
	sub	ax, sp
	mov	[gp_frame], ax
	mov	ax, [bp]
	mov	[gp_ip], ax
	add	word [bp], 2
	iret
.lost:	mov	word [bp], wrap_lost
	mov	word [bp + 2], 0
	iret

; fs:bx = the physical address eax (below 1 MiB)
far_ptr:
	mov	bx, ax
	and	bx, 15
	shr	eax, 4
	mov	fs, ax
	ret

; print "<si>\n" on COM1
print_line:
	call	puts
	mov	al, 10
	jmp	putc

; print "<si> 0x<eax as 8 hex digits>\n" on COM1
print_hex:
	push	eax
	call	puts
	mov	al, '0'
	call	putc
	mov	al, 'x'
	call	putc
	pop	ebx
	mov	cx, 8
.digit:	rol	ebx, 4
	mov	al, bl
	and	al, 15
	add	al, '0'
	cmp	al, '9'
	jbe	.out
	add	al, 'a' - '9' - 1
.out:	call	putc
	loop	.digit
	mov	al, 10
	jmp	putc

puts:	lodsb
	test	al, al
	jz	.done
	call	putc
	jmp	puts
.done:	ret

; one byte to COM1 once its transmitter holds none (polled, IN and OUT)
putc:	push	ax
	mov	dx, HV_GUEST_COM1 + X86_UART_LSR
.wait:	in	al, dx
	test	al, 0x20
	jz	.wait
	pop	ax
	mov	dx, HV_GUEST_COM1
	out	dx, al
	ret

s_ebx		db	"rm: boot information at ", 0
s_flags		db	"rm: information flags ", 0
s_module	db	"rm: module text ", 0
s_cr0		db	"rm: cr0 ", 0
s_lsr		db	"rm: com1 lsr ", 0
s_cpuid_b	db	"rm: cpuid.40000000 ebx ", 0
s_cpuid_c	db	"rm: cpuid.40000000 ecx ", 0
s_cpuid_d	db	"rm: cpuid.40000000 edx ", 0
s_wrap_cpuid	db	"rm: cpuid at 2000:fffe went on at 2000:0000", 0
s_wrap_hlt	db	"rm: hlt at 2000:ffff went on at 2000:0000", 0
s_wrap_lost	db	"rm: ip went past 0xffff", 0
s_gp		db	"rm: #GP frame bytes ", 0
s_gp_ip		db	"rm: #GP ip - rdmsr ", 0
	align	4
entry_ebx	dd	0
regs		dd	0, 0, 0
gp_sp		dw	0
gp_frame	dw	0
gp_ip		dw	0
wrap_what	db	0
failures	db	0
file_end:
