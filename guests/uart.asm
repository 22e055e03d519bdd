; uart - the guest's COM1, a 16550 good enough for polled output, and the
; ports nothing answers: the same on both backends (hv/uart.c, hv/exit.c).
%include "hv.inc"

%define COM1	HV_GUEST_COM1

; INB off: RAX = IN AL from COM1+off, zero-extended
%macro INB 1
	mov	dx, COM1 + %1
	xor	eax, eax
	in	al, dx
%endmacro
; OUTB off, byte
%macro OUTB 2
	mov	dx, COM1 + %1
	mov	al, %2
	out	dx, al
%endmacro

main:
	INB	5
	CHECK_EQX rax, 0x60, "uart: LSR at reset (transmitter empty, no data)"
	INB	2
	CHECK_EQX rax, 0x01, "uart: IIR at reset (no interrupt pending)"
	INB	6
	CHECK_EQX rax, 0xb0, "uart: MSR (CTS, DSR, DCD)"
	OUTB	7, 0x5a
	INB	7
	CHECK_EQX rax, 0x5a, "uart: scratch register"
	; divisor latch 1 (115200 baud), read back with one 16-bit IN: DLL, DLM
	OUTB	3, 0x80
	OUTB	0, 0x01
	OUTB	1, 0x00
	mov	dx, COM1
	xor	eax, eax
	in	ax, dx
	CHECK_EQX rax, 0x0001, "uart: divisor latch as one 16-bit IN"
	OUTB	3, 0x03			; 8N1, DLAB off
	INB	3
	CHECK_EQX rax, 0x03, "uart: LCR"
	OUTB	2, 0x07			; FIFOs on
	INB	2
	CHECK_EQX rax, 0xc1, "uart: IIR with FIFOs enabled"
	; loopback: THR comes back in RBR, modem outputs on the MSR inputs
	OUTB	4, 0x1f
	INB	6
	CHECK_EQX rax, 0xf0, "uart: loopback MSR"
	OUTB	0, 0xa5
	INB	5
	CHECK_EQX rax, 0x61, "uart: loopback LSR data ready"
	INB	0
	CHECK_EQX rax, 0xa5, "uart: loopback RBR"
	OUTB	4, 0x03
	; an absent port floats high: IN AL keeps the rest of RAX, IN EAX
	; zero-extends
	mov	rax, 0x1122334455667788
	mov	dx, 0x80
	in	al, dx
	mov	rcx, 0x11223344556677ff
	CHECK_EQX rax, rcx, "uart: IN AL from absent port 0x80"
	mov	rax, -1
	mov	dx, 0x80
	in	eax, dx
	CHECK_EQX rax, 0xffffffff, "uart: IN EAX from absent port 0x80"
	; polled output: wait for THR empty, then one byte at a time
	lea	rsi, [line]
.next:	mov	dx, COM1 + 5
.wait:	in	al, dx
	test	al, 0x20
	jz	.wait
	lodsb
	test	al, al
	jz	.done
	mov	dx, COM1
	out	dx, al
	jmp	.next
.done:	xor	eax, eax
	ret

section .data
line:	db	"uart: polled line", 10, 0
