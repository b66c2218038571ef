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

static uint64_t run(op_fn f) {
    uint64_t best[REPS];
    for (int r = 0; r < REPS; r++) {
        uint64_t t0 = instructions_now();
        for (int i = 0; i < OPS; i++) f();
        best[r] = instructions_now() - t0;
    }
    for (int i = 1; i < REPS; i++)             /* median: sort the few samples */
        for (int j = i; j > 0 && best[j - 1] > best[j]; j--) {
            uint64_t t = best[j]; best[j] = best[j - 1]; best[j - 1] = t;
        }
    return best[REPS / 2];
}

static void row(const char *name, op_fn f, uint64_t base) {
    uint64_t n = run(f);
    kprintf("bench: native %s %llu %u\n", name, (unsigned long long)(n > base ? n - base : 0), OPS);
}

void boot_bench_hook(void) {
    uint64_t base = run(empty);
    row("atomic-add", atomic_add, base);
    row("lock-unlock", lock_unlock, base);
    row("alloc-free-64", alloc_free_64, base);
    row("realloc-grow", realloc_grow, base);
    console_flush();
}
