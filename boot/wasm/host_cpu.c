/* host_cpu.c: host module "cpu": which core, how many, events, the
 * generic timer, and the instruction counter. */
#include "host.h"
#include "../arch.h"

extern unsigned cores_started;

m3ApiRawFunction(h_cpu_id) { m3ApiReturnType(uint32_t); m3ApiReturn(core_id()); }
m3ApiRawFunction(h_cpu_count) { m3ApiReturnType(uint32_t); m3ApiReturn(cores_started); }
m3ApiRawFunction(h_cpu_wfe) { wfe(); m3ApiSuccess(); }
m3ApiRawFunction(h_cpu_sev) { dsb_sy(); sev(); m3ApiSuccess(); }
m3ApiRawFunction(h_cpu_wfi) { wfi(); m3ApiSuccess(); }
m3ApiRawFunction(h_cpu_counter) { m3ApiReturnType(uint64_t); m3ApiReturn(counter_now()); }
m3ApiRawFunction(h_cpu_instructions) { m3ApiReturnType(uint64_t); m3ApiReturn(instructions_now()); }
m3ApiRawFunction(h_cpu_frequency) { m3ApiReturnType(uint64_t); m3ApiReturn(counter_freq()); }
m3ApiRawFunction(h_cpu_running) {
    m3ApiReturnType(uint32_t);
    m3ApiReturn(__atomic_load_n(&cores_running, __ATOMIC_ACQUIRE));
}
