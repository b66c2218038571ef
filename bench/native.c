/* bench/native.c: the native side of the benchmarks, linked only into
 * build/bench/bench.img. Core 0 runs it before wasm3 starts (the stub's
 * boot_bench_hook), with the same PMU instruction counter the kernel reads
 * through cpu.instructions(), and prints one line per row:
 *
 *   bench: native <row> <instructions> <operations>
 *
 * Each figure is the median of REPS runs of OPS operations, minus the same
 * loop with an empty body. Written for this purpose: the C a user would
 * otherwise write, compiled by the same cross compiler at -O2. */
#include "arch.h"
#include "console.h"
#include "board.h"
#include "native_exec.h"
#include "irq.h"
#include "wake.h"
#include "mailbox.h"
#include "mmu.h"
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OPS  1000
#define REPS 5

typedef void (*op_fn)(void);
static void *volatile sink;

static void empty(void) { __asm__ volatile("" ::: "memory"); }
static void alloc_free_64(void) { void *p = malloc(64); sink = p; free(p); }
static void realloc_grow(void) {
    void *p = malloc(64);
    p = realloc(p, 4096);
    sink = p;
    free(p);
}

static uint32_t word, lock_word;
static void atomic_add(void) { __atomic_fetch_add(&word, 1, __ATOMIC_SEQ_CST); }
static void lock_unlock(void) {          /* the same TAS lock as kernel/sync/spinlock.ts */
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_SEQ_CST))
        while (__atomic_load_n(&lock_word, __ATOMIC_ACQUIRE)) wfe();
    __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

/* Compute rows: the same algorithms as bench/kernel.ts, written plainly. */
static volatile uint32_t result;
static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static void fib20(void) { result = fib(20); }

static uint8_t sieve_flags[8192];
static void sieve(void) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < 8192; i++) sieve_flags[i] = 1;
    for (uint32_t i = 2; i < 8192; i++) {
        if (!sieve_flags[i]) continue;
        count++;
        for (uint32_t j = i + i; j < 8192; j += i) sieve_flags[j] = 0;
    }
    result = count;
}

static uint8_t crc_data[65536];
static uint32_t crc_table[256];
static void crc32_64k(void) {
    uint32_t c = 0xffffffffu;
    for (uint32_t i = 0; i < sizeof crc_data; i++) c = crc_table[(c ^ crc_data[i]) & 0xff] ^ (c >> 8);
    result = ~c;
}

static int32_t ma[64 * 64], mb[64 * 64], mc[64 * 64];
static void matmul64(void) {
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) {
            int32_t sum = 0;
            for (int k = 0; k < 64; k++) sum += ma[i * 64 + k] * mb[k * 64 + j];
            mc[i * 64 + j] = sum;
        }
    result = (uint32_t)mc[64 * 64 - 1];
}

static void compute_setup(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    for (uint32_t i = 0; i < sizeof crc_data; i++) crc_data[i] = (uint8_t)(i * 31 + 7);
    for (int i = 0; i < 64 * 64; i++) { ma[i] = i % 17 - 8; mb[i] = i % 13 - 6; }
}

/* One GPIO toggle: GPSET0 then GPCLR0 of pin 17, each write ordered as the
 * host's mmio.write32 orders it (DMB first). */
static volatile uint32_t *gpset0, *gpclr0;
static void gpio_toggle(void) {
    __asm__ volatile("dmb sy" ::: "memory");
    *gpset0 = 1u << 17;
    __asm__ volatile("dmb sy" ::: "memory");
    *gpclr0 = 1u << 17;
}

static volatile uint32_t *mmio_reg;
static void mmio_read(void) { result = *mmio_reg; __asm__ volatile("dmb sy" ::: "memory"); }

/* noipa: every row, and the empty base, goes through this same code with an
 * indirect call, so that the base takes out exactly the loop and the call. */
__attribute__((noipa)) static uint64_t run_n(op_fn f, int ops) {
    uint64_t best[REPS];
    for (int r = 0; r < REPS; r++) {
        uint64_t t0 = instructions_now();
        for (int i = 0; i < ops; i++) f();
        best[r] = instructions_now() - t0;
    }
    for (int i = 1; i < REPS; i++)
        for (int j = i; j > 0 && best[j - 1] > best[j]; j--) {
            uint64_t t = best[j]; best[j] = best[j - 1]; best[j - 1] = t;
        }
    return best[REPS / 2];
}

