/* ram.h: how much RAM the ARM cores have, as the firmware says (ram.c). */
#pragma once
#include <stdint.h>

struct ram_info {
    uint64_t low_end;     /* end of the RAM range that starts at 0: what mmu.c maps */
    uint64_t total;       /* every range the device tree lists (the kernel's sys.memoryBytes) */
    const char *source;   /* "device tree" or "mailbox" */
};
extern struct ram_info ram;

/* Fills `ram` from the device tree (fdt_read first), else from the
 * firmware's mailbox (ARM memory); never from an assumed size. NULL, or why
 * neither said (then ram.low_end is only what the kernel itself occupies,
 * enough to print the error). */
const char *ram_detect(void);

/* NULL when the kernel (everything up to kernel_end: __ram_end) fits in the
 * RAM ram_detect found; else the error boot_primary prints before it stops. */
const char *ram_fits(uint64_t kernel_end);

/* The end of what mmu.c maps as Normal memory: the RAM, in whole 2 MiB
 * blocks, never into the peripherals (from `peripherals` up), and at least
 * up to kernel_end, so the kernel can still run far enough to print why it
 * stops when the RAM is too small. Nothing above it is mapped as RAM. */
#define RAM_BLOCK (2ull << 20)
uint64_t ram_map_end(uint64_t peripherals, uint64_t kernel_end);
