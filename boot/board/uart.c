/* uart.c: the PL011 (UART0) as a polled early console.
 *
 * Registers per the BCM2835 ARM Peripherals, section 13 (the BCM2711 has the
 * same block at the same offset), and the PrimeCell UART (PL011) TRM r1p5.
 * We route GPIO 14/15 to the PL011 ourselves (ALT0), take it back from
 * Bluetooth (GPIO 30-33), and program 115200 8N1
 * from a UART clock of 48 MHz: config.txt sets init_uart_clock=48000000 so
 * that is what the firmware gives the UART on every board (docs/hardware.md).
 * The interrupt-driven driver in AssemblyScript asks the mailbox for the
 * real clock and programs the divisors again.
 */
#include "uart.h"
#include "arch.h"
#include "board.h"
#include "regs.h"
#include <stdint.h>

#define GPIO_BASE   BLOCK_GPIO      /* offsets from the peripheral base: boards.h, from tools/boards/spec.ts */
#define GPFSEL1     0x04
#define GPFSEL3     0x0c
#define GPIO_ALT3   7u
#define UART0_BASE  BLOCK_UART0
#define UART_DR     0x00
#define UART_FR     0x18
#define UART_FR_TXFF (1u << 5)
#define UART_FR_BUSY (1u << 3)
#define UART_IBRD   0x24
#define UART_FBRD   0x28
#define UART_LCRH   0x2c
#define UART_LCRH_WLEN8 (3u << 5)
#define UART_LCRH_FEN   (1u << 4)
#define UART_CR     0x30
#define UART_CR_UARTEN (1u << 0)
#define UART_CR_TXE    (1u << 8)
#define UART_CR_RXE    (1u << 9)
#define UART_ICR    0x44
#define UART_CLOCK_HZ 48000000u   /* init_uart_clock in config.txt (docs/hardware.md) */

/* How long we let the TX FIFO drain before we re-program the UART: 16
 * bytes at 9600 baud take 17 ms, at 115200 1.4 ms. A UART whose
 * transmitter is off never drains; we give up on it and flush. */
#define DRAIN_MS 50

static uint64_t uart(uint64_t off) { return board->peripheral_base + UART0_BASE + off; }

/* Waits until FR.BUSY clears or `ms` milliseconds pass; 1 if it cleared. */
static int wait_not_busy(unsigned ms) {
    uint64_t deadline = counter_now() + counter_freq() * ms / 1000;
    while (reg_read(uart(UART_FR)) & UART_FR_BUSY)
        if (counter_now() >= deadline) return 0;
    return 1;
}

/* The PL011 TRM's order (3.3.8, UARTCR): disable, let the character in
 * progress finish (bounded: a UART whose transmitter is off never clears
 * BUSY), flush the FIFOs (LCRH.FEN = 0), the divisors, then LCRH, whose
 * write latches them (3.3.7), and enable. */
static void program(uint32_t ibrd, uint32_t fbrd, uint32_t lcrh, uint32_t cr) {
    reg_write(uart(UART_CR), 0);
    wait_not_busy(2);
    reg_write(uart(UART_LCRH), 0);                      /* FEN = 0: flush */
    reg_write(uart(UART_IBRD), ibrd);
    reg_write(uart(UART_FBRD), fbrd);
    reg_write(uart(UART_LCRH), lcrh);                   /* latches the divisors */
    reg_write(uart(UART_CR), cr);
}

int uart_drained_before_init;   /* for the unit test and the self-test: 0 if the wait gave up */