static uint64_t run(op_fn f) { return run_n(f, OPS); }

static void row(const char *name, op_fn f, uint64_t base) {
    uint64_t n = run(f);
    kprintf("bench: native %s %llu %u\n", name, (unsigned long long)(n > base ? n - base : 0), OPS);
}

/* Executor rows: bench/native_exec.c, the same design as kernel/exec. */
static bool poll_pending(struct ntask *t) { (void)t; return false; }
static bool poll_ready(struct ntask *t) { (void)t; return true; }

static struct ntask *pending_task;
static void exec_wake_poll(void) { nexec_wake(pending_task); nexec_run_once(0); }

static void exec_spawn(void) {
    struct ntask *t = calloc(1, sizeof *t);   /* `new` zeroes too */
    t->poll = poll_ready;
    nexec_spawn_on(0, t);
    nexec_run_once(0);
}

static uint32_t chan_buffer[64];
static struct nchan chan = { .buffer = chan_buffer, .capacity = 64 };
struct rx_task { struct ntask task; struct nrecv recv; uint32_t sum; };
static bool poll_rx(struct ntask *self) {
    struct rx_task *rx = (struct rx_task *)self;
    while (nrecv_poll(&rx->recv, self)) { rx->sum += rx->recv.value; rx->recv.done = false; }
    return false;
}
static void exec_channel_msg(void) { nchan_try_send(&chan, 1); nexec_run_once(0); }

/* Cross-core: core 1 (boot_secondary_hook) wakes a task whose home is core
 * 0; core 0 runs its executor loop, sleeping in WFE. The figure is the
 * instructions on the path from the wake to the poll: the wake() on core 1
 * plus, on core 0, everything from leaving WFE to entering poll(). */
static struct ntask cross_task;
static uint32_t cross_polls, cross_phase;
static uint64_t cross_mark, cross_latency, cross_wake;

static bool poll_cross(struct ntask *t) {
    (void)t;
    cross_latency += instructions_now() - cross_mark;
    __atomic_store_n(&cross_polls, cross_polls + 1, __ATOMIC_RELEASE);
    return false;
}

/* Latency (issue 25, point 8), the same path as bench/kernel.ts's rows: a
 * sleep 200 us ahead in core 0's list wakes a task pinned to core 0 or to
 * core 1; the figure is from the timer interrupt's top half (its stamp,
 * irq_stamp) to the first instruction of the task's poll (on core 1: core
 * 0's part up to the wake interrupt it raises, plus core 1's from taking it:
 * each core's PMU counts from its own start); the median of LAT_N. Core 0 loops as the executor does: events, the timer list's
 * bottom half, a poll, else WFI (cpu_wait); core 1 likewise for the
 * other-core row, woken by the wake interrupt (cpu_wake_all). */
#define LAT_N 21
static struct ntask lat_task;
static struct nsleep lat_sleep;
static uint64_t lat_samples[LAT_N];
static volatile uint32_t lat_taken, lat_phase;

static bool poll_latency(struct ntask *t) {
    uint64_t now = instructions_now();
    (void)t;
    if (lat_sleep.fired) {
        uint64_t timer = irq_stamp(0, IRQ_STAMP_TIMER);
        lat_samples[lat_taken] = core_id() == 0 ? now - timer
            : (irq_stamp(0, IRQ_STAMP_WAKE_SENT) - timer) + (now - irq_stamp(core_id(), IRQ_STAMP_WAKE_TAKEN));
        lat_sleep.fired = false;
        __atomic_store_n(&lat_taken, lat_taken + 1, __ATOMIC_RELEASE);
        cpu_wake_all();                            /* core 0 waits for the count (outside the figure) */
    }
    return false;
}

