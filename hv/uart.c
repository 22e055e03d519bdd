/*
 * uart.c - the guest's COM1: a 16550 UART good enough for polled output
 * (register set and reset values of the National PC16550D datasheet).
 *
 * THR bytes become guest console lines (hv_guest_serial_out); the
 * transmitter is always empty (LSR THRE|TEMT), nothing ever arrives on the
 * line, and no interrupt is ever raised (IIR "none pending"), so IER only
 * reads back what was written.  The divisor latch (LCR.DLAB), FCR, LCR,
 * MCR and SCR hold their values; MCR loopback sends THR to RBR and the
 * modem outputs to the MSR inputs, as the chip's self test expects.  One
 * UART per vCPU, as its output lines are per vCPU.
 */
#include "core.h"
#include "x86_arch.h"

/* modem status (MSR) inputs when not in loopback: CTS, DSR and DCD asserted (a cable) */
#define MODEM_STATUS_CABLE	0xb0

/* Loopback wires the modem outputs to the inputs: RTS->CTS, DTR->DSR,
 * OUT1->RI, OUT2->DCD (MCR bits 1, 0, 2, 3 to MSR bits 4, 5, 6, 7). */
static uint8_t
loop_msr(uint8_t mcr)
{
	return (uint8_t)(((mcr & 0x02) << 3) | ((mcr & 0x01) << 5) |
	    ((mcr & 0x04) << 4) | ((mcr & 0x08) << 4));
}

uint8_t
hv_uart_read(struct hv_vcpu *vcpu, unsigned reg)
{
	struct hv_uart *u = &vcpu->com1;
	bool dlab = (u->lcr & X86_UART_LCR_DLAB) != 0;

	switch (reg) {
	case X86_UART_DATA:
		if (dlab)
			return u->dll;
		u->lsr_dr = false;
		return u->rbr;
	case X86_UART_IER:
		return dlab ? u->dlm : u->ier;
	case X86_UART_IIR:
		return (uint8_t)(X86_UART_IIR_NONE |
		    ((u->fcr & X86_UART_FCR_ENABLE) ? X86_UART_IIR_FIFO : 0));
	case X86_UART_LCR:
		return u->lcr;
	case X86_UART_MCR:
		return u->mcr;
	case X86_UART_LSR:
		return (uint8_t)(X86_UART_LSR_THRE | X86_UART_LSR_TEMT |
		    (u->lsr_dr ? X86_UART_LSR_DR : 0));
	case X86_UART_MSR:
		return (u->mcr & X86_UART_MCR_LOOP) ? loop_msr(u->mcr) : MODEM_STATUS_CABLE;
	default:
		return u->scr;
	}
}

void
hv_uart_write(struct hv_vcpu *vcpu, unsigned reg, uint8_t val)
{
	struct hv_uart *u = &vcpu->com1;
	bool dlab = (u->lcr & X86_UART_LCR_DLAB) != 0;

	switch (reg) {
	case X86_UART_DATA:
		if (dlab)
			u->dll = val;
		else if (u->mcr & X86_UART_MCR_LOOP) {
			u->rbr = val;
			u->lsr_dr = true;
		} else
			hv_guest_serial_out(vcpu, val);
		break;
	case X86_UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case X86_UART_IIR:
		u->fcr = val & X86_UART_FCR_ENABLE;
		if (val & X86_UART_FCR_CLEAR_RX)
			u->lsr_dr = false;
		break;
	case X86_UART_LCR:
		u->lcr = val;
		break;
	case X86_UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case X86_UART_LSR:
	case X86_UART_MSR:
		break;		/* read-only (factory test writes do nothing) */
	default:
		u->scr = val;
		break;
	}
}
