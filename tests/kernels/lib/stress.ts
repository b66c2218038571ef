// A seeded random workload on the executor's public API, on all four cores
// (tests/kernels/stress.ts runs a few seeds in make test; make soak many).
//
// One round, from its seed:
//   producers  send VALUES values each into one small bounded Channel, by
//              trySend or by a send future, sometimes sleeping between;
//   consumers  receive, each receive plain or raced against a Timeout; the
//              first consumer is never cancelled, the others may be;
//   lockers    increment a Mutex's value under a MutexGuard held across a
//              yield or a sleep, and count each increment in TALLY while
//              they hold it;
//   killers    sleep, then cancel a random consumer or locker (siblings
//              cancelling each other, at whatever point they are);
// then the round waits for the producers, for the channel to drain (bounded:
// a lost wake-up shows as values left with a receiver asleep), cancels what
// still runs, waits for every task, and checks the invariants:
//   1. conservation: the count, sum and xor of every value sent equal those
//      received (nothing left in the channel);
//   2. every task ended exactly once (finished, or cancelled: onCancel);
//   3. nothing left registered: no pending sleep on any core, no waiter in
//      the channel's queues, the mutex unlocked, its value equal to TALLY;
//   4. no wake-up lost: the channel drained within the bound while the first
//      consumer waited;
//   5. the heap's live blocks and bytes in use are back where they were
//      (with collectInstead(), nothing is disposed: the Driver checks the
//      heap's bytes in use after two collections at the end instead).
// With injectFaults(), a faulter traps with the mutex held and a hog computes
// 6 ms without an await, in every round (issue 25).
// Every other round (odd rounds) its actors are async functions instead of
// hand-written tasks (issue 27): producers, consumers, lockers that hold the
// MutexGuard across an await of a yield or a sleep, and killers, each run by
// an AsyncActor task; a cancel reaches the function through the task's field
// walk and releases what it holds at that await, and disposing the task
// frees it. The invariants are the same.
// Each task draws from its own xorshift32 stream, so a round is the same
// program for a seed; under -icount (one host thread, deterministic virtual
// time) it is the same run, replayable. A failure prints the round's seed.
import * as atomic from "../../../assembly/arch/atomic";
import { exit } from "../../../assembly/arch/sys";
import { coreCount, coreId, counter, timerFrequency } from "../../../assembly/arch/cpu";
import { print, println, printU64, printHex } from "../../../assembly/arch/console";
import { dispose } from "../../../assembly/kernel/mem/lifetime";
import { gc, collections, gcStats, GcStats } from "../../../assembly/kernel/mem/gc";
import * as heap from "../../../assembly/kernel/mem/heap";
import { HeapStats } from "../../../assembly/kernel/mem/heap";
import {
  Task, Context, spawnJoin, JoinHandle, YieldNow, Sleep, Timeout, Future,
  Channel, ChannelSend, ChannelRecv, Mutex, MutexGuard, pendingSleeps, sleep, yieldNow, stuckCores,
} from "../../../assembly/kernel/exec";

const VALUES: u32 = 40;

// Faults (issue 25), with injectFaults(): each round also has a faulter,
// which takes the mutex and then traps with its guard held (the default
// onPanic ends that task only: the guard is given back, the task ends
// through onCancel, its core goes on), and a hog, which computes HOG_MS in
// one poll without an await (with a short watchdog hand-over, the other
// cores serve its core's timers and queue meanwhile). The invariants are
// the same: the mutex unlocked, every task ended once, nothing registered.
let faults = false;
/** Every round gets a faulter and a hog (call before the Driver starts; the kernel sets a short setWatchdog). */
export function injectFaults(): void { faults = true; }
const HOG_MS: u64 = 6;
// Read out of range by a faulter: a trap that allocates nothing (the heap check holds).
const FAULT_TABLE = new StaticArray<u32>(2);
const FAULTS = memory.data(4, 4), HOGS = memory.data(4, 4), HANDED = memory.data(4, 4);

// dispose() each future, task and round as it ends (the default), or leave
// everything to the collector (collectInstead(): tests/kernels/stress-gc.ts).
let earlyFree = true;
/** The rounds free nothing themselves: the collector does it (call before the Driver starts). */
export function collectInstead(): void { earlyFree = false; }
function drop<T>(x: T): void { if (earlyFree) dispose(x); }

