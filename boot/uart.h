/* uart.h: polled PL011 output for the stub's console. */
#pragma once
void uart_init(void);
void uart_putc(char c);
