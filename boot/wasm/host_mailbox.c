/* host_mailbox.c: host module "mailbox": the VideoCore property channel.
 *
 * The kernel builds a property message in its linear memory and calls
 * mailbox.call(buffer). The VideoCore reads and writes the buffer by DMA,
 * which does not see the ARM's data cache, so the buffer is cleaned out of
 * the cache before the request and invalidated after the answer (DC CIVAC). Its bus
 * address is the physical address of the linear memory (the .shared
 * region, under 1 GiB) plus the buffer's offset, in the 0xC0000000 alias
 * (uncached, as the firmware expects on both boards).
 *
 * Registers (BCM2835 mailbox, peripheral base + 0xB880): mailbox 0 is
 * VideoCore -> ARM (read 0x00, status 0x18), mailbox 1 is ARM -> VideoCore
 * (write 0x20, status 0x38); status bit 31 full, bit 30 empty; the low 4 bits
 * of a message are the channel (8: properties, ARM to VC). */
#include "host.h"
#include "../arch.h"
#include "../board.h"
#include "../mmu.h"

#define MBOX0_READ    0x00
#define MBOX0_STATUS  0x18
#define MBOX1_WRITE   0x20
#define MBOX1_STATUS  0x38
#define MBOX_FULL     (1u << 31)
#define MBOX_EMPTY    (1u << 30)
#define CHANNEL_PROPERTY 8u
#define MAX_MESSAGE   1024u

static inline volatile uint32_t *mbox(uint32_t off) {
    return (volatile uint32_t *)(uintptr_t)(board->peripheral_base + 0xB880 + off);
}

static size_t line_size(void) { return 4u << ((sysreg_read(ctr_el0) >> 16) & 15); }

static void clean_invalidate(uintptr_t p, size_t n) {
    size_t line = line_size();
    for (uintptr_t a = p & ~(line - 1); a < p + n; a += line) __asm__ volatile("dc civac, %0" :: "r"(a) : "memory");
    dsb_sy();
}

/* The one message in flight: the mailbox is one device for four cores. */
static spinlock_t lock;

m3ApiRawFunction(h_mailbox_call) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, buffer);
    uint64_t memsize = m3_GetMemorySize(runtime);
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

    spin_lock(&lock);
    clean_invalidate((uintptr_t)msg, size);
    uint64_t deadline = counter_now() + counter_freq() / 10;
    uint32_t result = 1;
    while ((*mbox(MBOX1_STATUS) & MBOX_FULL) && counter_now() < deadline) {}
    if (!(*mbox(MBOX1_STATUS) & MBOX_FULL)) {
        dmb_sy();
        *mbox(MBOX1_WRITE) = (bus & ~15u) | CHANNEL_PROPERTY;
        while (counter_now() < deadline) {
            if (*mbox(MBOX0_STATUS) & MBOX_EMPTY) continue;
            uint32_t answer = *mbox(MBOX0_READ);
            dmb_sy();
            if ((answer & 15) == CHANNEL_PROPERTY && (answer & ~15u) == (bus & ~15u)) { result = 0; break; }
        }
    }
    /* Again clean + invalidate, not invalidate alone: a line the buffer
     * shares with other data may hold another core's newer stores. The
     * buffer's own lines are clean now (nothing wrote them since). */
    clean_invalidate((uintptr_t)msg, size);
    spin_unlock(&lock);
    m3ApiReturn(result);
}
