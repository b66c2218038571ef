/* irq.h: interrupts, the C top half (irq.c). */
#pragma once
#include <stdint.h>

#define EVENT_TIMER 1u   /* this core's generic-timer deadline passed */
#define EVENT_IRQ   2u   /* peripheral interrupts taken: irq_take_pending */

/* Routes this core's timer interrupt and unmasks IRQs. NULL, or why the
 * interrupt controller will not deliver (read back after enabling). */
const char *irq_init_core(unsigned core);
/* The BCM2835 ARM interrupt controller's registers (Pi 3), IRQ_ARMC_BASE in
 * boards.h (from tools/boards/spec.ts): the page that irq_armc_write owns,
 * so callers can tell its writes apart cheaply. */
#include "boards.h"
/* Every write to that page goes through here (host_mmio.c does it for the
 * kernel's): the write and the Pi 3's shadow of enabled sources change
 * together, with this core's IRQs off between them. */
void irq_armc_write(uint64_t addr, uint32_t value);
uint64_t irq_armc_enabled(void);     /* the Pi 3's enabled peripheral sources (bit n = source n) */
void irq_handle(void);               /* called from the IRQ vector */
uint32_t irq_take_events(void);      /* this core's pending events, cleared */
uint32_t irq_events_waiting(void);   /* this core's pending events, left as they are */
/* Raises the wake interrupt on each core of `cores` (bit n = core n): the
 * Pi 3's core mailbox 0, the Pi 4's SGI 0. Its top half only acknowledges
 * it: it is there to end a WFI (wake.c). */
void irq_send_wake(uint32_t cores);
uint64_t irq_take_pending(void);     /* this core's peripheral sources taken (bit n = VC interrupt n), cleared */
/* Between two kernels (a push): every peripheral source disabled and every
 * core's taken-but-unhandled record dropped; the timers stay. */
void irq_reset_peripherals(void);
