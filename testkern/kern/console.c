/*
 * console.c - COM1 (16550 UART at 0x3f8).  Output is polled; input bytes are
 * moved into a ring buffer by console_poll_rx(), called from the BSP's timer
 * tick and by readers, so a line typed while a test runs is kept.
 */
#include "console.h"
#include "cpu.h"
#include "spinlock.h"
#include "x86_arch.h"

static spinlock_t con_lock = SPINLOCK_INIT;
static volatile int con_owner = -1;	/* CPU id holding con_lock */
static int con_depth;

static spinlock_t rx_lock = SPINLOCK_INIT;
static char rx_buf[1024];
static unsigned rx_head, rx_tail;

void
console_init(void)
{
	outb(X86_COM1_PORT + X86_UART_IER, 0);	/* no UART interrupts: we poll */
	outb(X86_COM1_PORT + X86_UART_LCR, X86_UART_LCR_DLAB);	/* DLAB to set the divisor */
	outb(X86_COM1_PORT + 0, 1);		/* 115200 baud */
	outb(X86_COM1_PORT + 1, 0);
	outb(X86_COM1_PORT + X86_UART_LCR, 0x03);	/* 8N1 */
	outb(X86_COM1_PORT + X86_UART_FCR, 0x07);	/* enable and clear FIFOs */
	outb(X86_COM1_PORT + X86_UART_MCR, 0x03);	/* DTR, RTS */
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
	while (!(inb(X86_COM1_PORT + X86_UART_LSR) & X86_UART_LSR_THRE))
		cpu_pause();
	outb(X86_COM1_PORT + X86_UART_DATA, (uint8_t)c);
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
	while (inb(X86_COM1_PORT + X86_UART_LSR) & X86_UART_LSR_DR) {
		char c = (char)inb(X86_COM1_PORT + X86_UART_DATA);
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
		if (inb(X86_COM1_PORT + X86_UART_LSR) & X86_UART_LSR_TEMT)
			return;
}
