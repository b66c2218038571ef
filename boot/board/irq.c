/* irq.c: interrupts, the C top half (docs/architecture.md, docs/drivers/interrupts.md).
 *
 * Two kinds of source:
 *  - each core's EL1 physical generic timer (CNTP): the handler turns the
 *    timer off (which drops the interrupt) and records EVENT_TIMER;
 *  - peripheral interrupts (the VideoCore's numbers 0-63): the handler
 *    masks the source at the controller (a level interrupt would otherwise
 *    fire again at once), records it in the core's pending mask and sets
 *    EVENT_IRQ. The kernel's driver enables and routes sources itself
 *    (drivers/irq.ts, through mmio) and enables a source again once its
 *    bottom half has dealt with the device.
 * Either way the handler SEVs and returns: wasm3 is never re-entered from an
 * exception. A third, the core's virtual timer (CNTV), is the watchdog's
 * tick (boot/wasm/host_watch.c). A core that stopped or is stuck hands over
 * (irq_hand_over): its timer interrupt and its peripheral sources are
 * recorded for the cores that serve in its place (docs/architecture.md,
 * "A core that stops or is stuck"). The executor loop takes the events (cpu.events, irq.take) and
 * runs the bottom halves in AssemblyScript.
 *
 * Routing differs per board:
 *  - Pi 3 (BCM2836 local controller, "QA7", at 0x40000000): +0x40 + 4*core, bit 1
 *    (CNTPNSIRQ) sends the core's timer to its IRQ; +0x60 + 4*core says
 *    which source is pending: bit 1 the timer, bit 8 the GPU (peripheral)
 *    interrupt, which goes to the one core +0x0C names. The BCM2835
 *    ARM controller at 0x3F00B200 has the peripheral pending bits (pending 1
 *    at +0x04: sources 0-31, pending 2 at +0x08: 32-63) and masks a source
 *    by writing its bit to disable +0x1C/+0x20. Which sources are enabled
 *    comes from a shadow, not from reading the enable registers back: the
 *    datasheet (BCM2835 ARM Peripherals 7.5) describes them as write-1-to-set
 *    and does not promise what a read returns, and Linux's driver
 *    (irq-bcm2835.c) never reads them either. Every write to enable/disable
 *    passes through irq_armc_write (host_mmio.c calls it for the kernel's
 *    mmio writes), so the shadow is exact.
 *  - Pi 4 (GIC-400 at 0xFF840000): the timer is PPI 30. Enable it in the
 *    distributor (banked per core), priority 0xA0, CPU interface on with
 *    priority mask 0xF0; acknowledge with GICC_IAR, end with GICC_EOIR;
 *    1022/1023 are spurious. Peripheral interrupt n is SPI 96 + n, masked by
 *    writing its bit to GICD_ICENABLERn. Interrupt groups are left as they are (QEMU's GIC
 *    has no security extensions; on a Pi the firmware sets them up).
 */
#include "irq.h"
#include "arch.h"
#include "board.h"
#include "regs.h"
#include "wake.h"

/* Every base below is the board's, from tools/boards/spec.ts (boards.h). */
#define LOCAL_TIMER_CTL(c)   (BCM2836_LOCAL_BASE + 0x40u + 4u * (c))
#define LOCAL_IRQ_SOURCE(c)  (BCM2836_LOCAL_BASE + 0x60u + 4u * (c))
#define LOCAL_CNTPNSIRQ      (1u << 1)
/* The same registers' bit 3 (nCNTVIRQ): the core's virtual timer, the
 * stub's watchdog tick (QA7 rev 3.4, "Core timers interrupt control" and
 * "Core interrupt sources"). */
#define LOCAL_CNTVIRQ        (1u << 3)
/* Core mailboxes (QA7 rev 3.4, "Core mailboxes" and "Core interrupt
 * sources"): 4 per core; writing bits to core c's mailbox n "write-set"
 * register (+0x80 + 16*c + 4*n) raises them, writing them to its
 * "write-clear" register (+0xC0 + ...) clears them; +0x50 + 4*c bit n sends a
 * non-zero mailbox n to core c's IRQ, and +0x60 + 4*c bit 4+n says it is
 * pending. The stub wakes a core with mailbox 0 (what Linux's IPIs use too). */
