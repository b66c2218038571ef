/* mmu.c: page tables and caches on every core, and the shared wasm window.
 *
 * Virtual layout (TCR_EL1.T0SZ = 25: 39-bit addresses, the walk starts at
 * level 1; 4 KiB granule; ARM ARM D8, VMSAv8-64 translation):
 *
 *   0x0_0000_0000 .. 0x0_FFFF_FFFF  identity map, 2 MiB blocks: RAM Normal
 *       write-back cacheable inner-shareable, the board's MMIO windows
 *       Device-nGnRE (never executable), the rest unmapped. One exception:
 *       the 2 MiB block of C stacks goes through a level-3 table that leaves
 *       the lowest 4 KiB page of each core's stack unmapped (a guard page).
 *   0x1_0000_0000 .. +2 MiB          per core: only the last 4 KiB page is
 *       mapped, to that core's private header page (see below).
 *   0x1_0020_0000 = WASM_WINDOW_VA  the shared linear memory, 2 MiB blocks of
 *       the .shared region, the same physical pages on every core.
 *
 * Why the per-core page: wasm3 keeps a 24-byte header (owning runtime,
 * value-stack limit, length) right before a runtime's linear memory and the
 * interpreter reads it on every call and stack check. Four runtimes cannot
 * share one header, so each core sees its own header at WASM_WINDOW_VA - 24
 * and the same data from WASM_WINDOW_VA up (docs/memory-model.md). The
 * tables differ per core only in level 1 (entry 4) and the window's level 2
 * and 3, so TTBR0 is per core.
 */
#include "mmu.h"
#include "arch.h"
#include "board.h"
#include "ram.h"

#define MAIR_DEVICE_nGnRE 0x04
#define MAIR_NORMAL_WB    0xff
#define MAIR_NORMAL_NC    0x44  /* Normal, inner and outer non-cacheable (ARM ARM D8.5, MAIR_EL1) */
#define ATTR_DEVICE 0           /* MAIR_EL1 index */
#define ATTR_NORMAL 1
#define ATTR_NORMAL_NC 2

#define DESC_TABLE    3ull      /* level 1-2: next-level table */
#define DESC_BLOCK    1ull      /* level 1-2: block */
#define DESC_PAGE     3ull      /* level 3: page */
#define DESC_ATTR(i)  ((uint64_t)(i) << 2)
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF       (1ull << 10)
#define DESC_PXN      (1ull << 53)
#define DESC_UXN      (1ull << 54)
#define NORMAL        (DESC_ATTR(ATTR_NORMAL) | DESC_SH_INNER | DESC_AF)
#define DEVICE        (DESC_ATTR(ATTR_DEVICE) | DESC_AF | DESC_PXN | DESC_UXN)
#define NONCACHED     (DESC_ATTR(ATTR_NORMAL_NC) | DESC_SH_INNER | DESC_AF | DESC_PXN | DESC_UXN)

#define PAGE  4096ull
#define BLOCK (2ull << 20)
#define WINDOW_L1_INDEX 4       /* VA 0x1_0000_0000 */

typedef uint64_t table_t[512] __attribute__((aligned(4096)));

/* Per core. Only entries 0-3 (the identity map) and WINDOW_L1_INDEX are
 * ever set: the AOT backend relies on nothing being mapped in the 8 GiB
 * after the window's memory (boot/aot/aot.c, its guard pages). */
static table_t level1[MAX_CORES];
_Static_assert(MAX_CORES == 4, "linker/kernel8.ld sizes the C stacks, exception stacks and TLS for 4 cores (4 * STACK_SIZE fills one 2 MiB block)");
_Static_assert(WINDOW_L1_INDEX + 9 < 512, "the 8 GiB after the window must be inside the 39-bit VA range, unmapped");
static table_t identity_l2[4];             /* shared: the low 4 GiB */
static table_t stacks_l3;                  /* shared: the C stacks with guard pages */
static table_t window_l2[MAX_CORES];       /* per core: header block + shared blocks */
static table_t window_l3[MAX_CORES];       /* per core: the header page */
static uint8_t header_pages[MAX_CORES][PAGE] __attribute__((aligned(4096)));

extern char __stacks_start[], __stacks_end[];
extern char __stack_size[];

extern char __ram_end[];

/* Highest RAM address the kernel maps as Normal memory (ram.c says how). */
static uint64_t ram_top(void) {
    return ram_map_end(board->ram_limit, (uint64_t)(uintptr_t)__ram_end);
}

static int is_device(uint64_t addr) {
    for (size_t i = 0; i < board->nwindows; i++) {
        uint64_t lo = board->windows[i].base & ~(BLOCK - 1);
        uint64_t hi = board->windows[i].base + board->windows[i].size;
        if (addr >= lo && addr < hi) return 1;
    }
    return 0;
}

