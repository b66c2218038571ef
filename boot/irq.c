/* irq.c: interrupts, the C top half (ARCHITECTURE.md section 4).
 *
 * The only source so far is each core's EL1 physical generic timer
 * (CNTP). The handler turns the timer off (which drops the interrupt),
 * records EVENT_TIMER in the core's event word, SEVs and returns: wasm3 is
 * never re-entered from an exception. The executor's idle loop takes the
 * events (cpu.events) and runs the bottom half in AssemblyScript.
 *
 * Routing differs per board:
 *  - Pi 3 (BCM2836 local controller, "QA7"): 0x40000040 + 4*core, bit 1
 *    (CNTPNSIRQ) sends the core's timer to its IRQ; 0x40000060 + 4*core says
 *    which source is pending.
 *  - Pi 4 (GIC-400 at 0xFF840000): the timer is PPI 30. Enable it in the
 *    distributor (banked per core), priority 0xA0, CPU interface on with
 *    priority mask 0xF0; acknowledge with GICC_IAR, end with GICC_EOIR;
 *    1022/1023 are spurious. Interrupt groups are left as they are (QEMU's GIC
 *    has no security extensions; on a Pi the firmware sets them up).
 */
#include "irq.h"
#include "arch.h"
#include "board.h"

#define LOCAL_TIMER_CTL(c)   (0x40000040u + 4u * (c))
#define LOCAL_IRQ_SOURCE(c)  (0x40000060u + 4u * (c))
#define LOCAL_CNTPNSIRQ      (1u << 1)

#define GICD 0xFF841000u
#define GICC 0xFF842000u
#define GICD_CTLR        0x000
#define GICD_ISENABLER0  0x100
#define GICD_IPRIORITYR  0x400
#define GICC_CTLR        0x000
#define GICC_PMR         0x004
#define GICC_IAR         0x00C
#define GICC_EOIR        0x010
#define PPI_CNTP         30

static volatile uint32_t events[MAX_CORES];

static inline volatile uint32_t *reg(uint32_t addr) { return (volatile uint32_t *)(uintptr_t)addr; }

void irq_init_core(unsigned core) {
    sysreg_write(cntp_ctl_el0, 0);                    /* timer off until a deadline is set */
    if (board->id == BOARD_PI3) {
        *reg(LOCAL_TIMER_CTL(core)) = LOCAL_CNTPNSIRQ;
    } else {
        if (core == 0) *reg(GICD + GICD_CTLR) = 3;
        volatile uint8_t *prio = (volatile uint8_t *)(uintptr_t)(GICD + GICD_IPRIORITYR);
        prio[PPI_CNTP] = 0xA0;
        *reg(GICD + GICD_ISENABLER0) = 1u << PPI_CNTP;
        *reg(GICC + GICC_PMR) = 0xF0;
        *reg(GICC + GICC_CTLR) = 3;
    }
    dsb_sy();
    __asm__ volatile("msr daifclr, #2" ::: "memory");   /* IRQs on */
}

static void timer_fired(unsigned core) {
    sysreg_write(cntp_ctl_el0, 0);
    __atomic_or_fetch(&events[core], EVENT_TIMER, __ATOMIC_RELEASE);
    dsb_sy();
    sev();
}

void irq_handle(void) {
    unsigned core = core_id();
    if (board->id == BOARD_PI3) {
        if (*reg(LOCAL_IRQ_SOURCE(core)) & LOCAL_CNTPNSIRQ) timer_fired(core);
        return;
    }
    uint32_t iar = *reg(GICC + GICC_IAR);
    uint32_t id = iar & 0x3ff;
    if (id >= 1022) return;                            /* spurious */
    if (id == PPI_CNTP) timer_fired(core);
    *reg(GICC + GICC_EOIR) = iar;
}

uint32_t irq_take_events(void) {
    return __atomic_exchange_n(&events[core_id()], 0, __ATOMIC_ACQ_REL);
}
