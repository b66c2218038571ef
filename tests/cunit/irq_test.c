/* links: boot/board/irq.c boot/board/wake.c
 * irq_test.c: boot/board/irq.c, the interrupt top half, against controllers that
 * behave as the hardware may and QEMU does not:
 *  - a BCM2835 ARM controller whose enable registers read back 0 (the
 *    datasheet, BCM2835 ARM Peripherals 7.5, does not promise they read
 *    back): the top half must still take an enabled source, and only that;
 *  - a GIC-400 as a non-secure kernel sees it when the firmware left every
 *    interrupt in the secure group 0: writes to the enables are ignored
 *    (GICv2 architecture spec 4.1.2): the set-up must say so;
 *  - a level interrupt that is taken the moment its source is enabled, as
 *    the CPU takes it before the next instruction when the line is up;
 *  - the hand-over of a stopped or stuck core (issue 25): what its timer
 *    and its peripheral interrupts bring goes to the cores that serve, what
 *    it had taken and not handled too, and a deadline asked for its timer
 *    by another core is armed by its wake interrupt. */
#include "fake.h"
#include "arch.h"
#include "board.h"
#include "irq.h"

static const struct board pi3 = { .id = BOARD_PI3, .name = "Raspberry Pi 3", .soc = "BCM2837", .peripheral_base = 0x3F000000, .irq_controller = IRQC_BCM2835 };
static const struct board pi4 = { .id = BOARD_PI4, .name = "Raspberry Pi 4", .soc = "BCM2711", .peripheral_base = 0xFE000000, .irq_controller = IRQC_GIC400 };

#define ARMC 0x3F00B200u
static uint32_t armc_pending[2], armc_disabled[2], armc_enabled_hw[2], armc_line[2];
static uint32_t armc_read(uint64_t off) {
    if (off == 0x04) return armc_pending[0];
    if (off == 0x08) return armc_pending[1];
    return 0;                                   /* enables and everything else read 0 */
}
static void take_level_irq(void);
static void armc_write_fake(uint64_t off, uint32_t v) {
    if (off == 0x1C) { armc_disabled[0] |= v; armc_pending[0] &= ~v; armc_enabled_hw[0] &= ~v; }
    if (off == 0x20) { armc_disabled[1] |= v; armc_pending[1] &= ~v; armc_enabled_hw[1] &= ~v; }
    if (off == 0x10) { armc_enabled_hw[0] |= v; armc_pending[0] |= armc_line[0] & v; }
    if (off == 0x14) { armc_enabled_hw[1] |= v; armc_pending[1] |= armc_line[1] & v; }
    take_level_irq();
}
static const struct fake_device armc = { ARMC, 0x100, armc_read, armc_write_fake };

static void test_pi3_enabled_source_taken_without_read_back(void) {
    board = &pi3;
    armc_pending[0] = armc_pending[1] = armc_disabled[0] = armc_disabled[1] = 0;
    fake_add_device(&armc);
    fake_core = 0;
    CHECK(irq_init_core(0) == 0, "Pi 3 set-up reports no error");
    irq_take_events(); irq_take_pending();
    /* The kernel's driver enables UART0 (57) and GPIO bank 0 (49) through mmio. */
    irq_armc_write(ARMC + 0x14, 1u << (57 - 32));
    irq_armc_write(ARMC + 0x14, 1u << (49 - 32));
    irq_armc_write(ARMC + 0x20, 1u << (49 - 32));     /* ... then disables GPIO bank 0 again */
    armc_pending[1] = (1u << (57 - 32)) | (1u << (49 - 32));   /* both raise their lines */
    fake_set(0x40000060u, 1u << 8);                   /* core 0's local source: the GPU interrupt */
    armc_disabled[0] = armc_disabled[1] = 0;          /* from here on: what the top half masks */
    irq_handle(0);
    uint32_t ev = irq_take_events();
    uint64_t taken = irq_take_pending();
    CHECK(ev & EVENT_IRQ, "EVENT_IRQ recorded (events 0x%x)", ev);
    CHECK(taken == 1ull << 57, "took exactly the enabled source 57 (took 0x%llx)", (unsigned long long)taken);
    CHECK(armc_disabled[1] == 1u << (57 - 32), "masked source 57 at the controller (disable 2 = 0x%x)", armc_disabled[1]);
    CHECK(!(irq_armc_enabled() & (1ull << 57)), "the shadow knows the top half masked 57");
    irq_armc_write(ARMC + 0x14, 1u << (57 - 32));     /* the bottom half enables it again */
    CHECK(irq_armc_enabled() == 1ull << 57, "enabled again: shadow 0x%llx", (unsigned long long)irq_armc_enabled());
}

