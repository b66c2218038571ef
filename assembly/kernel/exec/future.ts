// Small futures for writing tasks. A future is anything with
// poll(cx): bool (true = ready); a task polls its futures from its own
// poll() and returns false while one of them is pending.
import { Context } from "./task";

/** Pending once (waking its task at once), ready the next time: lets the other tasks run. */
export class YieldNow {
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
