// What the executor specs share: a fresh fake host, running what is queued,
// time going on, the heap's live blocks, and a task that drives one future.
import { Task, Context, Future, spawnOn, runOnce, serviceEvents, ticksFromMillis } from "../../assembly/kernel/exec";
import { drain, tick } from "../../assembly/testing";
import { stats, HeapStats } from "../../assembly/kernel/mem/heap";
export { fresh, drain, tick } from "../../assembly/testing";

const STATS = changetype<HeapStats>(memory.data(offsetof<HeapStats>(), 16));
/** The heap's live blocks now. */
export function liveBlocks(): u32 { stats(STATS); return STATS.liveBlocks; }

/** Polls a future to the end and keeps it (the test disposes it): spawned kept alive, letGo() ends it. */
export class Drive<T extends Future> extends Task {
  constructor(public f: T) { super(); }
  poll(cx: Context): bool { return this.f.poll(cx); }
  dispose(): void {}
}

/** Spawns a task on core 0 that polls `f`, kept after it ends (the spec reads it), and runs it up to its first wait. */
export function startKept<T extends Future>(f: T): Drive<T> {
  const d = new Drive<T>(f);
  d.keepAlive();
  spawnOn(0, d);
  drain();
  return d;
}

/**
 * Runs `f` to its end as a task on core 0: the interrupts serviced as
 * they come, and the clock moved a millisecond at a time when nothing else
 * is left to run (at most `ms` of them), or after 1000 rounds of
 * interrupts: a level that stays high while the transfer can do nothing
 * (TXW while a part stretches the clock) wakes it again and again, as on
 * the silicon, until time moves. Gives the milliseconds it took.
 */
export function runToEnd<T extends Future>(f: T, ms: i32 = 1000): i32 {
  startKept(f);
  let t = 0;
  while (!f.isReady && t < ms) {
    let ran = true;
    for (let rounds = 0; ran && !f.isReady && rounds < 1000; rounds++) {
      serviceEvents();
      ran = false;
      while (runOnce()) ran = true;
    }
    if (!f.isReady) { tick(ticksFromMillis(1)); t++; }
  }
  expect(f.isReady).toBe(true, "the future ends");
  return t;
}
