// Futures: anything a task polls. poll(cx) returns true when ready; when it
// returns false it has arranged for cx.waker to be woken when it may be
// ready. A future keeps all its state in its own fields (no allocation per
// poll), and a task keeps its futures in its fields.
//
// Ownership, one rule: a combinator (Join, Select, Timeout) owns the futures
// it is given and their list: disposing it disposes them. Give it futures
// nobody else disposes.
import { Context } from "./task";
import { dispose, disposeAll } from "../lifetime";

export abstract class Future {
  abstract poll(cx: Context): bool;
  /** Withdraws whatever the future registered (a waiter in a queue, a sleep). */
  cancel(): void {}
  /** dispose(future) cancels it first, so a dropped future leaves nothing registered. */
  dispose(): void { this.cancel(); }
  /**
   * Re-arms the future for the same operation again, with whatever its
   * fields say now (one rule for every future: set `send.value`,
   * `sleep.deadline`, `write.bytes` first if they change). Call it after
   * using what a ready future gave. The default does nothing (a one-shot
   * future, such as a JoinHandle).
   */
  reset(): void {}
}

/** Pending once (waking its task at once), ready the next time: lets the other tasks run. */
export class YieldNow extends Future {
  yielded: bool = false;
  poll(cx: Context): bool {
    if (this.yielded) return true;
    this.yielded = true;
    cx.waker.wake();
    return false;
  }
  /** Ready for reuse in a loop. */
  reset(): void { this.yielded = false; }
}

/** Ready when every future is ready (each is polled until it is, then not again). */
export class Join extends Future {
  ready: StaticArray<bool>;
  constructor(public futures: Array<Future>) {
    super();
    this.ready = new StaticArray<bool>(futures.length);
  }
  poll(cx: Context): bool {
    let all = true;
    for (let i = 0; i < this.futures.length; i++) {
      if (unchecked(this.ready[i])) continue;
      if (unchecked(this.futures[i]).poll(cx)) unchecked(this.ready[i] = true);
      else all = false;
    }
    return all;
  }
  cancel(): void { for (let i = 0; i < this.futures.length; i++) if (!unchecked(this.ready[i])) unchecked(this.futures[i]).cancel(); }
  /** Ready to wait for all again: every future re-armed. */
  reset(): void {
    this.cancel();
    for (let i = 0; i < this.futures.length; i++) { unchecked(this.futures[i]).reset(); unchecked(this.ready[i] = false); }
  }
  /** Cancels what is still pending, then frees the futures, their list and its own flags. */
  dispose(): void { this.cancel(); disposeAll(this.futures); dispose(this.ready); }
}

/** Ready when the first of the futures is; `winner` is its index. The others are cancelled. */
export class Select extends Future {
  winner: i32 = -1;
  constructor(public futures: Array<Future>) { super(); }
  poll(cx: Context): bool {
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
  cancel(): void { if (this.winner < 0) for (let i = 0; i < this.futures.length; i++) unchecked(this.futures[i]).cancel(); }
  /** Cancels them if none won yet, then frees the futures and their list. */
  dispose(): void { this.cancel(); disposeAll(this.futures); }
  /** Ready to race again: every future re-armed (reset()), no winner. */
  reset(): void {
    this.cancel();
    for (let i = 0; i < this.futures.length; i++) unchecked(this.futures[i]).reset();
    this.winner = -1;
  }
}
