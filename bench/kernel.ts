// The benchmark kernel: the AssemblyScript side of each row, run by wasm3
// on core 0 while the other cores sleep. For each row it prints
//
//   bench: wasm3 <row> <instructions> <operations>
//
// (median of REPS runs of OPS operations, minus the same loop calling an
// empty function), then `bench: done` and exits. bench/native.c prints the
// native side of the same rows in the same run; tools/bench.ts makes the
// table. The instruction counter is the PMU's (cpu.instructions()), exact
// under QEMU -icount.
import { boot, idle } from "../assembly/kernel/boot";
import { instructions } from "../assembly/arch/cpu";
import { exit } from "../assembly/arch/sys";
import { print, println, printU64 } from "../assembly/arch/console";
import * as heap from "../assembly/kernel/alloc";
import * as atomic from "../assembly/arch/atomic";
import { SpinLock } from "../assembly/kernel/sync/spinlock";

const OPS: u32 = 1000;
const REPS: i32 = 5;
const SAMPLES = memory.data(8 * 5, 8);
let sink: usize = 0;

const WORD = memory.data(4, 4);
const LOCK = changetype<SpinLock>(memory.data(4, 4));

function empty(): void {}
function atomicAdd(): void { atomic.add32(WORD, 1); }
function lockUnlock(): void { LOCK.lock(); LOCK.unlock(); }
function allocFree64(): void { const p = heap.alloc(64); sink = p; heap.free(p); }
function reallocGrow(): void {
  let p = heap.alloc(64);
  p = heap.realloc(p, 4096);
  sink = p;
  heap.free(p);
}

function run(op: () => void): u64 {
  for (let r = 0; r < REPS; r++) {
    const t0 = instructions();
    for (let i: u32 = 0; i < OPS; i++) op();
    store<u64>(SAMPLES + (<usize>r << 3), instructions() - t0);
  }
  for (let i = 1; i < REPS; i++) {           // median of a few samples
    for (let j = i; j > 0; j--) {
      const a = load<u64>(SAMPLES + (<usize>(j - 1) << 3)), b = load<u64>(SAMPLES + (<usize>j << 3));
      if (a <= b) break;
      store<u64>(SAMPLES + (<usize>(j - 1) << 3), b);
      store<u64>(SAMPLES + (<usize>j << 3), a);
    }
  }
  return load<u64>(SAMPLES + (<usize>(REPS / 2) << 3));
}

function row(name: string, op: () => void, base: u64): void {
  const n = run(op);
  print("bench: wasm3 "); print(name); print(" ");
  printU64(n > base ? n - base : 0); print(" "); printU64(OPS); println("");
}

function main(): void {
  const base = run(empty);
  row("atomic-add", atomicAdd, base);
  row("lock-unlock", lockUnlock, base);
  row("alloc-free-64", allocFree64, base);
  row("realloc-grow", reallocGrow, base);
  println("bench: done");
  exit(0);
}

export function kernel_start(core: u32): void {
  boot(core, main, idle);
}
