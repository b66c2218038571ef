/* unit.c: one translation unit per aot image (make BACKEND=aot): wasm2c's
 * output for this image's kernel.wasm, the hot host modules (mmio, atomic,
 * queue) and the import adapters tools/abi/gen.ts writes. In one unit gcc
 * inlines the host function into its adapter (the wasm3-style argument
 * stack becomes registers) and the adapter into the generated code, so a
 * host call costs about what the check and the access cost; the functions
 * are the very ones wasm3 calls (boot/wasm/host_*.c), checks included. The
 * other host modules are called, not inlined (they are not on hot paths).
 * Each host file's private helpers are renamed so they do not meet. */
/* Loads and stores address the window from its fixed place (tools/kernel/aot-fixed-memory.ts). */
#include "mmu.h"
#define AOT_MEMORY_BASE ((u8 *)(uintptr_t)WASM_WINDOW_VA)
#include "kernel.c"
#include "wasm/host.h"

/* No push in an aot image (native code does not travel, docs/push.md): no
 * watch on the UART's reads, whose compare would cost every MMIO read its
 * frame here, and no look at push_pending in the hot host calls. */
#define AOT_NO_PUSH

/* Here the hot host functions are static and always inlined into their
 * adapters (the stub's other code never calls them; wasm3's table is not in
 * an aot image). */
#undef m3ApiRawFunction
#define m3ApiRawFunction(NAME) \
    static inline __attribute__((always_inline)) const void *NAME(IM3Runtime runtime, IM3ImportContext _ctx, uint64_t *_sp, void *_mem)

#define refuse refuse_mmio
#define CHECK CHECK_mmio
#include "wasm/host_mmio.c"
#undef refuse
#undef CHECK

#define refuse refuse_atomic
#include "wasm/host_atomic.c"
#undef refuse

#define refuse refuse_queue
#include "wasm/host_queue.c"
#undef refuse

#undef m3ApiRawFunction
#define m3ApiRawFunction(NAME) const void *NAME(IM3Runtime runtime, IM3ImportContext _ctx, uint64_t *_sp, void *_mem)

/* Their adapters are inlined wherever the generated code calls them. */
#define AOT_ADAPTER_mmio inline __attribute__((always_inline))
#define AOT_ADAPTER_atomic inline __attribute__((always_inline))
#define AOT_ADAPTER_queue inline __attribute__((always_inline))
#include "aot_imports.c"
