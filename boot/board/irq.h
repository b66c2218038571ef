/* irq.h: interrupts, the C top half (irq.c). */
#pragma once
#include <stdint.h>

#define EVENT_TIMER 1u   /* this core's generic-timer deadline passed */
#define EVENT_IRQ   2u   /* peripheral interrupts taken: irq_take_pending */
#define EVENT_ADOPT 4u   /* a stopped or stuck core's timer fired, or it became one: serve its timer list */

struct trap_frame;

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
void irq_handle(struct trap_frame *f);   /* called from the IRQ vector, with the interrupted state */
uint32_t irq_take_events(void);      /* this core's pending events, cleared */
uint32_t irq_events_waiting(void);   /* this core's pending events, left as they are */
/* Raises the wake interrupt on each core of `cores` (bit n = core n): the
 * Pi 3's core mailbox 0, the Pi 4's SGI 0. Its top half only acknowledges
 * it: it is there to end a WFI (wake.c). */
void irq_send_wake(uint32_t cores);
/* This core's peripheral sources taken (bit n = VC interrupt n), and those
 * an unavailable core took (irq_hand_over), cleared. */
uint64_t irq_take_pending(void);

/* Hand-over (issue 25): `unavailable` are the cores whose kernel stopped or
 * is stuck in a poll, `serving` the cores that run in their place. From now
 * on an unavailable core's timer interrupt sets EVENT_ADOPT on the serving
 * cores and wakes them (they fire its timer list), and its peripheral
 * sources go to whichever serving core takes them next (irq_take_pending).
 * A core that becomes unavailable hands over what it took and had not
 * handled yet, and the serving cores get EVENT_ADOPT at once. */
void irq_hand_over(uint32_t unavailable, uint32_t serving);
/* Makes `core`'s timer interrupt come no later than `deadline` (counter
 * ticks): at once on this core, else through the wake interrupt, whose top
 * half arms it there. For a core whose timer list another core served. */
void irq_wake_at(unsigned core, uint64_t deadline);

/* The instruction counter (PMU, that core's own) when `core` last took its
 * timer interrupt (IRQ_STAMP_TIMER), raised the wake interrupt on another
 * core (IRQ_STAMP_WAKE_SENT) or took the wake interrupt
 * (IRQ_STAMP_WAKE_TAKEN); 0 if never. For the latency rows of make bench. */
#define IRQ_STAMP_TIMER      0u
#define IRQ_STAMP_WAKE_SENT  1u
#define IRQ_STAMP_WAKE_TAKEN 2u
#define IRQ_STAMP_KINDS      3u
uint64_t irq_stamp(unsigned core, unsigned kind);

/* The watchdog's tick on this core: the virtual timer (CNTV), every `period`
 * counter ticks (0: off); each calls watch_tick with the interrupted state.
 * Paused while the core sleeps in cpu_wait (wake.c). */
void irq_tick_start(uint64_t period);
void irq_tick_pause(void);
void irq_tick_resume(void);
void watch_tick(struct trap_frame *f);   /* the host's (boot/wasm/host_watch.c) */
void watch_idle(void);                   /* the host's: this core is about to sleep (cpu_wait), so between polls */
/* Between two kernels (a push): every peripheral source disabled and every
 * core's taken-but-unhandled record dropped; the timers stay. */
void irq_reset_peripherals(void);