void uart_init(void) {
    /* GPIO 14/15 to ALT0 (TXD0/RXD0): GPFSEL1 bits 12-14 and 15-17 = 0b100
     * (BCM2835 ARM Peripherals 6.2, table 6-31). */
    uint64_t gpfsel1 = board->peripheral_base + GPIO_BASE + GPFSEL1;
    uint32_t sel = reg_read(gpfsel1);
    sel &= ~((7u << 12) | (7u << 15));
    sel |= (4u << 12) | (4u << 15);
    reg_write(gpfsel1, sel);
    /* The firmware gives the PL011 to Bluetooth on the boards that have it
     * (Pi 3 B, 3 B+, Zero 2 W, Pi 4, 400, CM4 with wireless): GPIO 30-33 in
     * ALT3 are CTS0, RTS0, TXD0 and RXD0 (BCM2835 ARM Peripherals 6.2 table
     * 6-31; BCM2711 ARM Peripherals 5.3, the same assignment). With the
     * UART also on 14/15, two pins would feed RXD0; the datasheets do not
     * say which wins. So any of 30-33 still in ALT3 goes back to input:
     * Bluetooth loses its UART, which is what dtoverlay=disable-bt does
     * under Linux (we have no overlay to load: docs/hardware.md). */
    uint64_t gpfsel3 = board->peripheral_base + GPIO_BASE + GPFSEL3;
    uint32_t sel3 = reg_read(gpfsel3);
    for (unsigned pin = 30; pin <= 33; pin++) {
        unsigned shift = (pin - 30) * 3;
        if (((sel3 >> shift) & 7u) == GPIO_ALT3) sel3 &= ~(7u << shift);
    }
    reg_write(gpfsel3, sel3);

    /* The PL011 TRM's order (3.3.8, UARTCR): disable, wait for the end of
     * the current character, flush the FIFO with LCRH.FEN = 0, program,
     * enable. But FR.BUSY stays set while the TX FIFO holds data, and a
     * disabled UART finishes only the character in progress (TRM 3.3.3,
     * UARTFR), so with bytes still queued (the firmware's, or ours) BUSY
     * would never clear once the UART is off. So: first let the FIFO drain
     * while the UART is still on (bounded), then disable and wait for the
     * one character in progress (bounded too), then flush and program.
     * QEMU sends every byte at once and never shows this. */
    uart_drained_before_init = wait_not_busy(DRAIN_MS);
    reg_write(uart(UART_ICR), 0x7ff);
    /* 48 MHz / (16 * 115200) = 26.0416: IBRD 26, FBRD round(0.0416 * 64) = 3. */
    program(26, 3, UART_LCRH_WLEN8 | UART_LCRH_FEN, UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE);
}

/* The rate a kernel had when the push switched it (uart_set_baud). */
static struct { int saved; uint32_t ibrd, fbrd, lcrh, cr; } before_push;

void uart_set_baud(unsigned baud) {
    wait_not_busy(DRAIN_MS);               /* what was sent goes out at the rate it was sent at */
    if (!baud) {
        if (!before_push.saved) return;
        before_push.saved = 0;
        program(before_push.ibrd, before_push.fbrd, before_push.lcrh, before_push.cr);
        return;
    }
    if (!before_push.saved) {
        before_push.ibrd = reg_read(uart(UART_IBRD));
        before_push.fbrd = reg_read(uart(UART_FBRD));
        before_push.lcrh = reg_read(uart(UART_LCRH));
        before_push.cr = reg_read(uart(UART_CR));
        before_push.saved = 1;
    }
    /* BAUDDIV = UARTCLK / (16 * baud), IBRD its integer part and FBRD
     * round(64 * its fraction) (PL011 TRM 3.3.6 and 3.3.7): in 64ths,
     * UARTCLK * 4 / baud, rounded. 921600 from 48 MHz: 3 + 16/64 (0.16 %). */
    uint32_t d64 = (uint32_t)(((uint64_t)UART_CLOCK_HZ * 4 + baud / 2) / baud);
    program(d64 >> 6, d64 & 63, UART_LCRH_WLEN8 | UART_LCRH_FEN, UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE);
}

/* Core 0's instruction count when the first byte went out (make bench). */
uint64_t first_uart_byte_instructions;

void uart_putc(char c) {
    if (!first_uart_byte_instructions) first_uart_byte_instructions = instructions_now();
    while (reg_read(uart(UART_FR)) & UART_FR_TXFF) {}
    reg_write(uart(UART_DR), (uint8_t)c);
}

/* A received byte, or -1 after `ms` milliseconds with the RX FIFO empty
 * (FR.RXFE, PL011 TRM 3.3.3). Polled: only the stub uses it, while no
 * kernel runs (a push, docs/push.md). */
int uart_getc_timeout(unsigned ms) {
    uint64_t deadline = counter_now() + counter_freq() * ms / 1000;
    while (reg_read(uart(UART_FR)) & (1u << 4))
        if (counter_now() >= deadline) return -1;
    return (int)(reg_read(uart(UART_DR)) & 0xFF);
}
