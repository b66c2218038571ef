/* fdt.c: a small reader for the flattened device tree (Devicetree
 * Specification v0.4, chapter 5: header, structure block of big-endian
 * tokens, strings block). The firmware passes the tree's address in x0; QEMU
 * does too when it is given -dtb. We take the board's model and RAM from it;
 * without one (QEMU's raw -kernel boot), the board comes from MIDR and RAM is
 * the family's smallest. */
#include "fdt.h"
#include <string.h>

struct dt_info dt;

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAX_TREE       (1u << 20)

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t cells(const uint8_t *p, uint32_t n) {
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++) v = v << 32 | be32(p + 4 * i);
    return v;
}

const char *fdt_read(uint64_t addr) {
    memset(&dt, 0, sizeof dt);
    if (!addr) return "no device tree (x0 = 0)";
    if (addr & 7 || addr >= 0x100000000ull) return "no device tree (x0 is not a tree's address)";
    const uint8_t *t = (const uint8_t *)(uintptr_t)addr;
    if (be32(t) != FDT_MAGIC) return "no device tree (bad magic)";
    uint32_t total = be32(t + 4), off_struct = be32(t + 8), off_strings = be32(t + 12);
    uint32_t version = be32(t + 20), size_strings = be32(t + 32), size_struct = be32(t + 36);
    if (total > MAX_TREE || version < 17 || off_struct + size_struct > total || off_strings + size_strings > total)
        return "device tree header out of range";

    const uint8_t *p = t + off_struct, *end = p + size_struct;
    const char *strings = (const char *)t + off_strings;
    int depth = 0, in_memory = 0, in_chosen = 0;
    uint32_t addr_cells = 2, size_cells = 1;   /* the spec's defaults */
    while (p + 4 <= end) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            size_t len = strnlen(name, (size_t)(end - p));
            depth++;
            if (depth == 2) {
                in_memory = strncmp(name, "memory", 6) == 0 && (name[6] == 0 || name[6] == '@');
                in_chosen = strcmp(name, "chosen") == 0;
            }
            p += (len + 4) & ~3u;
        } else if (tok == FDT_END_NODE) {
            if (depth == 2) in_memory = in_chosen = 0;
            depth--;
        } else if (tok == FDT_PROP) {
            if (p + 8 > end) break;
            uint32_t len = be32(p), nameoff = be32(p + 4);
            const uint8_t *val = p + 8;
            if (val + len > end || nameoff >= size_strings) break;
            const char *name = strings + nameoff;
            if (depth == 1 && !strcmp(name, "model") && len) {
                size_t n = len < sizeof dt.model ? len : sizeof dt.model - 1;
                memcpy(dt.model, val, n);
                dt.model[n] = 0;
            } else if (in_chosen && depth == 2 && !strcmp(name, "bootargs") && len) {
                /* The firmware writes its own options and then cmdline.txt
                 * here (Raspberry Pi documentation, "The kernel command
                 * line"); QEMU writes -append. A string, NUL-terminated. */
                size_t n = len < sizeof dt.bootargs ? len : sizeof dt.bootargs - 1;
                memcpy(dt.bootargs, val, n);
                dt.bootargs[n] = 0;
            } else if (depth == 1 && !strcmp(name, "#address-cells") && len == 4) {
                addr_cells = be32(val);
            } else if (depth == 1 && !strcmp(name, "#size-cells") && len == 4) {
                size_cells = be32(val);
            } else if (in_memory && !strcmp(name, "reg") && addr_cells <= 2 && size_cells <= 2 && addr_cells + size_cells) {
                uint32_t step = 4 * (addr_cells + size_cells);
                for (uint32_t i = 0; i + step <= len; i += step) {
                    uint64_t base = cells(val + i, addr_cells), size = cells(val + i + 4 * addr_cells, size_cells);
                    dt.memory_bytes += size;
                    if (base == 0) dt.low_memory_end = size;
                }
            }
            p = val + ((len + 3) & ~3u);
        } else if (tok == FDT_NOP) {
            continue;
        } else {
            break;   /* FDT_END, or garbage */
        }
    }
    dt.found = 1;
    return 0;
}
