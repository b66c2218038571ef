/* links: boot/board/wake.c boot/board/irq.c
 * wake_test.c: boot/board/wake.c, waiting cores that sleep in WFI, and the
 * wake interrupt of boot/board/irq.c on each board. The fake cores run one
 * at a time: a hook in WFI or between two of a core's steps runs another
 * core's code there, as the real ones would run meanwhile. What must hold:
 *  - a core that waits, with no wake since it last returned, sleeps (WFI),
 *    with IRQs masked, and a wake then interrupts exactly it;
 *  - a wake that comes before the wait (between the caller's check and the
 *    wait) is not lost: the wait returns without sleeping, as WFE does after
 *    an SEV;
 *  - a wake that comes while the waiter is on its way into WFI (after it
 *    said it sleeps) either stops it sleeping or interrupts it;
 *  - an interrupt of this core's own taken before the wait keeps it awake;
 *  - each board's controller gets the right write: the Pi 3's core mailbox 0
 *    (QA7), the Pi 4's GICD_SGIR with the target list; the top half clears
 *    the mailbox / ends the SGI and records no event. */
#include "fake.h"
#include "arch.h"
#include "board.h"
#include "irq.h"
#include "wake.h"

static const struct board pi3 = { .id = BOARD_PI3, .name = "Raspberry Pi 3", .soc = "BCM2837", .peripheral_base = 0x3F000000, .irq_controller = IRQC_BCM2835 };
static const struct board pi4 = { .id = BOARD_PI4, .name = "Raspberry Pi 4", .soc = "BCM2711", .peripheral_base = 0xFE000000, .irq_controller = IRQC_GIC400 };

#define LOCAL 0x40000000u
static uint32_t mbox_set[4], mbox_writes, timer_line[4];
static uint32_t local_read(uint64_t off) {
    if (off >= 0x60 && off < 0x70)                 /* the core's source: bit 1 its timer, bit 4 mailbox 0 */
        return (mbox_set[(off - 0x60) / 4] ? 1u << 4 : 0) | (timer_line[(off - 0x60) / 4] ? 1u << 1 : 0);
    if (off >= 0x50 && off < 0x60) return fake_get(LOCAL + off);
    return 0;
}
static void local_write(uint64_t off, uint32_t v) {
    if (off >= 0x80 && off < 0xC0 && (off & 0xf) == 0) { mbox_set[(off - 0x80) / 16] |= v; mbox_writes++; }
    else if (off >= 0xC0 && (off & 0xf) == 0) mbox_set[(off - 0xC0) / 16] &= ~v;
    else fake_set(LOCAL + off, v);
}
static const struct fake_device local = { LOCAL, 0x100, local_read, local_write };

#define GICD 0xFF841000u
static uint32_t sgir, sgir_writes, sgi_enabled;
static uint32_t gicd_read(uint64_t off) { return off == 0x100 ? sgi_enabled : 0; }
static void gicd_write(uint64_t off, uint32_t v) {
    if (off == 0xF00) { sgir = v; sgir_writes++; }
    if (off == 0x100) sgi_enabled |= v;
}
static const struct fake_device gicd = { GICD, 0x1000, gicd_read, gicd_write };
#define GICC 0xFF842000u
static uint32_t iar, eoir;
static uint32_t gicc_read(uint64_t off) { return off == 0x0C ? iar : 0; }
static void gicc_write(uint64_t off, uint32_t v) { if (off == 0x10) eoir = v; }
static const struct fake_device gicc = { GICC, 0x1000, gicc_read, gicc_write };

static void pi3_setup(void) {
    board = &pi3;
    for (int i = 0; i < 4; i++) mbox_set[i] = timer_line[i] = 0;
    mbox_writes = 0;
    fake_add_device(&local);
    for (unsigned c = 0; c < 4; c++) { fake_core = c; irq_init_core(c); }
    fake_irq_masked = 0;
}

/* What another core does while core 1 sleeps, or between its steps. */
static int masked_in_wfi;
static void core0_wakes(void) {
    unsigned me = fake_core;
    masked_in_wfi = fake_irq_masked;
    fake_barrier_hook = 0;                         /* once */
    fake_core = 0;
    cpu_wake_all();
    fake_core = me;
}

