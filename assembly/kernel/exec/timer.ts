// Time for tasks: Sleep (a deadline), Interval (a period) and Timeout (a
// future or a deadline, whichever comes first), driven by the generic
// timer's interrupt.
//
// Each core keeps the sleeps registered on it in a list sorted by deadline,
// in shared memory behind a SpinLock (so a task on another core can cancel
// one), and arms its timer interrupt (cpu.setTimer) for the earliest. When
// it fires, the C top half records an event and SEVs; the core's executor
// loop sees it (cpu.events), marks every sleep whose deadline has passed as
// fired and wakes its task. A Sleep is ready once fired; nothing polls the
// clock.
//
// Ticks are the generic timer's: counter() (CNTPCT_EL0, one system counter
// that every core reads alike, so deadlines compare across cores; what is
// per core is the compare register behind cpu.setTimer). Milliseconds are
// converted with timerFrequency(), never a constant.
import { counter, timerFrequency, coreId, MAX_CORES } from "../../arch/cpu";
import { cpu as host } from "../../arch/host";
import { SpinLock } from "../sync/spinlock";
import { Task, Context } from "./task";
import { Future, Select, PERIODIC } from "./future";
import { dispose } from "../mem/lifetime";
import { addRoots, markRef, setTimerRestore } from "../mem/gc";

// Per core: the list head (address of the first Sleep) and its lock.
const HEADS = memory.data(4 * MAX_CORES, 16);
const LOCKS = memory.data(4 * MAX_CORES, 16);

// @ts-ignore: decorator
@inline function headOf(core: u32): usize { return HEADS + (<usize>(core & (MAX_CORES - 1)) << 2); }
// @ts-ignore: decorator
@inline function lockOf(core: u32): SpinLock { return changetype<SpinLock>(LOCKS + (<usize>(core & (MAX_CORES - 1)) << 2)); }

/** Counter ticks in `ms` milliseconds. */
export function ticksFromMillis(ms: u64): u64 { return ms * timerFrequency() / 1000; }
/** Milliseconds in `ticks`. */
export function millisFromTicks(ticks: u64): u64 { return ticks * 1000 / timerFrequency(); }

/** @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic) */
export class Sleep extends Future {
  task: Task | null = null;
  next: Sleep | null = null;
  registered: bool = false;
  fired: bool = false;
  core: u32 = 0;

  constructor(public deadline: u64) { super(); }

  /** A sleep of `ms` milliseconds from now. */
  static millis(ms: u64): Sleep { return new Sleep(counter() + ticksFromMillis(ms)); }

  /** Ready once the deadline has passed (and the timer interrupt said so). */
  protected pollOnce(cx: Context): bool {
    if (this.fired) return true;
    if (!this.registered) {
      if (counter() >= this.deadline) return true;
      this.task = cx.waker;
      this.core = cx.core;
      this.registered = true;
      register(this);
    }
    return false;
  }

  /** Takes the sleep out of its core's list (any core may call it). */
  protected withdraw(): void {
    if (!this.registered || this.fired) return;
    const lock = lockOf(this.core);
    lock.lock();
    const head = headOf(this.core);
    let prev: Sleep | null = null;
    let at = changetype<Sleep | null>(<usize>load<u32>(head));
    while (at && at !== this) { prev = at; at = at.next; }
    if (at) {
      if (prev) prev.next = this.next; else store<u32>(head, <u32>changetype<usize>(this.next));
      this.next = null;
    }
    this.registered = false;
    lock.unlock();
  }

  /** Ready to wait again, for `deadline` as it is now (set it first; a pending wait is cancelled). */
  protected rearm(): void {
    this.withdraw();
    this.fired = false;
    this.registered = false;
  }
}

/**
 * Ticks every `periodMs` milliseconds: poll() is ready once per period,
 * without drift (each deadline is the previous one plus the period, not the
 * time of the poll plus the period). `period` is in counter ticks.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class Interval extends Future {
  sleep: Sleep;
  period: u64;
  /** A tick that was already due when polled: the task yields once before it gets it (see pollOnce). */
  late: bool = false;
  constructor(periodMs: u64) {
    super();
    const period = ticksFromMillis(periodMs);
    this.sleep = new Sleep(counter() + period);
    this.period = period;
    this.kind = PERIODIC;          // Ready for the poll that sees a tick; the next poll waits for the next
  }
  /**
   * A new period of `periodMs` milliseconds, from the next tick on: the wait
   * under way keeps its deadline (it is neither shortened nor lengthened),
   * and each tick after it comes `periodMs` after the one before. Call it
   * from the task that polls the interval.
   */
  setPeriod(periodMs: u64): void { this.period = ticksFromMillis(periodMs); }
  protected pollOnce(cx: Context): bool {
    const s = this.sleep;
    if (!this.late) {
      const due = !s.registered && !s.fired;       // the first look at this tick: it has not waited
      if (!s.poll(cx)) return false;
      if (due) {
        // Already due (the task fell behind its period): yield once, so the
        // executor reaches a poll boundary between ticks. Without it a task
        // slower than its interval never returned from its poll: its core
        // ran nothing else and never came to a collection's safe point, and
        // the heap filled ("0 collections": tests/soak/gc-tickers.ts).
        this.late = true;
        cx.waker.wake();
        return false;
      }
    }
    this.late = false;
    s.deadline += this.period;
    s.reset();
    return true;
  }
  protected withdraw(): void { this.sleep.cancel(); this.late = false; }
  /** Ticks again from the deadline it had (a cancelled interval resumes; late ticks come at once, a yield apart). */
  protected rearm(): void { this.sleep.reset(); this.late = false; }
  dispose(): void { dispose(this.sleep); }
}

