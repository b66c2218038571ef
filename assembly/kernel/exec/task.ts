// Tasks, wakers and contexts: the core of the executor (see executor.ts).
//
// A task is an object whose poll() advances it as far as it can without
// waiting and returns true when it has finished. AssemblyScript has no
// async/await and no closures, so a task is a hand-written state machine:
//
//   class Blink extends Task {
//     step: i32 = 0;
//     poll(cx: Context): bool {
//       switch (this.step) {
//         case 0: led.on(); this.step = 1; /* fall through */
//         case 1: if (!this.timer.poll(cx)) return false;   // pending: woken later
//                 ...
//       }
//       return true;
//     }
//   }
//
// Life cycle of the state word (changed only with atomics, so a wake from
// any core or from an interrupt's bottom half races safely with a poll):
//
//   spawn ---> QUEUED --(a core takes it)--> RUNNING --poll() true--> DONE
//                 ^                            |   \
//                 |                            |    wake() while running: RUNNING|NOTIFIED
//                 +--- wake() <--- idle <------+     (put back in a queue when poll returns)
//                      (not queued, not running, not done)
//
// cancel() sets CANCELLED and wakes the task; the executor then finishes it
// (DONE) without polling it. When it does, the cancellation takes effect:
// every future in the task's fields is cancelled (a waiter leaves its queue,
// a sleep its timer list, a permit or value already handed to it passes on,
// a held MutexGuard unlocks), then the task's onCancel() runs for anything
// else it registered (futures kept in arrays or other objects). So a
// cancelled task keeps nothing, whether or not anybody disposes it soon. A
// detached one is then disposed too: its dispose() disposes its futures.
//
// A detached task (spawn, spawnOn) is freed when it finishes, so a pointer
// to it is good only while it runs. To cancel it or read isDone later, from
// anywhere, keep it alive: keepAlive() before spawning it, letGo() when
// done with it (whichever of letGo() and the end of the task comes last
// frees it; one CAS on the state word decides).
//
// wake() on a QUEUED or DONE task does nothing; on an idle one it sets
// QUEUED and puts the task in the run queue of the core it last ran on
// (its `home`), with an SEV so that core notices.
import * as atomic from "../../arch/atomic";
import { forEachField } from "../mem/scope";
import { dispose } from "../mem/lifetime";
import { Future } from "./future";
import { panic } from "../../arch/sys";
import { MAX_CORES } from "../../arch/cpu";

export const QUEUED: u32 = 1;
export const RUNNING: u32 = 2;
export const NOTIFIED: u32 = 4;
export const DONE: u32 = 8;
/** Nobody holds a JoinHandle: the executor frees the task when it is done. */
export const DETACHED: u32 = 16;
/** cancel() was called: the executor finishes it without polling it again. */
export const CANCELLED: u32 = 32;
/** keepAlive() was called: a detached task is freed by letGo(), not when it finishes. */
export const KEPT: u32 = 64;
/** It trapped in its poll and was ended there (kernel/boot.ts): its futures were cancelled, its results are not to be trusted. */
export const PANICKED: u32 = 128;

/** Permits (a MutexGuard is one) a poll may record as taken (Context.noteTaken); more are not recorded. */
export const TAKEN_SLOTS: u32 = 8;
/** Per core, TAKEN_SLOTS of (address, serial). */
const TAKEN = memory.data(<i32>(MAX_CORES * TAKEN_SLOTS * 8), 8);

/** What poll() gets: the task being polled (its waker) and the core. One per core, in static memory. */
@unmanaged
export class Context {
  task: Task | null = null;
  core: u32 = 0;
  /**
   * The permits this poll took (sync.ts Permit): their addresses and
   * serials, so that a trap in the poll can give back those still held
   * (executor.ts endTrappedTask): a guard kept in a local, not across an
   * await, is in no field a cancellation reaches. Reset before each poll.
   */
  taken: u32 = 0;
  /** This core's count of permits taken: with the core, what tells a recorded permit from a block reused since. */
  serial: u32 = 0;

  /** Records `permit` (at its address) as taken in this poll; gives its serial. */
  noteTaken(permit: usize): u32 {
    const serial = (++this.serial << 2) | (this.core & 3);
    const n = this.taken;
    if (n < TAKEN_SLOTS) {
      const at = TAKEN + ((<usize>(this.core & (MAX_CORES - 1)) * TAKEN_SLOTS + n) << 3);
      store<u32>(at, <u32>permit);
      store<u32>(at, serial, 4);
    }
    this.taken = n + 1;
    return serial;
  }
  /** The i-th permit this poll recorded, and its serial (i < min(taken, TAKEN_SLOTS)). */
  takenPermit(i: u32): usize { return <usize>load<u32>(TAKEN + ((<usize>(this.core & (MAX_CORES - 1)) * TAKEN_SLOTS + i) << 3)); }
  takenSerial(i: u32): u32 { return load<u32>(TAKEN + ((<usize>(this.core & (MAX_CORES - 1)) * TAKEN_SLOTS + i) << 3), 4); }
  /** The waker of the task being polled: keep it, wake it when the event comes. */
  get waker(): Task { return changetype<Task>(this.task); }
}

