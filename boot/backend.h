/* backend.h: what runs kernel.wasm. The rest of the stub (main.c, the CPU's
 * exceptions, the cores) calls a backend only through these functions, and
 * an image links exactly one backend that defines every one of them:
 *
 *   - wasm3 (boot/wasm/host.c, in build/stub.a): the interpreter loads
 *     kernel.wasm at boot, one runtime per core, and takes a pushed one;
 *   - aot (boot/aot/aot.c, compiled into each image with wasm2c's C for its
 *     kernel, with build/stub-aot.a): the kernel is native code, takes no
 *     push, and turns its faults into wasm traps.
 *
 * No function here has a default: a backend that leaves one out does not
 * link. The host functions both backends call (boot/wasm/host_*.c) are
 * declared in boot/wasm/host.h. */
#pragma once
#include <stdint.h>

struct trap_frame;

/* What runs the kernel, for the boot line: "kernel.wasm N bytes, wasm3 0.5.0"
 * or "kernel.wasm ahead of time (wasm2c)". */
const char *wasm_backend(void);

/* Loads kernel.wasm into one runtime (instance) per core. Core 0 only,
 * before the other cores start. Returns NULL, or the reason the module was
 * rejected. */
const char *wasm_load_all(unsigned cores);

/* Runs the kernel on this core: kernel_start(core). Returns only if the
 * kernel returned or trapped (after printing the panic line). */
void wasm_run(unsigned core);

/* Core 0 at boot, before the other cores start: waits `ms` for a push (and
 * takes it), or, when the image's module was `rejected`, until one is
 * accepted. 0 when it did not wait for one: this backend takes no push (aot)
 * or no window was asked for a rejected module (the caller stops). */
int wasm_boot_window(unsigned ms, const char *rejected);

/* Runs this core's kernel, and again after each accepted push; never returns. */
_Noreturn void wasm_serve(unsigned core);

/* A whole push request came in the bytes a kernel read from the UART
 * (boot/wasm/host_common.c's push_snoop): what the host call returns to make
 * this core leave its kernel, or NULL when this backend takes no push. */
const char *wasm_push_requested(void);

/* A synchronous exception at EL1 while a kernel runs (boot/cpu/exceptions.c
 * asks first): nonzero when the backend took it as the kernel's trap and
 * changed the frame to return elsewhere; 0: a fault of the stub's own, which
 * ends in the crash dump. */
int wasm_fault(struct trap_frame *f);

/* The watchdog (boot/wasm/host_watch.c), in the tick's interrupt on a core
 * whose kernel runs:
 *   - wasm_abandon: a push is under way; if the interrupt came where the
 *     kernel can be left (wasm3: inside the interpreter's ops, which hold no
 *     lock of the stub's), changes the frame so that the interrupt returns
 *     into a jump out of the kernel, as if a host call had returned the
 *     handover (every runtime is made again for the pushed module). 0 when
 *     it did not (aot takes no push; elsewhere: the next tick tries again);
 *   - wasm_takes_push: whether this backend takes a push at all;
 *   - wasm_async_location: ", in async function <name> at line <n>" for the
 *     core's current async function (its own globals), or "". */
int wasm_abandon(struct trap_frame *f);
int wasm_takes_push(void);
const char *wasm_async_location(unsigned core);
