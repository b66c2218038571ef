/* board.c: the boards we support and how we tell them apart.
 *
 * One kernel8.img runs on both. The core's MIDR part number says which SoC
 * we are on: Cortex-A53 (0xD03) is the BCM2837 of the Pi 3 family,
 * Cortex-A72 (0xD08) the BCM2711 of the Pi 4. The table is generated from
 * tools/boards/spec.ts (build/gen/boards.h); docs/boards.md says how to add
 * a board.
 */
#include "board.h"
#include "arch.h"

/* Each board's MMIO windows (SoC peripherals, then the local interrupt
 * controller or the ARM local block and GIC-400) and, with its range, the
 * PL011's data register: a kernel's reads of it are watched for a push
 * request (docs/push.md). */
BOARD_TABLE

const struct board *board;

const struct board *board_detect(void) {
    unsigned part = (sysreg_read(midr_el1) >> 4) & 0xfff;
    for (size_t b = 0; b < sizeof boards / sizeof boards[0]; b++)
        if (boards[b].midr_part == part) return &boards[b];
    return 0;
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
