/* board.h: what a board is made of, as far as the stub is concerned.
 * The table (board.c) and every address of a board come from the one
 * description, tools/boards/spec.ts, through build/gen/boards.h
 * (tools/boards/gen.ts); detected at boot. */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include "boards.h"

struct mmio_window { uint64_t base, size; };

struct board {
    enum board_id id;
    const char *name;           /* "Raspberry Pi 3" */
    const char *soc;            /* "BCM2837" */
    unsigned midr_part;         /* MIDR_EL1 bits 15:4 of its cores */
    uint64_t peripheral_base;   /* ARM view of the SoC's peripherals */
    uint64_t ram_limit;         /* RAM mapped as Normal memory ends here at the latest */
    enum irq_controller irq_controller;
    const struct mmio_window *windows;   /* what the kernel may touch through mmio (and mmu.c maps as Device) */
    size_t nwindows;
    /* The same windows as one range, [mmio_lo, mmio_lo + mmio_span): on
     * every board they follow each other (board.c), so the check of every
     * mmio access is one compare. */
    uint64_t mmio_lo, mmio_span;
    /* The PL011's data register: a kernel's reads of it are watched for a
     * push request (docs/push.md); next to the range, loaded with it. */
    uint64_t uart_dr;
};

extern const struct board *board;

const struct board *board_detect(void);
/* Whether [addr, addr + len) lies in the board's peripheral windows: one
 * unsigned compare (addr below mmio_lo wraps round to a huge offset). `len`
 * is an access's width (every caller passes a constant 4 or 8), far below
 * any board's span, so span - len cannot wrap. */
static inline int mmio_allowed(uint64_t addr, uint64_t len) {
    return addr - board->mmio_lo <= board->mmio_span - len;
}
/* The windows of each board follow each other and make its one range (0 if so; the board that fails, if not). */
const char *board_check_windows(void);
