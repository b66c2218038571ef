// Test kernel: sleeps on the timer interrupt. Three tasks, on cores 1-3,
// sleep until 30, 10 and 20 ms after one common start; each records the
// order it woke in and whether it woke before its deadline (it must not). A task on core 0 ticks an Interval of
// 5 ms five times. Core 0 prints the results; the QEMU test checks the order
// and that no sleep ended before its deadline (no upper bounds: QEMU's time
// is the host's).
import { boot } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import { counter, timerFrequency } from "../../assembly/arch/cpu";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";
import { dispose } from "../../assembly/kernel/mem/lifetime";
import { Task, Context, spawnOn, runExecutor, runUntil, Sleep, Interval, ticksFromMillis } from "../../assembly/kernel/exec";

const ORDER = memory.data(4, 4);
const RESULTS = memory.data(16 * 4, 16);   // per sleeper: ms, order, early (1/0), core
const LATE_US = memory.data(16, 16);       // per sleeper: microseconds after its deadline it ran
const TICKS = memory.data(4, 4);
const DONE = memory.data(4, 4);
const START = memory.data(8, 8);

class Sleeper extends Task {
  sleep: Sleep | null = null;
  constructor(public index: u32, public ms: u32) { super(); }
  poll(cx: Context): bool {
    if (!this.sleep) this.sleep = new Sleep(atomic.load64(START) + ticksFromMillis(this.ms));
    if (!this.sleep!.poll(cx)) return false;
    const slept = counter() - atomic.load64(START);
    const r = RESULTS + (<usize>this.index << 4);
    store<u32>(r, this.ms);
    store<u32>(r, atomic.add32(ORDER, 1) + 1, 4);
    store<u32>(r, slept < ticksFromMillis(this.ms) ? 1 : 0, 8);
    store<u32>(r, cx.core, 12);
    store<u32>(LATE_US + (<usize>this.index << 2), <u32>((slept - ticksFromMillis(this.ms)) * 1_000_000 / timerFrequency()));
    atomic.add32(DONE, 1);
    return true;
  }
  dispose(): void { dispose(this.sleep); }
}

class Ticker extends Task {
  interval: Interval = new Interval(5);
  poll(cx: Context): bool {
    while (atomic.load32(TICKS) < 5) {
      if (!this.interval.poll(cx)) return false;
      atomic.add32(TICKS, 1);
    }
    atomic.add32(DONE, 1);
    return true;
  }
  dispose(): void { dispose(this.interval); }   // an Interval frees its own Sleep
}

function allDone(): bool { return atomic.load32(DONE) == 4; }

function main(): void {
  atomic.store64(START, counter());
  spawnOn(1, new Sleeper(0, 30));
  spawnOn(2, new Sleeper(1, 10));
  spawnOn(3, new Sleeper(2, 20));
  spawnOn(0, new Ticker());
  runUntil(allDone);
  for (let i = 0; i < 3; i++) {
    const r = RESULTS + (<usize>i << 4);
    print("slept "); printU64(load<u32>(r)); print(" ms: woke "); printU64(load<u32>(r, 4));
    print(load<u32>(r, 8) ? ", EARLY" : ", not early"); print(", on core "); printU64(load<u32>(r, 12));
    print(", "); printU64(load<u32>(LATE_US + (<usize>i << 2))); println(" us after its deadline");
  }
  print("interval ticks: "); printU64(atomic.load32(TICKS)); println("");
  exit(0);
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