static void test_sleeps_and_is_woken(void) {
    pi3_setup();
    fake_core = 1;
    cpu_wait();                                    /* the first wait returns: no wake seen yet is the same as one */
    unsigned before = fake_wfis;
    fake_wfi_hook = core0_wakes;
    cpu_wait();
    CHECK(fake_wfis == before + 1, "the core slept in WFI (%u WFIs)", fake_wfis - before);
    CHECK(masked_in_wfi, "with IRQs masked, so a wake before WFI stays pending");
    CHECK(mbox_set[1] == 1 && mbox_writes == 1, "core 0's wake raised core 1's mailbox 0, only that (mailboxes %x %x %x %x)", mbox_set[0], mbox_set[1], mbox_set[2], mbox_set[3]);
    CHECK(!fake_irq_masked, "IRQs back on after the wait");
    fake_wfi_hook = 0;
    /* The wake interrupt's top half on core 1: clears the mailbox, records nothing. */
    irq_handle(0);
    CHECK(mbox_set[1] == 0, "the top half cleared core 1's mailbox 0");
    CHECK(irq_take_events() == 0, "a wake is no event for the kernel");
    /* A wake to nobody: no core sleeps, no mailbox is written. */
    fake_core = 0;
    cpu_wake_all();
    CHECK(mbox_writes == 1, "a wake with no core asleep interrupts nobody (%u writes)", mbox_writes);
}

static void test_wake_before_wait_is_kept(void) {
    pi3_setup();
    fake_core = 1;
    cpu_wait();                                    /* up to date */
    fake_core = 0;
    cpu_wake_all();                                /* after core 1 checked its condition, before it waits */
    fake_core = 1;
    unsigned before = fake_wfis;
    cpu_wait();
    CHECK(fake_wfis == before, "the wait returned without sleeping: the wake was not lost");
    cpu_wait();
    CHECK(fake_wfis == before + 1, "and the next wait sleeps again (the wake counted once)");
}

static void test_wake_on_the_way_in(void) {
    pi3_setup();
    fake_core = 1;
    cpu_wait();
    fake_barrier_hook = core0_wakes;               /* core 0 wakes after core 1 said it sleeps */
    unsigned before = fake_wfis;
    cpu_wait();
    fake_barrier_hook = 0;
    int slept = fake_wfis != before;
    CHECK(!slept || mbox_set[1], "core 1 either stayed awake or was interrupted (slept %d, mailbox %x)", slept, mbox_set[1]);
}

static void test_own_interrupt_keeps_awake(void) {
    pi3_setup();
    fake_core = 2;
    cpu_wait();
    timer_line[2] = 1;                             /* core 2's timer fired just before the wait ... */
    irq_handle(0);                                  /* ... and its top half ran */
    timer_line[2] = 0;
    unsigned before = fake_wfis;
    cpu_wait();
    CHECK(fake_wfis == before, "a timer event taken before the wait keeps the core awake");
    CHECK(irq_take_events() == EVENT_TIMER, "the event is still there for the kernel");
    cpu_wait();
    CHECK(fake_wfis == before + 1, "once it is taken, the core sleeps");
}

static void test_pi4_sgi(void) {
    board = &pi4;
    sgir = sgir_writes = sgi_enabled = 0;
    fake_add_device(&gicd);
    fake_add_device(&gicc);
    for (unsigned c = 0; c < 4; c++) { fake_core = c; irq_init_core(c); }
    CHECK(sgi_enabled & 1u, "SGI 0 enabled (for a GIC that has the bit)");
    fake_irq_masked = 0;
    fake_core = 3;
    cpu_wait();
    fake_wfi_hook = core0_wakes;
    cpu_wait();
    fake_wfi_hook = 0;
    CHECK(sgir_writes == 1 && sgir == (1u << (16 + 3) | 0), "GICD_SGIR: SGI 0 to core 3 only (0x%x, %u writes)", sgir, sgir_writes);
    iar = (0u << 10) | 0;                            /* core 3 acknowledges SGI 0 from CPU 0 */
    irq_handle(0);
    CHECK(eoir == iar, "the top half ended the SGI (EOIR 0x%x)", eoir);
    CHECK(irq_take_events() == 0, "a wake is no event for the kernel");
}

int main(void) {
    run_test("a waiting core sleeps in WFI, masked, and a wake interrupts exactly it (Pi 3 mailbox 0)", test_sleeps_and_is_woken);
    run_test("a wake between the check and the wait is not lost", test_wake_before_wait_is_kept);
    run_test("a wake while the waiter goes into WFI is not lost", test_wake_on_the_way_in);
    run_test("an interrupt of its own taken before the wait keeps the core awake", test_own_interrupt_keeps_awake);
    run_test("Pi 4: the wake is SGI 0 to the sleeping cores, ended by the top half", test_pi4_sgi);
    return test_summary();
}