static uint64_t pa(const void *p) { return (uint64_t)(uintptr_t)p; }

uint8_t *mmu_header_page(unsigned core) { return header_pages[core]; }

int mmu_stack_guard(uint64_t addr, unsigned *core) {
    uint64_t base = pa(__stacks_start), size = pa(__stack_size);
    if (addr < base || addr >= pa(__stacks_end)) return 0;
    if ((addr - base) % size >= PAGE) return 0;
    *core = (unsigned)((addr - base) / size);
    return 1;
}

void mmu_build_tables(void) {
    uint64_t stacks = pa(__stacks_start), stack_size = pa(__stack_size);

    for (uint64_t gb = 0; gb < 4; gb++) {
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t a = (gb << 30) + i * BLOCK, d = 0;
            if (a == stacks)
                d = pa(stacks_l3) | DESC_TABLE;
            else if (is_device(a))
                d = a | DESC_BLOCK | DEVICE;
            else if (a + BLOCK <= ram_top())
                d = a | DESC_BLOCK | NORMAL;
            identity_l2[gb][i] = d;
        }
    }
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t a = stacks + i * PAGE;
        stacks_l3[i] = (i * PAGE) % stack_size < PAGE ? 0 : (a | DESC_PAGE | NORMAL);
    }

    uint64_t shared = pa(__shared_start), blocks = (pa(__shared_end) - shared) / BLOCK;
    for (unsigned c = 0; c < MAX_CORES; c++) {
        for (uint64_t gb = 0; gb < 4; gb++) level1[c][gb] = pa(identity_l2[gb]) | DESC_TABLE;
        level1[c][WINDOW_L1_INDEX] = pa(window_l2[c]) | DESC_TABLE;
        window_l2[c][0] = pa(window_l3[c]) | DESC_TABLE;
        for (uint64_t b = 0; b < blocks && b < 511; b++)
            window_l2[c][1 + b] = (shared + b * BLOCK) | DESC_BLOCK | NORMAL | DESC_PXN | DESC_UXN;
        window_l3[c][511] = pa(header_pages[c]) | DESC_PAGE | NORMAL | DESC_PXN | DESC_UXN;
    }
    dsb_sy();
}

int mmu_map_uncached(uint64_t base, uint64_t size) {
    if (size == 0 || base + size < base || base + size > (4ull << 30)) return -1;
    int cached = 0;
    for (uint64_t a = base & ~(BLOCK - 1); a < base + size; a += BLOCK) {
        if (is_device(a)) return -1;
        uint64_t *d = &identity_l2[a >> 30][(a >> 21) & 511];
        if (*d == 0) continue;
        if ((*d & (7ull << 2)) == DESC_ATTR(ATTR_NORMAL)) cached = 1;   /* RAM the kernel maps (or the stacks' table) */
    }
    /* Invalid -> valid needs no break-before-make and no TLB invalidation: a
     * translation fault is never cached in a TLB (ARM ARM D8.13). The DSB
     * makes the entries visible to every core's table walk (inner
     * shareable, and the walks are cacheable: TCR_EL1.IRGN0/ORGN0). */
    for (uint64_t a = base & ~(BLOCK - 1); a < base + size; a += BLOCK) {
        uint64_t *d = &identity_l2[a >> 30][(a >> 21) & 511];
        if (*d == 0) *d = a | DESC_BLOCK | NONCACHED;
    }
    __asm__ volatile("dsb ish\n isb" ::: "memory");
    return cached;
}

/* Reads nothing from memory but the tables themselves, so a secondary core
 * may call it while its caches are still off (core 0 built the tables before
 * it turned its own caches on, so they are in RAM). */
void mmu_enable(unsigned core) {
    sysreg_write(mair_el1, (MAIR_DEVICE_nGnRE << (8 * ATTR_DEVICE)) |
                           ((uint64_t)MAIR_NORMAL_WB << (8 * ATTR_NORMAL)) |
                           ((uint64_t)MAIR_NORMAL_NC << (8 * ATTR_NORMAL_NC)));
    /* T0SZ=25 (512 GiB, walk starts at level 1), inner/outer WB-WA table
     * walks, inner-shareable, 4 KiB granule, TTBR1 walks disabled (EPD1),
     * IPS = 36 bits. */
    uint64_t tcr = 25ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (0ull << 14) |
                   (1ull << 23) | (1ull << 32);
    sysreg_write(tcr_el1, tcr);
    sysreg_write(ttbr0_el1, pa(level1[core]));
    isb();
    __asm__ volatile("tlbi vmalle1\n dsb nsh" ::: "memory");
    isb();
    uint64_t sctlr = sysreg_read(sctlr_el1);
    sctlr |= (1ull << 0) | (1ull << 2) | (1ull << 12);   /* M, C, I */
    sysreg_write(sctlr_el1, sctlr);
    isb();
}
