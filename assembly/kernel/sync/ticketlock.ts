// A fair (first come, first served) spinlock: the ticket lock.
//
// Two 32-bit words in shared memory: `next` (the next ticket to hand out)
// and `owner` (the ticket now served). lock() takes a ticket with one atomic
// fetch-add and sleeps with WFE on `owner` (atomic.wait32: the unlocking
// core's store wakes it) until its number comes up, so waiting cores do not
// spin on the bus and are served first come, first served. Not re-entrant:
// a core that locks twice waits for itself forever.
//
// Fairness has a price where cores can be preempted: if the core whose
// ticket is next is not running, nobody gets the lock until it runs again.
// That never happens on a bare-metal Pi, but it does under QEMU when it runs
// the four cores on fewer host CPUs (about 1.6 ms per hand-off on a 2-CPU
// machine). SpinLock (spinlock.ts) has no such hand-off and is the default;
// use TicketLock where bounded waiting matters more.
//
// @unmanaged: place it in shared memory (see spinlock.ts):
//
//     const LOCK = changetype<TicketLock>(memory.data(8, 8));
import * as atomic from "../../arch/atomic";
import { noteLocked, noteUnlocked } from "./spinlock";

@unmanaged
export class TicketLock {
  next: u32 = 0;
  owner: u32 = 0;

  /** Waits (WFE) until this core holds the lock. */
  lock(): void {
    const self = changetype<usize>(this);
    const ticket = atomic.add32(self + offsetof<TicketLock>("next"), 1);
    const ownerPtr = self + offsetof<TicketLock>("owner");
    let serving = atomic.load32(ownerPtr);
    while (serving != ticket) serving = atomic.wait32(ownerPtr, serving);
    noteLocked();
  }

  /** Takes the lock if it is free; never waits. */
  tryLock(): bool {
    const self = changetype<usize>(this);
    const serving = atomic.load32(self + offsetof<TicketLock>("owner"));
    const took = atomic.tryCas32(self + offsetof<TicketLock>("next"), serving, serving + 1);
    if (took) noteLocked();
    return took;
  }

  /** Releases the lock (only the holder may); the next ticket wakes. */
  unlock(): void {
    const ownerPtr = changetype<usize>(this) + offsetof<TicketLock>("owner");
    // Only the holder writes `owner`, so a plain read of it is exact.
    atomic.storeUnchecked32(ownerPtr, load<u32>(ownerPtr) + 1);
    noteUnlocked();
  }

  /** True while some core holds the lock (a hint: it may change at once). */
  get isLocked(): bool {
    const self = changetype<usize>(this);
    return atomic.load32(self + offsetof<TicketLock>("next")) != atomic.load32(self + offsetof<TicketLock>("owner"));
  }
}
