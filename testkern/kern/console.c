/*
 * console.c - COM1 (16550 UART at 0x3f8).  Output is polled; input bytes are
 * moved into a ring buffer by console_poll_rx(), called from the BSP's timer
 * tick and by readers, so a line typed while a test runs is kept.
 */
#include "console.h"
#include "cpu.h"
#include "spinlock.h"

#define COM1		0x3f8
#define UART_THR	0	/* transmit holding */
#define UART_RBR	0	/* receive buffer */
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter completely empty */

static spinlock_t con_lock = SPINLOCK_INIT;
static volatile int con_owner = -1;	/* CPU id holding con_lock */
static int con_depth;

static spinlock_t rx_lock = SPINLOCK_INIT;
static char rx_buf[1024];
static unsigned rx_head, rx_tail;

void
console_init(void)
{
	outb(COM1 + UART_IER, 0);	/* no UART interrupts: we poll */
	outb(COM1 + UART_LCR, 0x80);	/* DLAB to set the divisor */
	outb(COM1 + 0, 1);		/* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0x07);	/* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

uint64_t
console_lock(void)
{
	uint64_t f = irq_save();
	int me = this_cpu()->id;	/* GS base is set before the first print */
	if (con_owner == me) {
		con_depth++;
		return f;
	}
	/* a panicking CPU must still be heard: give up waiting after a while */
	for (unsigned long spins = 0; !spin_trylock_raw(&con_lock); spins++) {
		if (panicking && spins > 50000000UL)
			break;
		cpu_pause();
	}
	con_owner = me;
	con_depth = 1;
	return f;
}

void
console_unlock(uint64_t flags)
{
	if (--con_depth == 0) {
		con_owner = -1;
		spin_unlock_raw(&con_lock);
	}
	irq_restore(flags);
}

static void
uart_put(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		cpu_pause();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void
console_putc(char c)
{
	if (c == '\n')
		uart_put('\r');
	uart_put(c);
}

void
console_poll_rx(void)
{
	uint64_t f = spin_lock(&rx_lock);
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		char c = (char)inb(COM1 + UART_RBR);
		if (rx_head - rx_tail < sizeof(rx_buf))
			rx_buf[rx_head++ % sizeof(rx_buf)] = c;
	}
	spin_unlock(&rx_lock, f);
}

int
console_getc(void)
{
	int c = -1;
	console_poll_rx();
	uint64_t f = spin_lock(&rx_lock);
	if (rx_tail != rx_head)
		c = (unsigned char)rx_buf[rx_tail++ % sizeof(rx_buf)];
	spin_unlock(&rx_lock, f);
	return c;
}

void
console_drain(void)
{
	/* LSR bit 6: holding register and shift register both empty */
	for (unsigned long i = 0; i < 100000000UL; i++)
		if (inb(COM1 + UART_LSR) & LSR_TEMT)
			return;
}
