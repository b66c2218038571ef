// The kernel's spinlock: one 32-bit word in shared memory, 0 = free, 1 = held
// (test-and-test-and-set).
//
// lock() tries to swap 1 in (one atomic exchange); if the word was already
// 1 it sleeps with WFE on the word (atomic.wait32: the store that frees it
// wakes this core) and tries again. unlock() stores 0 (release). Not
// re-entrant, and not fair: whichever waiting core runs first takes a freed
// lock. That is what keeps it fast when cores can be preempted (QEMU running
// four cores on fewer host CPUs, or a core taking an interrupt): a freed lock
// never waits for a particular core. TicketLock is the fair one.
//
// A SpinLock is @unmanaged: place it in shared memory, for example in static
// data every core sees at the same address:
//
//     const LOCK = changetype<SpinLock>(memory.data(4, 4));
//
// (a plain `new SpinLock()` at a module's top level would run once per core
// and give each core a lock of its own: module globals are per core.)
import * as atomic from "../../arch/atomic";

/**
 * The spin locks (this file's and TicketLock's) this core holds now. A trap
 * while one is held stops the core (kernel/boot.ts: the lock's data may be
 * half changed, and the lock itself is never freed); with none held, a trap
 * in a task's poll ends only that task (issue 25).
 */
// @ts-ignore: decorator
@perCore let held: i32 = 0;

/** How many spin locks this core holds now (see `held`). */
export function spinLocksHeld(): i32 { return held; }
// @ts-ignore: decorator
@inline export function noteLocked(): void { held++; }
// @ts-ignore: decorator
@inline export function noteUnlocked(): void { held--; }

@unmanaged
export class SpinLock {
  word: u32 = 0;

  /** Waits (WFE) until this core holds the lock. */
  lock(): void {
    const word = changetype<usize>(this);
    while (atomic.xchgUnchecked32(word, 1) != 0) {
      let v = atomic.load32(word);
      while (v != 0) v = atomic.wait32(word, v);
    }
    noteLocked();
  }

  /** Takes the lock if it is free; never waits. */
  tryLock(): bool {
    const took = atomic.casUnchecked32(changetype<usize>(this), 0, 1) == 0;
    if (took) noteLocked();
    return took;
  }

  /** Releases the lock (only the holder may). */
  unlock(): void {
    atomic.storeUnchecked32(changetype<usize>(this), 0);
    noteUnlocked();
  }

  /** True while some core holds the lock (a hint: it may change at once). */
  get isLocked(): bool { return atomic.load32(changetype<usize>(this)) != 0; }
}
