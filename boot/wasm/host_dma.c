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
 * D7.5.9 (data cache maintenance); QEMU ignores all of it.
 *
 * dma.spi runs an SPI0 transfer on two channels paced by the block's DREQs
 * (below, before h_dma_spi). */
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
#define TI_DEST_DREQ (1u << 6)
#define TI_SRC_DREQ  (1u << 10)
#define TI_PERMAP(n) ((uint32_t)(n) << 16)
#define TI_BURST(n)  ((uint32_t)(n) << 12)
#define DEBUG_ERRORS 7u              /* read last not set, FIFO, read error (write 1 to clear) */
#define FULL_CHANNELS 0x7Fu
#define MAX_BYTES    (1u << 30)      /* TXFR_LEN of a full channel: 30 bits */

struct control_block { uint32_t ti, source, dest, length, stride, next, reserved[2]; };
static struct control_block blocks[7] __attribute__((aligned(64)));

/* Per channel: the destination lines the engine writes, to invalidate at the end (0 bytes: none).
 * For dma.spi's RX channel also its TX partner and the RX bytes that went through the bounce
 * lines (copied into place at the end); a TX channel names its RX partner in `rx`. */
static struct {
    uintptr_t dest; uint32_t bytes; volatile int busy;
    int tx, rx;
    uint8_t *head; uint32_t head_bytes; uint8_t *tail; uint32_t tail_bytes;
} running[7] = { [0 ... 6] = { .tx = -1, .rx = -1 } };

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

static uint8_t bounce[7][2][64] __attribute__((aligned(64)));

/* Ends the bookkeeping of a channel's transfer: its destination's lines invalidated. For an SPI
 * RX channel that ended (`arrived`), the bytes in its bounce lines copied into place; its TX
 * partner stopped and freed either way. */
static void settle(unsigned ch, int arrived) {
    if (running[ch].bytes) dcache_range(running[ch].dest, running[ch].bytes, 1);
    int tx = running[ch].tx;
    if (tx >= 0) {
        dcache_range((uintptr_t)bounce[ch], sizeof bounce[ch], 1);
        if (arrived && running[ch].head_bytes) memcpy(running[ch].head, bounce[ch][0], running[ch].head_bytes);
        if (arrived && running[ch].tail_bytes) memcpy(running[ch].tail, bounce[ch][1], running[ch].tail_bytes);
        reg_write(reg((unsigned)tx, CS), CS_RESET);  /* ended already (its words all went before the last RX word) */
        running[tx].busy = 0;
        running[tx].rx = -1;
        running[ch].tx = -1;
        running[ch].head_bytes = running[ch].tail_bytes = 0;
    }
    running[ch].bytes = 0;
    running[ch].busy = 0;
}

/* A TX channel of dma.spi answers for its RX partner. */
static unsigned owner(unsigned ch) { return running[ch].rx >= 0 ? (unsigned)running[ch].rx : ch; }

m3ApiRawFunction(h_dma_status) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, ch);
    if (ch >= 7 || !(channels() & (1u << ch))) m3ApiTrap(bad_channel("status", ch));
    ch = owner(ch);
    if (!running[ch].busy) m3ApiReturn(1);
    int tx = running[ch].tx;
    if (!running[ch].bytes && tx < 0) { settle(ch, 1); m3ApiReturn(1); }     /* a copy the host did itself */
    uint32_t cs = reg_read(reg(ch, CS));
    uint32_t txcs = tx >= 0 ? reg_read(reg((unsigned)tx, CS)) : 0;
    dmb_sy();
    if ((cs | txcs) & CS_ERROR) {
        unsigned bad = (cs & CS_ERROR) ? ch : (unsigned)tx;
        uint32_t why = reg_read(reg(bad, DEBUG)) & DEBUG_ERRORS;
        reg_write(reg(ch, CS), CS_RESET);
        settle(ch, 0);
        m3ApiReturn(2 | (why << 8));
    }
    if (!(cs & CS_END) || (cs & CS_ACTIVE)) m3ApiReturn(0);
    reg_write(reg(ch, CS), CS_END | CS_INT);        /* write 1 to clear */
    settle(ch, 1);
    m3ApiReturn(1);
}

m3ApiRawFunction(h_dma_stop) {
    m3ApiGetArg(uint32_t, ch);
    if (ch >= 7 || !(channels() & (1u << ch))) m3ApiTrap(bad_channel("stop", ch));
    ch = owner(ch);
    if (running[ch].busy && (running[ch].bytes || running[ch].tx >= 0)) {
        reg_write(reg(ch, CS), CS_RESET);            /* stops the channel (§4.2.1.2 CS.RESET); settle stops a TX partner */
        dsb_sy();
    }
    settle(ch, 0);
    m3ApiSuccess();
}

