/* host_atomic.c: host module "atomic": atomic operations on the shared
 * linear memory, which wasm3 cannot do itself (it has no 0xFE opcodes).
 *
 * The Cortex-A53 (Pi 3) and Cortex-A72 (Pi 4) are ARMv8.0 cores without the
 * LSE atomics, so gcc (-mcpu=cortex-a53 -mno-outline-atomics) turns every
 * __atomic builtin below into an LDAXR/STLXR loop; loads are LDAR and
 * stores STLR. Read-modify-writes are sequentially consistent. They work
 * because the window is Normal, cacheable, inner-shareable memory on every
 * core (mmu.c): exclusives on non-cacheable memory are not guaranteed.
 *
 * Every address is a wasm address: it must be naturally aligned and inside
 * the memory, or the call traps with a message naming the address. */
#include "host.h"
#include "arch.h"

/* Off the fast path: the message for an address that fails the check. */
static __attribute__((noinline, cold, returns_nonnull)) const char *refuse(uint32_t addr, uint32_t size, const char *op) {
    if (addr & (size - 1))
        return host_refuse("atomic.%s: address 0x%08x is not %u-byte aligned", op, addr, size);
    return host_refuse("atomic.%s: address 0x%08x is past the end of memory", op, addr);
}

/* Aligned and inside the shared window (the memory cannot grow: its size is the window's). */
#define CHECKED(T, ptr, op)                                                         \
    m3ApiGetArg(uint32_t, addr_);                                                   \
    if (__builtin_expect((addr_ & (sizeof(T) - 1)) ||                               \
                         (uint64_t)addr_ + sizeof(T) > WASM_WINDOW_BYTES, 0))        \
        m3ApiTrap(refuse(addr_, sizeof(T), op));                                    \
    T *ptr = (T *)m3ApiOffsetToPtr(addr_)

#define LOAD(name, T)                                                      \
    m3ApiRawFunction(h_atomic_##name) {                                    \
        m3ApiReturnType(T);                                                \
        CHECKED(T, p, #name);                                              \
        m3ApiReturn(__atomic_load_n(p, __ATOMIC_ACQUIRE));                 \
    }
#define STORE(name, T)                                                     \
    m3ApiRawFunction(h_atomic_##name) {                                    \
        CHECKED(T, p, #name);                                              \
        m3ApiGetArg(T, v);                                                 \
        __atomic_store_n(p, v, __ATOMIC_RELEASE);                          \
        m3ApiSuccess();                                                    \
    }
#define RMW(name, T, builtin)                                              \
    m3ApiRawFunction(h_atomic_##name) {                                    \
        m3ApiReturnType(T);                                                \
        CHECKED(T, p, #name);                                              \
        m3ApiGetArg(T, v);                                                 \
        m3ApiReturn(builtin(p, v, __ATOMIC_SEQ_CST));                      \
    }
#define CAS(name, T)                                                       \
    m3ApiRawFunction(h_atomic_##name) {                                    \
        m3ApiReturnType(T);                                                \
        CHECKED(T, p, #name);                                              \
        m3ApiGetArg(T, expected);                                          \
        m3ApiGetArg(T, desired);                                           \
        __atomic_compare_exchange_n(p, &expected, desired, 0,              \
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);   \
        m3ApiReturn(expected);  /* the value found: swapped if equal */    \
    }

LOAD(load32, uint32_t)
LOAD(load64, uint64_t)
STORE(store32, uint32_t)
STORE(store64, uint64_t)
RMW(add32, uint32_t, __atomic_fetch_add)
RMW(add64, uint64_t, __atomic_fetch_add)
RMW(xchg32, uint32_t, __atomic_exchange_n)
RMW(xchg64, uint64_t, __atomic_exchange_n)
RMW(and32, uint32_t, __atomic_fetch_and)
RMW(or32, uint32_t, __atomic_fetch_or)
CAS(cas32, uint32_t)
CAS(cas64, uint64_t)

m3ApiRawFunction(h_atomic_fence) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    m3ApiSuccess();
}

/* wait32(addr, expected): sleeps while the word holds `expected`. LDAXR arms
 * this core's exclusive monitor on the word; a store to it by another core
 * clears the monitor, which is a wake-up event for WFE (ARM ARM D1.16.1),
 * so no SEV is needed, though one does no harm. Returns the new value. */
m3ApiRawFunction(h_atomic_wait32) {
    m3ApiReturnType(uint32_t);
    CHECKED(uint32_t, p, "wait32");
    m3ApiGetArg(uint32_t, expected);
    uint32_t v;
    for (;;) {
        __asm__ volatile("ldaxr %w0, [%1]" : "=r"(v) : "r"(p) : "memory");
        if (v != expected) break;
#ifndef AOT_NO_PUSH
        if (__builtin_expect(push_pending, 0)) {            /* leave the kernel for a push (docs/push.md) */
            __asm__ volatile("clrex" ::: "memory");
            m3ApiTrap(host_handover);
        }
#endif
        wfe();
    }
    __asm__ volatile("clrex" ::: "memory");
    m3ApiReturn(v);
}
