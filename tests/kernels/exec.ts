// Test kernel: the executor on four cores.
//   1. core 0 spawns 10,000 tasks (each yields once, then finishes); every
//      core runs its executor; all must complete, and every core must have
//      polled some (spawn spreads them, idle cores steal);
//   2. a task on core 1 waits until a task on core 2 wakes it (cross-core wake);
//   3. a task awaits four others through JoinHandles and sums their results;
//   4. a task sleeping 10 s (spawned on core 1) is cancelled from core 0:
//      its sleep leaves the timer list and the task is freed;
//   5. finished tasks are freed: the heap's live blocks return to where they were.
import { boot } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import * as heap from "../../assembly/kernel/mem/heap";
import { HeapStats } from "../../assembly/kernel/mem/heap";
import { coreCount, counter, timerFrequency } from "../../assembly/arch/cpu";
import { exit } from "../../assembly/arch/sys";
import { dispose, heapBytesOf } from "../../assembly/kernel/mem/lifetime";
import { print, println, printU64 } from "../../assembly/arch/console";
import { AtomicRef } from "../../assembly/kernel/sync";
import { Task, Context, spawn, spawnOn, spawnJoin, JoinHandle, runExecutor, runUntil, runOnce, pollsOn, stealsOn, YieldNow, Sleep, pendingSleeps } from "../../assembly/kernel/exec";

const TASKS: u32 = 10_000;
const FINISHED = memory.data(4, 4);
const SLOT = new AtomicRef<Task>();      // the waiting task, for the waker
const WOKEN_ON = memory.data(4, 4);      // core + 1 where the waiter finished
const SUM = memory.data(4, 4);
const BEFORE = changetype<HeapStats>(memory.data(64, 16));
const AFTER = changetype<HeapStats>(memory.data(64, 16));

class Work extends Task {
  yielder: YieldNow = new YieldNow();
  constructor(public n: u32) { super(); }
  poll(cx: Context): bool {
    if (!this.yielder.poll(cx)) return false;
    let x: u32 = this.n;
    for (let i = 0; i < 20; i++) x = x * 1664525 + 1013904223;
    atomic.add32(FINISHED, 1);
    return x != 0xffffffff || true;
  }
  dispose(): void { dispose(this.yielder); }
}

class Waiter extends Task {
  registered: bool = false;
  poll(cx: Context): bool {
    if (!this.registered) {
      this.registered = true;
      SLOT.set(cx.waker);
      return false;                       // until the Waker on core 2 wakes us
    }
    atomic.store32(WOKEN_ON, cx.core + 1);
    return true;
  }
}

class Waker extends Task {
  poll(cx: Context): bool {
    const w = SLOT.get();
    if (!w) { cx.waker.wake(); return false; }   // not there yet: try again later
    w.wake();
    return true;
  }
}

class Square extends Task {
  result: u32 = 0;
  constructor(public x: u32) { super(); }
  poll(cx: Context): bool { this.result = this.x * this.x; return true; }
}

class Joiner extends Task {
  handles: Array<JoinHandle<Square>> = new Array<JoinHandle<Square>>();
  started: bool = false;
  poll(cx: Context): bool {
    if (!this.started) {
      this.started = true;
      for (let i: u32 = 1; i <= 4; i++) this.handles.push(spawnJoin(new Square(i)));
    }
    for (let i = 0; i < this.handles.length; i++) if (!this.handles[i].poll(cx)) return false;
    let sum: u32 = 0;
    for (let i = 0; i < this.handles.length; i++) {
      sum += this.handles[i].task.result;
      dispose(this.handles[i].task);
      dispose(this.handles[i]);
    }
    atomic.store32(SUM, sum);
    return true;
  }
  dispose(): void { dispose(this.handles); }
}

class Napper extends Task {
  nap: Sleep | null = null;
  poll(cx: Context): bool {
    if (!this.nap) this.nap = Sleep.millis(10_000);
    return this.nap!.poll(cx);
  }
  dispose(): void { dispose(this.nap); }   // a Sleep's dispose takes it out of its core's list
}

// (Whichever core polls the napper first, maybe one that stole it, holds its sleep.)
function sleeps(): u32 { let n: u32 = 0; for (let c: u32 = 0; c < 4; c++) n += pendingSleeps(c); return n; }
function napperRegistered(): bool { return sleeps() == 1; }
function napperGone(): bool { return sleeps() == 0; }

function allFinished(): bool {
  return atomic.load32(FINISHED) >= TASKS && atomic.load32(WOKEN_ON) != 0 && atomic.load32(SUM) != 0;
}

function main(): void {
  heap.stats(BEFORE);
  const probe = new Work(0);
  print("a Work task costs "); printU64(heapBytesOf(probe) + heapBytesOf(probe.yielder));
  print(" heap bytes ("); printU64(heapBytesOf(probe)); print(" the task, "); printU64(heapBytesOf(probe.yielder)); println(" its YieldNow)");
  dispose(probe);
  const napper = new Napper();
  spawnOn(1, napper);
  runUntil(napperRegistered);
  napper.cancel();                         // from core 0; core 1 finishes and frees it
  runUntil(napperGone);
  println("cancelled: the sleeping task left its core's timer list");
  for (let i: u32 = 0; i < TASKS; i++) spawn(new Work(i));
  spawnOn(1, new Waiter());
  spawnOn(2, new Waker());
  spawn(new Joiner());
  runUntil(allFinished);
  let ok = true;
  for (let c: u32 = 0; c < coreCount(); c++) {
    print("core "); printU64(c); print(" polled "); printU64(pollsOn(c)); print(" tasks, stole "); printU64(stealsOn(c)); println("");
    if (pollsOn(c) == 0) ok = false;
  }
  print("finished: "); printU64(atomic.load32(FINISHED)); println("");
  print("waiter finished on core "); printU64(atomic.load32(WOKEN_ON) - 1); println("");
  print("joined sum: "); printU64(atomic.load32(SUM)); println("");
  // A task counts itself finished inside its last poll; the core that ran it
  // frees it just after. Give the other cores up to 2 s (they may be
  // descheduled on a busy host) to free their last tasks, then compare.
  const deadline = counter() + 2 * timerFrequency();
  do { heap.stats(AFTER); } while (AFTER.liveBlocks != BEFORE.liveBlocks && counter() < deadline);
  print("live heap blocks: "); printU64(BEFORE.liveBlocks); print(" before, "); printU64(AFTER.liveBlocks); println(" after");
  if (AFTER.liveBlocks != BEFORE.liveBlocks) ok = false;
  println(ok ? "exec test: ok" : "exec test: FAILED");
  exit(ok ? 0 : 1);
}

function worker(core: u32): void {
  runExecutor();
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
