/* host.h: the wasm3 embedding, shared by the host_*.c host modules. */
#pragma once
#include "wasm3.h"
#include <stdint.h>

#include "abi.h"   /* HOST_ABI_VERSION, generated from tools/abi/spec.ts */
#include "backend.h" /* the backend's entry points: wasm3's in host.c, aot's in boot/aot/aot.c */
#include "mmu.h" /* __shared_start, __shared_end */

/* A host function's success is NULL. wasm3.h's macros return m3Err_none,
 * a variable holding NULL in 0.5.0: two loads on every host call. */
#undef m3ApiReturn
#define m3ApiReturn(VALUE) { *raw_return = (VALUE); return NULL; }
#undef m3ApiSuccess
#define m3ApiSuccess() { return NULL; }

/* A wasm page. */
#define WASM_PAGE (64 * 1024)

/* The bytes of the linear memory the four cores share (the window): fixed
 * at link time, so a bounds check needs no call into wasm3, and no host
 * function needs the runtime (the same functions can serve another backend). */
#ifdef KERNEL_MEMORY_BYTES    /* the Makefile passes KERNEL_MEMORY_MB's bytes: a constant */
#define WASM_WINDOW_BYTES ((uint64_t)KERNEL_MEMORY_BYTES)
#else
#define WASM_WINDOW_BYTES ((uint64_t)(__shared_end - __shared_start))
#endif

/* Bitmask of cores whose kernel is running (set on entry, cleared when it
 * traps or returns). */
extern volatile uint32_t cores_running;

/* The message a host function returns to make wasm3 unwind after it has
 * printed its own panic line (sys.panic). */
extern const char host_panicked[];

/* A trap message for a refused host call, formatted into per-core storage. */
const char *host_refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2), returns_nonnull));

/* Where in an async function a core was when it trapped, from the two
 * globals the kernel's entry exports (__async_name: the address of a static
 * AssemblyScript string, UTF-16 with its byte length 4 bytes before it;
 * __async_line), as ", in async function <name> at line <n>"; "" when
 * __async_name is 0 or does not point at a string in the window. */
const char *async_where(unsigned core, uint32_t name_addr, uint32_t line);

/* Push (docs/push.md): the request's watch on the UART's data register,
 * and the marker a host call returns to make this core leave its kernel
 * for a pushed one (wasm3 unwinds with it, as with host_panicked). */
extern const char host_handover[];
extern volatile uint32_t push_pending;
const char *push_snoop(uint32_t dr);         /* the handover marker once the request has come, else NULL */

/* After a trap on `core` (its panic line out): nonzero when the kernel said
 * it may recover (sys.recoverable): wasm_run then calls kernel_start again,
 * and sys.trapped() says so. host_recovery_reset clears every core's flags
 * (a new module). */
int host_recover_after_trap(unsigned core);
void host_recovery_reset(void);

/* The watchdog's side (host_watch.c): a core entered or left its kernel,
 * and a new module's start (a push) forgets every core's watch. */
void watch_core_entered(unsigned core);
void watch_core_left(unsigned core);
void watch_reset(void);
/* cpu.watch on this core (host_cpu.c): NULL, or why it refuses. */
const char *watch_start(uint32_t task, uint32_t polls, uint32_t state, uint32_t handover_ms, uint32_t report_ms);

/* This core starts (sets its bit in cores_running, SEV) or stops running its kernel (clears it, SEV). */
void host_core_enters(unsigned core);
void host_core_leaves(unsigned core);
/* The kernel's top-level code runs once, on core 0, before any kernel_start
 * (docs/memory-model.md): core 0 says when it has (ok: without a trap), the
 * others wait for that (1: go on, 0: it trapped). Reset for a new module. */
void host_init_finished(int ok);
/* Core 0, after a trap in _initialize (the panic line is out): no core will run
 * this kernel, so the run ends as a rejected kernel.wasm's does (exit code
 * EXIT_INIT_FAILED under QEMU), unless `push_wanted` (wasm3 with a boot window,
 * push.wait=, or a kernel that came by push): then wasm_serve waits for a push
 * of a fixed kernel. (The other exit codes are in boot/main.c.) */
#define EXIT_INIT_FAILED 5
void host_init_failed(int push_wanted);
extern unsigned host_push_wait_ms;       /* push.wait= from the boot arguments (boot/main.c), 0 if none */
int host_wait_for_init(void);
int host_init_pending(void);
void host_init_reset(void);

/* Writes UTF-16 code units to the console as UTF-8 (host_console.c). */
void put_utf16(const uint8_t *p, uint32_t units);

/* The host table, generated from tools/abi/spec.ts into build/gen/abi_link.c. */
struct host_import { const char *module, *name, *signature; M3RawCall fn; };
extern const struct host_import host_imports[];
extern const unsigned host_import_count;

/* host_fb.c: reads an answered property message for a framebuffer the
 * firmware allocated (or released), which fb.* then lets the kernel reach. */
void fb_snoop(const uint32_t *msg, uint32_t size);
