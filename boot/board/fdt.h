/* fdt.h: what the stub reads from the device tree the firmware passes. */
#pragma once
#include <stdint.h>

struct dt_info {
    int found;                /* a valid flattened device tree was passed */
    char model[64];           /* /model, e.g. "Raspberry Pi 4 Model B" */
    uint64_t memory_bytes;    /* sum of every /memory reg range */
    uint64_t low_memory_end;  /* end of the range that starts at 0 (RAM the MMU maps) */
    char bootargs[1024];       /* /chosen/bootargs: the firmware's options, then cmdline.txt */
};

extern struct dt_info dt;

/* Reads the tree at `addr` (x0 at entry) into `dt`. Returns NULL, or why the
 * tree was not used ("no device tree", "bad magic", ...). Reads memory only
 * inside the tree's own totalsize, and only if the header makes sense. */
const char *fdt_read(uint64_t addr);