#define LOCAL_MBOX_CTL(c)    (BCM2836_LOCAL_BASE + 0x50u + 4u * (c))
#define LOCAL_MBOX0_SET(c)   (BCM2836_LOCAL_BASE + 0x80u + 16u * (c))
#define LOCAL_MBOX0_CLR(c)   (BCM2836_LOCAL_BASE + 0xC0u + 16u * (c))
#define LOCAL_MBOX0_IRQ      (1u << 4)

#define GICD GIC400_GICD
#define GICC GIC400_GICC
#define GICD_CTLR        0x000
#define GICD_ISENABLER0  0x100
#define GICD_ICENABLER0  0x180
#define GICD_ICPENDR0    0x280
#define SPI_VC_BASE      GIC_SPI_VC_BASE
#define GICD_IPRIORITYR  0x400
/* GICv2 Architecture Specification 4.3.15, GICD_SGIR: [25:24] 0 = to the
 * target list, [23:16] the list (CPU interface n = core n on the BCM2711),
 * [3:0] the SGI. From the non-secure side an SGI reaches only a core where it
 * is in group 1, which the Pi 4's armstub sets for every interrupt (on paper:
 * QEMU's GIC has no security extensions). */
#define GICD_SGIR        0xF00
#define SGI_WAKE         0       /* the software-generated interrupt that wakes a core (wake.c) */
#define GICC_CTLR        0x000
#define GICC_PMR         0x004
#define GICC_IAR         0x00C
#define GICC_EOIR        0x010
#define PPI_CNTP         30
/* The virtual timer's PPI, the watchdog tick: ID 27 (the GIC-400 TRM's
 * PPI assignments: 27 virtual, 30 non-secure physical; Linux's bcm2711
 * tree says GIC_PPI 11 = ID 27 for it too). */
#define PPI_CNTV         27

#define LOCAL_GPU_IRQ        (1u << 8)
#define ARMC                 IRQ_ARMC_BASE
#define ARMC_PENDING1        0x04
#define ARMC_PENDING2        0x08
#define ARMC_ENABLE1         0x10
#define ARMC_ENABLE2         0x14
#define ARMC_DISABLE1        0x1C
#define ARMC_DISABLE2        0x20

static volatile uint32_t events[MAX_CORES];
static volatile uint64_t pending[MAX_CORES];   /* peripheral sources taken, per core */

/* Hand-over (issue 25): the cores whose kernel stopped or is stuck in a
 * poll (irq_hand_over) and the cores that serve in their place. What a
 * stopped core's interrupts bring goes to the others: its peripheral
 * sources into `orphans`, which every core's irq_take_pending also takes,
 * and its timer as EVENT_ADOPT, on which the others fire its list. */
static volatile uint32_t unavailable, serving;
static volatile uint64_t orphans;
/* A deadline another core asked this core's timer for (irq_wake_at), taken by the wake interrupt. */
static volatile uint64_t wake_at[MAX_CORES];
/* The instruction counter (PMU) when each core last took its timer
 * interrupt, raised the wake interrupt, took the wake interrupt
 * (cpu.irqStamp: make bench's latency rows). */
static volatile uint64_t stamps[IRQ_STAMP_KINDS][MAX_CORES];
/* The watchdog tick's period in counter ticks, per core (0: off). */
static uint64_t tick_period[MAX_CORES];

/* The enabled peripheral sources of the BCM2835 ARM controller (bit n = source n). */
static volatile uint64_t armc_enabled;

static void note_write(uint64_t addr, uint32_t value) {
    if (!board || board->irq_controller != IRQC_BCM2835) return;
    if (addr == ARMC + ARMC_ENABLE1) __atomic_or_fetch(&armc_enabled, (uint64_t)value, __ATOMIC_RELAXED);
    else if (addr == ARMC + ARMC_ENABLE2) __atomic_or_fetch(&armc_enabled, (uint64_t)value << 32, __ATOMIC_RELAXED);
    else if (addr == ARMC + ARMC_DISABLE1) __atomic_and_fetch(&armc_enabled, ~(uint64_t)value, __ATOMIC_RELAXED);
    else if (addr == ARMC + ARMC_DISABLE2) __atomic_and_fetch(&armc_enabled, ~((uint64_t)value << 32), __ATOMIC_RELAXED);
}