// Shared counters of the round running now (one round at a time).
const SENT_COUNT = memory.data(4, 4), SENT_SUM = memory.data(4, 4), SENT_XOR = memory.data(4, 4);
const RECV_COUNT = memory.data(4, 4), RECV_SUM = memory.data(4, 4), RECV_XOR = memory.data(4, 4);
const ENDED = memory.data(4, 4), TWICE = memory.data(4, 4), TALLY = memory.data(4, 4);
const CANCELS = memory.data(4, 4), TIMEOUTS = memory.data(4, 4);

function xorshift(x: u32): u32 { x ^= x << 13; x ^= x >> 17; x ^= x << 5; return x; }

/** What every task of the round shares: its random stream, and ending exactly once. */
abstract class Worker extends Task {
  rng: u32;
  ended: bool = false;
  constructor(seed: u32, index: u32) { super(); this.rng = xorshift(seed ^ (index * 0x9e3779b9) | 1); }
  draw(n: u32): u32 { this.rng = xorshift(this.rng); return this.rng % n; }
  end(): void {
    if (this.ended) atomic.add32(TWICE, 1);
    this.ended = true;
    atomic.add32(ENDED, 1);
  }
  onCancel(): void { atomic.add32(CANCELS, 1); this.end(); }
}

// XOR through a CAS loop: there is no atomic xor (and xchg of a load would race).
function xorInto(addr: usize, v: u32): void {
  let old = atomic.load32(addr);
  while (true) {
    const found = atomic.cas32(addr, old, old ^ v);
    if (found == old) return;
    old = found;
  }
}

function countSent(v: u32): void { atomic.add32(SENT_COUNT, 1); atomic.add32(SENT_SUM, v); xorInto(SENT_XOR, v); }
function countReceived(v: u32): void { atomic.add32(RECV_COUNT, 1); atomic.add32(RECV_SUM, v); xorInto(RECV_XOR, v); }

// ---- the actors as async functions (odd rounds) ------------------------------

/** A task that runs one actor's async function: it ends once, when the function returns or the task is cancelled. */
class AsyncActor extends Worker {
  f: Future | null = null;
  poll(cx: Context): bool {
    if (!this.f!.poll(cx)) return false;
    this.end();
    return true;
  }
}

async function produce(w: Worker, ch: Channel<u32>, id: u32): Promise<void> {
  for (let i: u32 = 0; i < VALUES; i++) {
    const v: u32 = (id << 24) ^ (i * 2654435761) ^ w.rng;
    if (!(w.draw(2) == 0 && ch.trySend(v))) await ch.send(v);
    countSent(v);
    if (w.draw(4) == 0) await sleep(w.draw(2));
  }
}

async function consume(w: Worker, ch: Channel<u32>): Promise<void> {
  while (true) {
    if (w.draw(2) == 0) {
      const r = ch.recv();
      const race = new Timeout(r, 1 + w.draw(4));      // the Timeout owns r
      const lost = await race;                         // 1: the time ran out
      if (lost) atomic.add32(TIMEOUTS, 1); else countReceived(r.value);
      if (earlyFree) dispose(race);
    } else {
      countReceived(await ch.recv());
    }
  }
}

/** Holds the guard across a yield or a sleep: a cancel there must unlock it. */
async function lockAndCount(w: Worker, m: Mutex<u32>, rounds: u32): Promise<void> {
  for (let n: u32 = 0; n < rounds; n++) {
    const g = await m.lock();
    g.value = g.value + 1;                             // under the lock: value and TALLY move together
    atomic.add32(TALLY, 1);
    if (w.draw(2) == 0) await yieldNow(); else await sleep(w.draw(2));
    g.unlock();
    if (earlyFree) dispose(g);
  }
}

async function kill(w: Worker, victims: Array<JoinHandle<Worker>>): Promise<void> {
  await sleep(1 + w.draw(6));
  const v = victims[w.draw(victims.length)];
  if (!v.task.isDone) v.cancel();
}

// ---- the actors as hand-written tasks (even rounds) ----------------------------

