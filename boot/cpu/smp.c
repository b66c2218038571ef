/* smp.c: releasing cores 1-3 from the firmware's spin table.
 *
 * The firmware (and QEMU) park the secondary cores in a loop that waits with
 * WFE and reads the 64-bit slot at 0xd8 + 8 * core; a non-zero value is the
 * address to jump to. Our caches are on and theirs are off, so the slot is
 * written back to memory before the SEV. */
#include "smp.h"
#include "arch.h"
#include "console.h"

extern char _start[];
static volatile uint32_t arrived[MAX_CORES];
static volatile uint32_t go;
unsigned cores_started = 1;

void smp_arrived(unsigned core) {
    __atomic_store_n(&arrived[core], 1, __ATOMIC_RELEASE);
    dsb_sy();
    sev();
    /* Run nothing until core 0 knows how many cores came up: cpu.count()
     * must give every core the same answer from its first instruction. */
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) wfe();
}

unsigned smp_release(unsigned cores) {
    for (unsigned c = 1; c < cores; c++) {
        volatile uint64_t *slot = (volatile uint64_t *)(uintptr_t)(0xd8 + 8 * c);
        *slot = (uint64_t)(uintptr_t)_start;
        dcache_clean_inval(slot);
    }
    dsb_sy();
    sev();
    /* Give each core a second of wall-clock time to show up. */
    uint64_t deadline = counter_now() + counter_freq();
    unsigned up = 1;
    for (unsigned c = 1; c < cores; c++) {
        /* WFE: each core SEVs when it arrives (under QEMU -icount this also
         * hands the host thread to the core we are waiting for). */
        while (!__atomic_load_n(&arrived[c], __ATOMIC_ACQUIRE) && counter_now() < deadline) wfe();
        if (__atomic_load_n(&arrived[c], __ATOMIC_ACQUIRE)) up++;
        else kprintf("boot: core %u did not start\n", c);
    }
    cores_started = up;
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    dsb_sy();
    sev();
    return up;
}
