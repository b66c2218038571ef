/* host.c: embeds wasm3 and runs kernel.wasm on every core.
 *
 * kernel.wasm is linked into the image (payload.S). Core 0 parses it once
 * per core, loads each copy into that core's own wasm3 runtime, links the
 * host ABI (generated table, one host_<module>.c per import module) and
 * compiles every function, all before releasing the other cores: wasm3's
 * loader and allocator are not thread-safe, its interpreter is.
 *
 * The four runtimes share one linear memory: see share_memory() and mmu.c.
 * wasm globals stay per runtime, so a global is core-local storage; after
 * tools/kernel/share-globals.ts only the @perCore variables (and asc's own) are globals.
 *
 * Core 0 then calls _initialize (AssemblyScript's top-level code, once: it
 * sets the module variables every core shares, docs/memory-model.md), the
 * others wait for it, and each core calls
 * kernel_start(core). A trap prints `panic: core N: ...` and parks that core
 * only.
 */
#include "host.h"
#include "push.h"
#include "semihost.h"
#include "irq.h"
#include "wake.h"
#include "uart.h"
#include "arch.h"
#include "console.h"
#include "mmu.h"
#include "trap_frame.h"
#include "m3_env.h"   /* M3Runtime and M3Memory: the window needs their fields */
#include <malloc.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#define VALUE_STACK_BYTES (64 * 1024)
/* wasm3 allocates each runtime's memory itself and writes the data segments
 * there; we cap that allocation (runtime->memoryLimit) at what the data
 * segments need, rounded up to a page, and move the result into the shared
 * window. A segment whose offset is not a constant (asc never writes one)
 * makes it this: */
#define STATIC_DATA_LIMIT (1u << 20)

/* Bytes of linear memory the module's data segments reach: the largest
 * offset + size, for offsets that are `i32.const N` (signed LEB128). */
static size_t static_data_bytes(IM3Module module) {
    size_t end = 0;
    for (u32 i = 0; i < module->numDataSegments; i++) {
        const M3DataSegment *d = &module->dataSegments[i];
        const u8 *p = d->initExpr, *stop = d->initExpr + d->initExprSize;
        if (!p || p >= stop || *p++ != 0x41) return STATIC_DATA_LIMIT;
        int64_t offset = 0;
        unsigned shift = 0;
        u8 byte;
        do {
            if (p >= stop || shift > 35) return STATIC_DATA_LIMIT;
            byte = *p++;
            offset |= (int64_t)(byte & 0x7f) << shift;
            shift += 7;
        } while (byte & 0x80);
        if (shift < 64 && (byte & 0x40)) offset |= -((int64_t)1 << shift);
        if (offset < 0) return STATIC_DATA_LIMIT;
        if ((size_t)offset + d->size > end) end = (size_t)offset + d->size;
    }
    size_t pages = (end + WASM_PAGE - 1) / WASM_PAGE;
    return (pages ? pages : 1) * WASM_PAGE;
}

extern const uint8_t kernel_wasm[];
extern const uint8_t kernel_wasm_end[];

static IM3Environment env;
static IM3Runtime runtimes[MAX_CORES];
static IM3Module modules[MAX_CORES];
static M3MemoryHeader *own_headers[MAX_CORES];   /* wasm3's own memory buffer, given back before a runtime is freed */

/* The module the runtimes run: the one in the image, or the last pushed one
 * (docs/push.md). wasm3 keeps pointers into it, so it stays where it is. */
static const uint8_t *module_bytes;
static volatile uint32_t generation;         /* bumped once the runtimes are ready again after a push */
static size_t module_size;
/* wasm3's result ("function lookup failed") with its detail ("'cpu.teleport'"). */
static const char *detail(IM3Runtime rt, M3Result r) {
    M3ErrorInfo info;
    m3_GetErrorInfo(rt, &info);
    if (!info.message || !info.message[0]) return r;
    return host_refuse("%s: %s", r, info.message);
}

