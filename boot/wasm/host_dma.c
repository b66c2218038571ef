/* host_dma.c: host module "dma": the DMA controller, owned by the host.
 *
 * A DMA engine writes wherever its control block says, past any MMU: a
 * kernel that could program one could overwrite the stub, wasm3 and every
 * core's memory. So the host builds the control blocks itself, from ranges
 * it checks against linear memory, and mmio.write32 refuses the DMA
 * controller's registers (host_mmio.c).
 *
 * BCM2835 ARM Peripherals §4 (the BCM2711's legacy channels are the same,
 * BCM2711 ARM Peripherals §4): a channel's registers are at +0x7000 +
 * 0x100 n; it runs a 32-byte-aligned control block (TI, SOURCE_AD, DEST_AD,
 * TXFR_LEN, STRIDE, NEXTCONBK) whose bus address is written to CONBLK_AD,
 * then CS.ACTIVE. Channels 0-6 are full channels on both SoCs (7-14 are
 * "lite" on the BCM2835, lite and DMA4 on the BCM2711); the firmware says
 * which it leaves the ARM (property tag 0x00060001), and only those are used.
 *
 * The engine does not look in the ARM's caches: the source is cleaned to
 * the point of coherency before the start (DC CVAC), the destination
 * cleaned and invalidated before (no dirty line can later be written back
 * over what the engine wrote) and invalidated again when the transfer has
 * ended (a line the core fetched meanwhile holds the old bytes). A
 * destination's first and last partial cache lines are shared with other
 * data, which invalidating would lose: the host copies those bytes itself
 * when it starts, and the engine moves the whole lines between. ARM ARM
 * D7.5.9 (data cache maintenance); QEMU ignores all of it. */
#include "host.h"
#include "arch.h"
#include "board.h"
#include "mailbox.h"
#include "regs.h"
#include <string.h>

#define DMA_OFFSET   0x7000u
#define CS           0x00
#define CONBLK_AD    0x04
#define DEBUG        0x20
#define CS_ACTIVE    (1u << 0)
#define CS_END       (1u << 1)
#define CS_INT       (1u << 2)
#define CS_ERROR     (1u << 8)
#define CS_PRIORITY(p) ((uint32_t)(p) << 16)
#define CS_PANIC_PRIORITY(p) ((uint32_t)(p) << 20)
#define CS_WAIT_WRITES (1u << 28)
#define CS_RESET     (1u << 31)
#define TI_INTEN     (1u << 0)
#define TI_WAIT_RESP (1u << 3)
#define TI_DEST_INC  (1u << 4)
#define TI_SRC_INC   (1u << 8)
#define TI_BURST(n)  ((uint32_t)(n) << 12)
#define DEBUG_ERRORS 7u              /* read last not set, FIFO, read error (write 1 to clear) */
#define FULL_CHANNELS 0x7Fu
#define MAX_BYTES    (1u << 30)      /* TXFR_LEN of a full channel: 30 bits */

struct control_block { uint32_t ti, source, dest, length, stride, next, reserved[2]; };
static struct control_block blocks[7] __attribute__((aligned(64)));

/* Per channel: the destination lines the engine writes, to invalidate at the end (0 bytes: none). */
static struct { uintptr_t dest; uint32_t bytes; volatile int busy; } running[7];

static uint32_t channel_mask = 0xFFFFFFFFu;       /* not asked yet */

static uint64_t reg(unsigned ch, uint32_t off) { return board->peripheral_base + DMA_OFFSET + ch * 0x100u + off; }

/* The firmware's channels for the ARM, full ones only; asked once. */
static uint32_t channels(void) {
    if (channel_mask != 0xFFFFFFFFu) return channel_mask;
    static uint32_t msg[8] __attribute__((aligned(16)));
    msg[0] = sizeof msg; msg[1] = 0; msg[2] = 0x00060001; msg[3] = 4; msg[4] = 0; msg[5] = 0; msg[6] = 0; msg[7] = 0;
    uint32_t mask = 0;
    if (mailbox_call(msg, sizeof msg, (uint32_t)(uintptr_t)msg | 0xC0000000u) == 0 && msg[1] == 0x80000000u && (msg[4] & 0x80000000u))
        mask = msg[5] & FULL_CHANNELS;
    channel_mask = mask;
    return mask;
}

/* The bus address of a byte of linear memory (physical | the uncached alias: below 1 GiB, as mailbox.call's). */
static uint32_t bus(uintptr_t linear_offset) { return (uint32_t)((uintptr_t)__shared_start + linear_offset) | 0xC0000000u; }

static __attribute__((cold)) const char *bad_channel(const char *op, uint32_t ch) {
    return host_refuse("dma.%s: channel %u is not one the firmware leaves the ARM (dma.channels() = 0x%x)", op, ch, channels());
}

m3ApiRawFunction(h_dma_channels) {
    m3ApiReturnType(uint32_t);
    m3ApiReturn(channels());
}

