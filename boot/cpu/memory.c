/* memory.c: memset and memcpy for the stub and wasm3.
 *
 * picolibc's generic versions copy one byte per turn of a loop (four
 * instructions a byte). wasm3 zeroes every buffer it allocates (calloc),
 * including each runtime's 1 MiB of linear memory and its value stack, and
 * copies module data with memcpy: at four instructions a byte that was most
 * of the boot (464 million instructions to `cores online: 4` under QEMU;
 * 16 million with these). wasm3 also zeroes each call's locals with memset:
 * 8 or 16 bytes, which must stay cheap. These move 8 or 16 bytes per
 * access and zero whole cache lines with DC ZVA. They replace picolibc's
 * (the linker takes the first definition and never pulls libc's).
 *
 * Until the MMU is on (core 0's first steps: TLS, the device tree) data
 * accesses are Device memory, where unaligned accesses and DC ZVA fault:
 * then both go a byte at a time.
 *
 * Built with -fno-tree-loop-distribute-patterns so that gcc does not turn
 * the loops back into calls to memset and memcpy. */
#include <stddef.h>
#include <stdint.h>
#include "arch.h"

#pragma GCC optimize("no-tree-loop-distribute-patterns")

static size_t zva_line;   /* bytes DC ZVA zeroes; 0 until known, SIZE_MAX if prohibited */

static size_t zva_size(void) {
    if (!zva_line) {
        uint64_t id = sysreg_read(dczid_el0);
        zva_line = (id & 16) ? SIZE_MAX : (size_t)4 << (id & 15);
    }
    return zva_line;
}

static inline int mmu_on(void) { return sysreg_read(sctlr_el1) & 1; }

void *memset(void *dst, int c, size_t n) {
    uint8_t *p = dst;
    uint8_t byte = (uint8_t)c;
    if (n >= 8 && mmu_on()) {
        uint64_t w = byte * 0x0101010101010101ull;
        while ((uintptr_t)p & 7) { *p++ = byte; n--; }
        if (!byte && n >= 512) {
            size_t line = zva_size();
            if (line <= 256) {
                for (; (uintptr_t)p & (line - 1); p += 8, n -= 8) *(uint64_t *)p = 0;
#define ZVA_LINE() do { __asm__ volatile("dc zva, %0" :: "r"(p) : "memory"); p += line; } while (0)
                for (; n >= 8 * line; n -= 8 * line) {   /* 8 lines a turn, written out: 2 instructions a line */
                    ZVA_LINE(); ZVA_LINE(); ZVA_LINE(); ZVA_LINE(); ZVA_LINE(); ZVA_LINE(); ZVA_LINE(); ZVA_LINE();
                }
#undef ZVA_LINE
                for (; n >= line; p += line, n -= line) __asm__ volatile("dc zva, %0" :: "r"(p) : "memory");
            }
        }
        for (; n >= 16; p += 16, n -= 16) { ((uint64_t *)p)[0] = w; ((uint64_t *)p)[1] = w; }
        if (n >= 8) { *(uint64_t *)p = w; p += 8; n -= 8; }
    }
    while (n--) *p++ = byte;
    return dst;
}

/* 16 bytes from `s` to `d`, either unaligned: the stub is built with
 * -mstrict-align (for the steps before the MMU), so in assembly. */
static inline void copy16(uint8_t *d, const uint8_t *s) {
    uint64_t a, b;
    __asm__ volatile("ldp %0, %1, [%2]" : "=&r"(a), "=&r"(b) : "r"(s) : "memory");
    __asm__ volatile("stp %0, %1, [%2]" :: "r"(a), "r"(b), "r"(d) : "memory");
}

/* 8 and 4 bytes the same way. */
static inline void copy8(uint8_t *d, const uint8_t *s) {
    uint64_t a;
    __asm__ volatile("ldr %0, [%1]" : "=&r"(a) : "r"(s) : "memory");
    __asm__ volatile("str %0, [%1]" :: "r"(a), "r"(d) : "memory");
}
static inline void copy4(uint8_t *d, const uint8_t *s) {
    uint32_t a;
    __asm__ volatile("ldr %w0, [%1]" : "=&r"(a) : "r"(s) : "memory");
    __asm__ volatile("str %w0, [%1]" :: "r"(a), "r"(d) : "memory");
}

/* Small copies are the common ones: wasm3's op_Entry copies each function's
 * constants (a few words) into its frame on every call. 4 to 15 bytes take
 * two accesses that may overlap (head and tail), not a loop. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (n >= 4 && mmu_on()) {   /* SCTLR_EL1.A is 0: unaligned accesses to normal memory are allowed */
        if (n < 8) { copy4(d, s); copy4(d + n - 4, s + n - 4); return dst; }
        if (n < 16) { copy8(d, s); copy8(d + n - 8, s + n - 8); return dst; }
        for (; n >= 16; d += 16, s += 16, n -= 16) copy16(d, s);
        if (n >= 8) { copy8(d, s); d += 8; s += 8; n -= 8; }
    }
    while (n--) *d++ = *s++;
    return dst;
}

/* memmove: wasm3's memory.copy (AssemblyScript's array and string copies,
 * a canvas's rows) lands here. picolibc's copies a byte per turn; this one
 * moves 16 bytes per access in the direction that reads each byte before
 * it is overwritten: forward when the destination is below the source,
 * backward when above (each 16-byte step loads before it stores). */
void *memmove(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d == s || n == 0) return dst;
    if ((uintptr_t)d + n <= (uintptr_t)s || (uintptr_t)s + n <= (uintptr_t)d) return memcpy(dst, src, n);
    if (d < s) {
        if (mmu_on()) for (; n >= 16; d += 16, s += 16, n -= 16) copy16(d, s);
        while (n--) *d++ = *s++;
    } else {
        d += n; s += n;
        if (mmu_on()) for (; n >= 16; n -= 16) { d -= 16; s -= 16; copy16(d, s); }
        while (n--) *--d = *--s;
    }
    return dst;
}
