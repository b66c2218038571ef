// Run-once initialisation shared by all cores.
//
// A state word in shared memory: 0 = not started, 1 = running, 2 = done.
// The first core to move it from 0 to 1 (compare-and-swap) runs the
// initialiser and stores 2 (release); every other core that arrives
// meanwhile sleeps (WFE) until it sees 2 (acquire), so whatever the
// initialiser wrote is visible to it. If the initialiser traps, its core
// parks and the others wait forever: keep initialisers simple.
//
// Like SpinLock, both are @unmanaged and meant for shared static data:
//
//     const READY = changetype<Once>(memory.data(4, 4));
//     READY.call(setUpTables);
import * as atomic from "../../arch/atomic";

const NEW: u32 = 0;
const RUNNING: u32 = 1;
const DONE: u32 = 2;

@unmanaged
export class Once {
  state: u32 = NEW;

  /** Runs `init` if no core has run it yet; returns once it has run. */
  call(init: () => void): void {
    const state = changetype<usize>(this);
    if (atomic.load32(state) == DONE) return;
    if (atomic.tryCas32(state, NEW, RUNNING)) {
      init();
      atomic.storeUnchecked32(state, DONE);
      return;
    }
    let s = atomic.load32(state);
    while (s != DONE) s = atomic.wait32(state, s);
  }

  /** True once the initialiser has finished (acquire). */
  get done(): bool { return atomic.load32(changetype<usize>(this)) == DONE; }
}

/**
 * A value computed once, by whichever core asks first, and then shared.
 * T is a reference or a number; the state word works as in Once.
 */
@unmanaged
export class OnceCell<T> {
  state: u32 = NEW;
  value: T = isReference<T>() ? changetype<T>(0) : <T>0;   // any T: references, i64, f64

  /** The value, computing it with `init` on first use. */
  getOrInit(init: () => T): T {
    const self = changetype<usize>(this);
    const state = self + offsetof<OnceCell<T>>("state");
    if (atomic.load32(state) != DONE) {
      if (atomic.tryCas32(state, NEW, RUNNING)) {
        store<T>(self + offsetof<OnceCell<T>>("value"), init());
        atomic.storeUnchecked32(state, DONE);
      } else {
        let s = atomic.load32(state);
        while (s != DONE) s = atomic.wait32(state, s);
      }
    }
    return load<T>(self + offsetof<OnceCell<T>>("value"));
  }

  /** True once a value is there (acquire). */
  get isSet(): bool { return atomic.load32(changetype<usize>(this) + offsetof<OnceCell<T>>("state")) == DONE; }
}