class Producer extends Worker {
  i: u32 = 0;
  send: ChannelSend<u32> | null = null;
  nap: Sleep | null = null;
  constructor(seed: u32, index: u32, public ch: Channel<u32>, public id: u32) { super(seed, index); }
  value(i: u32): u32 { return (this.id << 24) ^ (i * 2654435761) ^ this.rng; }
  poll(cx: Context): bool {
    while (this.i < VALUES) {
      if (this.nap) {
        if (!this.nap!.poll(cx)) return false;
        drop(this.nap); this.nap = null;
      }
      if (!this.send) {
        const v = this.value(this.i);
        if (this.draw(2) == 0 && this.ch.trySend(v)) { this.sent(v); continue; }
        this.send = this.ch.send(v);
      }
      if (!this.send!.poll(cx)) return false;
      this.sent(this.send!.value);
      drop(this.send); this.send = null;
    }
    this.end();
    return true;
  }
  sent(v: u32): void {
    countSent(v);
    this.i++;
    if (this.draw(4) == 0) this.nap = Sleep.millis(this.draw(2));
  }
}

class Consumer extends Worker {
  recv: ChannelRecv<u32> | null = null;
  race: Timeout | null = null;
  constructor(seed: u32, index: u32, public ch: Channel<u32>) { super(seed, index); }
  poll(cx: Context): bool {
    while (true) {
      if (!this.recv && !this.race) {
        const r = this.ch.recv();
        if (this.draw(2) == 0) this.race = new Timeout(r, 1 + this.draw(4));   // the Timeout owns r
        else this.recv = r;
      }
      if (this.race) {
        if (!this.race!.poll(cx)) return false;
        const race = this.race!;
        if (race.timedOut) atomic.add32(TIMEOUTS, 1);
        else this.got(changetype<ChannelRecv<u32>>(race.futures[0]).value);
        drop(race); this.race = null;
      } else {
        if (!this.recv!.poll(cx)) return false;
        this.got(this.recv!.value);
        drop(this.recv); this.recv = null;
      }
    }
  }
  got(v: u32): void { countReceived(v); }
}

/** The probe's receivers: one plain receive, counted like a consumer's. */
class ProbeReceiver extends Worker {
  recv: ChannelRecv<u32>;
  constructor(seed: u32, index: u32, ch: Channel<u32>) { super(seed, index); this.recv = ch.recv(); }
  poll(cx: Context): bool {
    if (!this.recv.poll(cx)) return false;
    countReceived(this.recv.value);
    this.end();
    return true;
  }
}

class Locker extends Worker {
  n: u32 = 0;
  guard: MutexGuard<u32>;
  pause: YieldNow | null = null;
  nap: Sleep | null = null;
  counted: bool = false;
  constructor(seed: u32, index: u32, m: Mutex<u32>, public rounds: u32) { super(seed, index); this.guard = m.lock(); }
  poll(cx: Context): bool {
    while (this.n < this.rounds) {
      if (!this.guard.poll(cx)) return false;
      if (!this.counted) {
        this.guard.value = this.guard.value + 1;       // under the lock: value and TALLY move together
        atomic.add32(TALLY, 1);
        this.counted = true;
        if (this.draw(2) == 0) this.pause = new YieldNow(); else this.nap = Sleep.millis(this.draw(2));
      }
      if (this.pause) { if (!this.pause!.poll(cx)) return false; drop(this.pause); this.pause = null; }
      if (this.nap) { if (!this.nap!.poll(cx)) return false; drop(this.nap); this.nap = null; }
      this.guard.reset();                                // unlocks; ready to lock again
      this.counted = false;
      this.n++;
    }
    this.end();
    return true;
  }
}

/**
 * Takes the mutex, then traps with the guard held (in its field). It queues
 * for the lock at its first poll, with no sleep first: the mutex hands over
 * in order, so it gets it before the round ends (after a sleep it could
 * still be waiting then, be cancelled, and never trap: seen once in 24 rounds).
 */
