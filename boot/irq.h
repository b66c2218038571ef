/* irq.h: interrupts, the C top half (irq.c). */
#pragma once
#include <stdint.h>

#define EVENT_TIMER 1u   /* this core's generic-timer deadline passed */

void irq_init_core(unsigned core);   /* route this core's timer interrupt, unmask IRQs */
void irq_handle(void);               /* called from the IRQ vector */
uint32_t irq_take_events(void);      /* this core's pending events, cleared */
