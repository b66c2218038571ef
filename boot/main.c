/* main.c: from the first C line to the kernel, on every core.
 *
 * Core 0: thread-local block, board detection, page tables and caches,
 * console, then wasm3: kernel.wasm is loaded and compiled once per core.
 * Only then are cores 1-3 released, and every core runs the kernel.
 * Secondary cores come through start.S to boot_secondary().
 */
#include "arch.h"
#include "board.h"
#include "console.h"
#include "fdt.h"
#include "irq.h"
#include "mmu.h"
#include "ram.h"
#include "semihost.h"
#include "smp.h"
#include "uart.h"
#include "push.h"
#include "wasm/host.h"
#include "wasm3.h"

void tls_init(unsigned core);

extern const uint8_t kernel_wasm[], kernel_wasm_end[];
uint64_t boot_dtb;

/* Exit codes (under QEMU -semihosting): */
#define EXIT_REJECTED 3   /* kernel.wasm was rejected by wasm3 */
#define EXIT_NO_RAM   4   /* the firmware did not say how much RAM there is, or the kernel does not fit */
/* 5: the kernel's top-level code trapped (EXIT_INIT_FAILED, boot/wasm/host.h) */

extern char __ram_end[];

void boot_bench_hook(void);
void boot_bench_smp_hook(void);

_Noreturn void boot_primary(uint64_t dtb) {
    boot_dtb = dtb;
    tls_init(0);
    pmu_count_instructions();
    board = board_detect();
    if (!board) park();   /* an unknown SoC: we do not know where its UART is */
    const char *no_dt = fdt_read(dtb);   /* before anything can overwrite it */
    const char *no_ram = ram_detect();
    mmu_build_tables();
    mmu_enable(0);
    uart_init();

    uint64_t hz = counter_freq();
    kprintf("boot: %s (%s), timer %llu.%03llu MHz, %s\n",
            board->name, board->soc, (unsigned long long)(hz / 1000000),
            (unsigned long long)(hz % 1000000 / 1000), wasm_backend());
    if (no_dt)
        kprintf("boot: %s: board from the CPU type, RAM from the mailbox\n", no_dt);
    else
        kprintf("boot: device tree: model \"%s\", %llu MiB of RAM\n", dt.model[0] ? dt.model : "(none)",
                (unsigned long long)(dt.memory_bytes >> 20));
    if (no_ram) {
        kprintf("boot: error: %s: not guessing; stopping\n", no_ram);
        sys_exit(EXIT_NO_RAM);
    }
    const char *too_small = ram_fits((uint64_t)(uintptr_t)__ram_end);
    if (too_small) {
        kprintf("boot: error: %s\n", too_small);
        sys_exit(EXIT_NO_RAM);
    }

    boot_bench_hook();
    const char *why = wasm_load_all(MAX_CORES);
    unsigned wait_ms = push_wait_ms(dt.bootargs);
    host_push_wait_ms = wait_ms;
    if (why) kprintf("kernel.wasm rejected: %s\n", why);
    /* The boot window (docs/push.md): a push now replaces the SD card's
     * kernel before it starts, and with a window a rejected one waits for
     * a push instead of stopping. */
    if (!wasm_boot_window(wait_ms, why) && why) sys_exit(EXIT_REJECTED);
    smp_release(MAX_CORES);
    boot_bench_smp_hook();
    const char *irq_why = irq_init_core(0);
    if (irq_why)
        kprintf("boot: error: %s. Timers and peripheral interrupts will never wake this kernel. On a Pi 4 the "
                "firmware hands the GIC to a non-secure kernel only in GIC mode: config.txt needs enable_gic=1 "
                "and the device tree an arm,gic-400 node (make sdcard writes both; see docs/hardware.md)\n", irq_why);
    wasm_serve(0);
}

/* Benchmark hooks, empty here; the benchmark image links bench/native.c.
 * boot_bench_hook runs on core 0 while the other cores are still parked
 * (the single-core native rows); boot_bench_smp_hook after they are
 * released, while core 1 waits in its boot_secondary_hook (the cross-core
 * row). */
__attribute__((weak)) void boot_bench_hook(void) {}
__attribute__((weak)) void boot_bench_smp_hook(void) {}

/* Called on each secondary core just before it runs the kernel. Empty here;
 * the crash-dump test image links a version that faults on purpose. */
__attribute__((weak)) void boot_secondary_hook(unsigned core) { (void)core; }

_Noreturn void boot_secondary(unsigned core) {
    mmu_enable(core);
    tls_init(core);
    pmu_count_instructions();
    smp_arrived(core);
    boot_secondary_hook(core);
    const char *irq_why = irq_init_core(core);
    if (irq_why) kprintf("boot: error: core %u: %s\n", core, irq_why);
    wasm_serve(core);
}
