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
