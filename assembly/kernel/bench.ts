// Benchmarks a kernel runs on itself (`tspi bench` runs a project's
// bench/*.ts; `make bench` runs bench/kernel.ts). The unit is the guest
// instruction, counted by the PMU: under QEMU -icount (as both run it) a
// count is exact and the same on every run, so a change of one percent is a
// change in the code, not noise. On a board it counts too, though caches
// and the bus make time differ from instructions there.
//
//   import { bench } from "tspi";
//   function fib20(): void { ... }
//   export function main(): void {
//     bench.row("fib-20", fib20, 1);      // bench: kernel fib-20 <instructions> 1
//     bench.done();                       // bench: done, then exit(0)
//   }
//
// What it prints is read by tools/bench/bench.ts (parseBench, parseFigures).
import { instructions } from "../arch/cpu";
import { print, println, printU64 } from "../arch/console";
import { exit } from "../arch/sys";

/** Runs of each measurement: the median is kept (an interrupt or a cache fill lands in one run, not in the median). */
const REPS: i32 = 5;
const SAMPLES = memory.data(8 * REPS, 8);

function empty(): void {}

/** Instructions of `ops` calls of `op`: the median of five runs, the loop and the call included. */
export function median(op: () => void, ops: u32): u64 {
  for (let r = 0; r < REPS; r++) {
    const t0 = instructions();
    for (let i: u32 = 0; i < ops; i++) op();
    store<u64>(SAMPLES + (<usize>r << 3), instructions() - t0);
  }
  for (let i = 1; i < REPS; i++) {           // insertion sort of five
    for (let j = i; j > 0; j--) {
      const a = load<u64>(SAMPLES + (<usize>(j - 1) << 3)), b = load<u64>(SAMPLES + (<usize>j << 3));
      if (a <= b) break;
      store<u64>(SAMPLES + (<usize>(j - 1) << 3), b);
      store<u64>(SAMPLES + (<usize>j << 3), a);
    }
  }
  return load<u64>(SAMPLES + (<usize>(REPS / 2) << 3));
}

/** Instructions of `ops` calls of `op`, without those of the same loop calling an empty function. */
export function measure(op: () => void, ops: u32 = 1000): u64 {
  const n = median(op, ops), base = median(empty, ops);
  return n > base ? n - base : 0;
}

/** Measures `op` (`ops` calls) and prints `bench: kernel <name> <instructions> <ops>`: one row of the table. */
export function row(name: string, op: () => void, ops: u32 = 1000): u64 {
  const n = measure(op, ops);
  print("bench: kernel "); print(name); print(" "); printU64(n); print(" "); printU64(ops); println("");
  return n;
}

/** Prints `bench: figure <name> <value> <unit>`: a single figure (a size, a count, a boot's instructions). */
export function figure(name: string, value: u64, unit: string): void {
  print("bench: figure "); print(name); print(" "); printU64(value); print(" "); println(unit);
}

/** Instructions this core has run since it started: at the top of main(), the boot's cost. */
export function sinceBoot(): u64 { return instructions(); }

/** Prints `bench: done` and ends the kernel (exit code 0): what the runner waits for. */
export function done(): void {
  println("bench: done");
  exit(0);
}
