/* board.h: what a board is made of, as far as the stub is concerned.
 * One table entry per supported board in board.c; detected at boot. */
#pragma once
#include <stdint.h>
#include <stddef.h>

enum board_id { BOARD_UNKNOWN = 0, BOARD_PI3 = 1, BOARD_PI4 = 2 };

struct mmio_window { uint64_t base, size; };

struct board {
    enum board_id id;
    const char *name;           /* "Raspberry Pi 3" */
    const char *soc;            /* "BCM2837" */
    uint64_t peripheral_base;   /* ARM view of the SoC's peripherals */
    const struct mmio_window *windows;   /* what the kernel may touch through mmio */
    size_t nwindows;
};

extern const struct board *board;

const struct board *board_detect(void);
int mmio_allowed(uint64_t addr, uint64_t len);
