/* wake.h: a core that waits sleeps in WFI, and another core wakes it with an
 * inter-core interrupt (wake.c). */
#pragma once
#include <stdint.h>

/* Sleeps until cpu_wake_all() on another core, an interrupt on this one, or
 * spuriously, as WFE does: a wake since this core last returned from here
 * makes it return at once. Callers wait in a loop and check their condition
 * again. Needs irq_init_core() on this core first. */
void cpu_wait(void);
/* Wakes every core that waits in cpu_wait() (and SEVs, for WFE loops). */
void cpu_wake_all(void);