class Faulter extends Worker {
  guard: MutexGuard<u32>;
  constructor(seed: u32, index: u32, m: Mutex<u32>) { super(seed, index); this.guard = m.lock(); }
  poll(cx: Context): bool {
    if (!this.guard.poll(cx)) return false;
    atomic.add32(FAULTS, 1);
    this.guard.value = this.guard.value + FAULT_TABLE[2 + this.draw(4)];   // Index out of range: the task ends here
    this.end();
    return true;
  }
}

/** Computes HOG_MS in its first poll without an await, then ends (at once: the round may end before a sleep would). */
class Hog extends Worker {
  poll(cx: Context): bool {
    atomic.add32(HOGS, 1);
    const end = counter() + HOG_MS * timerFrequency() / 1000;
    const me: u32 = 1 << coreId();
    let handed = false;
    while (counter() < end) if (!handed && (stuckCores() & me)) handed = true;   // the watchdog gave this core's work to the others
    if (handed) atomic.add32(HANDED, 1);
    this.end();
    return true;
  }
}

/** The faulter as an async function: the guard in a local (not across an await) when it traps. */
async function fault(w: Worker, m: Mutex<u32>): Promise<void> {
  const g = await m.lock();
  atomic.add32(FAULTS, 1);
  g.value = g.value + FAULT_TABLE[2 + w.draw(4)];     // Index out of range, the guard held
  g.unlock();
}

class Killer extends Worker {
  nap: Sleep | null = null;
  constructor(seed: u32, index: u32, public victims: Array<JoinHandle<Worker>>) { super(seed, index); }
  poll(cx: Context): bool {
    if (!this.nap) this.nap = Sleep.millis(1 + this.draw(6));
    if (!this.nap!.poll(cx)) return false;
    const v = this.victims[this.draw(this.victims.length)];
    if (!v.task.isDone) v.cancel();
    this.end();
    return true;
  }
}

const BEFORE = changetype<HeapStats>(memory.data(64, 16));
const AFTER = changetype<HeapStats>(memory.data(64, 16));

function actor(seed: u32, index: u32): Worker { return new AsyncActor(seed, index); }

function zero(): void {
  for (let a = SENT_COUNT; a <= TIMEOUTS; a += 4) atomic.store32(a, 0);
  atomic.store32(FAULTS, 0);
  atomic.store32(HOGS, 0);
  atomic.store32(HANDED, 0);
}

/**
 * One round as a task: set up, run, check. `failure` is "" when every
 * invariant held, else the first one broken.
 */
export class Round extends Task {
  step: i32 = 0;
  failure: string = "";
  ch: Channel<u32> | null = null;
  mutex: Mutex<u32> | null = null;
  all: Array<JoinHandle<Worker>> = new Array<JoinHandle<Worker>>();
  producers: i32 = 0;
  victims: Array<JoinHandle<Worker>> = new Array<JoinHandle<Worker>>();
  nap: Sleep | null = null;
  deadline: u64 = 0;
  tasks: u32 = 0;
  probeA: JoinHandle<Worker> | null = null;
  probeB: JoinHandle<Worker> | null = null;
  faulter: JoinHandle<Worker> | null = null;
  /** Set (then the task woken) by whoever spawned the round, once its JoinHandle exists. */
  go: u32 = 0;
  constructor(public seed: u32, public asyncActors: bool) {
    super();
    // Room for every handle up front: a push that grew the arrays during the
    // round would look like a leak to the heap check.
    this.all.length = 16; this.all.length = 0;
    this.victims.length = 16; this.victims.length = 0;
  }

  fail(why: string): void { if (this.failure.length == 0) this.failure = why; }

  /**
   * Lets the round start: call it after spawnJoin returned. spawnJoin queues
   * the task before it allocates the handle, so a round that took its heap
   * baseline at once could miss the handle and see a leak of one block.
   */
  start(): void { atomic.store32(changetype<usize>(this) + offsetof<Round>("go"), 1); this.wake(); }