static uint64_t latency_row(unsigned on) {
    lat_task.poll = poll_latency;
    lat_task.home = on;
    lat_taken = 0;
    uint64_t ahead = counter_freq() / 5000;
    for (uint32_t i = 0; i < LAT_N; i++) {
        nexec_sleep(&lat_sleep, &lat_task, 0, counter_now() + ahead);
        while (__atomic_load_n(&lat_taken, __ATOMIC_ACQUIRE) == i) {
            if (irq_take_events() & EVENT_TIMER) nexec_fire_timers(0);
            if (on != 0 || !nexec_run_once(0)) cpu_wait();   /* (core 0 steals nothing from core 1 in the other-core row) */
        }
    }
    for (int i = 1; i < LAT_N; i++)
        for (int j = i; j > 0 && lat_samples[j - 1] > lat_samples[j]; j--) {
            uint64_t x = lat_samples[j]; lat_samples[j] = lat_samples[j - 1]; lat_samples[j - 1] = x;
        }
    return lat_samples[LAT_N / 2];
}

static void latency_rows(void) {
    irq_init_core(0);                              /* (boot_primary does it again after this hook) */
    kprintf("bench: native latency-timer-same-core %llu 1\n", (unsigned long long)latency_row(0));
    __atomic_store_n(&lat_phase, 1, __ATOMIC_RELEASE);
    cpu_wake_all();
    kprintf("bench: native latency-timer-other-core %llu 1\n", (unsigned long long)latency_row(1));
    __atomic_store_n(&lat_phase, 2, __ATOMIC_RELEASE);
    cpu_wake_all();
}

/* Core 1's side of the other-core row: asleep in WFI until it, then its loop. */
static void latency_core1(void) {
    irq_init_core(1);
    while (__atomic_load_n(&lat_phase, __ATOMIC_ACQUIRE) == 0) cpu_wait();
    while (__atomic_load_n(&lat_phase, __ATOMIC_ACQUIRE) == 1)
        if (!nexec_run_once(1)) cpu_wait();
}

void boot_secondary_hook(unsigned core) {
    if (core != 1) return;
    while (__atomic_load_n(&cross_phase, __ATOMIC_ACQUIRE) != 1) wfe();
    for (uint32_t i = 0; i < OPS; i++) {
        /* until core 0 polled the last wake and put the task back to idle */
        while (__atomic_load_n(&cross_polls, __ATOMIC_ACQUIRE) != i ||
               (__atomic_load_n(&cross_task.state, __ATOMIC_ACQUIRE) & (T_RUNNING | T_QUEUED)))
            wfe();
        uint64_t t0 = instructions_now();
        nexec_wake(&cross_task);
        cross_wake += instructions_now() - t0;
    }
    __atomic_store_n(&cross_phase, 2, __ATOMIC_RELEASE);
    dsb_sy();
    sev();
    latency_core1();
}

static uint64_t exec_cross_core(void) {
    cross_task.poll = poll_cross;
    __atomic_store_n(&cross_phase, 1, __ATOMIC_RELEASE);
    dsb_sy();
    sev();
    while (__atomic_load_n(&cross_polls, __ATOMIC_ACQUIRE) < OPS) {
        cross_mark = instructions_now();
        if (nexec_run_once(0)) sev();      /* tell core 1 (outside the figure) */
        else wfe();
    }
    while (__atomic_load_n(&cross_phase, __ATOMIC_ACQUIRE) != 2) wfe();
    /* two reads of the counter per operation (one on each core) are not the executor's */
    uint64_t t0 = instructions_now(), pair = instructions_now() - t0;
    uint64_t total = cross_latency + cross_wake;
    return total > 2 * pair * OPS ? total - 2 * pair * OPS : 0;
}

static void exec_rows(uint64_t base) {
    pending_task = calloc(1, sizeof *pending_task);
    pending_task->poll = poll_pending;
    nexec_spawn_on(0, pending_task);
    nexec_run_once(0);                     /* polled once: now idle, pending */
    row("exec-wake-poll", exec_wake_poll, base);
    row("exec-spawn", exec_spawn, base);
    struct rx_task *rx = calloc(1, sizeof *rx);
    rx->task.poll = poll_rx;
    rx->recv.ch = &chan;
    nexec_spawn_on(0, &rx->task);
    nexec_run_once(0);
    row("exec-channel-msg", exec_channel_msg, base);
    kprintf("bench: figure channel-received-native %u messages\n", rx->sum);
    void *p = malloc(sizeof(struct ntask));
    kprintf("bench: figure task-bytes-native %u bytes\n", (unsigned)(malloc_usable_size(p) + sizeof(size_t)));
    free(p);
}

