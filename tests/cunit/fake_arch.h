/* fake_arch.h: arch.h for the host unit tests (-DTSPI_HOST_TEST). The
 * AArch64 primitives become calls into the test's fake machine (fake.c):
 * a core number the test sets, a generic counter that moves on by one
 * tick per read, system registers kept in a table. */
#pragma once
#include <stdint.h>
#include <stdbool.h>

extern unsigned fake_core;
extern uint64_t fake_ticks, fake_tick_per_read, fake_frequency;

static inline unsigned core_id(void) { return fake_core; }
/* WFI counts, and calls the test's hook (a core that sleeps: what would
 * wake it?); dmb_sy calls its own hook, where a test lets another core act
 * between two of this core's steps. */
extern unsigned fake_wfis;
extern void (*fake_wfi_hook)(void), (*fake_barrier_hook)(void);
static inline void wfe(void) {}
static inline void wfi(void) { fake_wfis++; if (fake_wfi_hook) fake_wfi_hook(); }
static inline void sev(void) {}
static inline void dsb_sy(void) {}
static inline void dmb_sy(void) { if (fake_barrier_hook) fake_barrier_hook(); }
static inline void isb(void) {}
static inline uint64_t counter_now(void) { fake_ticks += fake_tick_per_read; return fake_ticks; }
static inline uint64_t counter_freq(void) { return fake_frequency; }
static inline uint64_t instructions_now(void) { return 1; }
static inline void pmu_count_instructions(void) {}
/* This core's IRQ mask (DAIF.I). A test that models a level interrupt sets
 * fake_irq_unmasked: called when the mask goes off, it takes the interrupt
 * then, as the CPU would before its next instruction. */
extern int fake_irq_masked;
extern void (*fake_irq_unmasked)(void);
static inline void irq_unmask_local(void) { fake_irq_masked = 0; if (fake_irq_unmasked) fake_irq_unmasked(); }
static inline uint64_t irq_save(void) { uint64_t f = (uint64_t)fake_irq_masked; fake_irq_masked = 1; return f; }
static inline void irq_restore(uint64_t f) { fake_irq_masked = (int)f; if (!f && fake_irq_unmasked) fake_irq_unmasked(); }

uint64_t fake_sysreg_read(const char *name);
void fake_sysreg_write(const char *name, uint64_t v);
#define sysreg_read(name) fake_sysreg_read(#name)
#define sysreg_write(name, v) fake_sysreg_write(#name, (uint64_t)(v))

typedef struct { volatile uint32_t next, owner; } spinlock_t;
static inline void spin_lock(spinlock_t *l) { (void)l; }
static inline void spin_unlock(spinlock_t *l) { (void)l; }