m3ApiRawFunction(h_dma_start) {
    m3ApiGetArg(uint32_t, ch);
    m3ApiGetArg(uint32_t, dst);
    m3ApiGetArg(uint32_t, src);
    m3ApiGetArg(uint32_t, bytes);
    if (ch >= 7 || !(channels() & (1u << ch))) m3ApiTrap(bad_channel("start", ch));
    if (running[ch].busy) m3ApiTrap(host_refuse("dma.start: channel %u is still running a transfer (dma.status, or dma.stop)", ch));
    if (bytes == 0 || bytes > MAX_BYTES || (uint64_t)dst + bytes > WASM_WINDOW_BYTES || (uint64_t)src + bytes > WASM_WINDOW_BYTES)
        m3ApiTrap(host_refuse("dma.start: %u bytes from 0x%08x to 0x%08x: both ranges must lie in linear memory (1 byte to 1 GiB)", bytes, src, dst));
    if ((uint64_t)dst < (uint64_t)src + bytes && (uint64_t)src < (uint64_t)dst + bytes)
        m3ApiTrap(host_refuse("dma.start: %u bytes from 0x%08x to 0x%08x overlap (the engine copies in bursts: use memory.copy)", bytes, src, dst));
    uint8_t *d = (uint8_t *)m3ApiOffsetToPtr(dst);
    const uint8_t *s = (const uint8_t *)m3ApiOffsetToPtr(src);
    /* The whole cache lines of the destination go to the engine; the partial ones at its ends, to memcpy. */
    const uint32_t line = (uint32_t)dcache_line();   /* 64 on the Cortex-A53 and A72 */
    uint32_t head = (uint32_t)(-(uintptr_t)d & (line - 1));
    if (head > bytes) head = bytes;
    uint32_t middle = (bytes - head) & ~(line - 1), tail = bytes - head - middle;
    if (head) memcpy(d, s, head);
    if (tail) memcpy(d + head + middle, s + head + middle, tail);
    running[ch].dest = (uintptr_t)(d + head);
    running[ch].bytes = middle;
    running[ch].busy = 1;
    if (!middle) { dsb_sy(); m3ApiSuccess(); }       /* nothing for the engine: done at once */
    dcache_range((uintptr_t)(s + head), middle, 0);
    dcache_range((uintptr_t)(d + head), middle, 1);
    struct control_block *cb = &blocks[ch];
    cb->ti = TI_INTEN | TI_WAIT_RESP | TI_DEST_INC | TI_SRC_INC | TI_BURST(4);
    cb->source = bus(src + head);
    cb->dest = bus(dst + head);
    cb->length = middle;
    cb->stride = 0;
    cb->next = 0;
    dcache_range((uintptr_t)cb, sizeof *cb, 0);
    uint64_t enable = reg(0, 0xFF0);       /* the global enable register (channel 0's page + 0xFF0) */
    reg_write(enable, reg_read(enable) | (1u << ch));
    reg_write(reg(ch, CS), CS_RESET);
    reg_write(reg(ch, DEBUG), DEBUG_ERRORS);
    reg_write(reg(ch, CONBLK_AD), (uint32_t)(uintptr_t)cb | 0xC0000000u);
    dmb_sy();
    reg_write(reg(ch, CS), CS_ACTIVE | CS_PRIORITY(8) | CS_PANIC_PRIORITY(15) | CS_WAIT_WRITES);
    m3ApiSuccess();
}

/* Ends the bookkeeping of a channel's transfer: its destination's lines invalidated. */
static void settle(unsigned ch) {
    if (running[ch].bytes) dcache_range(running[ch].dest, running[ch].bytes, 1);
    running[ch].bytes = 0;
    running[ch].busy = 0;
}

m3ApiRawFunction(h_dma_status) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, ch);
    if (ch >= 7 || !(channels() & (1u << ch))) m3ApiTrap(bad_channel("status", ch));
    if (!running[ch].busy) m3ApiReturn(1);
    if (!running[ch].bytes) { settle(ch); m3ApiReturn(1); }
    uint32_t cs = reg_read(reg(ch, CS));
    dmb_sy();
    if (cs & CS_ERROR) {
        uint32_t why = reg_read(reg(ch, DEBUG)) & DEBUG_ERRORS;
        reg_write(reg(ch, CS), CS_RESET);
        settle(ch);
        m3ApiReturn(2 | (why << 8));
    }
    if (!(cs & CS_END) || (cs & CS_ACTIVE)) m3ApiReturn(0);
    reg_write(reg(ch, CS), CS_END | CS_INT);        /* write 1 to clear */
    settle(ch);
    m3ApiReturn(1);
}

m3ApiRawFunction(h_dma_stop) {
    m3ApiGetArg(uint32_t, ch);
    if (ch >= 7 || !(channels() & (1u << ch))) m3ApiTrap(bad_channel("stop", ch));
    if (running[ch].busy && running[ch].bytes) {
        reg_write(reg(ch, CS), CS_RESET);            /* stops the channel (§4.2.1.2 CS.RESET) */
        dsb_sy();
    }
    settle(ch);
    m3ApiSuccess();
}
