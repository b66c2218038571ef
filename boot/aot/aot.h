/* aot.h: the ahead-of-time backend (make BACKEND=aot, issue 15): kernel.wasm
 * translated to C by wasm2c and compiled into the image, one instance per
 * core over the one shared memory, in place of wasm3. The host functions are
 * the interpreter's own (boot/wasm/host_*.c), called through the adapters
 * tools/abi/gen.ts writes (build/gen/aot_imports.c). */
#pragma once
#include "../wasm/host.h"

/* The shared window, as wasm addresses start at 0 in it. */
static inline void *aot_memory(void) { return (void *)(uintptr_t)WASM_WINDOW_VA; }
/* A host function refused a call (or printed its own panic): this core stops its kernel. */
__attribute__((noreturn)) void aot_host_trap(const void *why);

/* The table tools/kernel/aot-syms.ts writes for each image (its second link): the
 * functions wasm2c generated, in address order, with their wasm names. */
struct aot_sym { uint64_t addr, size; const char *name; };
/* Weak: the first link has no table yet (and names nothing). */
extern const struct aot_sym aot_syms[] __attribute__((weak));
extern const unsigned aot_nsyms __attribute__((weak));
/* The wasm function the code at pc belongs to, or NULL outside generated code. */
const char *aot_function_at(uint64_t pc);
