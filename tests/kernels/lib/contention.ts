// Shared body of the contention test kernels: every core hammers the same
// words, then core 0 prints the totals and exits 0 (the QEMU test checks the
// numbers). Phases, with a barrier between them:
//   1. Once: all four call it, the initialiser must run once;
//   2. atomicRounds x atomic.add32(+1) on one counter;
//   3. lockRounds x (lock; plain load, +1, plain store; unlock) under one
//      SpinLock, then the same under one TicketLock. With `yieldInside`, the core does a WFE between its load
//      and its store: under -icount that hands the CPU to another core in
//      the middle of the critical section, so a lock that let two cores in
//      would lose updates every time;
//   4. 10,000 compare-and-swap increments and 1,000 add64(2^32 + 1).
import { boot } from "../../../assembly/kernel/boot";
import * as atomic from "../../../assembly/arch/atomic";
import { waitForEvent } from "../../../assembly/arch/cpu";
import { SpinLock } from "../../../assembly/kernel/sync/spinlock";
import { TicketLock } from "../../../assembly/kernel/sync/ticketlock";
import { Once } from "../../../assembly/kernel/sync/once";
import { exit } from "../../../assembly/arch/sys";
import { print, println, printU64 } from "../../../assembly/arch/console";
import { barrier } from "./barrier";

const CAS_ROUNDS: u32 = 10_000;
const WIDE_ROUNDS: u32 = 1_000;

const ATOMIC_COUNTER = memory.data(4, 4);
const PLAIN_COUNTER = memory.data(4, 4);
const TICKET_COUNTER = memory.data(4, 4);
const CAS_COUNTER = memory.data(4, 4);
const WIDE_COUNTER = memory.data(8, 8);
const INIT_RUNS = memory.data(4, 4);
const LOCK = changetype<SpinLock>(memory.data(4, 4));
const TICKETS = changetype<TicketLock>(memory.data(8, 8));
const ONCE = changetype<Once>(memory.data(4, 4));

let atomicRounds: u32 = 0;
let lockRounds: u32 = 0;
let yieldInside: bool = false;

function initOnce(): void { atomic.add32(INIT_RUNS, 1); }

/** What hammer() needs of a lock: SpinLock and TicketLock both have it. */
interface Lock {
  lock(): void;
  unlock(): void;
}

/** lockRounds x (lock; plain load, +1, plain store; unlock) on `counter`; L is SpinLock or TicketLock. */
function hammer<L extends Lock>(lock: L, counter: usize): void {
  for (let i: u32 = 0; i < lockRounds; i++) {
    lock.lock();
    const v = load<u32>(counter);
    if (yieldInside) waitForEvent();
    store<u32>(counter, v + 1);
    lock.unlock();
  }
}

function work(): void {
  ONCE.call(initOnce);
  barrier();
  for (let i: u32 = 0; i < atomicRounds; i++) atomic.add32(ATOMIC_COUNTER, 1);
  barrier();
  hammer(LOCK, PLAIN_COUNTER);
  barrier();
  hammer(TICKETS, TICKET_COUNTER);
  barrier();
  for (let i: u32 = 0; i < CAS_ROUNDS; i++) {
    let seen = atomic.load32(CAS_COUNTER);
    while (true) {
      const found = atomic.cas32(CAS_COUNTER, seen, seen + 1);
      if (found == seen) break;
      seen = found;
    }
  }
  for (let i: u32 = 0; i < WIDE_ROUNDS; i++) atomic.add64(WIDE_COUNTER, (<u64>1 << 32) + 1);
  barrier();
}

function report(name: string, value: u64): void {
  print(name); print(": "); printU64(value); println("");
}

function main(): void {
  work();
  report("atomic counter", atomic.load32(ATOMIC_COUNTER));
  report("spinlock counter", load<u32>(PLAIN_COUNTER));
  report("ticket lock counter", load<u32>(TICKET_COUNTER));
  report("cas counter", atomic.load32(CAS_COUNTER));
  report("add64 counter", atomic.load64(WIDE_COUNTER));
  report("once runs", atomic.load32(INIT_RUNS));
  report("lock held at the end", LOCK.isLocked || TICKETS.isLocked ? 1 : 0);
  exit(0);
}

function worker(core: u32): void {
  work();
  while (true) waitForEvent();
}

export function contend(core: u32, atomics: u32, locks: u32, yieldInLock: bool): void {
  atomicRounds = atomics;
  lockRounds = locks;
  yieldInside = yieldInLock;
  boot(core, main, worker);
}
