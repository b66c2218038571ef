// A barrier for test kernels: every started core calls arrive(); the last
// one to arrive releases the others. Reusable: each use bumps a generation
// word. Lives in static (shared) memory.
import * as atomic from "../../../assembly/arch/atomic";
import { coreCount } from "../../../assembly/arch/cpu";

const ARRIVED = memory.data(4, 4);
const GENERATION = memory.data(4, 4);

export function barrier(): void {
  const gen = atomic.load32(GENERATION);
  if (atomic.add32(ARRIVED, 1) + 1 == coreCount()) {
    atomic.store32(ARRIVED, 0);
    atomic.store32(GENERATION, gen + 1);
  } else {
    let g = gen;
    while (g == gen) g = atomic.wait32(GENERATION, g);
  }
}

/** A small per-core random generator (xorshift32). */
export class Random {
  constructor(private x: u32) { if (!this.x) this.x = 1; }
  next(n: u32): u32 {
    let x = this.x;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    this.x = x;
    return x % n;
  }
}
