/* mailbox.c: the VideoCore mailbox's property channel, polled.
 *
 * Registers (BCM2835 mailbox, peripheral base + 0xB880; Raspberry Pi
 * firmware wiki, "Mailboxes" and "Mailbox property interface"): mailbox 0
 * is VideoCore -> ARM (read 0x00, status 0x18), mailbox 1 is ARM ->
 * VideoCore (write 0x20, status 0x38); status bit 31 full, bit 30 empty; the
 * low 4 bits of a message are the channel (8: properties, ARM to VC).
 *
 * The VideoCore reads and writes the buffer by DMA, which does not see the
 * ARM's data cache, so the buffer is cleaned out of the cache before the
 * request and invalidated after the answer (DC CIVAC; with the caches still
 * off, early in the boot, that costs nothing and is harmless).
 */
#include "mailbox.h"
#include "arch.h"
#include "board.h"
#include "regs.h"

#define MBOX0_READ    0x00
#define MBOX0_STATUS  0x18
#define MBOX1_WRITE   0x20
#define MBOX1_STATUS  0x38
#define MBOX_FULL     (1u << 31)
#define MBOX_EMPTY    (1u << 30)
#define CHANNEL_PROPERTY 8u

static uint64_t mbox(uint32_t off) { return board->peripheral_base + BLOCK_MAILBOX + off; }

static void clean_invalidate(uintptr_t p, size_t n) { dcache_range(p, n, 1); }

/* One exchange, by polling, without the lock (see mailbox_call). */
static int exchange(uint32_t *msg, uint32_t size, uint32_t bus) {
    clean_invalidate((uintptr_t)msg, size);
    uint64_t deadline = counter_now() + counter_freq() / 10;
    int result = 1;
    while ((reg_read(mbox(MBOX1_STATUS)) & MBOX_FULL) && counter_now() < deadline) {}
    if (!(reg_read(mbox(MBOX1_STATUS)) & MBOX_FULL)) {
        dmb_sy();
        reg_write(mbox(MBOX1_WRITE), (bus & ~15u) | CHANNEL_PROPERTY);
        while (counter_now() < deadline) {
            if (reg_read(mbox(MBOX0_STATUS)) & MBOX_EMPTY) continue;
            uint32_t answer = reg_read(mbox(MBOX0_READ));
            dmb_sy();
            if ((answer & 15) == CHANNEL_PROPERTY && (answer & ~15u) == (bus & ~15u)) { result = 0; break; }
        }
    }
    /* Again clean + invalidate, not invalidate alone: a line the buffer
     * shares with other data may hold another core's newer stores. The
     * buffer's own lines are clean now (nothing wrote them since). */
    clean_invalidate((uintptr_t)msg, size);
    return result;
}

/* The one message in flight: the mailbox is one device for four cores. */
static spinlock_t lock;

int mailbox_call(uint32_t *msg, uint32_t size, uint32_t bus) {
    spin_lock(&lock);
    int result = exchange(msg, size, bus);
    spin_unlock(&lock);
    return result;
}

int mailbox_arm_memory(uint64_t *base, uint64_t *size) {
    static uint32_t msg[8] __attribute__((aligned(16)));
    msg[0] = sizeof msg; msg[1] = 0;
    msg[2] = 0x00010005; msg[3] = 8; msg[4] = 0; msg[5] = 0; msg[6] = 0;
    msg[7] = 0;                                            /* end tag */
    /* Physical = bus address in the uncached 0xC0000000 alias (MMU off: the
     * image runs where it was loaded, below 1 GiB). */
    uint32_t bus = (uint32_t)(uintptr_t)msg | 0xC0000000u;
    /* No lock: the lock is an exclusive load/store pair, which real hardware
     * honours only on Normal cacheable memory, and the MMU is still off
     * (QEMU lets it pass). Core 0 is the only core running. */
    if (exchange(msg, sizeof msg, bus)) return 0;
    if (msg[1] != 0x80000000u || !(msg[4] & 0x80000000u) || !msg[6]) return 0;
    *base = msg[5];
    *size = msg[6];
    return 1;
}
