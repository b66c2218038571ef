/* console.h: line-buffered console shared by the four cores.
 *
 * Each core collects its output in its own line buffer; a whole line goes to
 * the UART at once under a lock, so lines from different cores never mix.
 * Panic paths call console_flush() so a half-written line is not lost. */
#pragma once
#include <stddef.h>
#include <stdint.h>

void console_putc(char c);
void console_write(const char *s, size_t n);
void console_puts(const char *s);
void console_flush(void);
/* Writes a block of several lines in one go (crash dumps): no other core's
 * line can come between them. */
void console_write_whole(const char *s, size_t n);
/* Echoes what a user typed: at once, after this core's unfinished line;
 * while the echoed line is open, another core's line starts on a new row. */
/* From an interrupt: the line now, whole, unless the UART's lock is held
 * (perhaps by the code interrupted): then 0, and nothing is written. */
int console_try_write_whole(const char *s, size_t n);
void console_echo(const char *s, size_t n);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
