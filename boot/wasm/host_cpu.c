/* host_cpu.c: host module "cpu": which core, how many, events, the
 * generic timer, and the instruction counter. */
#include "host.h"
#include "arch.h"
#include "irq.h"
#include "wake.h"

extern unsigned cores_started;

m3ApiRawFunction(h_cpu_id) { m3ApiReturnType(uint32_t); m3ApiReturn(core_id()); }
m3ApiRawFunction(h_cpu_count) { m3ApiReturnType(uint32_t); m3ApiReturn(cores_started); }
/* A core that waits leaves its kernel when a push is under way (docs/push.md). */
#define LEAVE_FOR_PUSH() if (__builtin_expect(push_pending, 0)) m3ApiTrap(host_handover)
m3ApiRawFunction(h_cpu_wfe) { LEAVE_FOR_PUSH(); wfe(); m3ApiSuccess(); }
m3ApiRawFunction(h_cpu_sev) { cpu_wake_all(); m3ApiSuccess(); }
/* wfi and sev: a sleep in WFI that sev() ends with an inter-core interrupt
 * (wake.c), so an idle core sleeps under QEMU too; sev() also SEVs, for wfe. */
m3ApiRawFunction(h_cpu_wfi) { LEAVE_FOR_PUSH(); cpu_wait(); m3ApiSuccess(); }
m3ApiRawFunction(h_cpu_counter) { m3ApiReturnType(uint64_t); m3ApiReturn(counter_now()); }
m3ApiRawFunction(h_cpu_instructions) { m3ApiReturnType(uint64_t); m3ApiReturn(instructions_now()); }
m3ApiRawFunction(h_cpu_frequency) { m3ApiReturnType(uint64_t); m3ApiReturn(counter_freq()); }
m3ApiRawFunction(h_cpu_running) {
    m3ApiReturnType(uint32_t);
    m3ApiReturn(__atomic_load_n(&cores_running, __ATOMIC_ACQUIRE));
}

/* setTimer(deadline): this core's timer interrupt at counter value
 * `deadline` (CNTP_CVAL_EL0); 0 turns it off. One deadline per core. */
m3ApiRawFunction(h_cpu_set_timer) {
    m3ApiGetArg(uint64_t, deadline);
    if (!deadline) {
        sysreg_write(cntp_ctl_el0, 0);
    } else {
        sysreg_write(cntp_cval_el0, deadline);
        sysreg_write(cntp_ctl_el0, 1);   /* ENABLE, not masked */
    }
    isb();
    m3ApiSuccess();
}

/* events(): what the interrupt top half recorded for this core, cleared. */
m3ApiRawFunction(h_cpu_events) { m3ApiReturnType(uint32_t); m3ApiReturn(irq_take_events()); }

/* irqStamp(core, kind): the instruction counter when that core last took its timer interrupt, sent or took a wake interrupt. */
m3ApiRawFunction(h_cpu_irq_stamp) {
    m3ApiReturnType(uint64_t);
    m3ApiGetArg(uint32_t, core);
    m3ApiGetArg(uint32_t, kind);
    if (core >= MAX_CORES || kind >= IRQ_STAMP_KINDS)
        m3ApiTrap(host_refuse("cpu.irqStamp: core %u, kind %u: cores 0 to %u, kinds 0 to %u", core, kind, MAX_CORES - 1, IRQ_STAMP_KINDS - 1));
    m3ApiReturn(irq_stamp(core, kind));
}

/* watch(task, polls, state, handoverMs, reportMs): the watchdog on this core (host_watch.c). */
m3ApiRawFunction(h_cpu_watch) {
    m3ApiGetArg(uint32_t, task);
    m3ApiGetArg(uint32_t, polls);
    m3ApiGetArg(uint32_t, state);
    m3ApiGetArg(uint32_t, handover_ms);
    m3ApiGetArg(uint32_t, report_ms);
    const char *why = watch_start(task, polls, state, handover_ms, report_ms);
    if (why) m3ApiTrap(why);
    m3ApiSuccess();
}

/* wakeAt(core, deadline): `core`'s timer no later than `deadline`, through its wake interrupt. */
m3ApiRawFunction(h_cpu_wake_at) {
    m3ApiGetArg(uint32_t, core);
    m3ApiGetArg(uint64_t, deadline);
    if (core >= MAX_CORES) m3ApiTrap(host_refuse("cpu.wakeAt: core %u: this board has cores 0 to %u", core, MAX_CORES - 1));
    irq_wake_at(core, deadline);
    m3ApiSuccess();
}
