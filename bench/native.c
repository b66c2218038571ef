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
#include <stdint.h>
#include <stdlib.h>

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

static volatile uint32_t *mmio_reg;
static void mmio_read(void) { result = *mmio_reg; __asm__ volatile("dmb sy" ::: "memory"); }

static uint64_t run_n(op_fn f, int ops) {
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

extern uint64_t first_uart_byte_instructions;

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
    /* So that tools/bench.ts can take this hook out of the boot figure. */
    kprintf("bench: figure native-rows %llu instructions\n", (unsigned long long)(instructions_now() - started));
    console_flush();
}