/* The CPU side of a level interrupt: while this core's IRQs are on and an
 * enabled source is pending, the core takes the IRQ, again and again until
 * the top half masks it. More than a few rounds is a storm: the core would
 * never run another instruction of the kernel. */
static int irq_rounds, irq_storm;
static void take_level_irq(void) {
    static int inside;
    if (inside || fake_irq_masked) return;
    inside = 1;
    fake_irq_masked = 1;                          /* the exception masks IRQs */
    while (armc_pending[0] | armc_pending[1]) {
        fake_set(0x40000060u + 4 * fake_core, 1u << 8);   /* this core's local source: the GPU interrupt */
        irq_handle(0);
        if (++irq_rounds > 100) { irq_storm = 1; break; }
    }
    fake_irq_masked = 0;                          /* eret */
    inside = 0;
}

static void test_pi3_enable_with_line_up_is_taken_once(void) {
    board = &pi3;
    for (int i = 0; i < 2; i++) armc_pending[i] = armc_disabled[i] = armc_enabled_hw[i] = armc_line[i] = 0;
    irq_rounds = irq_storm = 0;
    fake_add_device(&armc);
    irq_armc_write(ARMC + 0x1C, ~0u);              /* every source off, the shadow too */
    irq_armc_write(ARMC + 0x20, ~0u);
    fake_core = 1;
    irq_init_core(1);
    fake_irq_unmasked = take_level_irq;
    irq_take_events(); irq_take_pending();
    armc_line[1] = 1u << (57 - 32);               /* a byte sits in the UART: its line is up */
    irq_armc_write(ARMC + 0x14, 1u << (57 - 32)); /* the bottom half enables it again (mmio.write32) */
    CHECK(!irq_storm, "the top half masked source 57 (%d rounds of the IRQ: a storm)", irq_rounds);
    CHECK(irq_rounds == 1, "the IRQ was taken once (%d)", irq_rounds);
    CHECK(irq_take_pending() == 1ull << 57, "source 57 is pending for the bottom half");
    CHECK(!(armc_enabled_hw[1] & (1u << (57 - 32))), "and masked at the controller");
    CHECK(!(irq_armc_enabled() & (1ull << 57)), "the shadow agrees");
}

#define GICD 0xFF841000u
static uint32_t gic_enabled[16];
static int gic_secure_only;                          /* every interrupt in group 0: non-secure writes ignored */
static uint32_t gicd_read(uint64_t off) {
    if (off >= 0x100 && off < 0x140) return gic_enabled[(off - 0x100) / 4];
    if (off >= 0x180 && off < 0x1c0) return gic_enabled[(off - 0x180) / 4];
    return 0;
}
static void gicd_write(uint64_t off, uint32_t v) {
    if (gic_secure_only) return;
    if (off >= 0x100 && off < 0x140) gic_enabled[(off - 0x100) / 4] |= v;
    if (off >= 0x180 && off < 0x1c0) gic_enabled[(off - 0x180) / 4] &= ~v;
}
static const struct fake_device gicd = { GICD, 0x1000, gicd_read, gicd_write };

static void gic_setup(int secure_only) {
    board = &pi4;
    for (int i = 0; i < 16; i++) gic_enabled[i] = 0;
    gic_secure_only = secure_only;
    fake_add_device(&gicd);
}

static void test_pi4_gic_ignoring_writes_is_reported(void) {
    gic_setup(1);
    const char *why = irq_init_core(0);
    CHECK(why != 0, "a GIC that ignores our enables is reported");
    if (why) printf("  (reported: %s)\n", why);
    fake_core = 2;
    CHECK(irq_init_core(2) != 0, "on a secondary core too");
}

static void test_pi4_gic_in_group1_is_fine(void) {
    gic_setup(0);
    CHECK(irq_init_core(0) == 0, "a GIC that takes our writes: no error");
    CHECK(gic_enabled[0] & (1u << 30), "PPI 30 enabled");
    CHECK(!(gic_enabled[(96 + 57) / 32] & (1u << ((96 + 57) % 32))), "the probed SPI is left disabled as it was");
}

#define LOCAL_SOURCE(c) (0x40000060u + 4u * (c))
#define LOCAL_MBOX0_SET(c) (0x40000080u + 16u * (c))

