// A reproducer, not part of make test: four tasks that make garbage every
// 3 ms (string concatenations across an await, so the collector runs often)
// and a watchdog pinned to core 3. In about two boots in five on raspi3b
// under wasm3, collections are given up again and again ("gc: a collection
// was given up: core 0 3 did not reach a poll boundary within 1000 ms") and
// nothing runs any more: gdb (QEMU -s; wasm3's functions mapped from the
// frames' code addresses) finds a core looping in the allocator, in
// tlsf's removeFree/takeLocked under heapAlloc under __new, while the other
// cores sleep. A free list with a cycle: a block freed twice, or freed
// while in use. No device is involved. Found while chasing the weather
// example's stops (issue 24's session note); it is issue 25's to fix.
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