/* Points runtime `core` at the shared window. Core 0 first copies the
 * static data (runtime 0's data segments) into the window and zeroes the
 * rest, as wasm requires of fresh memory. Each core's copy of the wasm3
 * header goes to its private page, which that core (and only it) sees at
 * WASM_WINDOW_VA - 24. The memory cannot grow: maxPages = numPages, so
 * memory.grow returns -1 and wasm3 never reallocates the window. */
static const char *share_memory(unsigned core) {
    IM3Runtime rt = runtimes[core];
    M3Memory *m = &rt->memory;
    size_t window = (size_t)(__shared_end - __shared_start);
    M3MemoryHeader *own = m->mallocated;
    if (!own) return "it has no linear memory (AssemblyScript always exports one: was it built with asc?)";
    if ((size_t)m->numPages * WASM_PAGE != window || m->maxPages != m->numPages)
        return host_refuse("it declares %u to %u pages of memory, but this image shares exactly %u pages "
                           "(%u MiB) between the cores: build both with the same KERNEL_MEMORY_MB",
                           (unsigned)m->numPages, (unsigned)m->maxPages, (unsigned)(window / WASM_PAGE),
                           (unsigned)(window >> 20));
    uint8_t *data = (uint8_t *)(uintptr_t)WASM_WINDOW_VA;
    own_headers[core] = own;
    if (core == 0) {
        memcpy(data, (uint8_t *)(own + 1), own->length);
        memset(data + own->length, 0, window - own->length);
    }
    M3MemoryHeader *mine = (M3MemoryHeader *)(mmu_header_page(core) + 4096 - sizeof *mine);
    mine->runtime = rt;
    mine->maxStack = own->maxStack;
    mine->length = window;
    m->mallocated = (M3MemoryHeader *)(uintptr_t)(WASM_WINDOW_VA - sizeof *mine);
    m->maxPages = m->numPages;
    /* (own, wasm3's own buffer of the static data's pages, stays
     * allocated: freeing it made picolibc's malloc walk a long free list
     * in every later allocation.) */
    dsb_sy();
    return 0;
}

static const char *load_one(unsigned core) {
    IM3Module module;
    M3Result r;
    if (!module_bytes) module_bytes = kernel_wasm, module_size = (size_t)(kernel_wasm_end - kernel_wasm);
    size_t size = module_size;

    runtimes[core] = m3_NewRuntime(env, VALUE_STACK_BYTES, (void *)(uintptr_t)core);
    if (!runtimes[core]) return "out of memory for the wasm3 runtime";
    if ((r = m3_ParseModule(env, &module, module_bytes, (uint32_t)size))) return r;
    runtimes[core]->memoryLimit = static_data_bytes(module);
    if ((r = m3_LoadModule(runtimes[core], module))) {
        const char *why = detail(runtimes[core], r);
        if (strstr(why, "data segment out of bounds"))
            why = host_refuse("its static data does not fit in the first %u KiB of memory",
                              (unsigned)(runtimes[core]->memoryLimit >> 10));
        m3_FreeModule(module);
        return why;
    }
    modules[core] = module;                      /* the runtime owns it now */
    for (unsigned i = 0; i < host_import_count; i++) {
        const struct host_import *h = &host_imports[i];
        r = m3_LinkRawFunction(module, h->module, h->name, h->signature, h->fn);
        if (r && r != m3Err_functionLookupFailed)
            return host_refuse("import %s.%s: %s (the kernel was built for another host ABI?)", h->module, h->name, r);
    }
    if ((r = m3_CompileModule(module))) return detail(runtimes[core], r);
    const char *why = share_memory(core);
    if (why) return why;
    IM3Function f;
    if ((r = m3_FindFunction(&f, runtimes[core], "kernel_start")))
        return "it exports no kernel_start(core: u32) function";
    if (m3_GetArgCount(f) != 1 || m3_GetRetCount(f) != 0)
        return "kernel_start must take one argument (the core) and return nothing";
    return 0;
}

