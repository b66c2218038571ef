/* uart.c: the PL011 (UART0) as a polled early console.
 *
 * Registers per the BCM2835 ARM Peripherals, section 13 (the BCM2711 has the
 * same block at the same offset). The firmware configures UART0 when
 * config.txt says enable_uart=1 (with dtoverlay=disable-bt it is on GPIO
 * 14/15); we program it again for 115200 8N1 from the firmware's default
 * UART clock of 48 MHz so that the console also works when it did not.
 * The interrupt-driven driver in AssemblyScript asks the mailbox for the
 * real clock.
 */
#include "uart.h"
#include "arch.h"
#include "board.h"
#include <stdint.h>

#define GPIO_BASE   0x200000
#define GPFSEL1     0x04
#define UART0_BASE  0x201000
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

static volatile uint32_t *reg(uint64_t off) {
    return (volatile uint32_t *)(uintptr_t)(board->peripheral_base + off);
}

void uart_init(void) {
    /* GPIO 14/15 to ALT0 (TXD0/RXD0): GPFSEL1 bits 12-14 and 15-17 = 0b100. */
    uint32_t sel = *reg(GPIO_BASE + GPFSEL1);
    sel &= ~((7u << 12) | (7u << 15));
    sel |= (4u << 12) | (4u << 15);
    *reg(GPIO_BASE + GPFSEL1) = sel;

    *reg(UART0_BASE + UART_CR) = 0;
    while (*reg(UART0_BASE + UART_FR) & UART_FR_BUSY) {}
    *reg(UART0_BASE + UART_ICR) = 0x7ff;
    /* 48 MHz / (16 * 115200) = 26.0416: IBRD 26, FBRD round(0.0416 * 64) = 3. */
    *reg(UART0_BASE + UART_IBRD) = 26;
    *reg(UART0_BASE + UART_FBRD) = 3;
    *reg(UART0_BASE + UART_LCRH) = UART_LCRH_WLEN8 | UART_LCRH_FEN;
    *reg(UART0_BASE + UART_CR) = UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE;
}

/* Core 0's instruction count when the first byte went out (make bench). */
uint64_t first_uart_byte_instructions;

void uart_putc(char c) {
    if (!first_uart_byte_instructions) first_uart_byte_instructions = instructions_now();
    while (*reg(UART0_BASE + UART_FR) & UART_FR_TXFF) {}
    *reg(UART0_BASE + UART_DR) = (uint8_t)c;
}
