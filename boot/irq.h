/* irq.h: interrupts, the C top half (irq.c). */
#pragma once
#include <stdint.h>

#define EVENT_TIMER 1u   /* this core's generic-timer deadline passed */
#define EVENT_IRQ   2u   /* peripheral interrupts taken: irq_take_pending */

void irq_init_core(unsigned core);   /* route this core's timer interrupt, unmask IRQs */
void irq_handle(void);               /* called from the IRQ vector */
uint32_t irq_take_events(void);      /* this core's pending events, cleared */
uint64_t irq_take_pending(void);     /* this core's peripheral sources taken (bit n = VC interrupt n), cleared */
