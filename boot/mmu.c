/* mmu.c: identity-mapped page tables, caches on, on every core.
 *
 * One set of tables for all cores: 4 GiB of virtual addresses, equal to
 * physical, in 2 MiB blocks. RAM is Normal write-back cacheable,
 * inner-shareable (exclusive loads/stores, and so every atomic, need that on
 * real hardware); the board's MMIO windows are Device-nGnRE, never
 * executable; everything else is unmapped so a stray pointer faults.
 * (ARM ARM D8: VMSAv8-64 translation, 4 KiB granule, level 1 and 2 blocks.)
 */
#include "mmu.h"
#include "arch.h"
#include "board.h"

#define MAIR_DEVICE_nGnRE 0x04
#define MAIR_NORMAL_WB    0xff
#define ATTR_DEVICE 0           /* MAIR_EL1 index */
#define ATTR_NORMAL 1

#define DESC_TABLE   3ull
#define DESC_BLOCK   1ull
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF      (1ull << 10)
#define DESC_PXN     (1ull << 53)
#define DESC_UXN     (1ull << 54)

#define BLOCK (2ull << 20)

static uint64_t level1[512] __attribute__((aligned(4096)));
static uint64_t level2[4][512] __attribute__((aligned(4096)));

/* Highest RAM address the kernel maps, below the peripherals. */
static uint64_t ram_top(void) {
    return board->id == BOARD_PI4 ? 0xFC000000ull : board->peripheral_base;
}

static int is_device(uint64_t addr) {
    for (size_t i = 0; i < board->nwindows; i++) {
        uint64_t lo = board->windows[i].base & ~(BLOCK - 1);
        uint64_t hi = board->windows[i].base + board->windows[i].size;
        if (addr >= lo && addr < hi) return 1;
    }
    return 0;
}

void mmu_build_tables(void) {
    for (uint64_t gb = 0; gb < 4; gb++) {
        level1[gb] = (uint64_t)(uintptr_t)level2[gb] | DESC_TABLE;
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t pa = (gb << 30) + i * BLOCK;
            uint64_t d = 0;
            if (is_device(pa))
                d = pa | DESC_BLOCK | DESC_ATTR(ATTR_DEVICE) | DESC_AF | DESC_PXN | DESC_UXN;
            else if (pa + BLOCK <= ram_top())
                d = pa | DESC_BLOCK | DESC_ATTR(ATTR_NORMAL) | DESC_SH_INNER | DESC_AF;
            level2[gb][i] = d;
        }
    }
    dsb_sy();
}

/* Reads nothing from memory but the tables themselves, so a secondary core
 * may call it while its caches are still off. */
void mmu_enable(void) {
    sysreg_write(mair_el1, (MAIR_DEVICE_nGnRE << (8 * ATTR_DEVICE)) |
                           ((uint64_t)MAIR_NORMAL_WB << (8 * ATTR_NORMAL)));
    /* T0SZ=32 (4 GiB, walk starts at level 1), inner/outer WB-WA table walks,
     * inner-shareable, 4 KiB granule, TTBR1 walks disabled, IPS = 36 bits. */
    uint64_t tcr = 32ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (0ull << 14) |
                   (1ull << 23) | (1ull << 32);
    sysreg_write(tcr_el1, tcr);
    sysreg_write(ttbr0_el1, (uint64_t)(uintptr_t)level1);
    isb();
    __asm__ volatile("tlbi vmalle1\n dsb nsh" ::: "memory");
    isb();
    uint64_t sctlr = sysreg_read(sctlr_el1);
    sctlr |= (1ull << 0) | (1ull << 2) | (1ull << 12);   /* M, C, I */
    sysreg_write(sctlr_el1, sctlr);
    isb();
}
