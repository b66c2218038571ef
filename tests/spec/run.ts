// What the executor specs share: a fresh fake host, running what is queued,
// time going on, the heap's live blocks, and a task that drives one future.
import { Task, Context, Future, spawnOn } from "../../assembly/kernel/exec";
import { drain } from "../../assembly/testing";
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