const char *wasm_backend(void) {
    static char text[64];
    snprintf(text, sizeof text, "kernel.wasm %u bytes, wasm3 %s", (unsigned)(module_bytes ? module_size : (size_t)(kernel_wasm_end - kernel_wasm)), M3_VERSION);
    return text;
}

/* The instructions the first load took (the image's module at boot; 0 without -icount): a push's load is compared with it. */
static uint64_t first_load_instructions;

const char *wasm_load_all(unsigned cores) {
    uint64_t started = instructions_now();
    env = m3_NewEnvironment();
    if (!env) return "out of memory for the wasm3 environment";
    for (unsigned c = 0; c < cores; c++) {
        const char *why = load_one(c);
        if (why) return why;
    }
    if (!first_load_instructions) first_load_instructions = instructions_now() - started;
    return 0;
}

/* The async location (async_where), from the two exports the kernel's entry has; or "". */
const char *wasm_async_location(unsigned core) {
    IM3Module module = modules[core];
    IM3Global gname = module ? m3_FindGlobal(module, "__async_name") : 0;
    IM3Global gline = module ? m3_FindGlobal(module, "__async_line") : 0;
    M3TaggedValue name, line;
    if (!gname || !gline || m3_GetGlobal(gname, &name) || m3_GetGlobal(gline, &line)) return "";
    return async_where(core, (uint32_t)name.value.i32, (uint32_t)line.value.i32);
}

static void report_trap(unsigned core, IM3Runtime rt, M3Result r) {
    if (r == host_panicked) return;
    const char *fn = 0;
    IM3BacktraceInfo bt = m3_GetBacktrace(rt);
    if (bt && bt->frames && bt->frames->function) fn = m3_GetFunctionName(bt->frames->function);
    if (!fn) {
        M3ErrorInfo info;
        m3_GetErrorInfo(rt, &info);
        if (info.function) fn = m3_GetFunctionName(info.function);
    }
    console_flush();
    const char *where = wasm_async_location(core);
    if (fn) kprintf("panic: core %u: %s in %s%s\n", core, r, fn, where);
    else kprintf("panic: core %u: %s%s\n", core, r, where);
}

static M3Result call_start(unsigned core, IM3Function start);

void wasm_run(unsigned core) {
    IM3Runtime rt = runtimes[core];
    IM3Function init = 0, start = 0;
    M3Result r = 0;

    host_core_enters(core);
    if (core == 0) {
        if (m3_FindFunction(&init, rt, "_initialize") == m3Err_none) r = m3_CallV(init);
        host_init_finished(!r);
        if (r && r != host_handover) {
            report_trap(core, rt, r);
            /* A pushed kernel's failure leaves the run to the next push, as a boot window does. */
            host_init_failed(host_push_wait_ms != 0 || __atomic_load_n(&generation, __ATOMIC_ACQUIRE) != 0);
            host_core_leaves(core);
            return;
        }
    } else if (!host_wait_for_init()) {
        host_core_leaves(core);                   /* core 0's top-level code trapped: no kernel to run */
        return;
    }
    if (!r) r = m3_FindFunction(&start, rt, "kernel_start");
    if (!r) r = call_start(core, start);
    /* A trap the kernel may recover from: kernel_start again, on the same runtime (sys.trapped). */
    while (r && r != host_handover) {
        report_trap(core, rt, r);
        if (!host_recover_after_trap(core)) break;
        console_flush();
        r = call_start(core, start);
    }
    console_flush();
    host_core_leaves(core);
}

/* ---- leaving a kernel from an interrupt, for a push (host_watch.c) ---------
 * A core whose kernel never returns to a host call (a loop in one poll)
 * would keep a push waiting for ever. The watchdog's tick, taken while the
 * interpreter runs its ops, makes the interrupt return into abandon_kernel,
 * which jumps back to call_start as if kernel_start had returned the
 * handover. Only from the ops (the Makefile puts every op in
 * .text.wasm3_ops, between these two symbols): there the core holds no lock
 * of the stub's (the console's, the C heap's), which a jump out of a host
 * function could leave held. The runtime is left mid-call; take_push frees
 * it with the others and makes them all again. */