/* ---- SPI0 transfers paced by DREQ ------------------------------------------------------
 *
 * BCM2835 ARM Peripherals 10.6.3 (BCM2711 ARM Peripherals 9.6.3): with CS.DMAEN set, the SPI
 * FIFO is read and written in 32-bit words of four bytes (the first on the wire in bits 7:0),
 * and DLEN says how many bytes the transfer has, so the last word may carry fewer. The kernel's
 * driver writes DLEN and CS (TA and DMAEN) itself, as Linux's spi-bcm2835 does, instead of the
 * header word 10.6.3 also allows; the host then starts one channel that feeds the TX FIFO on
 * the block's TX DREQ and one that empties the RX FIFO on its RX DREQ (§4.2.1.3's DREQ table:
 * SPI TX 6, RX 7, on both SoCs; 10.5 DC: TX DREQ while the TX FIFO holds at most TDREQ bytes,
 * RX DREQ while the RX FIFO holds more than RDREQ, or the transfer has ended with bytes left).
 * The TX DREQ stays asserted after the last byte (an erratum recorded in Linux's driver), so the
 * TX channel is given exactly the transfer's words. The transfer has ended when the RX channel
 * has (10.6.3: "the RX DMA channel interrupt"). Verified on paper only: QEMU's DMA ignores DREQ
 * and its SPI has no DMA mode, which is why dma.paced() says 0 there.
 *
 * The RX words the kernel keeps go into its buffer's whole cache lines directly, and those of
 * its partial first and last lines through two bounce lines of the host's, copied into place at
 * the end: invalidating a partial line would lose whatever else the cores keep in it. */
#define DREQ_SPI0_TX  6u
#define DREQ_SPI0_RX  7u
#define SPI0_FIFO_BUS 0x7E204004u    /* SPI0 at peripheral offset 0x204000 on both SoCs; FIFO at +4 */
#define SPI_MAX_BYTES 65532u         /* DLEN is 16 bits; a whole number of words below it */
#define FIRMWARE_2012 1325376000u    /* 2012-01-01 as a Unix time */

static struct control_block spi_blocks[7][4] __attribute__((aligned(64)));
static const uint32_t zero_words[16] __attribute__((aligned(64)));   /* never written: no line of it is dirty */
static uint32_t sink_words[16] __attribute__((aligned(64)));

static uint32_t bus_of(const void *p) { return (uint32_t)(uintptr_t)p | 0xC0000000u; }
static uint32_t round4(uint32_t n) { return (n + 3u) & ~3u; }

static int paced = -1;

/* Whether the engine honours DREQ: the real firmware answers its revision (tag 0x00000001) with
 * its build time, a Unix time; QEMU's firmware model answers the constant 346337, and its DMA
 * model runs every control block at once, DREQ or not (hw/dma/bcm2835_dma.c). */
m3ApiRawFunction(h_dma_paced) {
    m3ApiReturnType(uint32_t);
    if (paced < 0) {
        static uint32_t msg[8] __attribute__((aligned(16)));
        msg[0] = sizeof msg; msg[1] = 0; msg[2] = 0x00000001; msg[3] = 4; msg[4] = 0; msg[5] = 0; msg[6] = 0; msg[7] = 0;
        int answered = mailbox_call(msg, sizeof msg, bus_of(msg)) == 0 && msg[1] == 0x80000000u && (msg[4] & 0x80000000u);
        paced = answered && msg[5] >= FIRMWARE_2012;
    }
    m3ApiReturn((uint32_t)paced);
}

static void block(struct control_block *cb, uint32_t ti, uint32_t source, uint32_t dest, uint32_t length) {
    cb->ti = ti; cb->source = source; cb->dest = dest; cb->length = length; cb->stride = 0; cb->next = 0;
}

/* Chains blocks[0..n) and marks the last to interrupt; gives the first's bus address. */
static uint32_t chain(struct control_block *blocks, unsigned n, int interrupt) {
    for (unsigned i = 0; i + 1 < n; i++) blocks[i].next = bus_of(&blocks[i + 1]);
    if (interrupt) blocks[n - 1].ti |= TI_INTEN;
    dcache_range((uintptr_t)blocks, n * sizeof *blocks, 0);
    return bus_of(blocks);
}

static void run_channel(unsigned ch, uint32_t first) {
    uint64_t enable = reg(0, 0xFF0);
    reg_write(enable, reg_read(enable) | (1u << ch));
    reg_write(reg(ch, CS), CS_RESET);
    reg_write(reg(ch, DEBUG), DEBUG_ERRORS);
    reg_write(reg(ch, CONBLK_AD), first);
    dmb_sy();
    reg_write(reg(ch, CS), CS_ACTIVE | CS_PRIORITY(8) | CS_PANIC_PRIORITY(15) | CS_WAIT_WRITES);
}

