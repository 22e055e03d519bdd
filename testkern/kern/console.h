/* console.h - COM1 16550 console: locked polled output, buffered input. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "kern.h"

void	 console_init(void);
/*
 * The console lock keeps lines from different CPUs apart: kprintf holds it
 * for a whole call; code printing several lines as one block (dumps) takes
 * it around them.  It nests on one CPU (a fault while printing still prints).
 */
uint64_t console_lock(void);
void	 console_unlock(uint64_t flags);
void	 console_putc(char c);		/* caller holds the console lock */
void	 console_poll_rx(void);		/* move received bytes into the buffer */
int	 console_getc(void);		/* next input byte or -1 */
void	 console_drain(void);		/* wait until the UART has sent everything */

#endif
