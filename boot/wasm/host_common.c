/* host_common.c: what both backends share around the host functions (the
 * interpreter, host.c, and the AOT runtime, boot/aot/aot.c): the refusal
 * messages, the "already printed" marker, and which cores run a kernel. */
#include "host.h"
#include "../arch.h"
#include <stdarg.h>
#include <stdio.h>

volatile uint32_t cores_running;
const char host_panicked[] = "[host] panic reported";

static char refusals[MAX_CORES][160];

const char *host_refuse(const char *fmt, ...) {
    char *buf = refusals[core_id()];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof refusals[0], fmt, ap);
    va_end(ap);
    return buf;
}

void host_core_enters(unsigned core) {
    __atomic_or_fetch(&cores_running, 1u << core, __ATOMIC_ACQ_REL);
    sev();
}

void host_core_leaves(unsigned core) {
    __atomic_and_fetch(&cores_running, ~(1u << core), __ATOMIC_ACQ_REL);
    dsb_sy();
    sev();
}