/* The screen rows: a 640x480 framebuffer from the firmware, as the kernel's
 * screen.open(640, 480) asks for it (one property message; the kernel asks
 * again later and gets the same buffer), mapped as the host maps it
 * (Normal non-cacheable), and filled the way C would: a word at a time. */
static uint32_t fb_msg[36] __attribute__((aligned(16)));
static volatile uint32_t *fb_pixels;
static uint32_t fb_pitch_words, fb_colour;

static int fb_open(void) {
    const uint32_t m[] = { 0, 0,
        0x00048003, 8, 0, 640, 480,      /* physical size */
        0x00048004, 8, 0, 640, 480,      /* virtual size */
        0x00048005, 4, 0, 32,            /* depth */
        0x00048006, 4, 0, 0,             /* pixel order BGR */
        0x00040001, 8, 0, 4096, 0,       /* allocate: bus address, size */
        0x00040008, 4, 0, 0,             /* pitch */
        0 };
    for (unsigned i = 0; i < sizeof m / 4; i++) fb_msg[i] = m[i];
    fb_msg[0] = sizeof m;
    if (mailbox_call(fb_msg, sizeof m, (uint32_t)(uintptr_t)fb_msg | 0xC0000000u) || !fb_msg[23] || !fb_msg[24]) return 0;
    if (mmu_map_uncached(fb_msg[23] & 0x3FFFFFFFu, fb_msg[24]) < 0) return 0;
    fb_pixels = (volatile uint32_t *)(uintptr_t)(fb_msg[23] & 0x3FFFFFFFu);
    fb_pitch_words = fb_msg[28] / 4;
    return 1;
}

static uint8_t copy_from[65536], copy_into[65536];
static void copy_64k(void) { memcpy(copy_into, copy_from, sizeof copy_into); __asm__ volatile("" ::: "memory"); }

/* The bus rows: the register sequences drivers/i2c.ts and drivers/spi.ts
 * make for a write (BCM2835 ARM Peripherals 3.2 and 10.6.1), polled. */
static volatile uint32_t *bsc1, *spi0;
static const uint8_t bus_bytes[9];
static void i2c_write(unsigned n) {
    bsc1[1] = (1u << 9) | (1u << 8) | (1u << 1);           /* S: CLKT, ERR, DONE cleared */
    bsc1[3] = 0x48;                                        /* A */
    bsc1[2] = n;                                           /* DLEN */
    bsc1[0] = (1u << 15) | (1u << 7) | (1u << 5);          /* C: I2CEN, ST, CLEAR */
    for (unsigned i = 0; i < n; i++) { while (!(bsc1[1] & (1u << 4))) {} bsc1[4] = bus_bytes[i]; }
    while (!(bsc1[1] & ((1u << 1) | (1u << 8)))) {}
    bsc1[1] = (1u << 9) | (1u << 8) | (1u << 1);
}
static void i2c_write_1(void) { i2c_write(1); }
static void i2c_write_9(void) { i2c_write(9); }
static void spi_write(unsigned n) {
    spi0[0] = (1u << 4) | (1u << 5);                       /* CS: clear both FIFOs */
    spi0[0] = 1u << 7;                                     /* TA */
    unsigned sent = 0, got = 0;
    while (got < n) {
        uint32_t cs = spi0[0];
        if (sent < n && (cs & (1u << 18))) { spi0[1] = bus_bytes[sent++]; continue; }
        if (cs & (1u << 17)) { (void)spi0[1]; got++; }
    }
    while (!(spi0[0] & (1u << 16))) {}
    spi0[0] = (1u << 4) | (1u << 5);                       /* TA off */
}
static void spi_write_1(void) { spi_write(1); }
static void spi_write_9(void) { spi_write(9); }

static void screen_fill(void) {
    uint32_t c = fb_colour++;
    for (uint32_t y = 0; y < 480; y++) {
        volatile uint32_t *row = fb_pixels + y * fb_pitch_words;
        for (uint32_t x = 0; x < 640; x++) row[x] = c;
    }
}

