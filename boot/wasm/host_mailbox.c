/* host_mailbox.c: host module "mailbox": the VideoCore property channel.
 *
 * The kernel builds a property message in its linear memory and calls
 * mailbox.call(buffer). The VideoCore reads and writes the buffer by DMA,
 * which does not see the ARM's data cache, so the buffer is cleaned out of
 * the cache before the request and invalidated after the answer (DC CIVAC). Its bus
 * address is the physical address of the linear memory (the .shared
 * region, under 1 GiB) plus the buffer's offset, in the 0xC0000000 alias
 * (uncached, as the firmware expects on both boards). The exchange itself,
 * and the cache maintenance, is ../mailbox.c. */
#include "host.h"
#include "arch.h"
#include "board.h"
#include "mmu.h"
#include "mailbox.h"

#define MAX_MESSAGE   1024u

m3ApiRawFunction(h_mailbox_call) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, buffer);
    uint64_t memsize = WASM_WINDOW_BYTES;
    if (buffer & 15)
        m3ApiTrap(host_refuse("mailbox.call: buffer 0x%08x is not 16-byte aligned", buffer));
    if ((uint64_t)buffer + 12 > memsize)
        m3ApiTrap(host_refuse("mailbox.call: buffer 0x%08x is past the end of memory", buffer));
    uint32_t *msg = (uint32_t *)m3ApiOffsetToPtr(buffer);
    uint32_t size = msg[0];
    if (size < 12 || size > MAX_MESSAGE || (uint64_t)buffer + size > memsize)
        m3ApiTrap(host_refuse("mailbox.call: the message at 0x%08x says it is %u bytes (12 to %u, inside memory)",
                              buffer, size, MAX_MESSAGE));
    uint32_t bus = (uint32_t)((uintptr_t)__shared_start + buffer) | 0xC0000000u;

    uint32_t result = (uint32_t)mailbox_call(msg, size, bus);
    if (result == 0) fb_snoop(msg, size);       /* a framebuffer the firmware allocated (host_fb.c) */
    m3ApiReturn(result);
}
