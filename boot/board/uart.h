/* uart.h: polled PL011 output for the stub's console. */
#pragma once
void uart_init(void);
void uart_putc(char c);
#include <stdint.h>
/* A received byte, or -1 after `ms` ms of silence (polled; the stub's push). */
int uart_getc_timeout(unsigned ms);
/* The push's faster rate (docs/push.md): `baud` from the 48 MHz UART
 * clock, once what was sent has gone out; 0 puts back the rate, line and
 * control settings the UART had before the first switch. */
void uart_set_baud(unsigned baud);