  poll(cx: Context): bool {
    if (this.step == 0) {
      if (!atomic.load32(changetype<usize>(this) + offsetof<Round>("go"))) return false;   // start() wakes it
      this.setUp();
    }
    if (this.step == 1) {                        // the producers finish
      for (let i = 0; i < this.producers; i++) if (!this.all[i].poll(cx)) return false;
      this.deadline = counter() + 2 * timerFrequency();
      this.step = 2;
    }
    if (this.step == 2) {                        // the channel drains (consumer 0 is never cancelled)
      while (this.ch!.count > 0) {
        if (counter() > this.deadline) {
          this.fail("lost wake-up: the channel still holds " + this.ch!.count.toString() + " values 2 s after the last send");
          break;
        }
        if (!this.nap) this.nap = Sleep.millis(1);
        if (!this.nap!.poll(cx)) return false;
        drop(this.nap); this.nap = null;
      }
      if (this.nap) { drop(this.nap); this.nap = null; }             // drained while it slept
      for (let i = 0; i < this.all.length; i++) this.all[i].cancel();   // whatever still runs
      this.step = 3;
    }
    if (this.step == 3) {                        // everything but the probe ends
      for (let i = 0; i < this.all.length; i++) if (!this.all[i].poll(cx)) return false;
      // The probe (invariant 4): two receivers wait, on this core; a value
      // wakes the first, which is cancelled before it runs. The value must
      // reach the second (or the first, if it ran first), not stay behind.
      const a = spawnJoin<Worker>(new ProbeReceiver(this.seed, this.tasks++, this.ch!));
      const b = spawnJoin<Worker>(new ProbeReceiver(this.seed, this.tasks++, this.ch!));
      this.all.push(a); this.all.push(b);
      this.probeA = a; this.probeB = b;
      this.step = 4;
      cx.waker.wake();
      return false;                              // let them queue their waiters
    }
    if (this.step == 4) {
      const first = this.ch!.receivers.head;
      if (!first || !first.next) { cx.waker.wake(); return false; }   // not both waiting yet
      const v: u32 = 0x5eed ^ this.seed;
      atomic.add32(SENT_COUNT, 1); atomic.add32(SENT_SUM, v); xorInto(SENT_XOR, v);
      this.ch!.trySend(v);
      this.probeA!.cancel();                     // woken (granted the value), cancelled before it ran
      this.deadline = counter() + 2 * timerFrequency();
      this.step = 5;
    }
    if (this.step == 5) {                        // the value reaches b (or a, if a ran first)
      while (this.ch!.count > 0) {
        if (counter() > this.deadline) {
          this.fail("lost wake-up: a cancelled receiver took the wake-up of the value with it");
          break;
        }
        if (!this.nap) this.nap = Sleep.millis(1);
        if (!this.nap!.poll(cx)) return false;
        drop(this.nap); this.nap = null;
      }
      if (this.nap) { drop(this.nap); this.nap = null; }
      this.probeB!.cancel();                     // if a got it, b still waits
      this.step = 6;
    }
    if (this.step == 6) {
      for (let i = 0; i < this.all.length; i++) if (!this.all[i].poll(cx)) return false;
      this.step = 7;
    }
    if (this.step == 7) {
      this.check();
      return true;
    }
    return false;
  }

  setUp(): void {
    zero();
    heap.stats(BEFORE);
    let r = xorshift(this.seed | 1);
    r = xorshift(r); const capacity = 1 + <i32>(r % 4);
    r = xorshift(r); const producers = 2 + <i32>(r % 3);
    r = xorshift(r); const consumers = 2 + <i32>(r % 3);
    r = xorshift(r); const lockers = 2 + <i32>(r % 2);
    r = xorshift(r); const killers = 1 + <i32>(r % 2);
    const ch = new Channel<u32>(capacity);
    const m = new Mutex<u32>(0);
    this.ch = ch; this.mutex = m;
    const seed = this.seed, inAsync = this.asyncActors;
    let index: u32 = 0;
    for (let i = 0; i < producers; i++) {
      const w: Worker = inAsync ? actor(seed, index++) : new Producer(seed, index++, ch, i);
      if (inAsync) changetype<AsyncActor>(w).f = produce(w, ch, i);
      this.all.push(spawnJoin<Worker>(w));
    }
    this.producers = producers;
    for (let i = 0; i < consumers; i++) {
      const w: Worker = inAsync ? actor(seed, index++) : new Consumer(seed, index++, ch);
      if (inAsync) changetype<AsyncActor>(w).f = consume(w, ch);
      const h = spawnJoin<Worker>(w);
      this.all.push(h);
      if (i > 0) this.victims.push(h);
    }
    for (let i = 0; i < lockers; i++) {
      const w: Worker = inAsync ? actor(seed, index++) : new Locker(seed, index++, m, 10);
      if (inAsync) changetype<AsyncActor>(w).f = lockAndCount(w, m, 10);
      const h = spawnJoin<Worker>(w);
      this.all.push(h);
      this.victims.push(h);
    }
    for (let i = 0; i < killers; i++) {
      const w: Worker = inAsync ? actor(seed, index++) : new Killer(seed, index++, this.victims);
      if (inAsync) changetype<AsyncActor>(w).f = kill(w, this.victims);
      this.all.push(spawnJoin<Worker>(w));
    }
    if (faults) {
      const f: Worker = inAsync ? actor(seed, index++) : new Faulter(seed, index++, m);
      if (inAsync) changetype<AsyncActor>(f).f = fault(f, m);
      const fh = spawnJoin<Worker>(f);
      this.all.push(fh);
      this.faulter = fh;
      this.all.push(spawnJoin<Worker>(new Hog(seed, index++)));
    }
    this.tasks = index;
    this.step = 1;
  }

