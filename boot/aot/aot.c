/* aot.c: the runtime wasm2c's output needs, ours and bare-metal (wabt's
 * wasm-rt-impl.c wants mmap, signals and malloc'd memories), and the two
 * entry points main.c calls, as boot/wasm/host.c has them for wasm3.
 *
 *  - Memory: every instance's memory is the shared window (mmu.h), which
 *    cannot grow. Core 0 zeroes it, then instantiates the four instances
 *    before any core runs: each writes the same data segments.
 *  - Bounds: guard pages (wasm2c's "signal handler" mode, built with
 *    WASM_RT_MEMCHECK_SIGNAL_HANDLER=1). A wasm address is a u32 plus a u32
 *    offset, so an access reaches at most 8 GiB past the window's start;
 *    mmu.c maps the window (KERNEL_MEMORY_MB) and nothing else from there
 *    to 0x1_0000_0000 + 512 GiB, so an access past the memory's end is a
 *    translation fault, which wasm_fault turns into the same "out of bounds"
 *    trap wasm3 gives. memory.fill/copy/init still compare first. One
 *    difference from wasm3: a store that straddles the memory's end may
 *    write its bytes below the end before it faults (the architecture lets
 *    an unaligned store that aborts update part of memory, Arm ARM B2.7.1's
 *    note on single-copy atomicity); wasm3 writes none.
 *  - Traps: wasm_rt_trap and a refused host call longjmp to the core's own
 *    point in wasm_run, which prints the panic line with the wasm function
 *    the trap was in (aot_syms, from tools/kernel/aot-syms.ts) and, in an async
 *    function, where; the core parks. A wasm call is a C call here, so deep
 *    recursion ends on the guard page under the core's C stack: the data
 *    abort becomes a "stack overflow" trap (wasm_fault, from exceptions.c,
 *    which runs on the exception stack).
 *  - State: globals are in each instance (wasm2c 1.0.32 keeps them there);
 *    the call-depth counter is off (the cores' stacks have guard pages), and
 *    the function-type registry is filled once, by core 0, before the others
 *    start. */
#include "aot.h"
#include "kernel.h"             /* wasm2c's, for this image's kernel.wasm */
#include "imports.h"            /* AOT_IMPORTS: the instances of the host modules it imports (none needed) */
#include "arch.h"
#include "console.h"
#include "mmu.h"
#include "trap_frame.h"
#include "push.h"
#include "uart.h"
#include "wake.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static Z_kernel_instance_t instances[MAX_CORES];
static jmp_buf unwind[MAX_CORES];
static const char *why_stopped[MAX_CORES];
static uint64_t trap_pc[MAX_CORES];          /* where the trap was, if in generated code */
static volatile uint64_t fault_sp[MAX_CORES]; /* a stack to unwind from after a fault; 0 outside the kernel */

static __attribute__((noreturn)) void stop(const char *why, uint64_t pc) {
    unsigned core = core_id();
    why_stopped[core] = why;
    trap_pc[core] = pc;
    longjmp(unwind[core], 1);
}

void aot_host_trap(const void *why) { stop(why, 0); }

const char *aot_function_at(uint64_t pc) {
    if (!&aot_nsyms) return 0;
    unsigned lo = 0, hi = aot_nsyms;           /* the last entry at or below pc */
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (aot_syms[mid].addr <= pc) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0 || pc >= aot_syms[lo - 1].addr + aot_syms[lo - 1].size) return 0;
    return aot_syms[lo - 1].name;
}

static const char *trap_text(wasm_rt_trap_t t) {
    switch (t) {
    case WASM_RT_TRAP_OOB: return "[trap] out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "[trap] integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "[trap] integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "[trap] invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "[trap] unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "[trap] indirect call type mismatch";
    default: return "[trap] wasm trap";
    }
}

/* The return address is in the function that trapped (wasm_rt_trap does not
 * return, so it may be the first byte after it: look one instruction back). */
void wasm_rt_trap(wasm_rt_trap_t t) { stop(trap_text(t), (uint64_t)(uintptr_t)__builtin_return_address(0) - 4); }

/* A fault while this core runs its kernel (exceptions.c asks, from the
 * exception stack). A data abort on the guard page under this core's own C
 * stack is wasm recursion too deep, and one past the memory's end in
 * generated code is an out-of-bounds access: each becomes a trap, and the core returns
 * from the exception into unwind_after_fault on a stack below wasm_run's
 * frame, which longjmps back into wasm_run. Anything else is a stub bug:
 * the crash dump, as without a kernel. */
