/* host_queue.c: host module "queue": the executor's run queues, a push or
 * a pop in one host call (tools/abi/spec.ts has the layout). In
 * AssemblyScript each was four host calls (the lock's exchange, the list
 * under it, the unlock's store-release), the largest part of a wake and a
 * poll under wasm3. The lock word is the AssemblyScript SpinLock's, with the
 * same protocol, so anything else that takes it (a stealing core looking at
 * the length) agrees. Every address, including the links read from the
 * queue, is checked before use: a kernel that broke its queue traps. */
#include "host.h"
#include "arch.h"

static __attribute__((noinline, cold, returns_nonnull)) const char *refuse(const char *op, const char *what, uint32_t addr) {
    return host_refuse("queue.%s: %s 0x%08x is not 4-byte aligned or runs past the end of memory", op, what, addr);
}

/* A 4-byte word at `addr`, `bytes` long from there, inside the window. */
static inline int ok(uint32_t addr, uint32_t bytes) {
    return !(addr & 3) && (uint64_t)addr + bytes <= WASM_WINDOW_BYTES;
}

#define WORD(mem, addr) (*(volatile uint32_t *)((uint8_t *)(mem) + (addr)))

static inline void lock(volatile uint32_t *w) {
    while (__atomic_exchange_n(w, 1, __ATOMIC_SEQ_CST) != 0) {
        uint32_t v;
        for (;;) {                  /* as atomic.wait32: the exclusive monitor wakes WFE */
            __asm__ volatile("ldaxr %w0, [%1]" : "=r"(v) : "r"(w) : "memory");
            if (v == 0) break;
            wfe();
        }
        __asm__ volatile("clrex" ::: "memory");
    }
}

static inline void unlock(volatile uint32_t *w) { __atomic_store_n(w, 0, __ATOMIC_RELEASE); }

m3ApiRawFunction(h_queue_push) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, q);
    m3ApiGetArg(uint32_t, task);
    m3ApiGetArg(uint32_t, next);
    if (__builtin_expect(!ok(q, 16), 0)) m3ApiTrap(refuse("push", "queue", q));
    if (__builtin_expect(!ok(next, 4) || next > 256 || !ok(task + next, 4) || !task, 0)) m3ApiTrap(refuse("push", "task", task));
    WORD(_mem, task + next) = 0;
    lock(&WORD(_mem, q));
    uint32_t tail = WORD(_mem, q + 8);
    if (tail) {
        if (__builtin_expect(!ok(tail + next, 4), 0)) { unlock(&WORD(_mem, q)); m3ApiTrap(refuse("push", "last task", tail)); }
        WORD(_mem, tail + next) = task;
    } else {
        WORD(_mem, q + 4) = task;
    }
    WORD(_mem, q + 8) = task;
    uint32_t len = WORD(_mem, q + 12) + 1;
    WORD(_mem, q + 12) = len;
    unlock(&WORD(_mem, q));
    m3ApiReturn(len);
}

m3ApiRawFunction(h_queue_pop) {
#ifndef AOT_NO_PUSH
    if (__builtin_expect(push_pending, 0)) m3ApiTrap(host_handover);   /* the executor's step: leave for a push */
#endif
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, q);
    m3ApiGetArg(uint32_t, next);
    if (__builtin_expect(!ok(q, 16) || !ok(next, 4) || next > 256, 0)) m3ApiTrap(refuse("pop", "queue", q));
    lock(&WORD(_mem, q));
    uint32_t head = WORD(_mem, q + 4);
    if (head) {
        if (__builtin_expect(!ok(head + next, 4), 0)) { unlock(&WORD(_mem, q)); m3ApiTrap(refuse("pop", "first task", head)); }
        uint32_t after = WORD(_mem, head + next);
        WORD(_mem, q + 4) = after;
        if (!after) WORD(_mem, q + 8) = 0;
        WORD(_mem, q + 12) = WORD(_mem, q + 12) - 1;
    }
    unlock(&WORD(_mem, q));
    m3ApiReturn(head);
}

m3ApiRawFunction(h_queue_pop_for) {
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, q);
    m3ApiGetArg(uint32_t, next);
    m3ApiGetArg(uint32_t, word);
    m3ApiGetArg(uint32_t, bits);
    if (__builtin_expect(!ok(q, 16) || !ok(next, 4) || next > 256 || !ok(word, 4) || word > 256, 0)) m3ApiTrap(refuse("popFor", "queue", q));
    lock(&WORD(_mem, q));
    uint32_t prev = 0, t = WORD(_mem, q + 4);
    while (t) {
        if (__builtin_expect(!ok(t + next, 4) || !ok(t + word, 4), 0)) { unlock(&WORD(_mem, q)); m3ApiTrap(refuse("popFor", "task", t)); }
        uint32_t after = WORD(_mem, t + next);
        if (WORD(_mem, t + word) & bits) {          /* unlink it: the others keep their order */
            if (prev) WORD(_mem, prev + next) = after; else WORD(_mem, q + 4) = after;
            if (WORD(_mem, q + 8) == t) WORD(_mem, q + 8) = prev;
            WORD(_mem, q + 12) = WORD(_mem, q + 12) - 1;
            break;
        }
        prev = t, t = after;
    }
    unlock(&WORD(_mem, q));
    m3ApiReturn(t);
}
