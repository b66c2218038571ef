/* host_irq.c: host module "irq": the peripheral interrupts the top half
 * (boot/board/irq.c) took on this core. The kernel's drivers program the
 * controllers themselves; see docs/host-abi.md and docs/drivers.md. */
#include "host.h"
#include "irq.h"

/* take(): the sources taken on this core since the last call (bit n =
 * VideoCore interrupt n), cleared. Each stays masked until its driver
 * enables it again. */
m3ApiRawFunction(h_irq_take) { m3ApiReturnType(uint64_t); m3ApiReturn(irq_take_pending()); }
