/*
 * uart.h - the guest's COM1, a 16550 for polled output (hv/uart.c): its
 * registers, their reads and writes by the port I/O rule of hv/exit.c,
 * and the console lines its transmitter assembles.
 */
#ifndef HV_UART_H
#define HV_UART_H

#include <stdbool.h>
#include <stdint.h>

struct hv_vcpu;

/* The guest's COM1 16550 registers. */
struct hv_uart {
	uint8_t		 ier, lcr, mcr, scr, fcr;
	uint8_t		 dll, dlm;	/* divisor latch */
	uint8_t		 rbr;		/* loopback byte */
	bool		 lsr_dr;	/* RBR holds it */
};

/* Guest COM1 output byte (THR): assembled into console lines. */
void	 hv_guest_serial_out(struct hv_vcpu *vcpu, uint8_t byte);
/* COM1 register reg (0..7) of the vCPU's UART. */
uint8_t	 hv_uart_read(struct hv_vcpu *vcpu, unsigned reg);
void	 hv_uart_write(struct hv_vcpu *vcpu, unsigned reg, uint8_t val);

#endif /* HV_UART_H */