  check(): void {
    const ch = this.ch!, m = this.mutex!;
    if (atomic.load32(SENT_COUNT) != <u32>this.producers * VALUES + 1) this.fail("producers sent " + atomic.load32(SENT_COUNT).toString() + " values");
    if (atomic.load32(RECV_COUNT) != atomic.load32(SENT_COUNT) || atomic.load32(RECV_SUM) != atomic.load32(SENT_SUM) || atomic.load32(RECV_XOR) != atomic.load32(SENT_XOR))
      this.fail("conservation: received " + atomic.load32(RECV_COUNT).toString() + " of " + atomic.load32(SENT_COUNT).toString() + " values, or another sum or xor");
    if (ch.count != 0) this.fail("the channel still holds " + ch.count.toString() + " values");
    if (atomic.load32(ENDED) != this.tasks) this.fail(atomic.load32(ENDED).toString() + " of " + this.tasks.toString() + " tasks ended");
    if (atomic.load32(TWICE) != 0) this.fail("a task ended twice");
    for (let c: u32 = 0; c < coreCount(); c++) if (pendingSleeps(c) != 0) this.fail("core " + c.toString() + " still has " + pendingSleeps(c).toString() + " sleeps registered");
    if (ch.senders.head || ch.receivers.head) this.fail("waiters left in the channel's queues");
    if (m.locked) this.fail("the mutex is still locked");
    if (m.sem.waiters.head) this.fail("waiters left in the mutex's queue");
    if (m.value != atomic.load32(TALLY)) this.fail("the mutex's value " + m.value.toString() + " is not the tally " + atomic.load32(TALLY).toString());
    if (faults && (atomic.load32(FAULTS) != 1 || atomic.load32(HOGS) != 1)) this.fail(atomic.load32(FAULTS).toString() + " faults and " + atomic.load32(HOGS).toString() + " hogs ran, not one each");
    if (faults && !this.faulter!.panicked) this.fail("the faulter's JoinHandle does not say panicked");
    // Free everything the round made, then the heap must be back where it was
    // (left to the collector: the Driver checks the heap after the last round).
    for (let i = 0; i < this.all.length; i++) { drop(this.all[i].task); drop(this.all[i]); }
    this.all.length = 0; this.victims.length = 0; this.probeA = null; this.probeB = null; this.faulter = null;
    drop(ch); drop(m);
    this.ch = null; this.mutex = null;
    heap.stats(AFTER);
    // (With faults, what a trapped poll held in its locals is garbage only the
    // collector frees: the Driver checks the heap after collections instead.)
    if (earlyFree && !faults && this.failure.length == 0 && (AFTER.liveBlocks != BEFORE.liveBlocks || AFTER.inUse != BEFORE.inUse))
      this.fail("leak: " + (AFTER.liveBlocks - BEFORE.liveBlocks).toString() + " blocks, " + (AFTER.inUse - BEFORE.inUse).toString() + " bytes more after the round");
  }

