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