export abstract class Task {
  /** QUEUED | RUNNING | NOTIFIED | DONE | DETACHED | CANCELLED (atomics only). */
  state: u32 = 0;
  /** Run-queue link (the queue's lock protects it). */
  next: usize = 0;
  /** The core whose queue a wake puts it in: where it ran last. */
  home: u16 = 0;
  /**
   * The cores it may run on, a bit per core (0: any, and idle cores may
   * steal it: the default). A task with an affinity is queued, at each
   * spawn and each wake, on the shortest queue among its cores, in that
   * core's queue of tasks that are never stolen (spawnPinned, spawnAmong).
   * (u16, like home: the task's header stays 20 bytes.)
   */
  affinity: u16 = 0;
  /** Times it was polled. */
  polls: u32 = 0;
  /** A task waiting for this one to finish (JoinHandle), as an address; 0 if none. */
  joiner: u32 = 0;

  /** Advances the task; true when it has finished. Must not block: return false and get woken instead. */
  abstract poll(cx: Context): bool;

  /**
   * Releases what the task owns (called when a detached task finishes, or by
   * dispose(task)). The ownership rule: a task owns the futures in its
   * fields, and the default disposes them (each cancels first). Override it
   * to dispose other things the task owns too; call super.dispose() from the
   * override, or dispose the future fields yourself.
   */
  dispose(): void { forEachField(changetype<usize>(this), disposeIfFuture); }

  /**
   * Runs once when a cancellation takes effect, after the futures in the
   * task's fields were cancelled: cancel here what the task registered
   * elsewhere (futures in an array it owns, say). The default does nothing.
   */
  onCancel(): void {}

  /** Schedules the task to be polled again (any core, any time). */
  wake(): void { wakeTask(this); }

  /** Stops the task (any core): it is not polled again and finishes as cancelled. Nothing if it has finished. */
  cancel(): void {
    const addr = stateAddr(this);
    let s = load<u32>(addr);               // a guess for the CAS
    while (true) {
      if (s & DONE) return;                // finished first: it stays a task that finished
      const found = atomic.casUnchecked32(addr, s, s | CANCELLED);
      if (found == s) break;
      s = found;
    }
    wakeTask(this);
  }

  get isCancelled(): bool { return (atomic.load32(stateAddr(this)) & CANCELLED) != 0; }

  /**
   * Keeps a detached task's memory after it finishes, until letGo(): so
   * cancel(), isDone and isCancelled are safe on it at any time. Call it
   * before spawn()/spawnOn() (after, the task may already be gone):
   * `this.worker = new Worker(); this.worker.keepAlive(); spawnOn(1, this.worker);`.
   */
  keepAlive(): void {
    const was = atomic.or32(stateAddr(this), KEPT);
    if (was & DETACHED) panic("keepAlive() on a task already spawned: call it before spawn() or spawnOn()");
  }

  /** Ends keepAlive(): frees the task now if it has finished, else when it does. Call it once. */
  letGo(): void {
    const addr = stateAddr(this);
    let s = atomic.load32(addr);
    while (true) {
      if (!(s & KEPT)) panic("letGo() on a task that keepAlive() did not keep (or letGo() twice)");
      const found = atomic.casUnchecked32(addr, s, s & ~KEPT);
      if (found == s) break;
      s = found;
    }
    if (s & DONE) dispose(this);
  }

  get isDone(): bool { return (atomic.load32(changetype<usize>(this) + offsetof<Task>("state")) & DONE) != 0; }
}

/** Set by executor.ts: puts a task in a core's run queue. */
let enqueueHook: (task: Task, core: u32) => void = (task: Task, core: u32): void => { unreachable(); };
export function setEnqueue(fn: (task: Task, core: u32) => void): void { enqueueHook = fn; }

export function stateAddr(task: Task): usize { return changetype<usize>(task) + offsetof<Task>("state"); }

function disposeIfFuture(ref: usize): void {
  if (changetype<Object>(ref) instanceof Future) dispose(changetype<Future>(ref));
}

function cancelIfFuture(ref: usize): void {
  if (changetype<Object>(ref) instanceof Future) changetype<Future>(ref).cancel();
}

/** A cancellation takes effect: withdraws everything the task registered (see the life cycle above). */
export function withdrawAll(task: Task): void {
  forEachField(changetype<usize>(task), cancelIfFuture);
  task.onCancel();
}

/** wake(): see the life cycle above. */
export function wakeTask(task: Task): void {
  const addr = stateAddr(task);
  // A plain read is enough for a first guess: the CAS checks it (an aligned
  // word is read whole), and a stale guess only costs one more turn. Each
  // host call saved is ~170 guest instructions under wasm3.
  let s = load<u32>(addr);
  while (true) {
    if (s & (DONE | QUEUED)) return;
    if (s & RUNNING) {
      if (s & NOTIFIED) return;
      const found = atomic.casUnchecked32(addr, s, s | NOTIFIED);
      if (found == s) return;
      s = found;
      continue;
    }
    const found = atomic.casUnchecked32(addr, s, s | QUEUED);
    if (found == s) {
      enqueueHook(task, task.home);      // written by the core that last ran it; any core's queue would do
      return;
    }
    s = found;
  }
}