  /** Tasks, values, cancellations of the round (after check). */
  tally(totals: usize): void {
    store<u64>(totals, load<u64>(totals) + this.tasks);
    store<u64>(totals, load<u64>(totals, 8) + atomic.load32(SENT_COUNT), 8);
    store<u64>(totals, load<u64>(totals, 16) + atomic.load32(CANCELS), 16);
  }

  report(): void {
    print("stress: seed "); printHex(this.seed); print(this.asyncActors ? " (async): " : ": "); printU64(this.tasks); print(" tasks, ");
    printU64(atomic.load32(SENT_COUNT)); print(" values, "); printU64(atomic.load32(CANCELS)); print(" cancelled, ");
    printU64(atomic.load32(TIMEOUTS)); print(" timeouts, "); printU64(atomic.load32(TALLY)); print(" locked increments");
    if (faults) { print(", "); printU64(atomic.load32(FAULTS)); print(" trapped with the lock held, "); printU64(atomic.load32(HOGS)); print(" hogged its core, "); printU64(atomic.load32(HANDED)); print(" handed over"); }
    print(": ");
    println(this.failure.length == 0 ? "ok" : "FAIL: " + this.failure);
  }
}

const TOTALS = memory.data(24, 8);
const GC_STATS = new GcStats();

/**
 * Runs `rounds` rounds, seeds first, first + 0x10001, ... one after the
 * other, prints a line per round (`verbose`) or only failures, then
 * `stress: N rounds, T tasks, V values, C cancelled, F failed` and exits
 * with 0 (none failed) or 1.
 */
export class Driver extends Task {
  i: u32 = 0;
  failed: u32 = 0;
  round: JoinHandle<Round> | null = null;
  // Left to the collector: collections to wait for before the first round and after the last.
  settling: u32 = 0;
  waitingFor: u32 = 0;
  started: bool = false;
  startInUse: u32 = 0;
  constructor(public first: u32, public rounds: u32, public verbose: bool) { super(); }

  /** Two collections (the first frees what the second's roots still held): true once both ran. */
  settled(cx: Context): bool {
    while (this.settling < 2) {
      if (!this.waitingFor) { this.waitingFor = collections() + 1; gc(); }
      if (collections() < this.waitingFor) { cx.waker.wake(); return false; }   // to the poll boundary: the collection runs there
      this.waitingFor = 0;
      this.settling++;
    }
    return true;
  }

  poll(cx: Context): bool {
    if (!this.started) {
      if (!earlyFree || faults) {
        if (!this.settled(cx)) return false;
        heap.stats(AFTER);
        this.startInUse = AFTER.inUse;
        this.settling = 0;
      }
      this.started = true;
    }
    while (this.i < this.rounds) {
      if (!this.round) {
        const r = new Round(this.first + this.i * 0x10001, (this.i & 1) != 0);   // odd rounds: async actors
        this.round = spawnJoin(r);
        r.start();
      }
      const h = this.round!;
      if (!h.poll(cx)) return false;
      const failed = h.task.failure.length != 0;
      if (this.verbose || failed) h.task.report();
      h.task.tally(TOTALS);
      if (failed) this.failed++;
      drop(h.task); drop(h);
      this.round = null;
      this.i++;
    }
    if (!earlyFree || faults) {
      if (!this.settled(cx)) return false;
      heap.stats(AFTER);
      gcStats(GC_STATS);
      const back = AFTER.inUse <= this.startInUse + 1024;
      print(earlyFree ? "stress: faults: " : "stress: no dispose(): "); printU64(GC_STATS.collections); print(" collections freed ");
      printU64(GC_STATS.totalFreedBytes); print(" bytes; heap in use "); printU64(this.startInUse);
      print(" at the start, "); printU64(AFTER.inUse); println(back ? " at the end (ok)" : " at the end (WRONG)");
      if (!back) this.failed++;
    }
    print("stress: "); printU64(this.rounds); print(" rounds, "); printU64(load<u64>(TOTALS)); print(" tasks, ");
    printU64(load<u64>(TOTALS, 8)); print(" values, "); printU64(load<u64>(TOTALS, 16)); print(" cancelled, ");
    printU64(this.failed); println(" failed");
    exit(this.failed ? 1 : 0);
    return true;
  }
}
