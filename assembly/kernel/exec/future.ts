// Futures: anything a task polls. poll(cx) returns true when ready; when it
// returns false it has arranged for cx.waker to be woken when it may be
// ready. A future keeps all its state in its own fields (no allocation per
// poll), and a task keeps its futures in its fields.
//
// Ownership, one rule: a combinator (Join, Select, Timeout) owns the futures
// it is given and their list: disposing it disposes them. Give it futures
// nobody else disposes.
import { Context } from "./task";
import { dispose, disposeAll } from "../mem/lifetime";
import { panic } from "../../arch/sys";

/** Future.kind bits. */
export const PERIODIC: u8 = 1, PENDING_ON_CANCEL: u8 = 2;

/** Where a future is: FutureState.Pending, Ready or Cancelled (Future.state). */
export enum FutureState { Pending = 0, Ready = 1, Cancelled = 2 }

/**
 * A future, and its state: Pending until a poll finds it ready, then Ready
 * (later polls return true at once, without doing anything) until reset();
 * Cancelled after cancel() while pending, until reset(). The state is the
 * base class's: a future implements pollOnce() (one attempt: true when
 * ready, else it has arranged for cx.waker to be woken), withdraw() (take
 * back whatever it registered, hand on a wake-up it will not use) and
 * rearm() (what reset() must undo); callers use poll(), cancel(), reset().
 */
export abstract class Future {
  private _state: FutureState = FutureState.Pending;
  /**
   * Where a kind bends the rule (set in its constructor): PERIODIC, Ready
   * means "this poll saw a tick" (an Interval: the next poll waits again);
   * PENDING_ON_CANCEL, cancel() leaves it Pending (a JoinHandle: its task
   * stops, and the handle is Ready once it has).
   */
  protected kind: u8 = 0;

  /** Pending, Ready or Cancelled. */
  get state(): FutureState { return this._state; }
  get isPending(): bool { return this._state == FutureState.Pending; }
  get isReady(): bool { return this._state == FutureState.Ready; }
  get isCancelled(): bool { return this._state == FutureState.Cancelled; }

  /**
   * True when the future is ready (it stays ready: polling again returns
   * true at once). False: not yet, and cx.waker will be woken when it may
   * be. Polling a cancelled future is a bug (it would never be ready): it
   * traps; reset() it first.
   */
  poll(cx: Context): bool {
    const s = this._state;
    if (s == FutureState.Ready && !(this.kind & PERIODIC)) return true;
    if (s == FutureState.Cancelled) panic("poll() of a cancelled future: reset() it before polling it again");
    if (!this.pollOnce(cx)) { this._state = FutureState.Pending; return false; }
    this._state = FutureState.Ready;
    return true;
  }
  /** One attempt; only poll() calls it (never after it returned true, until reset()). */
  protected abstract pollOnce(cx: Context): bool;

  /**
   * Withdraws whatever the future registered (a waiter in a queue, a sleep)
   * and hands on a wake-up it was given but will not use; a pending future
   * is then Cancelled. Safe in any state, and twice.
   */
  cancel(): void {
    this.withdraw();
    if (this._state == FutureState.Pending && !(this.kind & PENDING_ON_CANCEL)) this._state = FutureState.Cancelled;
  }
  protected withdraw(): void {}

  /**
   * Re-arms the future for the same operation again, with whatever its
   * fields say now (one rule for every future: set `send.value`,
   * `sleep.deadline`, `write.bytes` first if they change): it is Pending
   * again. Call it after using what a ready future gave, or to use a
   * cancelled one again. A one-shot future (a JoinHandle) stays done.
   */
  reset(): void {
    this.rearm();
    this._state = FutureState.Pending;
  }
  protected rearm(): void {}

  /** dispose(future) cancels it first, so a dropped future leaves nothing registered. */
  dispose(): void { this.cancel(); }
}

/**
 * Pending once (waking its task at once), ready the next time: lets the other tasks run.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class YieldNow extends Future {
  yielded: bool = false;
  protected pollOnce(cx: Context): bool {
    if (this.yielded) return true;
    this.yielded = true;
    cx.waker.wake();
    return false;
  }
  /** Ready for reuse in a loop. */
  protected rearm(): void { this.yielded = false; }
}

/** Pending once, ready the next time: `await yieldNow()` lets the other tasks run. */
export function yieldNow(): YieldNow { return new YieldNow(); }

/** Ready when every future is ready (each is polled until it is, then not again). */
export class Join extends Future {
  constructor(public futures: Array<Future>) { super(); }
  protected pollOnce(cx: Context): bool {
    let all = true;
    for (let i = 0; i < this.futures.length; i++) {
      const f = unchecked(this.futures[i]);
      if (!f.isReady && !f.poll(cx)) all = false;
    }
    return all;
  }
  protected withdraw(): void { for (let i = 0; i < this.futures.length; i++) { const f = unchecked(this.futures[i]); if (!f.isReady) f.cancel(); } }
  /** Ready to wait for all again: every future re-armed. */
  protected rearm(): void {
    this.withdraw();
    for (let i = 0; i < this.futures.length; i++) unchecked(this.futures[i]).reset();
  }
  /** Cancels what is still pending, then frees the futures and their list. */
  dispose(): void { this.cancel(); disposeAll(this.futures); }
}

/** Ready when the first of the futures is; `winner` is its index. The others are cancelled. */
export class Select extends Future {
  winner: i32 = -1;
  constructor(public futures: Array<Future>) { super(); }
  protected pollOnce(cx: Context): bool {
    if (this.winner >= 0) return true;
    for (let i = 0; i < this.futures.length; i++) {
      if (unchecked(this.futures[i]).poll(cx)) {
        this.winner = i;
        for (let j = 0; j < this.futures.length; j++) if (j != i) unchecked(this.futures[j]).cancel();
        return true;
      }
    }
    return false;
  }
  protected withdraw(): void { if (this.winner < 0) for (let i = 0; i < this.futures.length; i++) unchecked(this.futures[i]).cancel(); }
  /** Cancels them if none won yet, then frees the futures and their list. */
  dispose(): void { this.cancel(); disposeAll(this.futures); }
  /** What `await` gives: the winner's index. */
  get output(): i32 { return this.winner; }
  /** Ready to race again: every future re-armed (reset()), no winner. */
  protected rearm(): void {
    this.withdraw();
    for (let i = 0; i < this.futures.length; i++) unchecked(this.futures[i]).reset();
    this.winner = -1;
  }
}
