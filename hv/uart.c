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

/* register offsets from the base port */
#define REG_DATA	0	/* RBR / THR, DLL with DLAB */
#define REG_IER		1	/* IER, DLM with DLAB */
#define REG_IIR		2	/* IIR read, FCR write */
#define REG_LCR		3
#define REG_MCR		4
#define REG_LSR		5
#define REG_MSR		6
#define REG_SCR		7

#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01	/* a byte waits in RBR */
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define IIR_NONE	0x01	/* no interrupt pending */
#define IIR_FIFO	0xc0	/* FIFOs enabled */
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
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
	bool dlab = (u->lcr & LCR_DLAB) != 0;

	switch (reg) {
	case REG_DATA:
		if (dlab)
			return u->dll;
		u->lsr_dr = false;
		return u->rbr;
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR:
		return (uint8_t)(IIR_NONE | ((u->fcr & FCR_ENABLE) ? IIR_FIFO : 0));
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return (uint8_t)(LSR_THRE | LSR_TEMT | (u->lsr_dr ? LSR_DR : 0));
	case REG_MSR:
		return (u->mcr & MCR_LOOP) ? loop_msr(u->mcr) : MODEM_STATUS_CABLE;
	default:
		return u->scr;
	}
}

void
hv_uart_write(struct hv_vcpu *vcpu, unsigned reg, uint8_t val)
{
	struct hv_uart *u = &vcpu->com1;
	bool dlab = (u->lcr & LCR_DLAB) != 0;

	switch (reg) {
	case REG_DATA:
		if (dlab)
			u->dll = val;
		else if (u->mcr & MCR_LOOP) {
			u->rbr = val;
			u->lsr_dr = true;
		} else
			hv_guest_serial_out(vcpu, val);
		break;
	case REG_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case REG_IIR:
		u->fcr = val & FCR_ENABLE;
		if (val & FCR_CLEAR_RX)
			u->lsr_dr = false;
		break;
	case REG_LCR:
		u->lcr = val;
		break;
	case REG_MCR:
		u->mcr = val & 0x1f;
		break;
	case REG_LSR:
	case REG_MSR:
		break;		/* read-only (factory test writes do nothing) */
	default:
		u->scr = val;
		break;
	}
}