uint64_t irq_armc_enabled(void) { return __atomic_load_n(&armc_enabled, __ATOMIC_RELAXED); }

/* The register first, then the shadow, and no IRQ on this core between
 * the two. Enabling a source whose line is already up interrupts at once:
 * taken between the two, the top half would find the source missing from
 * the shadow, leave it enabled, return, and be taken again, for ever (a
 * core lost to an interrupt storm; seen under QEMU when a byte reached the
 * UART while its bottom half enabled it again). Another core's top half
 * that runs between the two sees the same thing only until this core, which
 * is not held up, updates the shadow a few instructions later. Masking
 * with PSTATE.I (DAIFSet/DAIF, Arm ARM for A-profile, "Process state,
 * PSTATE": an IRQ is not taken while I is 1) is the architecture's
 * guarantee, not QEMU's; the race itself was seen under QEMU. */
void irq_armc_write(uint64_t addr, uint32_t value) {
    uint64_t flags = irq_save();
    reg_write(addr, value);
    note_write(addr, value);
    irq_restore(flags);
}


/* A byte of a byte-addressed GIC bank, by read-modify-write of its word
 * (the GIC-400 accepts byte writes too; word accesses are what every
 * interconnect passes). */
static void gic_set_byte(uint32_t bank, unsigned index, uint32_t value) {
    uint32_t addr = bank + (index & ~3u), shift = (index & 3) * 8;
    reg_write(addr, (reg_read(addr) & ~(0xffu << shift)) | (value << shift));
}

/* The GIC-400's UART0 interrupt: VideoCore 57 = SPI 96 + 57. */
#define SPI_PROBE (SPI_VC_BASE + 57)

const char *irq_init_core(unsigned core) {
    const char *why = 0;
    sysreg_write(cntp_ctl_el0, 0);                    /* timer off until a deadline is set */
    sysreg_write(cntv_ctl_el0, 0);                    /* the watchdog's tick too, until irq_tick_start */
    if (board->irq_controller == IRQC_BCM2835) {
        reg_write(LOCAL_TIMER_CTL(core), LOCAL_CNTPNSIRQ | LOCAL_CNTVIRQ);
        reg_write(LOCAL_MBOX0_CLR(core), 0xffffffffu);   /* nothing left from before */
        reg_write(LOCAL_MBOX_CTL(core), 1u);             /* mailbox 0 -> this core's IRQ */
    } else {
        if (core == 0) reg_write(GICD + GICD_CTLR, 3);
        gic_set_byte(GICD + GICD_IPRIORITYR, PPI_CNTP, 0xA0);
        gic_set_byte(GICD + GICD_IPRIORITYR, SGI_WAKE, 0xA0);
        gic_set_byte(GICD + GICD_IPRIORITYR, PPI_CNTV, 0xA0);
        /* Whether an SGI can be disabled is IMPLEMENTATION DEFINED (GICv2
         * Architecture Specification 4.3.5, GICD_ISENABLERn); QEMU's GIC has
         * the bit, and the GIC-400 keeps SGIs enabled (its TRM: on paper). */
        reg_write(GICD + GICD_ISENABLER0, 1u << PPI_CNTP | 1u << PPI_CNTV | 1u << SGI_WAKE);
        reg_write(GICC + GICC_PMR, 0xF0);
        reg_write(GICC + GICC_CTLR, 3);
        dsb_sy();
        if (!(reg_read(GICD + GICD_ISENABLER0) & (1u << PPI_CNTP)))
            why = "the GIC ignored the enable of the timer interrupt (PPI 30): it is in the secure group 0 and we run non-secure";
        if (!why && core == 0) {
            /* A peripheral interrupt too (distributor-global, so core 0 only):
             * set it, read it, and leave it as it was. */
            uint32_t bank = 4 * (SPI_PROBE / 32), bit = 1u << (SPI_PROBE % 32);
            uint32_t before = reg_read(GICD + GICD_ISENABLER0 + bank) & bit;
            reg_write(GICD + GICD_ISENABLER0 + bank, bit);
            dsb_sy();
            if (!(reg_read(GICD + GICD_ISENABLER0 + bank) & bit))
                why = "the GIC ignored the enable of the UART's interrupt (SPI 153): it is in the secure group 0 and we run non-secure";
            if (!before) reg_write(GICD + GICD_ICENABLER0 + bank, bit);
        }
    }
    dsb_sy();
    irq_unmask_local();
    return why;
}

