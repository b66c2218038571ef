/* arch.h: AArch64 primitives the stub needs: core id, events, barriers,
 * the generic timer, and a ticket spinlock that waits with WFE. */
#pragma once
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "abi.h"          /* MAX_CORES, from tools/abi/spec.ts (build/gen): the kernel's tables use the same */

#ifdef TSPI_HOST_TEST
/* The host unit tests (tests/cunit/) give these their own meaning. */
#include "fake_arch.h"
#else

#define sysreg_read(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define sysreg_write(name, v) __asm__ volatile("msr " #name ", %0" :: "r"((uint64_t)(v)) : "memory")

static inline unsigned core_id(void) { return sysreg_read(mpidr_el1) & 0xff; }
static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dmb_sy(void) { __asm__ volatile("dmb sy" ::: "memory"); }
static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void irq_unmask_local(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }   /* IRQs on */
/* IRQs off on this core; returns what DAIF was, for irq_restore. */
static inline uint64_t irq_save(void) { uint64_t f = sysreg_read(daif); __asm__ volatile("msr daifset, #2" ::: "memory"); return f; }
static inline void irq_restore(uint64_t f) { sysreg_write(daif, f); }

/* Counter of the generic timer; CNTFRQ_EL0 says how fast it runs. The isb
 * keeps the read from being done early. */
static inline uint64_t counter_now(void) { isb(); return sysreg_read(cntpct_el0); }
/* PMU event counter 0 counts retired instructions (event 0x08) on this core:
 * exact under QEMU -icount (it reads 0 without it), and on hardware. */
static inline void pmu_count_instructions(void) {
    sysreg_write(pmevtyper0_el0, 0x08);
    sysreg_write(pmcntenset_el0, 1);
    sysreg_write(pmcr_el0, sysreg_read(pmcr_el0) | 1);   /* E */
    isb();
}
static inline uint64_t instructions_now(void) { isb(); return sysreg_read(pmevcntr0_el0); }
static inline uint64_t counter_freq(void) { return sysreg_read(cntfrq_el0) & 0xffffffff; }

/* The smallest data-cache line of the cores (CTR_EL0.DminLine, words as log2). */
static inline size_t dcache_line(void) { return (size_t)4 << ((sysreg_read(ctr_el0) >> 16) & 15); }

/* Every data-cache line of [p, p + n) to the point of coherency, for an agent
 * that does not look in the caches (the VideoCore, a DMA engine, the display):
 * cleaned (DC CVAC), or cleaned and invalidated (DC CIVAC); then a DSB.
 * ARM ARM D7.5.9, data cache maintenance by virtual address. */
static inline void dcache_range(uintptr_t p, size_t n, int invalidate) {
    size_t line = dcache_line();
    for (uintptr_t a = p & ~(uintptr_t)(line - 1); a < p + n; a += line) {
        if (invalidate) __asm__ volatile("dc civac, %0" :: "r"(a) : "memory");
        else __asm__ volatile("dc cvac, %0" :: "r"(a) : "memory");
    }
    __asm__ volatile("dsb sy" ::: "memory");
}

/* Write back and invalidate one data-cache line to the point of coherency,
 * so an agent with its caches off (a core still in the firmware's spin loop)
 * sees what we wrote. */
static inline void dcache_clean_inval(const volatile void *p) {
    __asm__ volatile("dc civac, %0" :: "r"(p) : "memory");
}

/* Ticket lock: fair between cores, waits with WFE (the unlock's store-release
 * to a line others are monitoring wakes them, and we SEV as well). Needs the
 * MMU and caches on for exclusives on real hardware. */
typedef struct { volatile uint32_t next, owner; } spinlock_t;

static inline void spin_lock(spinlock_t *l) {
    uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) wfe();
}
static inline void spin_unlock(spinlock_t *l) {
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
    dsb_sy();
    sev();
}

#endif /* TSPI_HOST_TEST */

_Noreturn void park(void);
