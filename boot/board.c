/* board.c: the boards we support and how we tell them apart.
 *
 * One kernel8.img runs on both. The core's MIDR part number says which SoC
 * we are on: Cortex-A53 (0xD03) is the BCM2837 of the Pi 3 family,
 * Cortex-A72 (0xD08) the BCM2711 of the Pi 4. To add a board: add a table
 * entry here, a board file in assembly/board/, and a line in BOARDS in the
 * Makefile (docs/boards.md walks through it).
 */
#include "board.h"
#include "arch.h"

/* Pi 3: SoC peripherals, then the BCM2836 per-core local controller. */
static const struct mmio_window pi3_windows[] = {
    { 0x3F000000, 0x01000000 },
    { 0x40000000, 0x00040000 },
};
/* Pi 4 in low-peripheral mode: SoC peripherals, ARM local block and GIC-400. */
static const struct mmio_window pi4_windows[] = {
    { 0xFE000000, 0x01800000 },
    { 0xFF800000, 0x00050000 },
};

/* The last field, the PL011's data register (UART0 at bus 0x7E201000:
 * BCM2835 ARM Peripherals section 13.4, BCM2711 ARM Peripherals section
 * 11.5), each at its board's peripheral base. */
static const struct board boards[] = {
    { BOARD_PI3, "Raspberry Pi 3", "BCM2837", 0x3F000000,
      pi3_windows, sizeof pi3_windows / sizeof pi3_windows[0], 0x3F000000, 0x01040000, 0x3F201000 },
    { BOARD_PI4, "Raspberry Pi 4", "BCM2711", 0xFE000000,
      pi4_windows, sizeof pi4_windows / sizeof pi4_windows[0], 0xFE000000, 0x01850000, 0xFE201000 },
};

const struct board *board;

const struct board *board_detect(void) {
    unsigned part = (sysreg_read(midr_el1) >> 4) & 0xfff;
    switch (part) {
    case 0xD03: return &boards[0];
    case 0xD08: return &boards[1];
    default: return 0;
    }
}

const char *board_check_windows(void) {
    for (size_t b = 0; b < sizeof boards / sizeof boards[0]; b++) {
        const struct board *x = &boards[b];
        uint64_t at = x->mmio_lo;
        for (size_t i = 0; i < x->nwindows; i++) {
            if (x->windows[i].base != at) return x->name;
            at += x->windows[i].size;
        }
        if (at != x->mmio_lo + x->mmio_span) return x->name;
    }
    return 0;
}
