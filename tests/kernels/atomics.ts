// Test kernel, run under multi-threaded TCG (the cores really run at once):
// 4 x 250,000 atomic increments, and short phases for each lock (4 x 500: under
// MTTCG a waiting core spins on a host CPU, so a fair lock's hand-offs cost
// a host time slice each; spinlock.ts does the long run under -icount).
import { contend } from "./lib/contention";

export function kernel_start(core: u32): void {
  contend(core, 250_000, 500, false);
}