/* `core` takes an interrupt whose local sources are `bits` (bit 1 its timer, 4 the wake, 8 the GPU's). */
static void take_on(unsigned core, uint32_t bits) {
    fake_core = core;
    fake_set(LOCAL_SOURCE(core), bits);
    irq_handle(0);
    fake_set(LOCAL_SOURCE(core), 0);
}

static void test_pi3_hand_over(void) {
    board = &pi3;
    for (int i = 0; i < 2; i++) armc_pending[i] = armc_disabled[i] = armc_enabled_hw[i] = armc_line[i] = 0;
    fake_add_device(&armc);
    for (unsigned c = 0; c < 4; c++) { fake_core = c; irq_init_core(c); irq_take_events(); irq_take_pending(); }
    irq_armc_write(ARMC + 0x14, 1u << (57 - 32) | 1u << (49 - 32));
    /* Core 3 takes GPIO bank 0 (49), and stops before its bottom half runs. */
    armc_pending[1] = 1u << (49 - 32);
    take_on(3, 1u << 8);
    irq_hand_over(1u << 3, 0x7);
    fake_core = 0;
    uint32_t ev = irq_take_events();
    CHECK(ev & EVENT_ADOPT, "a serving core is told to serve core 3's timer list at once (events 0x%x)", ev);
    CHECK(ev & EVENT_IRQ, "and to take what core 3 took (events 0x%x)", ev);
    CHECK(irq_take_pending() == 1ull << 49, "core 0 takes source 49, which core 3 took and never handled");
    fake_core = 3;
    CHECK(irq_take_pending() == 0, "core 3 no longer holds it");
    /* Core 3's timer fires: core 1 is to fire its list. */
    fake_core = 1; irq_take_events();
    take_on(3, 1u << 1);
    fake_core = 1;
    CHECK(irq_take_events() & EVENT_ADOPT, "core 3's timer interrupt tells core 1 to serve its list");
    /* Core 3 takes the UART (57): core 2 gets it. */
    armc_pending[1] = 1u << (57 - 32);
    take_on(3, 1u << 8);
    fake_core = 2;
    CHECK(irq_take_events() & EVENT_IRQ, "core 2 is told of an interrupt to handle");
    CHECK(irq_take_pending() == 1ull << 57, "core 2 takes source 57");
    /* Core 3 is available again: its own interrupts stay its own. */
    irq_hand_over(0, 0xf);
    armc_pending[1] = 1u << (57 - 32);
    irq_armc_write(ARMC + 0x14, 1u << (57 - 32));
    take_on(3, 1u << 8);
    CHECK(irq_take_pending() == 1ull << 57, "back: core 3 keeps what it takes");
}

static void test_pi3_wake_at_arms_the_other_core(void) {
    board = &pi3;
    for (unsigned c = 0; c < 4; c++) { fake_core = c; irq_init_core(c); }
    fake_sysreg_write("cntp_ctl_el0", 0);
    fake_core = 0;
    irq_wake_at(2, 5000);
    irq_wake_at(2, 7000);                            /* a later one: the earlier stays */
    CHECK(fake_get(LOCAL_MBOX0_SET(2)) == 1, "core 2's mailbox 0 raised (the wake interrupt)");
    take_on(2, 1u << 4);
    CHECK(fake_sysreg_read("cntp_ctl_el0") == 1, "core 2's timer is on");
    CHECK(fake_sysreg_read("cntp_cval_el0") == 5000, "for the earlier deadline asked (%llu)", (unsigned long long)fake_sysreg_read("cntp_cval_el0"));
    fake_core = 0;
    irq_wake_at(2, 9000);                            /* later than what core 2 has armed: left as it is */
    take_on(2, 1u << 4);
    CHECK(fake_sysreg_read("cntp_cval_el0") == 5000, "a later deadline does not push the armed one back");
}

int main(void) {
    run_test("Pi 3: the top half takes an enabled source although the enables read back 0", test_pi3_enabled_source_taken_without_read_back);
    run_test("Pi 3: enabling a source whose line is up takes the IRQ once, no storm", test_pi3_enable_with_line_up_is_taken_once);
    run_test("Pi 4: a GIC that ignores non-secure enables is reported at set-up", test_pi4_gic_ignoring_writes_is_reported);
    run_test("Pi 4: a GIC that takes the writes passes the read-back", test_pi4_gic_in_group1_is_fine);
    run_test("Pi 3: a stopped core's timer and interrupts go to the cores that serve (issue 25)", test_pi3_hand_over);
    run_test("Pi 3: wakeAt arms another core's timer through its wake interrupt", test_pi3_wake_at_arms_the_other_core);
    return test_summary();
}
