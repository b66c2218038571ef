/* mmu.h: page tables and caches (see mmu.c for the layout). */
#pragma once
#include <stdint.h>

/* Virtual address of the shared wasm linear memory (byte 0 of the kernel's
 * memory), the same on every core; the 4 KiB page below it is per core and
 * holds that core's wasm3 memory header. */
#define WASM_WINDOW_VA 0x100200000ull

extern char __shared_start[], __shared_end[];    /* its physical pages (linker) */

void mmu_build_tables(void);     /* core 0, once, before mmu_enable anywhere */
void mmu_enable(unsigned core);  /* every core, first thing */

/* The physical (identity-mapped) address of core c's private header page. */
uint8_t *mmu_header_page(unsigned core);

/* Non-zero if addr lies in the guard page under a core's C stack; *core is set. */
int mmu_stack_guard(uint64_t addr, unsigned *core);

/* Maps the physical range [base, base+size) below 4 GiB into every core's
 * identity map as Normal non-cacheable memory, in 2 MiB blocks, where it is
 * not mapped yet (the framebuffer, in the VideoCore's part of RAM). Returns
 * 0 when all of it is non-cacheable now, 1 when part of it was already
 * mapped as the kernel's cacheable RAM (a writer must then clean the data
 * cache after writing), -1 when it touches an MMIO window or passes 4 GiB
 * (nothing is mapped). */
int mmu_map_uncached(uint64_t base, uint64_t size);
