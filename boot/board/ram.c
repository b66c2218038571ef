/* ram.c: the RAM the ARM cores have. The firmware splits the board's RAM
 * between the VideoCore (gpu_mem) and the ARM, so no board's RAM is a
 * constant: a 512 MB Pi 3 A+ gives the ARM about 450 MiB, a 1 GB Pi 3 B
 * about 950 MiB, a Pi 4 has 1, 2, 4 or 8 GB. The device tree the firmware
 * passes (x0) lists it in /memory (it rewrites the node's reg: Raspberry Pi
 * documentation, "Device Trees, overlays and parameters", part 1 "DTBs,
 * overlays and config.txt"); without one (QEMU's plain -kernel boot), the
 * mailbox's "Get ARM memory" tag (0x00010005) gives the range from 0. */
#include "ram.h"
#include "fdt.h"
#include "mailbox.h"
#include <stdio.h>

struct ram_info ram;
extern char __ram_end[];

const char *ram_detect(void) {
    if (dt.found && dt.low_memory_end) {
        ram.low_end = dt.low_memory_end;
        ram.total = dt.memory_bytes;
        ram.source = "device tree";
        return 0;
    }
    uint64_t base, size;
    if (mailbox_arm_memory(&base, &size) && base == 0) {
        ram.low_end = size;
        ram.total = size;
        ram.source = "mailbox";
        return 0;
    }
    ram.low_end = (uint64_t)(uintptr_t)__ram_end;
    ram.total = 0;
    ram.source = "nothing";
    return dt.found ? "the device tree lists no RAM from address 0, and the firmware's mailbox did not say either"
                    : "no device tree, and the firmware's mailbox did not answer how much RAM the ARM has";
}

const char *ram_fits(uint64_t kernel_end) {
    static char why[320];
    if (kernel_end <= ram.low_end) return 0;
    snprintf(why, sizeof why, "the kernel needs RAM up to 0x%llx (image, C stacks, the wasm3 heap and KERNEL_MEMORY_MB "
             "of kernel memory) but the %s gives the ARM only %llu MiB: build with a smaller KERNEL_MEMORY_MB, "
             "or give the GPU less (gpu_mem in config.txt)",
             (unsigned long long)kernel_end, ram.source, (unsigned long long)(ram.low_end >> 20));
    return why;
}

uint64_t ram_map_end(uint64_t peripherals, uint64_t kernel_end) {
    uint64_t end = ram.low_end & ~(RAM_BLOCK - 1);
    uint64_t need = (kernel_end + RAM_BLOCK - 1) & ~(RAM_BLOCK - 1);
    if (end < need) end = need;
    return end < peripherals ? end : peripherals;
}