/* Tells the cores that serve for the unavailable ones (`what`: EVENT_ADOPT,
 * EVENT_IRQ), and wakes them. */
static void forward(uint32_t what) {
    uint32_t to = __atomic_load_n(&serving, __ATOMIC_ACQUIRE);
    for (unsigned c = 0; c < MAX_CORES; c++)
        if (to & (1u << c)) __atomic_or_fetch(&events[c], what, __ATOMIC_RELEASE);
    cpu_wake_all();
}

static inline int is_unavailable(unsigned core) {
    return (__atomic_load_n(&unavailable, __ATOMIC_ACQUIRE) >> core) & 1;
}

uint64_t irq_stamp(unsigned core, unsigned kind) {
    return core < MAX_CORES && kind < IRQ_STAMP_KINDS ? __atomic_load_n(&stamps[kind][core], __ATOMIC_ACQUIRE) : 0;
}

static void timer_fired(unsigned core) {
    __atomic_store_n(&stamps[IRQ_STAMP_TIMER][core], instructions_now(), __ATOMIC_RELEASE);
    sysreg_write(cntp_ctl_el0, 0);
    __atomic_or_fetch(&events[core], EVENT_TIMER, __ATOMIC_RELEASE);
    dsb_sy();
    sev();
    if (is_unavailable(core)) forward(EVENT_ADOPT);   /* its list is served elsewhere now */
}

/* Peripheral sources `mask` (already masked at the controller) were taken on `core`. */
static void peripherals_taken(unsigned core, uint64_t mask) {
    if (!mask) return;
    if (is_unavailable(core)) {
        __atomic_or_fetch(&orphans, mask, __ATOMIC_RELEASE);
        forward(EVENT_IRQ);
        return;
    }
    __atomic_or_fetch(&pending[core], mask, __ATOMIC_RELEASE);
    __atomic_or_fetch(&events[core], EVENT_IRQ, __ATOMIC_RELEASE);
    dsb_sy();
    sev();
}

void irq_hand_over(uint32_t unavailable_now, uint32_t serving_now) {
    uint32_t before = __atomic_exchange_n(&unavailable, unavailable_now, __ATOMIC_ACQ_REL);
    __atomic_store_n(&serving, serving_now, __ATOMIC_RELEASE);
    uint32_t newly = unavailable_now & ~before;
    if (!newly) return;
    /* What the newly unavailable cores took and had not handled yet. */
    uint64_t left = 0;
    for (unsigned c = 0; c < MAX_CORES; c++)
        if (newly & (1u << c)) left |= __atomic_exchange_n(&pending[c], 0, __ATOMIC_ACQ_REL);
    if (left) __atomic_or_fetch(&orphans, left, __ATOMIC_RELEASE);
    forward(EVENT_ADOPT | (left ? EVENT_IRQ : 0));
}

/* CNTP on, due at `deadline`, unless it is on already for one no later.
 * Arm ARM (DDI 0487), "The Generic Timer in AArch64 state", the
 * CompareValue view: with CNTP_CTL_EL0.ENABLE set the timer condition is
 * met once the counter reaches CNTP_CVAL_EL0, and the interrupt stays
 * asserted while it is met and IMASK is clear (ISTATUS reads it); ENABLE
 * set with CVAL already passed fires at once. Written here with IMASK 0. */
static void arm_no_later_than(uint64_t deadline) {
    if ((sysreg_read(cntp_ctl_el0) & 1) && sysreg_read(cntp_cval_el0) <= deadline) return;
    sysreg_write(cntp_cval_el0, deadline);
    sysreg_write(cntp_ctl_el0, 1);
    isb();
}

