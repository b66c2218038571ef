/* mailbox.h: the VideoCore mailbox's property channel, polled (mailbox.c). */
#pragma once
#include <stdint.h>

/* Sends the property message at `msg` (`size` bytes, 16-byte aligned; the
 * CPU's address of it) whose bus address is `bus`, and waits up to 100 ms
 * for the answer, holding the mailbox's lock (MMU on only). 0 when the
 * firmware answered; the caller checks the message's and the tag's
 * response codes. */
int mailbox_call(uint32_t *msg, uint32_t size, uint32_t bus);

/* Early boot (MMU and caches off, core 0 alone, so no lock): the ARM's RAM
 * from the firmware (tag 0x00010005: base and size). 0 if the firmware did
 * not answer. */
int mailbox_arm_memory(uint64_t *base, uint64_t *size);
