// Small scenarios under every interleaving of their events, the way loom
// tests Tokio: two or three tasks, one channel or mutex, one cancellation.
// The events (a send, a receive, an unlock, a cancel) and single executor
// steps (runOnce: one task polled) are played in every distinct order, then
// everything still runnable runs; after each order the invariant must hold.
// Without the channel's pass-on (ChannelRecv/ChannelSend.cancel) or the
// withdrawal of a cancelled task's futures (executor.ts), some orders fail.
import { Task, Context, spawnOn, spawnJoin, JoinHandle, runOnce, Notify, Notified, Channel, ChannelRecv, ChannelSend, Mutex, MutexGuard } from "../../assembly/kernel/exec";
import { dispose } from "../../assembly/kernel/mem/lifetime";
import { reset, traceAtomics } from "../../assembly/testing";

const RUN = 0, EVENT = 1, CANCEL = 2;

function fresh(): void { reset(4); traceAtomics(0); }
function drain(): void { while (runOnce()) {} }

/** Steps to the next distinct permutation of `a` (ascending order first); false after the last. */
function nextPermutation(a: StaticArray<i32>): bool {
  let i = a.length - 2;
  while (i >= 0 && a[i] >= a[i + 1]) i--;
  if (i < 0) return false;
  let j = a.length - 1;
  while (a[j] <= a[i]) j--;
  const t = a[i]; a[i] = a[j]; a[j] = t;
  for (let l = i + 1, r = a.length - 1; l < r; l++, r--) { const u = a[l]; a[l] = a[r]; a[r] = u; }
  return true;
}

/** RUN x runs, then EVENT and CANCEL: the first of the orders. */
function events(runs: i32): StaticArray<i32> {
  const a = new StaticArray<i32>(runs + 2);
  for (let i = 0; i < runs; i++) a[i] = RUN;
  a[runs] = EVENT; a[runs + 1] = CANCEL;
  return a;
}

class Receiver extends Task {
  recv: ChannelRecv<i32>;
  got: i32 = 0;
  constructor(ch: Channel<i32>) { super(); this.recv = ch.recv(); }
  poll(cx: Context): bool {
    if (!this.recv.poll(cx)) return false;
    this.got = this.recv.value;
    return true;
  }
}

class Sender extends Task {
  send: ChannelSend<i32>;
  constructor(ch: Channel<i32>, v: i32) { super(); this.send = ch.send(v); }
  poll(cx: Context): bool { return this.send.poll(cx); }
}

class Holder extends Task {
  guard: MutexGuard<i32>;
  release: Notified;
  locked: bool = false;
  constructor(m: Mutex<i32>, n: Notify) { super(); this.guard = m.lock(); this.release = n.notified(); }
  poll(cx: Context): bool {
    if (!this.guard.poll(cx)) return false;
    this.locked = true;
    if (!this.release.poll(cx)) return false;
    this.guard.unlock();
    return true;
  }
}

describe("every interleaving: a woken receiver cancelled before it runs", () => {
  it("the value reaches the other receiver in every order of send, cancel and three executor steps", () => {
    const order = events(3);
    let orders = 0, bad = 0;
    do {
      fresh();
      const ch = new Channel<i32>(1);
      const a = new Receiver(ch), b = new Receiver(ch);
      const ha = spawnJoin(a), hb = spawnJoin(b);
      drain();                                         // both wait, a first
      for (let i = 0; i < order.length; i++) {
        if (order[i] == RUN) runOnce();
        else if (order[i] == EVENT) ch.trySend(7);
        else ha.cancel();
      }
      drain();
      // a either took the 7 before its cancel took effect, or b has it: never left behind.
      if (!(a.got == 7 || b.got == 7) || ch.count != 0) bad++;
      hb.cancel(); drain();
      dispose(a); dispose(ha); dispose(b); dispose(hb); dispose(ch);
      orders++;
    } while (nextPermutation(order));
    expect(orders).toBe(20);
    expect(bad).toBe(0);
  });
});

describe("every interleaving: a woken sender cancelled before it runs", () => {
  it("the room goes to the other sender in every order of receive, cancel and three executor steps", () => {
    const order = events(3);
    let orders = 0, bad = 0;
    do {
      fresh();
      const ch = new Channel<i32>(1);
      ch.trySend(1);                                   // full
      const a = new Sender(ch, 2), b = new Sender(ch, 3);
      const ha = spawnJoin(a), hb = spawnJoin(b);
      drain();                                         // both wait for room, a first
      const r = ch.recv();
      for (let i = 0; i < order.length; i++) {
        if (order[i] == RUN) runOnce();
        else if (order[i] == EVENT) { ch.enter(); ch.popLocked(r); ch.leave(); }   // takes the 1: room for one
        else ha.cancel();
      }
      drain();
      // The room was used: by a (if it sent before its cancel took effect) or by b.
      if (ch.count != 1 || !(a.send.done || b.send.done)) bad++;
      hb.cancel(); drain();
      dispose(r); dispose(a); dispose(ha); dispose(b); dispose(hb); dispose(ch);
      orders++;
    } while (nextPermutation(order));
    expect(orders).toBe(20);
    expect(bad).toBe(0);
  });
});

describe("every interleaving: a task queued on a Mutex is cancelled", () => {
  it("the lock reaches the next live waiter in every order of unlock, cancel and three executor steps", () => {
    const order = events(3);
    let orders = 0, bad = 0;
    do {
      fresh();
      const m = new Mutex<i32>(0);
      const g0 = new Notify(), g1 = new Notify(), g2 = new Notify();
      const h = new Holder(m, g0), a = new Holder(m, g1), b = new Holder(m, g2);
      const hh = spawnJoin(h);
      drain();                                         // h holds it
      const ha = spawnJoin(a), hb = spawnJoin(b);
      drain();                                         // a, then b, wait
      for (let i = 0; i < order.length; i++) {
        if (order[i] == RUN) runOnce();
        else if (order[i] == EVENT) g0.notifyOne();     // h lets go when it runs
        else ha.cancel();
      }
      drain();
      // h let go; a is cancelled (whether or not it held the lock first): b must hold it now.
      if (!b.locked || !m.locked) bad++;
      g2.notifyOne(); drain();
      if (m.locked) bad++;                             // and nobody holds it after b let go
      dispose(h); dispose(hh); dispose(a); dispose(ha); dispose(b); dispose(hb);
      dispose(m); dispose(g0); dispose(g1); dispose(g2);
      orders++;
    } while (nextPermutation(order));
    expect(orders).toBe(20);
    expect(bad).toBe(0);
  });
});