m3ApiRawFunction(h_dma_spi) {
    m3ApiGetArg(uint32_t, tx);
    m3ApiGetArg(uint32_t, rx);
    m3ApiGetArg(uint32_t, spi);
    m3ApiGetArg(uint32_t, out);
    m3ApiGetArg(uint32_t, out_bytes);
    m3ApiGetArg(uint32_t, into);
    m3ApiGetArg(uint32_t, skip);
    m3ApiGetArg(uint32_t, total);
    if (tx >= 7 || !(channels() & (1u << tx))) m3ApiTrap(bad_channel("spi", tx));
    if (rx >= 7 || !(channels() & (1u << rx))) m3ApiTrap(bad_channel("spi", rx));
    if (tx == rx) m3ApiTrap(host_refuse("dma.spi: TX and RX on one channel (%u): the transfer needs two", tx));
    if (running[tx].busy || running[rx].busy)
        m3ApiTrap(host_refuse("dma.spi: channel %u is still running a transfer (dma.status, or dma.stop)", running[tx].busy ? tx : rx));
    if (spi != 0) m3ApiTrap(host_refuse("dma.spi: SPI%u: the host paces SPI0 only (its DREQs 6 and 7); use the FIFO", spi));
    if (total == 0 || total > SPI_MAX_BYTES)
        m3ApiTrap(host_refuse("dma.spi: %u bytes: a transfer is 1 to %u bytes (DLEN is 16 bits)", total, SPI_MAX_BYTES));
    if (skip > total || (skip & 3u))
        m3ApiTrap(host_refuse("dma.spi: skip %u of %u bytes: the RX bytes dropped must be whole words, within the transfer", skip, total));
    if (out_bytes > total || ((out_bytes & 3u) && out_bytes != total) || (out_bytes && !out) || (out & 3u) || (into & 3u))
        m3ApiTrap(host_refuse("dma.spi: out 0x%08x (%u bytes of %u), into 0x%08x: buffers must be word-aligned, and TX bytes before the zeros whole words", out, out_bytes, total, into));
    uint32_t tx_words = round4(out_bytes), kept = total - skip;
    if ((uint64_t)out + tx_words > WASM_WINDOW_BYTES || (into && (uint64_t)into + kept > WASM_WINDOW_BYTES))
        m3ApiTrap(host_refuse("dma.spi: out 0x%08x (%u bytes) or into 0x%08x (%u bytes) runs past the end of linear memory", out, tx_words, into, kept));
    const uint32_t line = (uint32_t)dcache_line();
    if (line > sizeof bounce[0][0]) m3ApiTrap(host_refuse("dma.spi: a cache line of %u bytes is over the host's bounce lines", line));

    /* TX: the kernel's bytes, then zeros from a constant line, exactly round4(total) bytes. */
    struct control_block *t = spi_blocks[tx];
    unsigned nt = 0;
    const uint32_t tx_ti = TI_WAIT_RESP | TI_DEST_DREQ | TI_PERMAP(DREQ_SPI0_TX);
    if (tx_words) {
        block(&t[nt++], tx_ti | TI_SRC_INC, bus(out), SPI0_FIFO_BUS, tx_words);
        dcache_range((uintptr_t)m3ApiOffsetToPtr(out), tx_words, 0);
    }
    if (round4(total) > tx_words) block(&t[nt++], tx_ti, bus_of(zero_words), SPI0_FIFO_BUS, round4(total) - tx_words);

    /* RX: the skipped words onto a sink word, the kept ones into `into` (partial lines through bounce lines). */
    struct control_block *r = spi_blocks[rx];
    unsigned nr = 0;
    const uint32_t rx_ti = TI_WAIT_RESP | TI_SRC_DREQ | TI_PERMAP(DREQ_SPI0_RX);
    uint32_t head = 0, middle = 0, tail = 0;
    uint8_t *d = into ? (uint8_t *)m3ApiOffsetToPtr(into) : 0;
    if (!d) {
        block(&r[nr++], rx_ti, SPI0_FIFO_BUS, bus_of(sink_words), round4(total));
    } else {
        if (skip) block(&r[nr++], rx_ti, SPI0_FIFO_BUS, bus_of(sink_words), skip);
        head = (uint32_t)(-(uintptr_t)d & (line - 1));
        if (head > kept) head = kept;
        middle = (kept - head) & ~(line - 1);
        tail = kept - head - middle;
        if (head) block(&r[nr++], rx_ti | TI_DEST_INC, SPI0_FIFO_BUS, bus_of(bounce[rx][0]), round4(head));
        if (middle) block(&r[nr++], rx_ti | TI_DEST_INC, SPI0_FIFO_BUS, bus(into + head), middle);
        if (tail) block(&r[nr++], rx_ti | TI_DEST_INC, SPI0_FIFO_BUS, bus_of(bounce[rx][1]), round4(tail));
        if (!nr) block(&r[nr++], rx_ti, SPI0_FIFO_BUS, bus_of(sink_words), round4(total));
        dcache_range((uintptr_t)bounce[rx], sizeof bounce[rx], 1);
        if (middle) dcache_range((uintptr_t)(d + head), middle, 1);
    }

    running[rx].busy = running[tx].busy = 1;
    running[rx].tx = (int)tx;
    running[tx].rx = (int)rx;
    running[rx].dest = (uintptr_t)(d + head);
    running[rx].bytes = middle;
    running[rx].head = d; running[rx].head_bytes = head;
    running[rx].tail = d + head + middle; running[rx].tail_bytes = tail;
    uint32_t rx_first = chain(r, nr, 1), tx_first = chain(t, nt, 0);
    run_channel(rx, rx_first);                      /* RX first: ready before the first byte arrives */
    run_channel(tx, tx_first);
    m3ApiSuccess();
}
