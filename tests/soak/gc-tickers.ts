// A check, not part of make test (tests/spec/exec.spec.ts has the fast
// one): four tasks that make garbage on an interval of 3 ms, slower under
// wasm3 in QEMU than their period, and a watchdog pinned to core 3. Before
// Interval yielded on an overdue tick, a task that fell behind its period
// took every overdue tick in one poll and never returned from it: its core
// ran nothing else (here the watchdog) and never came to a collection's
// safe point, so every collection was given up ("core 0 3 did not reach a
// poll boundary within 1000 ms") and the heap ran out ("0 collections");
// gdb caught that core in the allocator, only because the endless poll
// allocates. Every boot failed so on raspi3b under wasm3; now each ends ok.
//   copy it to tests/kernels/, make build/tests/gc-tickers.img, then
//   qemu-system-aarch64 -M raspi3b -kernel build/tests/gc-tickers.img -semihosting \
//     -display none -monitor none -serial stdio
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { spawn, spawnPinned, runExecutor, sleep, Interval } from "../../assembly/kernel/exec";
import * as atomic from "../../assembly/arch/atomic";

const TICKS = memory.data(4, 4);

async function ticker(): Promise<void> {
  const every = new Interval(3);
  let keep = "";
  while (true) {
    await every;
    for (let i = 0; i < 50; i++) keep = "garbage " + i.toString() + keep.substring(0, 10);   // the collector's work
    atomic.add32(TICKS, 1);
  }
}

async function watchdog(): Promise<void> {
  let last: u32 = 0, still = 0;
  for (let round = 0; round < 40; round++) {
    await sleep(500);
    const n = atomic.load32(TICKS);
    if (n == last) still++; else still = 0;
    last = n;
    if (still >= 4) { println("gc-tickers: STUCK at " + n.toString() + " ticks"); exit(1); }
  }
  println("gc-tickers test: ok (" + last.toString() + " ticks)");
  exit(0);
}

function main(): void {
  spawnPinned(3, watchdog());
  for (let i = 0; i < 4; i++) spawn(ticker());
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