extern uint64_t first_uart_byte_instructions;
static size_t heap_before_wasm3;

void boot_bench_hook(void) {
    uint64_t started = instructions_now();
    kprintf("bench: figure boot-first-uart-byte %llu instructions\n", (unsigned long long)first_uart_byte_instructions);
    compute_setup();
    uint64_t base1 = run_n(empty, 1);
    const struct { const char *name; op_fn f; } compute[] = {
        { "fib-20", fib20 }, { "sieve-8192", sieve }, { "crc32-64k", crc32_64k }, { "matmul-64", matmul64 },
    };
    for (unsigned i = 0; i < sizeof compute / sizeof compute[0]; i++) {
        uint64_t n = run_n(compute[i].f, 1);
        kprintf("bench: native %s %llu 1 (result %u)\n", compute[i].name, (unsigned long long)(n > base1 ? n - base1 : 0), result);
    }
    mmio_reg = (volatile uint32_t *)(uintptr_t)(board->peripheral_base + 0x3004);   /* system timer CLO */
    uint64_t base = run(empty);
    row("mmio-read", mmio_read, base);
    row("atomic-add", atomic_add, base);
    row("lock-unlock", lock_unlock, base);
    row("alloc-free-64", alloc_free_64, base);
    row("realloc-grow", realloc_grow, base);
    /* pin 17 as an output (GPFSEL1 bits 21-23 = 001), as the wasm3 side's driver does */
    volatile uint32_t *gpio = (volatile uint32_t *)(uintptr_t)(board->peripheral_base + 0x200000);
    gpio[1] = (gpio[1] & ~(7u << 21)) | (1u << 21);
    gpset0 = gpio + 0x1c / 4;
    gpclr0 = gpio + 0x28 / 4;
    row("gpio-toggle", gpio_toggle, base);
    gpio[1] &= ~(7u << 21);
    exec_rows(base);
    { uint64_t n = run_n(copy_64k, 1); kprintf("bench: native copy-64k %llu 1\n", (unsigned long long)(n > base1 ? n - base1 : 0)); }
    bsc1 = (volatile uint32_t *)(uintptr_t)(board->peripheral_base + 0x804000);
    spi0 = (volatile uint32_t *)(uintptr_t)(board->peripheral_base + 0x204000);
    spi0[2] = 26;                                          /* CLK: as the driver's 10 MHz from the core clock */
    const struct { const char *name; op_fn f; } buses[] = {
        { "i2c-write-1", i2c_write_1 }, { "i2c-write-9", i2c_write_9 }, { "spi-write-1", spi_write_1 }, { "spi-write-9", spi_write_9 },
    };
    for (unsigned i = 0; i < sizeof buses / sizeof buses[0]; i++) {
        uint64_t n = run_n(buses[i].f, 1);
        kprintf("bench: native %s %llu 1\n", buses[i].name, (unsigned long long)(n > base1 ? n - base1 : 0));
    }
    if (fb_open()) {
        uint64_t n = run_n(screen_fill, 1);
        kprintf("bench: native screen-fill %llu 1\n", (unsigned long long)(n > base1 ? n - base1 : 0));
    }
    heap_before_wasm3 = mallinfo().uordblks;
    /* So that tools/bench/bench.ts can take this hook out of the boot figure. */
    kprintf("bench: figure native-rows %llu instructions\n", (unsigned long long)(instructions_now() - started));
    console_flush();
}

/* Core 0, after the other cores are released: the cross-core row, with core
 * 1 in boot_secondary_hook. (Under -icount the PMU counts the instructions
 * of every core, so the figure is taken where only these two run between
 * the marks; see exec_cross_core.) */
void boot_bench_smp_hook(void) {
    uint64_t started = instructions_now();
    /* wasm_load_all ran between the two hooks: the C heap it took, per core. */
    kprintf("bench: figure wasm3-runtime-bytes %u bytes\n", (unsigned)((mallinfo().uordblks - heap_before_wasm3) / 4));
    kprintf("bench: native exec-wake-cross-core %llu %u\n", (unsigned long long)exec_cross_core(), OPS);
    latency_rows();
    kprintf("bench: figure native-smp-rows %llu instructions\n", (unsigned long long)(instructions_now() - started));
    console_flush();
}
