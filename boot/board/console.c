/* console.c: see console.h. */
#include "console.h"
#include "arch.h"
#include "uart.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX 256

static struct { char buf[LINE_MAX]; size_t len; } lines[MAX_CORES];
static spinlock_t uart_lock;

/* An echoed input line is open on the terminal (console_echo sent text
 * without its newline yet): another core's line starts on a row of its own. */
static int echo_open;

static void put(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') uart_putc('\r');
        uart_putc(s[i]);
    }
}

static void emit(const char *s, size_t n) {
    spin_lock(&uart_lock);
    if (echo_open) { put("\n", 1); echo_open = 0; }
    put(s, n);
    spin_unlock(&uart_lock);
}

int console_try_write_whole(const char *s, size_t n) {
    uint32_t owner = __atomic_load_n(&uart_lock.owner, __ATOMIC_ACQUIRE), next = owner;
    if (!__atomic_compare_exchange_n(&uart_lock.next, &next, owner + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 0;
    if (echo_open) { put("\n", 1); echo_open = 0; }
    put(s, n);
    spin_unlock(&uart_lock);
    return 1;
}

void console_echo(const char *s, size_t n) {
    if (!n) return;
    console_flush();              /* this core's unfinished line (a prompt) first */
    spin_lock(&uart_lock);
    put(s, n);
    echo_open = s[n - 1] != '\n';
    spin_unlock(&uart_lock);
}

void console_write_whole(const char *s, size_t n) {
    console_flush();
    emit(s, n);
}

/* Called with each line once it is out. Empty here; the boot-figure image
 * (bench/boot_figure.c) watches for `cores online:`. */
__attribute__((weak)) void console_line_hook(const char *line, size_t len) { (void)line; (void)len; }

void console_flush(void) {
    unsigned c = core_id();
    size_t n = lines[c].len;
    if (n) emit(lines[c].buf, n);
    lines[c].len = 0;
    if (n) console_line_hook(lines[c].buf, n);   /* (the hook may print: it reads the line first) */
}

void console_putc(char ch) {
    unsigned c = core_id();
    lines[c].buf[lines[c].len++] = ch;
    if (ch == '\n' || lines[c].len == LINE_MAX) console_flush();
}

void console_write(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) console_putc(s[i]);
}

void console_puts(const char *s) { console_write(s, strlen(s)); }

void kprintf(const char *fmt, ...) {
    char buf[LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    if (n > 0) console_write(buf, (size_t)n);
}
