/* wake.c: waiting cores sleep in WFI; cpu_wake_all() sends them an
 * inter-core interrupt.
 *
 * Why not WFE and SEV, as the architecture intends: under QEMU's
 * multi-threaded TCG, WFE is a no-op, so every idle core spun on a host CPU
 * (issue 25: an idle kernel kept a host CPU at 99 %, and four spinning cores
 * slowed each other and every test on a 2-core host). WFI does stop a vCPU.
 * On a board both sleep; WFI is also the one of the two that stops the
 * core's clock (Cortex-A53 TRM, "Core Wait for Interrupt": on paper here).
 *
 * WFI ends on an interrupt, not on SEV, so a waker raises the wake interrupt
 * (irq_send_wake: the Pi 3's core mailbox, the Pi 4's SGI) on each core
 * that said it sleeps. The handshake is Dekker's, with full barriers:
 *   waiter: asleep |= me;  then reads wake_seq, sleeps only if unchanged;
 *   waker:  wake_seq++;    then reads asleep, interrupts whoever is in it;
 * so either the waiter sees the new wake_seq or the waker sees the waiter.
 * The waiter does this with IRQs masked: a wake interrupt that comes before
 * its WFI stays pending, and a pending interrupt ends WFI even when masked
 * (Arm ARM, "Wait For Interrupt"), so none is lost; the handler runs when
 * the mask comes off and only acknowledges it.
 *
 * wake_seq also stands in for WFE's event register: a wake since this core
 * last returned makes cpu_wait() return at once (seen[]), as an SEV between
 * a check and the WFE would. */
#include "wake.h"
#include "arch.h"
#include "irq.h"

static volatile uint32_t wake_seq;
static volatile uint32_t asleep;          /* bit n: core n is in (or about to enter) WFI */
static uint32_t seen[MAX_CORES];          /* wake_seq when core n last returned */

void cpu_wake_all(void) {
    __atomic_add_fetch(&wake_seq, 1, __ATOMIC_SEQ_CST);
    dmb_sy();
    uint32_t sleepers = __atomic_load_n(&asleep, __ATOMIC_SEQ_CST) & ~(1u << core_id());
    if (sleepers) irq_send_wake(sleepers);
    dsb_sy();
    sev();                                /* and the loops that still wait with WFE */
}

void cpu_wait(void) {
    unsigned me = core_id();
    uint32_t seq = __atomic_load_n(&wake_seq, __ATOMIC_SEQ_CST);
    if (seq != seen[me]) { seen[me] = seq; return; }
    uint64_t flags = irq_save();
    __atomic_or_fetch(&asleep, 1u << me, __ATOMIC_SEQ_CST);
    dmb_sy();
    if (__atomic_load_n(&wake_seq, __ATOMIC_SEQ_CST) == seq && !irq_events_waiting()) {
        watch_idle();                     /* a core that sleeps is not stuck in a poll (unless it waits inside one) */
        irq_tick_pause();                 /* the watchdog watches polls, not sleep: no tick wakes this core */
        wfi();
        irq_tick_resume();
    }
    __atomic_and_fetch(&asleep, ~(1u << me), __ATOMIC_SEQ_CST);
    seen[me] = __atomic_load_n(&wake_seq, __ATOMIC_SEQ_CST);
    irq_restore(flags);                   /* a wake interrupt, if one came, is taken here */
}
