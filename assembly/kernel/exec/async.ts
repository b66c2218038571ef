// What `async` functions become (docs/async.md). The build's transform
// (tools/async/) lowers each `async function f(...): Promise<R>` to a class
// `f$Future` that extends AsyncFuture<R> (AsyncFn when R is void), and `f`
// to a function that makes one. Its pollOnce() is a state machine: `__s` is
// where it stopped, `__cur` the future it waits on there. This file is the
// part every such class shares: cancelling and disposing the future it
// waits on, and a task that runs a future (spawn(f())).
import { Future } from "./future";
import { Task, Context } from "./task";
import { dispose } from "../mem/lifetime";
export { noteAsync, noteAsyncLine } from "../../arch/sys";

/** The base of every lowered async function. */
export abstract class AsyncFn extends Future {
  /** The state: where the function stopped (0: not started). */
  __s: i32 = 0;
  /** The future it waits on now, if any (while it is pending at an await). */
  __cur: Future | null = null;
  /** Whether that future is its own (made by the awaited expression): disposed once done with. */
  __own: bool = false;

  /** Done with the future it waited on: dispose it if it made it. */
  __done(): void {
    const f = this.__cur;
    this.__cur = null;
    if (f !== null && this.__own) dispose(f);
  }

  /**
   * Cancelled while waiting: the future it waits on is cancelled, and so is
   * everything it holds there (__release). Only while pending: once it has
   * returned, __cur may still name a future it held and awaited last,
   * which is not its to cancel.
   */
  protected withdraw(): void {
    if (!this.isPending) return;
    const f = this.__cur;
    if (f !== null) f.cancel();
    this.__release(false);
  }

  /**
   * What the function holds while it waits at the await `__s` names: the
   * transform writes one per function that holds a guard, a permit, a
   * future or a handle of its own across an await (the locals live at each
   * await are known at build time). Each is cancelled (a guard unlocks, a
   * permit returns, a handle's task stops); `disposing`: freed too. Nothing
   * at any other `__s` (not started, or returned).
   */
  protected __release(disposing: bool): void {}

  /** reset(): runs the function again from the start, with its parameters as they are now (what it held is freed). */
  protected rearm(): void { this.__done(); this.__release(true); this.__s = 0; }

  /** Cancels it (what it waits on and what it holds are cancelled) and frees what it made for that. */
  dispose(): void { this.cancel(); this.__done(); this.__release(true); }
}

/**
 * For the transform's __release: cancels a future the function holds (a
 * MutexGuard unlocks, a Permit returns, a JoinHandle stops its task) and,
 * `disposing`, frees it; what the field should hold after (null once freed).
 */
export function releaseHeld<T>(held: T, disposing: bool): T {
  const ref = changetype<usize>(held);
  if (ref == 0) return held;
  changetype<Future>(ref).cancel();
  if (!disposing) return held;
  dispose<T>(held);
  return changetype<T>(0);
}

/** A lowered `async function ...: Promise<R>`: `output` is what it returned. */
export abstract class AsyncFuture<R> extends AsyncFn {
  output: R = isReference<R>() ? changetype<R>(0) : <R>0;
}

/** A task that polls one future to the end (spawn(f()) makes one); it owns the future. */
export class FutureTask extends Task {
  constructor(public future: Future) { super(); }
  poll(cx: Context): bool { return this.future.poll(cx); }
}