extern const char __wasm3_ops_start[], __wasm3_ops_end[];
static jmp_buf leave_kernel[MAX_CORES];
static volatile uint8_t in_kernel[MAX_CORES];

static M3Result call_start(unsigned core, IM3Function start) {
    if (setjmp(leave_kernel[core])) {
        in_kernel[core] = 0;
        return host_handover;
    }
    in_kernel[core] = 1;
    M3Result r = m3_CallV(start, (uint32_t)core);
    in_kernel[core] = 0;
    return r;
}

static void abandon_kernel(void) { longjmp(leave_kernel[core_id()], 1); }

int wasm_abandon(struct trap_frame *f) {
    unsigned core = core_id();
    if (!in_kernel[core]) return 0;
    if (f->elr < (uintptr_t)__wasm3_ops_start || f->elr >= (uintptr_t)__wasm3_ops_end) return 0;
    f->elr = (uintptr_t)abandon_kernel;
    return 1;
}

int wasm_takes_push(void) { return 1; }

/* ---- push: a new kernel.wasm into the running board (docs/push.md) --------- */
#define PUSH_MAX (1u << 20)
static uint8_t push_buffers[2][PUSH_MAX] __attribute__((aligned(16)));
static unsigned push_next;                   /* the buffer the next push goes to: not the running module's */

/* With wasm3 a kernel cannot fault: every access is checked before it is
 * made, so a synchronous exception while it runs is the stub's own bug
 * (the crash dump). (The aot backend takes some: boot/aot/aot.c.) */
int wasm_fault(struct trap_frame *f) { (void)f; return 0; }

const char *wasm_push_requested(void) {
    __atomic_store_n(&push_pending, 1, __ATOMIC_RELEASE);
    cpu_wake_all();                           /* waiting cores look at push_pending */
    return host_handover;
}

/* Gives every runtime and the environment back to wasm3's heap. */
static void free_all(void) {
    for (unsigned c = 0; c < MAX_CORES; c++) {
        if (runtimes[c]) {
            if (own_headers[c]) runtimes[c]->memory.mallocated = own_headers[c];
            /* The backtrace of the last trap (every core that left for the
             * push has one: the handover is a trap to wasm3). wasm3 0.5.0
             * frees it only at its next call, not in m3_FreeRuntime: 96
             * bytes a core lost per push (tests/qemu/push.test.ts). */
            ClearBacktrace(runtimes[c]);
            m3_FreeRuntime(runtimes[c]);
        }
        runtimes[c] = 0, modules[c] = 0, own_headers[c] = 0;
    }
    if (env) m3_FreeEnvironment(env);
    env = 0;
}

static void push_line(const char *line) { kprintf("%s", line); console_flush(); }

/* Core 0, once no core runs the kernel: receive, check as at boot, and make
 * the runtimes again, of the new module or, refused, of the one that ran
 * (none at boot when the image's own was rejected: then wait for the next). */
