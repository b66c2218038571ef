/* host_common.c: what both backends share around the host functions (the
 * interpreter, host.c, and the AOT runtime, boot/aot/aot.c): the refusal
 * messages, the "already printed" marker, and which cores run a kernel. */
#include "host.h"
#include "arch.h"
#include "console.h"
#include "push.h"
#include "semihost.h"
#include "wake.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

volatile uint32_t cores_running;
const char host_panicked[] = "[host] panic reported";

static char refusals[MAX_CORES][160];

const char *host_refuse(const char *fmt, ...) {
    char *buf = refusals[core_id()];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof refusals[0], fmt, ap);
    va_end(ap);
    return buf;
}

void host_core_enters(unsigned core) {
    __atomic_or_fetch(&cores_running, 1u << core, __ATOMIC_ACQ_REL);
    watch_core_entered(core);
    cpu_wake_all();
}

/* Module variables are initialised once (docs/memory-model.md): core 0 runs
 * _initialize, the kernel's top-level code, and the other cores wait for it
 * and skip it: their own globals (the @perCore variables) start from their
 * constant initial values. A trap in it keeps every core out of the kernel. */
static volatile uint32_t init_state;     /* 0: not yet, 1: done, 2: core 0 trapped in it */

void host_init_finished(int ok) {
    __atomic_store_n(&init_state, ok ? 1 : 2, __ATOMIC_RELEASE);
    cpu_wake_all();
}

int host_wait_for_init(void) {
    uint32_t s;
    while (!(s = __atomic_load_n(&init_state, __ATOMIC_ACQUIRE))) cpu_wait();
    return s == 1;
}

unsigned host_push_wait_ms;

void host_init_failed(int push_wanted) {
    console_flush();
    if (push_wanted) return;
    kprintf("boot: error: the kernel's top-level code stopped (above) before any core could start it; stopping\n");
    console_flush();
    sys_exit(EXIT_INIT_FAILED);
}

int host_init_pending(void) { return !__atomic_load_n(&init_state, __ATOMIC_ACQUIRE); }

void host_init_reset(void) { __atomic_store_n(&init_state, 0, __ATOMIC_RELEASE); }

void host_core_leaves(unsigned core) {
    __atomic_and_fetch(&cores_running, ~(1u << core), __ATOMIC_ACQ_REL);
    watch_core_left(core);
    cpu_wake_all();
}

/* The string is read from the shared window with its bounds checked: the
 * kernel that trapped may have broken anything. */
const char *async_where(unsigned core, uint32_t at, uint32_t line) {
    static char where[MAX_CORES][160];
    size_t window = (size_t)(__shared_end - __shared_start);
    if (!at || at < 4 || at >= window) return "";
    const uint8_t *mem = (const uint8_t *)(uintptr_t)WASM_WINDOW_VA;
    uint32_t bytes;
    memcpy(&bytes, mem + at - 4, 4);
    if (bytes > 2 * 100 || (size_t)at + bytes > window) return "";
    char text[101];
    unsigned n = 0;
    for (uint32_t i = 0; i + 1 < bytes && n < 100; i += 2) {
        uint16_t u;
        memcpy(&u, mem + at + i, 2);
        text[n++] = u >= 32 && u < 127 ? (char)u : '?';
    }
    text[n] = 0;
    snprintf(where[core], sizeof where[0], ", in async function %s at line %u", text, (unsigned)line);
    return where[core];
}

/* ---- push (docs/push.md) ---------------------------------------------------
 * A kernel's reads of the UART's data register go past push_snoop
 * (host_mmio.c), which watches them for the push request. wasm3's images
 * (host.c) then stop the kernel on every core and take the new module; an
 * aot image does not watch a running kernel (native code does not travel):
 * the sender's time-out says what to check, and where no kernel runs the
 * image refuses the request itself (below). */
const char host_handover[] = "[host] handing over to a pushed kernel";
volatile uint32_t push_pending;
static unsigned snoop_state;

const char *push_snoop(uint32_t dr) {
    if (!push_match(&snoop_state, (uint8_t)dr)) return 0;
    snoop_state = 0;
    return wasm_push_requested();
}