/** `future` or `ms` milliseconds, whichever comes first: timedOut says which. It owns `future`. */
export class Timeout extends Select {
  ms: u64;
  constructor(future: Future, ms: u64) {
    const list = new Array<Future>(2);
    list[0] = future;
    list[1] = Sleep.millis(ms);
    super(list);
    this.ms = ms;
  }
  /** Ready to race again: the future re-armed, and `ms` from now. */
  protected rearm(): void {
    super.rearm();
    changetype<Sleep>(this.futures[1]).deadline = counter() + ticksFromMillis(this.ms);
  }
  get timedOut(): bool { return this.winner == 1; }
  // dispose(): Select's: cancels both and frees both (the future it was given too) and the list.
}

/** A future ready in `ms` milliseconds: `await sleep(100)`. */
export function sleep(ms: u64): Sleep { return Sleep.millis(ms); }

/** `future` or `ms` milliseconds, whichever first: `await timeout(ch.recv(), 50)` gives the winner (0: the future, 1: the time ran out). */
export function timeout(future: Future, ms: u64): Timeout { return new Timeout(future, ms); }

function register(s: Sleep): void {
  const core = s.core;
  const lock = lockOf(core);
  lock.lock();
  const head = headOf(core);
  let first = changetype<Sleep | null>(<usize>load<u32>(head));
  if (!first || s.deadline < first.deadline) {
    s.next = first;
    store<u32>(head, <u32>changetype<usize>(s));
    lock.unlock();
    host.setTimer(s.deadline);             // this core is the one polling: its timer
    return;
  }
  let at = first;
  while (at.next && at.next!.deadline <= s.deadline) at = at.next!;
  s.next = at.next;
  at.next = s;
  lock.unlock();
}

/** How many sleeps wait in `core`'s timer list (tests, diagnostics). */
export function pendingSleeps(core: u32): u32 {
  const lock = lockOf(core);
  lock.lock();
  let n: u32 = 0;
  let s = changetype<Sleep | null>(<usize>load<u32>(headOf(core)));
  while (s) { n++; s = s.next; }
  lock.unlock();
  return n;
}

/** The bottom half on this core: fires every sleep whose deadline has passed (the executor calls it on EVENT_TIMER). */
export function fireTimers(): void {
  const core = coreId();
  const lock = lockOf(core);
  const head = headOf(core);
  const now = counter();
  lock.lock();
  const s = fireDue(head, now);
  lock.unlock();
  host.setTimer(s ? s.deadline : 0);
}

/** Fires (and wakes the task of) every sleep of the list at `head` due by `now`, under its lock; gives the first left. */
function fireDue(head: usize, now: u64): Sleep | null {
  let s = changetype<Sleep | null>(<usize>load<u32>(head));
  while (s && s.deadline <= now) {
    const next = s.next;
    s.next = null;
    s.fired = true;
    if (s.task) s.task!.wake();
    s = next;
  }
  store<u32>(head, <u32>changetype<usize>(s));
  return s;
}

/**
 * Fires the sleeps due in the lists of `cores` (a mask: cores that stopped
 * or are stuck, whose lists others serve; executor.ts on EVENT_ADOPT), and
 * arms each such core's timer for its list's next deadline (cpu.wakeAt: its
 * interrupt brings EVENT_ADOPT here again). A list whose lock is held is
 * left: another core is serving it, or its core holds it (and comes back).
 */
export function serveTimersOf(cores: u32): void {
  const now = counter();
  while (cores) {
    const core = <u32>ctz(cores);
    cores &= cores - 1;
    if (core >= MAX_CORES) break;
    const lock = lockOf(core);
    if (!lock.tryLock()) continue;
    const s = fireDue(headOf(core), now);
    lock.unlock();
    if (s) host.wakeAt(core, s.deadline);
  }
}

/** Makes this core's timer interrupt come no later than `deadline` (the earliest sleep's deadline if that is sooner); the next fireTimers() arms it for the earliest sleep again. runUntil's bounded wait. */
export function wakeNoLaterThan(deadline: u64): void {
  const first = earliest();
  host.setTimer(first && first < deadline ? first : deadline);
}

/** The deadline of this core's earliest sleep, 0 when none is registered (read under the list's lock). */
function earliest(): u64 {
  const core = coreId();
  const lock = lockOf(core);
  lock.lock();
  const s = changetype<Sleep | null>(<usize>load<u32>(headOf(core)));
  const deadline = s ? s.deadline : 0;
  lock.unlock();
  return deadline;
}

// The collector's roots: the sleeps in every core's list (held there by address).
function markTimerLists(): void {
  for (let core: u32 = 0; core < MAX_CORES; core++) {
    let s = <usize>load<u32>(headOf(core));
    while (s) {
      markRef(s);
      s = changetype<usize>(changetype<Sleep>(s).next);
    }
  }
}
addRoots(markTimerLists);

// After a collection's safe point borrowed this core's timer: the earliest sleep again.
function rearm(): void { host.setTimer(earliest()); }
setTimerRestore(rearm);