static void take_push(void) {
    /* Under QEMU, a module may come as the host's file (semihosting): make push through make qemu's console. */
    const struct push_io io = { uart_getc_timeout, push_line, uart_set_baud, semihost_available() ? semihost_read_file : 0 };
    size_t len = 0;
    const char *why = push_receive(&io, push_buffers[push_next], PUSH_MAX, &len);
    const uint8_t *old = module_bytes;
    size_t old_size = module_size;
    uint64_t load_started = instructions_now();
    irq_reset_peripherals();                  /* the old kernel's interrupts end with it */
    free_all();
    if (!why) {
        module_bytes = push_buffers[push_next], module_size = len;
        const char *bad = wasm_load_all(MAX_CORES);
        if (!bad) {
            kprintf("push: accepted %u, booting\n", (unsigned)len);
            push_next ^= 1;
        } else {
            kprintf("push: refused: kernel.wasm rejected: %s\n", bad);
            free_all();
            why = bad;
        }
    }
    if (why && old) {                         /* back to the kernel that ran, from its start */
        module_bytes = old, module_size = old_size;
        const char *bad = wasm_load_all(MAX_CORES);
        if (bad) {
            kprintf("panic: core 0: the kernel that ran before the push no longer loads: %s\n", bad);
            free_all();
            module_bytes = 0;
        }
    }
    uint64_t load_instructions = instructions_now() - load_started;
    console_flush();
    if (push_end(&io)) {
        /* Back at the kernel's rate: give the host time to switch too
         * before anything more is said. */
        for (uint64_t t = counter_now() + counter_freq() / 20; counter_now() < t;) {}
    }
    /* The C heap after the load: the same after every push of the same
     * module, or a push leaks (tests/qemu/push.test.ts). */
    if (!why) {
        kprintf("push: the stub's heap holds %u bytes\n", (unsigned)mallinfo().uordblks);
        /* Under QEMU's -icount the PMU counts exactly (every core's instructions: the
         * others wait meanwhile): the test compares the first push's with the last's. */
        if (load_instructions) kprintf("push: the load took %llu instructions (the first load, at boot: %llu)\n",
                                       (unsigned long long)load_instructions, (unsigned long long)first_load_instructions);
    }
    console_flush();
    host_init_reset();                        /* the new module's top-level code runs again, once */
    host_recovery_reset();
    watch_reset();
    __atomic_store_n(&push_pending, 0, __ATOMIC_RELEASE);
    __atomic_add_fetch(&generation, 1, __ATOMIC_ACQ_REL);
    cpu_wake_all();
}

/* A push while no core runs the kernel (every core trapped or returned,
 * or none loaded): nobody reads the UART's data register, so core 0 does,
 * without sleeping (WFE would wait for an event that never comes), and
 * feeds the same watch. What else arrives is dropped: no kernel reads it. */
static void poll_for_push(void) {
    int c = uart_getc_timeout(0);
    if (c >= 0) push_snoop((uint32_t)c);
}

int wasm_boot_window(unsigned ms, const char *rejected) {
    if (rejected && !ms) return 0;          /* no window: stop, as without push */
    if (rejected) {
        kprintf("push: the image's kernel.wasm was rejected; waiting for a push (make push, docs/push.md)\n");
        module_bytes = 0;
        free_all();
        while (!module_bytes) {
            while (!__atomic_load_n(&push_pending, __ATOMIC_ACQUIRE)) poll_for_push();
            take_push();
        }
        return 1;
    }
    if (!ms) return 1;
    kprintf("push: waiting %u ms for a push before the kernel starts (push.wait= on the kernel command line)\n", ms);
    console_flush();
    uint64_t deadline = counter_now() + counter_freq() * ms / 1000;
    while (counter_now() < deadline)
        if (poll_for_push(), __atomic_load_n(&push_pending, __ATOMIC_ACQUIRE)) { take_push(); return 1; }
    return 1;
}

_Noreturn void wasm_serve(unsigned core) {
    for (;;) {
        uint32_t gen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
        if (module_bytes) wasm_run(core);
        /* Stopped (a push, a trap, a return): wait for the next kernel. Core
         * 0 takes a push once every core has left the kernel, and watches
         * the UART itself while none runs it. */
        int told = core != 0;
        for (;;) {
            int idle = !__atomic_load_n(&cores_running, __ATOMIC_ACQUIRE);
            if (core == 0 && idle && __atomic_load_n(&push_pending, __ATOMIC_ACQUIRE)) {
                take_push();
                break;
            }
            if (__atomic_load_n(&generation, __ATOMIC_ACQUIRE) != gen) break;
            if (core == 0 && idle) {
                if (!told) {
                    kprintf("push: no core runs the kernel; a push (make push) starts a new one\n");
                    console_flush();
                    told = 1;
                }
                poll_for_push();
            } else {
                cpu_wait();
            }
        }
    }
}
