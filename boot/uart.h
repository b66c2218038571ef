/* uart.h: polled PL011 output for the stub's console. */
#pragma once
void uart_init(void);
void uart_putc(char c);
#include <stdint.h>
/* A received byte, or -1 after `ms` ms of silence (polled; the stub's push). */
int uart_getc_timeout(unsigned ms);