static __attribute__((noreturn)) void unwind_after_fault(void) { longjmp(unwind[core_id()], 1); }

/* The reach of a wasm address from the window's start: u32 + u32 offset + the widest access. */
#define WASM_REACH ((8ull << 30) + 16)

int wasm_fault(struct trap_frame *f) {
    unsigned core = core_id(), ec = (unsigned)(f->esr >> 26) & 0x3f, victim;
    if (!fault_sp[core] || (ec != 0x24 && ec != 0x25)) return 0;
    if (mmu_stack_guard(f->far, &victim) && victim == core)
        why_stopped[core] = "[trap] stack overflow";
    else if (f->far >= WASM_WINDOW_VA + WASM_WINDOW_BYTES && f->far - WASM_WINDOW_VA < WASM_REACH && aot_function_at(f->elr))
        why_stopped[core] = "[trap] out of bounds memory access";   /* a load or store of generated code past the end */
    else
        return 0;
    trap_pc[core] = f->elr;
    f->elr = (uint64_t)(uintptr_t)unwind_after_fault;
    sysreg_write(sp_el0, fault_sp[core]);
    return 1;
}

bool wasm_rt_is_initialized(void) { return true; }

void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint32_t initial_pages, uint32_t max_pages) {
    m->data = (uint8_t *)aot_memory();
    m->pages = initial_pages;
    m->max_pages = max_pages;
    m->size = initial_pages * (uint32_t)WASM_PAGE;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *m, uint32_t pages) { return pages ? UINT32_MAX : m->pages; }
void wasm_rt_free_memory(wasm_rt_memory_t *m) { (void)m; }

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *t, uint32_t elements, uint32_t max_elements) {
    t->data = calloc(elements ? elements : 1, sizeof *t->data);
    t->size = elements;
    t->max_size = max_elements;
}
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *t) { free(t->data); }

/* Function types, for call_indirect: the same signature gets the same number. */
#define MAX_TYPES 128
#define MAX_ARITY 16
static struct { uint32_t params, results; wasm_rt_type_t types[MAX_ARITY]; } func_types[MAX_TYPES];
static uint32_t nfunc_types;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
    wasm_rt_type_t types[MAX_ARITY] = {0};
    va_list ap;
    va_start(ap, results);
    for (uint32_t i = 0; i < params + results && i < MAX_ARITY; i++) types[i] = va_arg(ap, wasm_rt_type_t);
    va_end(ap);
    for (uint32_t i = 0; i < nfunc_types; i++)
        if (func_types[i].params == params && func_types[i].results == results && !memcmp(func_types[i].types, types, sizeof types))
            return i + 1;
    if (nfunc_types == MAX_TYPES || params + results > MAX_ARITY) {
        kprintf("boot: error: kernel.wasm has more function types than the AOT runtime holds (%u)\n", MAX_TYPES);
        return 0;
    }
    func_types[nfunc_types].params = params;
    func_types[nfunc_types].results = results;
    memcpy(func_types[nfunc_types].types, types, sizeof types);
    return ++nfunc_types;
}

const char *wasm_backend(void) { return "kernel.wasm ahead of time (wasm2c, no wasm3)"; }

/* assert() in wasm2c's output (table bounds it has checked itself): picolibc's wants stderr. */
void __assert_func(const char *file, int line, const char *fn, const char *expr) {
    (void)fn;
    aot_host_trap(host_refuse("[trap] assertion %s failed at %s:%d", expr, file, line));
}

const char *wasm_load_all(unsigned cores) {
    size_t window = (size_t)(__shared_end - __shared_start);
    memset(aot_memory(), 0, window);
    Z_kernel_init_module();
    for (unsigned c = 0; c < cores; c++) {
        Z_kernel_instantiate(&instances[c] AOT_IMPORTS);
        wasm_rt_memory_t *m = Z_kernelZ_memory(&instances[c]);
        if ((size_t)m->size != window || m->max_pages != m->pages)
            return host_refuse("it declares %u to %u pages of memory, but this image shares exactly %u pages "
                               "(%u MiB) between the cores: build both with the same KERNEL_MEMORY_MB",
                               (unsigned)m->pages, (unsigned)m->max_pages, (unsigned)(window / WASM_PAGE), (unsigned)(window >> 20));
    }
    return 0;
}

