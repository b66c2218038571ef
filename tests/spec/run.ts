// What the executor specs share: a fresh fake host, running what is queued,
// time going on, the heap's live blocks, and a task that drives one future.
import { Task, Context, Future } from "../../assembly/kernel/exec";
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
