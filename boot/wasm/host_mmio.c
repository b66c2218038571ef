/* host_mmio.c: host module "mmio": 32-bit access to the board's
 * peripherals. The kernel is sandboxed: an address outside the board's
 * peripheral windows, or not 4-byte aligned, is refused with a trap, so a
 * bug in TypeScript cannot write over the stub, wasm3 or another core's
 * memory. Reads and writes are ordered with the other MMIO accesses of this
 * core (Device-nGnRE mapping plus a dmb), as the BCM2835 datasheet asks
 * when switching between peripherals. */
#include "host.h"
#include "board.h"
#include "arch.h"
#include "irq.h"
#include "regs.h"

/* Off the fast path: the message for an address that fails the check. */
static __attribute__((noinline, cold, returns_nonnull)) const char *refuse(uint32_t addr, const char *op) {
    if (addr & 3) return host_refuse("mmio.%s: address 0x%08x is not 4-byte aligned", op, addr);
    return host_refuse("mmio.%s: address 0x%08x is outside the %s's peripheral windows", op, addr, board->name);
}

/* The DMA controller: channels 0-14 and the global registers (peripheral
 * base + 0x7000, 4 KiB), channel 15 (+0xE05000): BCM2835 ARM Peripherals
 * 4.2.1, the same offsets in BCM2711 ARM Peripherals 4.2.1. The host owns them
 * (host_dma.c): an engine writes wherever it is told, past the MMU, so a
 * kernel that could program one would leave its sandbox. */
static inline int is_dma(uint32_t off) { return off - 0x7000u < 0x1000u || off - 0xE05000u < 0x100u; }
static __attribute__((noinline, cold, returns_nonnull)) const char *refuse_dma(uint32_t addr) {
    return host_refuse("mmio.write32: address 0x%08x is the DMA controller's, which the host drives: use module dma (drivers/dma.ts)", addr);
}

/* A bus error on the access (exceptions.c stepped over it): set for this
 * core, and counted, so the fast path reads one word. */
volatile uint32_t mmio_bus_errors;
volatile uint32_t mmio_bus_error[MAX_CORES];

static __attribute__((noinline, cold)) const char *bus_error(uint32_t addr, const char *op) {
    unsigned core = core_id() & (MAX_CORES - 1);
    if (!mmio_bus_error[core]) return NULL;            /* another core's */
    mmio_bus_error[core] = 0;
    return host_refuse("mmio.%s: the bus refused address 0x%08x: no block answers there (a data abort; mmio.probe32 asks without a trap)", op, addr);
}

/* 4-byte aligned and inside the board's windows: a test and one range compare (board.h). */
#define CHECK(addr, op) \
    if (__builtin_expect(((addr) & 3) || !mmio_allowed(addr, 4), 0)) m3ApiTrap(refuse(addr, op))

m3ApiRawFunction(h_mmio_read32) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, addr);
    CHECK(addr, "read32");
#ifndef AOT_NO_PUSH   /* an aot image takes no push (boot/aot/unit.c) */
    const int uart_data = addr == board->uart_dr;      /* read with the range, before the barrier */
#endif
    uint32_t v = kernel_mmio_read(addr);
    dmb_sy();
    if (__builtin_expect(mmio_bus_errors != 0, 0)) { const char *e = bus_error(addr, "read32"); if (e) m3ApiTrap(e); }
#ifndef AOT_NO_PUSH
    if (__builtin_expect(uart_data, 0)) {               /* the UART's data: a push request? */
        *raw_return = v;
        return push_snoop(v);                           /* a tail call: NULL, or the hand-over */
    }
#endif
    m3ApiReturn(v);
}

m3ApiRawFunction(h_mmio_write32) {
    m3ApiGetArg(uint32_t, addr);
    m3ApiGetArg(uint32_t, value);
    CHECK(addr, "write32");
    dmb_sy();
    /* The Pi 3's interrupt controller keeps a shadow of enabled sources
     * (irq.c): one compare here keeps it off the path of every other write
     * (a GPIO toggle). */
    /* The writes that need more than a store all lie in the peripherals'
     * first 64 KiB (the Pi 3's ARM interrupt controller at +0xB200, DMA at
     * +0x7000) or DMA channel 15's page: one compare keeps the rest (a GPIO
     * toggle) on the fast path. */
    uint32_t off = addr - (uint32_t)board->peripheral_base;
    if (__builtin_expect(off < 0x10000u || (off >> 12) == 0xE05u, 0)) {
        if ((addr & ~0xFFu) == IRQ_ARMC_BASE) { irq_armc_write(addr, value); m3ApiSuccess(); }
        if (is_dma(off)) { m3ApiTrap(refuse_dma(addr)); }
    }
    kernel_mmio_write(addr, value);
    if (__builtin_expect(mmio_bus_errors != 0, 0)) { dsb_sy(); const char *e = bus_error(addr, "write32"); if (e) m3ApiTrap(e); }
    m3ApiSuccess();
}

/* mmio.probe32: the read, with this core's mmio_probing set, so that a
 * synchronous external abort on it (no block answers) is skipped by
 * exceptions.c, which marks it 2, instead of crashing the stub. The load is
 * one known instruction (the handler steps over 4 bytes). */
volatile int mmio_probing[MAX_CORES];

static inline uint32_t probe_load(uint64_t addr) {
    uint32_t v = 0;
    __asm__ volatile("ldr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
    return v;
}

m3ApiRawFunction(h_mmio_probe32) {
    m3ApiReturnType(int64_t);
    m3ApiGetArg(uint32_t, addr);
    CHECK(addr, "probe32");
    unsigned core = core_id() & (MAX_CORES - 1);
    mmio_probing[core] = 1;
    dsb_sy();
    uint32_t v = probe_load(addr);
    dsb_sy();                                   /* the abort, if any, has been taken */
    const int refused = mmio_probing[core] == 2;
    mmio_probing[core] = 0;
    m3ApiReturn(refused ? (int64_t)-1 : (int64_t)v);
}