const char *wasm_async_location(unsigned core) {
#ifdef AOT_HAS_ASYNC_LOCATION
    return async_where(core, *Z_kernelZ___async_name(&instances[core]), *Z_kernelZ___async_line(&instances[core]));
#else
    return "";
#endif
}

void wasm_run(unsigned core) {
    uint64_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    host_core_enters(core);
    if (core != 0 && !host_wait_for_init()) {    /* core 0's top-level code trapped: no kernel to run */
        host_core_leaves(core);
        return;
    }
    volatile int again = 0;                      /* a trap the kernel recovers from: kernel_start again (sys.trapped) */
    for (;;) {
        if (setjmp(unwind[core]) == 0) {
            fault_sp[core] = (sp - 1024) & ~(uint64_t)15;   /* below this frame, far above the guard page */
            if (core == 0 && !again) {            /* the top-level code, once (docs/memory-model.md) */
                Z_kernelZ__initialize(&instances[core]);
                host_init_finished(1);
            }
            Z_kernelZ_kernel_start(&instances[core], core);
            break;
        }
        int init_trapped = core == 0 && host_init_pending();
        if (init_trapped) host_init_finished(0);
        if (why_stopped[core] != host_panicked) {
            const char *fn = trap_pc[core] ? aot_function_at(trap_pc[core]) : 0;
            console_flush();
            if (fn) kprintf("panic: core %u: %s in %s%s\n", core, why_stopped[core], fn, wasm_async_location(core));
            else kprintf("panic: core %u: %s%s\n", core, why_stopped[core], wasm_async_location(core));
        }
        if (core == 0 && init_trapped) { host_init_failed(0); break; }    /* an aot image takes no push */
        if (!host_recover_after_trap(core)) break;
        console_flush();
        again = 1;
    }
    fault_sp[core] = 0;
    console_flush();
    host_core_leaves(core);
}

/* ---- no push, said clearly where it costs nothing (backend.h) -------------
 * An aot image does not watch a running kernel's reads (that would cost
 * every inlined MMIO read a stack frame: host_mmio.c is built here with
 * AOT_NO_PUSH), but where no kernel runs, in the boot window and once every
 * core has stopped, its core 0 reads the UART itself and answers a push
 * request with a refusal that says why. */
static const char aot_refusal[] =
    "push: refused: this image runs its kernel compiled ahead of time (make BACKEND=aot), and native code does not "
    "travel: build with the default BACKEND=wasm3 to push, or write a new card (make sdcard BACKEND=aot)\n";

static unsigned snoop_state;

static int request_arrived(void) {
    int c = uart_getc_timeout(0);
    return c >= 0 && push_match(&snoop_state, (uint8_t)c);
}

int wasm_boot_window(unsigned ms, const char *rejected) {
    (void)rejected;                           /* aot refuses bad modules at build time */
    if (!ms) return 0;
    kprintf("push: waiting %u ms for a push request before the kernel starts (push.wait=); "
            "this aot image refuses one\n", ms);
    console_flush();
    for (uint64_t end = counter_now() + counter_freq() * ms / 1000; counter_now() < end;)
        if (request_arrived()) kprintf("%s", aot_refusal), console_flush();
    return 0;
}

_Noreturn void wasm_serve(unsigned core) {
    wasm_run(core);
    /* Not park(): a core whose kernel stopped still takes its interrupts, and
     * the top half hands what they bring to the cores that run (irq_hand_over). */
    if (core != 0) for (;;) cpu_wait();
    while (__atomic_load_n(&cores_running, __ATOMIC_ACQUIRE)) cpu_wait();
    kprintf("push: no core runs the kernel; this aot image takes no push (make BACKEND=wasm3 does)\n");
    console_flush();
    for (;;)
        if (request_arrived()) kprintf("%s", aot_refusal), console_flush();
}

/* An aot image takes no push: the watchdog never leaves a kernel for one. */
int wasm_abandon(struct trap_frame *f) { (void)f; return 0; }
int wasm_takes_push(void) { return 0; }

/* No kernel read is watched for a request here (AOT_NO_PUSH): never asked. */
const char *wasm_push_requested(void) { return 0; }