void irq_wake_at(unsigned core, uint64_t deadline) {
    if (!deadline || core >= MAX_CORES) return;
    if (core == core_id()) { uint64_t f = irq_save(); arm_no_later_than(deadline); irq_restore(f); return; }
    uint64_t was = __atomic_load_n(&wake_at[core], __ATOMIC_ACQUIRE);
    while ((!was || deadline < was) &&
           !__atomic_compare_exchange_n(&wake_at[core], &was, deadline, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {}
    irq_send_wake(1u << core);
}

/* The wake interrupt: a deadline another core asked for, if any. */
static void woken(unsigned core) {
    __atomic_store_n(&stamps[IRQ_STAMP_WAKE_TAKEN][core], instructions_now(), __ATOMIC_RELEASE);
    uint64_t d = __atomic_exchange_n(&wake_at[core], 0, __ATOMIC_ACQ_REL);
    if (d) arm_no_later_than(d);
}

/* ---- the watchdog's tick: the virtual timer (CNTV), one per core --------- */
/* Arm ARM (DDI 0487), "The Generic Timer in AArch64 state": a write of
 * CNTV_TVAL_EL0 sets CNTV_CVAL_EL0 to the virtual count (CNTVCT_EL0) plus
 * the signed 32-bit value (the TimerValue view), so a period is clamped to
 * 0x7fffffff ticks; CNTV_CTL_EL0.ENABLE 0 stops the timer and drops its
 * interrupt (the condition reads as not met), which is how a sleeping core
 * takes no tick. The level interrupt stays up until CVAL moves past the
 * count, so tick() writes TVAL before it ends the interrupt. The virtual
 * count is the physical one: boot/cpu/start.S zeroes CNTVOFF_EL2 before it
 * leaves EL2. On paper for a board (QEMU models CNTV as the Arm ARM says). */
void irq_tick_start(uint64_t period) {
    unsigned core = core_id();
    tick_period[core] = period;
    if (!period) { sysreg_write(cntv_ctl_el0, 0); isb(); return; }
    sysreg_write(cntv_tval_el0, period > 0x7fffffffu ? 0x7fffffffu : period);
    sysreg_write(cntv_ctl_el0, 1);
    isb();
}

void irq_tick_pause(void) {
    if (tick_period[core_id()]) { sysreg_write(cntv_ctl_el0, 0); isb(); }
}

void irq_tick_resume(void) {
    uint64_t period = tick_period[core_id()];
    if (period) irq_tick_start(period);
}

static void tick(struct trap_frame *f) {
    unsigned core = core_id();
    uint64_t period = tick_period[core];
    if (!period) { sysreg_write(cntv_ctl_el0, 0); return; }
    sysreg_write(cntv_tval_el0, period > 0x7fffffffu ? 0x7fffffffu : period);   /* the next, before the work */
    isb();
    watch_tick(f);
}

void irq_handle(struct trap_frame *f) {
    unsigned core = core_id();
    if (board->irq_controller == IRQC_BCM2835) {
        uint32_t source = reg_read(LOCAL_IRQ_SOURCE(core));
        if (source & LOCAL_CNTPNSIRQ) timer_fired(core);
        if (source & LOCAL_MBOX0_IRQ) {                 /* a wake: it ends a WFI, and may bring a deadline */
            reg_write(LOCAL_MBOX0_CLR(core), 0xffffffffu);
            woken(core);
        }
        if (source & LOCAL_GPU_IRQ) {
            uint64_t enabled = irq_armc_enabled();
            uint32_t p1 = reg_read(ARMC + ARMC_PENDING1) & (uint32_t)enabled;
            uint32_t p2 = reg_read(ARMC + ARMC_PENDING2) & (uint32_t)(enabled >> 32);
            if (p1) irq_armc_write(ARMC + ARMC_DISABLE1, p1);   /* (IRQs are off already in the handler) */
            if (p2) irq_armc_write(ARMC + ARMC_DISABLE2, p2);
            dsb_sy();
            peripherals_taken(core, (uint64_t)p2 << 32 | p1);
        }
        if (source & LOCAL_CNTVIRQ) tick(f);
        return;
    }
    uint32_t iar = reg_read(GICC + GICC_IAR);
    uint32_t id = iar & 0x3ff;
    if (id >= 1022) return;                            /* spurious */
    if (id == PPI_CNTP) timer_fired(core);
    else if (id == SGI_WAKE) woken(core);              /* a wake: it ends a WFI, and may bring a deadline */
    else if (id == PPI_CNTV) tick(f);                   /* (its new deadline drops the level line before the EOIR below) */
    else if (id >= SPI_VC_BASE && id < SPI_VC_BASE + 64) {
        reg_write(GICD + GICD_ICENABLER0 + 4 * (id / 32), 1u << (id % 32));
        dsb_sy();
        peripherals_taken(core, 1ull << (id - SPI_VC_BASE));
    }
    reg_write(GICC + GICC_EOIR, iar);
}

void irq_send_wake(uint32_t cores) {
    __atomic_store_n(&stamps[IRQ_STAMP_WAKE_SENT][core_id()], instructions_now(), __ATOMIC_RELEASE);
    dsb_sy();                                          /* what the woken core is to see, before it wakes */
    if (board->irq_controller == IRQC_BCM2835) {
        for (unsigned c = 0; c < MAX_CORES; c++)
            if (cores & (1u << c)) reg_write(LOCAL_MBOX0_SET(c), 1u);
    } else {
        reg_write(GICD + GICD_SGIR, (cores & 0xffu) << 16 | SGI_WAKE);
    }
}

uint32_t irq_events_waiting(void) { return __atomic_load_n(&events[core_id()], __ATOMIC_ACQUIRE); }

uint32_t irq_take_events(void) {
    return __atomic_exchange_n(&events[core_id()], 0, __ATOMIC_ACQ_REL);
}

uint64_t irq_take_pending(void) {
    uint64_t mine = __atomic_exchange_n(&pending[core_id()], 0, __ATOMIC_ACQ_REL);
    if (__atomic_load_n(&orphans, __ATOMIC_ACQUIRE)) mine |= __atomic_exchange_n(&orphans, 0, __ATOMIC_ACQ_REL);
    return mine;
}

/* Between two kernels (a push, docs/push.md): the old kernel's peripheral
 * interrupts end with it. Every source is disabled at the controller, its
 * latched pending state cleared on the GIC, and every core's record of
 * sources taken and not yet handled dropped, so the new kernel starts as
 * at boot: it gets only what its drivers enable. Routing (the Pi 3's GPU
 * routing, the GIC's targets) is left as it is: irq.enable sets it again.
 * Registers: BCM2835 ARM Peripherals 7.5, "Disable IRQs 1/2" (write 1 to
 * disable); GICv2 Architecture Specification 4.3.6 GICD_ICENABLERn and
 * 4.3.8 GICD_ICPENDRn (write 1 to clear), here for SPIs 96-159, the
 * VideoCore's 64. The per-core timers are the stub's own (PPI 30, the
 * local controller's CNTPNSIRQ) and stay; a stale EVENT_TIMER only wakes
 * an executor early. */
void irq_reset_peripherals(void) {
    if (board->irq_controller == IRQC_BCM2835) {
        irq_armc_write(ARMC + ARMC_DISABLE1, 0xffffffffu);
        irq_armc_write(ARMC + ARMC_DISABLE2, 0xffffffffu);
    } else {
        for (unsigned id = SPI_VC_BASE; id < SPI_VC_BASE + 64; id += 32) {
            reg_write(GICD + GICD_ICENABLER0 + 4 * (id / 32), 0xffffffffu);
            reg_write(GICD + GICD_ICPENDR0 + 4 * (id / 32), 0xffffffffu);
        }
    }
    dsb_sy();
    for (unsigned c = 0; c < MAX_CORES; c++) {
        __atomic_store_n(&pending[c], 0, __ATOMIC_RELEASE);
        __atomic_and_fetch(&events[c], ~(EVENT_IRQ | EVENT_ADOPT), __ATOMIC_ACQ_REL);
    }
    __atomic_store_n(&orphans, 0, __ATOMIC_RELEASE);
}
