// Test kernel, run under -icount: 4 x 250,000 increments of a plain counter
// under the SpinLock, then under the TicketLock, each core yielding inside the critical section (see
// lib/contention.ts), so mutual exclusion is what keeps the count exact.
import { contend } from "./lib/contention";

export function kernel_start(core: u32): void {
  contend(core, 1_000, 250_000, true);
}
