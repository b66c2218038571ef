/* exceptions.c: what happens when a core takes an exception.
 *
 * An IRQ goes to the top half in irq.c and returns. Anything else is a bug
 * in the stub or in wasm3: print a crash dump that names
 * the core, the exception class and the registers, then park that core
 * only. The other cores keep running. The one expected case is the
 * semihosting HLT on a board without a debugger (sys_exit on hardware).
 */
#include "arch.h"
#include "console.h"
#include "mmu.h"
#include "irq.h"
#include "semihost.h"
#include "trap_frame.h"
#include "regs.h"
#include "backend.h"
#include <stdio.h>

/* The kernel runs on SP_EL0 (start.S): kinds 0-3 are the normal case, 4-7
 * mean the exception handler itself faulted. */
static const char *const kinds[16] = {
    "synchronous", "IRQ", "FIQ", "SError",
    "synchronous (in an exception handler)", "IRQ (in an exception handler)",
    "FIQ (in an exception handler)", "SError (in an exception handler)",
    "synchronous from EL0", "IRQ from EL0", "FIQ from EL0", "SError from EL0",
    "AArch32", "AArch32", "AArch32", "AArch32",
};

static const char *ec_name(unsigned ec) {
    switch (ec) {
    case 0x00: return "unknown reason (undefined instruction)";
    case 0x07: return "FP/SIMD access trapped";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x18: return "MSR/MRS trapped";
    case 0x20: case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x2c: return "floating-point exception";
    case 0x2f: return "SError";
    case 0x3c: return "BRK";
    default: return "other";
    }
}

extern volatile int exit_code;
extern volatile int mmio_probing[];   /* boot/wasm/host_mmio.c */


void exception_entry(struct trap_frame *f, unsigned kind) {
    unsigned core = core_id();
    unsigned ec = (unsigned)(f->esr >> 26) & 0x3f;

    if (kind == 1 || kind == 5) {                  /* IRQ: the top half, then back */
        irq_handle(f);
        return;
    }
    if (kind < 4) f->sp = sysreg_read(sp_el0);   /* vectors.S saved SP_EL1 */
    /* A semihosting call with no host (a board without a debugger): HLT is
     * UNDEFINED while halting is not allowed (Arm ARM DDI 0487, the HLT
     * instruction and "Halting debug"), EC 0x00. The probe's call returns -1;
     * an exit parks. (On paper: every QEMU run here has -semihosting.) */
    if ((kind == 0 || kind == 4) && ec == 0 && *(const uint32_t *)(uintptr_t)f->elr == SEMIHOST_HLT) {
        if (semihost_probing) {
            semihost_probing = 2;
            f->x[0] = (uint64_t)-1;
            f->elr += 4;
            return;
        }
        kprintf("exit code %d (no semihosting host on this machine: parking)\n", exit_code);
        console_flush();
        park();
    }

    /* mmio.probe32's read, refused by the bus (EC 0x25, a data abort at EL1):
     * step over the load and say so (boot/wasm/host_mmio.c). */
    if (kind == 0 && ec == 0x25 && mmio_probing[core & (MAX_CORES - 1)] == 1) {
        mmio_probing[core & (MAX_CORES - 1)] = 2;
        f->elr += 4;
        return;
    }

    /* A bus error on the kernel's own MMIO access (mmio_access.S): step over
     * it, a load giving 0, and let the host call trap with the address
     * (boot/wasm/host_mmio.c). */
    if (kind == 0 && ec == 0x25 && (f->elr == (uintptr_t)kernel_mmio_load || f->elr == (uintptr_t)kernel_mmio_store)) {
        if (f->elr == (uintptr_t)kernel_mmio_load) f->x[0] = 0;
        mmio_bus_error[core & (MAX_CORES - 1)] = 1;
        __atomic_add_fetch(&mmio_bus_errors, 1, __ATOMIC_SEQ_CST);
        f->elr += 4;
        return;
    }

    if (kind == 0 && wasm_fault(f)) return;

    /* The whole dump goes out as one block so other cores' lines cannot
     * split it. */
    static char dumps[MAX_CORES][2048];
    char *buf = dumps[core];
    size_t n = 0;
#define OUT(...) (n += (size_t)snprintf(buf + n, n < sizeof dumps[0] ? sizeof dumps[0] - n : 0, __VA_ARGS__))
    OUT("\n*** crash: core %u: %s exception, EC 0x%02x: %s\n", core, kinds[kind & 15], ec, ec_name(ec));
    unsigned victim;
    if ((ec == 0x24 || ec == 0x25) && mmu_stack_guard(f->far, &victim))
        OUT("    C stack overflow: the guard page under core %u's stack was hit\n", victim);
    OUT("    ESR %016llx  ELR %016llx  FAR %016llx\n",
        (unsigned long long)f->esr, (unsigned long long)f->elr, (unsigned long long)f->far);
    OUT("    SPSR %016llx  SP %016llx  LR %016llx\n",
        (unsigned long long)f->spsr, (unsigned long long)f->sp, (unsigned long long)f->x[30]);
    for (int i = 0; i < 30; i += 3)
        OUT("    x%-2d %016llx  x%-2d %016llx  x%-2d %016llx\n",
            i, (unsigned long long)f->x[i], i + 1, (unsigned long long)f->x[i + 1],
            i + 2, (unsigned long long)f->x[i + 2]);
    OUT("*** core %u parked\n", core);
#undef OUT
    console_write_whole(buf, n < sizeof dumps[0] ? n : sizeof dumps[0] - 1);
    park();
}
