/* host.c: embeds wasm3 and runs kernel.wasm on every core.
 *
 * kernel.wasm is linked into the image (payload.S). Core 0 parses it once
 * per core, loads each copy into that core's own wasm3 runtime, links the
 * host ABI (generated table, one host_<module>.c per import module) and
 * compiles every function, all before releasing the other cores: wasm3's
 * loader and allocator are not thread-safe, its interpreter is.
 *
 * Each core then calls _initialize (AssemblyScript's top-level code, so the
 * per-core wasm globals are set up on the core that owns them) and
 * kernel_start(core). A trap prints `panic: core N: ...` and parks that core
 * only.
 */
#include "host.h"
#include "../arch.h"
#include "../console.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VALUE_STACK_BYTES (64 * 1024)

extern const uint8_t kernel_wasm[];
extern const uint8_t kernel_wasm_end[];

static IM3Environment env;
static IM3Runtime runtimes[MAX_CORES];
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

/* wasm3's result ("function lookup failed") with its detail ("'cpu.teleport'"). */
static const char *detail(IM3Runtime rt, M3Result r) {
    M3ErrorInfo info;
    m3_GetErrorInfo(rt, &info);
    if (!info.message || !info.message[0]) return r;
    return host_refuse("%s: %s", r, info.message);
}

static const char *load_one(unsigned core) {
    IM3Module module;
    M3Result r;
    size_t size = (size_t)(kernel_wasm_end - kernel_wasm);

    runtimes[core] = m3_NewRuntime(env, VALUE_STACK_BYTES, (void *)(uintptr_t)core);
    if (!runtimes[core]) return "out of memory for the wasm3 runtime";
    if ((r = m3_ParseModule(env, &module, kernel_wasm, (uint32_t)size))) return r;
    if ((r = m3_LoadModule(runtimes[core], module))) {
        const char *why = detail(runtimes[core], r);
        m3_FreeModule(module);
        return why;
    }
    for (unsigned i = 0; i < host_import_count; i++) {
        const struct host_import *h = &host_imports[i];
        r = m3_LinkRawFunction(module, h->module, h->name, h->signature, h->fn);
        if (r && r != m3Err_functionLookupFailed)
            return host_refuse("import %s.%s: %s (the kernel was built for another host ABI?)", h->module, h->name, r);
    }
    if ((r = m3_CompileModule(module))) return detail(runtimes[core], r);
    IM3Function f;
    if ((r = m3_FindFunction(&f, runtimes[core], "kernel_start")))
        return "it exports no kernel_start(core: u32) function";
    if (m3_GetArgCount(f) != 1 || m3_GetRetCount(f) != 0)
        return "kernel_start must take one argument (the core) and return nothing";
    return 0;
}

const char *wasm_load_all(unsigned cores) {
    env = m3_NewEnvironment();
    if (!env) return "out of memory for the wasm3 environment";
    for (unsigned c = 0; c < cores; c++) {
        const char *why = load_one(c);
        if (why) return why;
    }
    return 0;
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
    if (fn) kprintf("panic: core %u: %s in %s\n", core, r, fn);
    else kprintf("panic: core %u: %s\n", core, r);
}

void wasm_run(unsigned core) {
    IM3Runtime rt = runtimes[core];
    IM3Function init = 0, start = 0;
    M3Result r = 0;

    __atomic_or_fetch(&cores_running, 1u << core, __ATOMIC_ACQ_REL);
    sev();
    if (m3_FindFunction(&init, rt, "_initialize") == m3Err_none) r = m3_CallV(init);
    if (!r) r = m3_FindFunction(&start, rt, "kernel_start");
    if (!r) r = m3_CallV(start, (uint32_t)core);
    if (r) report_trap(core, rt, r);
    console_flush();
    __atomic_and_fetch(&cores_running, ~(1u << core), __ATOMIC_ACQ_REL);
    dsb_sy();
    sev();
}
