// The executor against the recording fake host (tools/testing/fake-host.ts),
// as core 0, with a fake clock: exact traces of polls, wakes, timer
// programming, SEVs (only a task queued for another core needs one) and the
// order things happen in. Tasks write what they see to the console, so
// their lines and the host calls land in one trace, in order.
import {
  Task, Context, spawnOn, spawnJoin, runOnce, YieldNow, Join, Select, Sleep, Interval, Timeout,
  Notify, Notified, Channel, ChannelSend, ChannelRecv, pendingSleeps, ticksFromMillis, Future, serviceEvents,
} from "../../assembly/kernel/exec";
import { stats, HeapStats } from "../../assembly/kernel/mem/heap";
import { dispose, heapBytesOf } from "../../assembly/kernel/mem/lifetime";
import { println, print, printU64 } from "../../assembly/arch/console";
import { trace, since, reset, traceAtomics, advance, now } from "../../assembly/testing";


/** A clean fake machine: 4 cores, clock at 0, only non-atomic host calls traced. */
function fresh(): void {
  reset(4);
  traceAtomics(0);
}

/** Polls until no core-0 work is left (stealing from the other queues too); returns the polls. */
function drain(): i32 {
  let n = 0;
  while (runOnce()) n++;
  return n;
}

/** Moves the fake clock on and runs what the timer interrupt woke. */
function tick(ticks: u64): void {
  advance(ticks);
  serviceEvents();
  drain();
}

/** A task that says when something wakes it (a wake from the core itself needs no SEV). */
class Traced extends Task {
  constructor(public name: string) { super(); }
  poll(cx: Context): bool { return true; }
  wake(): void { print(this.name); println(": woken"); super.wake(); }
}

/** Ready on its first poll. */
class Quick extends Traced {
  constructor(name: string) { super(name); }
  poll(cx: Context): bool { print(this.name); println(": ready"); return true; }
}

/** Waits for a notification, then is ready. */
class Waits extends Traced {
  notified: Notified;
  constructor(name: string, n: Notify) { super(name); this.notified = n.notified(); }
  poll(cx: Context): bool {
    const ready = this.notified.poll(cx);
    print(this.name); println(ready ? ": ready" : ": pending");
    return ready;
  }
  dispose(): void { dispose(this.notified); }
}

/** Notifies on its first poll. */
class Notifier extends Task {
  constructor(public n: Notify) { super(); }
  poll(cx: Context): bool { println("notifier: notify"); this.n.notifyOne(); return true; }
}

/** Yields `times` times, then is ready. */
class Yielder extends Traced {
  y: YieldNow = new YieldNow();
  left: i32;
  constructor(name: string, times: i32) { super(name); this.left = times; }
  poll(cx: Context): bool {
    while (this.left > 0) {
      if (!this.y.poll(cx)) { print(this.name); println(": yield"); return false; }
      this.y.reset();
      this.left--;
    }
    print(this.name); println(": ready");
    return true;
  }
  dispose(): void { dispose(this.y); }
}

/** Sleeps until an absolute deadline. */
class Sleeper extends Traced {
  sleep: Sleep;
  constructor(name: string, deadline: u64) { super(name); this.sleep = new Sleep(deadline); }
  poll(cx: Context): bool {
    if (!this.sleep.poll(cx)) return false;
    print(this.name); print(": awake at "); printU64(now()); println("");
    return true;
  }
  dispose(): void { dispose(this.sleep); }
}

/** Polls an interval and says when each tick comes; ready after `ticks` of them. */
class Ticker extends Traced {
  count: i32 = 0;
  constructor(name: string, public iv: Interval, public ticks: i32) { super(name); }
  poll(cx: Context): bool {
    while (this.iv.poll(cx)) {
      print(this.name); print(": tick at "); printU64(now()); println("");
      if (++this.count == this.ticks) return true;
    }
    return false;
  }
}

/** Polls any future to the end and says so; disposes it only if it owns it. */
class Await extends Traced {
  constructor(name: string, public future: Future, public owns: bool = false) { super(name); }
  poll(cx: Context): bool {
    const ready = this.future.poll(cx);
    print(this.name); println(ready ? ": ready" : ": pending");
    return ready;
  }
  dispose(): void { if (this.owns) dispose(this.future); }
}

/** A task with no fields of its own, and one with two u64s (at offset 24: 20 bytes more). */
class Bare extends Task { poll(cx: Context): bool { return true; } }
class Wide extends Task {
  a: u64 = 0;
  b: u64 = 0;
  poll(cx: Context): bool { return true; }
}

// Two snapshots made up front, so that taking one allocates nothing.
const BEFORE = new HeapStats();
const AFTER = new HeapStats();

describe("executor: polls and wakes", () => {
  it("a task ready at once is polled once and freed", () => {
    fresh();
    const before = stats(BEFORE);
    spawnOn(0, new Quick("a"));
    const polls = drain();
    const after = stats(AFTER);
    expect(trace()).toBe("console: a: ready");   // queued on this core: no SEV needed
    expect(polls).toBe(1);
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.inUse).toBe(before.inUse);
  });

  it("a task costs its fields plus 60 bytes, rounded up to 16 (docs/executor.md)", () => {
    expect(offsetof<Bare>()).toBe(20);     // Task's own fields
    expect(offsetof<Wide>()).toBe(40);
    const bare = new Bare();
    const wide = new Wide();
    expect(heapBytesOf(bare)).toBe(64);    // no fields of its own: 60, rounded up
    expect(heapBytesOf(wide)).toBe(80);    // 20 bytes of its own (4 of them padding) + 60
    dispose(bare);
    dispose(wide);
  });

  it("a pending task is not polled again until it is woken, then it is", () => {
    fresh();
    const n = new Notify();
    spawnOn(0, new Waits("w", n));
    spawnOn(0, new Notifier(n));
    expect(drain()).toBe(3);
    expect(trace()).toBe(
      "cpu.sev\n" +                       // the second spawn: core 0 has a task queued already, so idle cores are woken to steal
      "console: w: pending\n" +
      "console: notifier: notify\n" +
      "console: w: woken\n" +            // back in the queue
      "cpu.sev\n" +                       // (woken inside notifier's poll: core 0 is busy, another core may take it)
      "console: w: ready",
    );
    expect(n.permit).toBe(false);          // handed over, not left behind
    dispose(n);
  });

  it("a notification before the wait leaves a permit: no pending poll", () => {
    fresh();
    const n = new Notify();
    spawnOn(0, new Notifier(n));
    spawnOn(0, new Waits("w", n));
    expect(drain()).toBe(2);
    expect(trace()).toBe("cpu.sev\nconsole: notifier: notify\nconsole: w: ready");
    dispose(n);
  });

  it("a task that wakes itself goes to the back of the queue (poll budget)", () => {
    fresh();
    spawnOn(0, new Yielder("y", 2));
    spawnOn(0, new Quick("q"));
    expect(drain()).toBe(4);
    expect(trace()).toBe(
      "cpu.sev\n" +                                // q's spawn behind y: a task to steal
      "console: y: woken\nconsole: y: yield\n" +   // woken while running: re-queued behind q
      "cpu.sev\n" +
      "console: q: ready\n" +
      "console: y: woken\nconsole: y: yield\n" +
      "console: y: ready",
    );
  });

  it("a task spawned on another core's queue is stolen by an idle core", () => {
    fresh();
    spawnOn(2, new Quick("far"));
    expect(drain()).toBe(1);
    expect(trace()).toBe("cpu.sev\nconsole: far: ready");   // another core's queue: SEV
  });

  it("polls and wakes allocate nothing", () => {
    fresh();
    const t = new Yielder("y", 50);
    const n = new Notify();
    spawnOn(0, t);
    runOnce();                            // first poll: its futures exist
    const before = stats(BEFORE);
    for (let i = 0; i < 40; i++) runOnce();
    const after = stats(AFTER);
    expect(after.allocs).toBe(before.allocs);
    expect(after.liveBlocks).toBe(before.liveBlocks);
    drain();
    dispose(n);
  });
});

describe("executor: join handles and cancellation", () => {
  it("a JoinHandle is pending until its task is done, and the task is woken once", () => {
    fresh();
    const n = new Notify();
    const worker = new Waits("worker", n);
    const handle = spawnJoin(worker);     // on the next core in turn: an SEV or not
    const mark = trace().length;
    drain();
    spawnOn(0, new Await("joiner", handle));
    drain();
    n.notifyOne();
    drain();
    const expected =
      "console: worker: pending\n" +
      "console: joiner: pending\n" +
      "console: worker: woken\n" +         // by notifyOne
      "console: worker: ready\n" +
      "console: joiner: ready";             // woken by the finished worker
    expect(since(mark)).toBe(expected);
    expect(worker.isDone).toBe(true);
    expect(handle.cancelled).toBe(false);
    dispose(worker);
    dispose(handle);
    dispose(n);
  });

  it("disposing a handle after its task leaves the task's old block alone", () => {
    fresh();
    const t = new Quick("q");
    const h = spawnJoin(t);
    drain();
    expect(t.isDone).toBe(true);
    const block = changetype<usize>(t);
    dispose(t);                            // the usual order: read the result, free the task ...
    const next = new Quick("next");        // ... and the heap gives its block to the next object
    expect(changetype<usize>(next)).toBe(block);
    dispose(h);                            // ... then the handle
    expect(next.state).toBe(0);            // not marked CANCELLED, not queued
    expect(runOnce()).toBe(false);         // nothing to poll
    dispose(next);
  });

  it("cancelling a task that sleeps takes its sleep out of the timer list", () => {
    fresh();
    expect(pendingSleeps(0)).toBe(0);
    const t = new Sleeper("s", 1000);
    const handle = spawnJoin(t);
    const mark = trace().length;
    expect(pendingSleeps(0)).toBe(0);
    drain();
    expect(pendingSleeps(0)).toBe(1);
    expect(pendingSleeps(1) + pendingSleeps(2) + pendingSleeps(3)).toBe(0);
    handle.cancel();
    drain();
    expect(handle.cancelled).toBe(true);
    expect(t.isDone).toBe(true);
    expect(t.polls).toBe(1);               // finished without another poll
    dispose(t);                            // its dispose() disposes the sleep
    dispose(handle);
    expect(pendingSleeps(0)).toBe(0);
    tick(2000);                            // the old deadline passes: nothing to wake
    expect(since(mark)).toBe("cpu.setTimer 1000\nirq: timer\ncpu.setTimer 0");
  });

  it("a detached task cancelled while pending is freed with its futures", () => {
    fresh();
    const before = stats(BEFORE);
    const t = new Sleeper("s", 500);
    spawnOn(0, t);
    drain();
    t.cancel();
    drain();
    const after = stats(AFTER);
    expect(pendingSleeps(0)).toBe(0);
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.inUse).toBe(before.inUse);
    tick(1000);
  });
});

describe("executor: time", () => {
  it("sleeps wake in deadline order, the timer is always armed for the earliest", () => {
    fresh();
    spawnOn(0, new Sleeper("c", 300));
    spawnOn(0, new Sleeper("a", 100));
    spawnOn(0, new Sleeper("b", 200));
    drain();
    tick(99);                              // not yet: nothing fires early
    tick(1);
    tick(100);
    tick(100);
    expect(trace()).toBe(
      "cpu.sev\ncpu.sev\n" +               // a's and b's spawns queue behind c: idle cores are woken to steal
      "cpu.setTimer 300\n" +               // c first: the only one
      "cpu.setTimer 100\n" +               // a is earlier: re-armed; b (200) is not
      "irq: timer\nconsole: a: woken\ncpu.setTimer 200\nconsole: a: awake at 100\n" +
      "irq: timer\nconsole: b: woken\ncpu.setTimer 300\nconsole: b: awake at 200\n" +
      "irq: timer\nconsole: c: woken\ncpu.setTimer 0\nconsole: c: awake at 300",
    );
    expect(pendingSleeps(0)).toBe(0);
  });

  it("a deadline already past is ready on the first poll, without the timer", () => {
    fresh();
    advance(500);
    spawnOn(0, new Sleeper("late", 400));
    drain();
    expect(trace()).toBe("console: late: awake at 500");
  });

  it("equal deadlines fire together, in the order they were registered", () => {
    fresh();
    spawnOn(0, new Sleeper("one", 50));
    spawnOn(0, new Sleeper("two", 50));
    drain();
    tick(50);
    expect(trace()).toBe(
      "cpu.sev\n" +                         // two's spawn queues behind one
      "cpu.setTimer 50\nirq: timer\nconsole: one: woken\nconsole: two: woken\n" +
      "cpu.sev\n" +                         // the second wake leaves two tasks queued on core 0
      "cpu.setTimer 0\n" +
      "console: one: awake at 50\nconsole: two: awake at 50",
    );
  });

  it("milliseconds become ticks of the counter's frequency", () => {
    expect(ticksFromMillis(1)).toBe(62500);
    expect(ticksFromMillis(10)).toBe(625000);
  });

  it("an interval ticks once per period, from the previous deadline (no drift)", () => {
    fresh();
    const iv = new Interval(1);            // 62,500 ticks
    const t = new Await("iv", iv);
    spawnOn(0, t);
    drain();                               // pending: armed for 62,500
    tick(62_600);                          // late by 100: first tick
    expect(iv.sleep.deadline).toBe(125_000); // next from the deadline, not from now
    expect(trace()).toBe(
      "cpu.setTimer 62500\nconsole: iv: pending\nirq: timer\nconsole: iv: woken\ncpu.setTimer 0\nconsole: iv: ready",
    );
    dispose(iv);
  });

  it("a task behind its interval gets each overdue tick a poll apart: it yields between them, so its core reaches a poll boundary", () => {
    // Before: a task slower than its period took every overdue tick in one poll, and one that
    // stayed behind never returned from it (its core ran nothing else and never came to a
    // collection's safe point: tests/soak/gc-tickers.ts).
    fresh();
    const iv = new Interval(1);            // 62,500 ticks
    const t = new Ticker("iv", iv, 3);
    t.keepAlive();
    spawnOn(0, t);
    drain();                               // armed for 62,500
    tick(62_500 * 3 + 10);                 // three deadlines passed: the first waited for, two overdue
    expect(t.count).toBe(3);
    expect(t.polls).toBe(4);               // the first poll, the one the timer woke, and one per overdue tick
    t.letGo();
  });

  it("setPeriod lengthens an interval from the next tick on, not the wait under way", () => {
    fresh();
    const iv = new Interval(1);            // 62,500 ticks
    spawnOn(0, new Ticker("iv", iv, 2));
    drain();                               // armed for 62,500
    iv.setPeriod(3);                       // 187,500 ticks
    expect(iv.period).toBe(187_500);
    expect(iv.sleep.deadline).toBe(62_500);  // the wait under way is not lengthened
    tick(62_500);                          // first tick, at the old deadline
    expect(iv.sleep.deadline).toBe(250_000); // then 62,500 + 187,500
    tick(187_499);                         // not yet
    tick(1);                               // second tick
    expect(trace()).toBe(
      "cpu.setTimer 62500\n" +
      "irq: timer\nconsole: iv: woken\ncpu.setTimer 0\nconsole: iv: tick at 62500\ncpu.setTimer 250000\n" +
      "irq: timer\nconsole: iv: woken\ncpu.setTimer 0\nconsole: iv: tick at 250000",
    );
    // the Ticker owned iv: disposed with it when it finished
  });

  it("setPeriod shortens an interval from the next tick on, not the wait under way", () => {
    fresh();
    const iv = new Interval(3);            // 187,500 ticks
    spawnOn(0, new Ticker("iv", iv, 2));
    drain();                               // armed for 187,500
    iv.setPeriod(1);                       // 62,500 ticks
    tick(62_500);                          // the wait under way is not shortened: no tick
    tick(125_000);                         // first tick, at 187,500
    tick(62_500);                          // second, at 187,500 + 62,500
    expect(trace()).toBe(
      "cpu.setTimer 187500\n" +
      "irq: timer\nconsole: iv: woken\ncpu.setTimer 0\nconsole: iv: tick at 187500\ncpu.setTimer 250000\n" +
      "irq: timer\nconsole: iv: woken\ncpu.setTimer 0\nconsole: iv: tick at 250000",
    );
    // the Ticker owned iv: disposed with it when it finished
  });

  it("a timeout that expires says so and cancels the future it wrapped", () => {
    fresh();
    const n = new Notify();
    const wait = n.notified();
    const to = new Timeout(wait, 1);
    spawnOn(0, new Await("t", to));
    drain();
    tick(ticksFromMillis(1));
    expect(to.timedOut).toBe(true);
    n.notifyOne();                         // the cancelled waiter is gone: a permit is left
    expect(n.permit).toBe(true);
    expect(trace()).toBe(
      "cpu.setTimer 62500\nconsole: t: pending\nirq: timer\nconsole: t: woken\ncpu.setTimer 0\nconsole: t: ready",
    );
    dispose(to);                           // and the future it owns
    dispose(n);
  });

  it("a future that beats its timeout leaves no sleep behind", () => {
    fresh();
    const n = new Notify();
    const wait = n.notified();
    const to = new Timeout(wait, 5);
    spawnOn(0, new Await("t", to));
    drain();
    expect(pendingSleeps(0)).toBe(1);
    n.notifyOne();
    drain();
    expect(to.timedOut).toBe(false);
    expect(pendingSleeps(0)).toBe(0);
    dispose(to);                           // and the future it owns
    dispose(n);
  });
});

describe("executor: channels", () => {
  it("trySend fills the buffer to its capacity and no further", () => {
    const ch = new Channel<i32>(2);
    expect(ch.trySend(1)).toBe(true);
    expect(ch.trySend(2)).toBe(true);
    expect(ch.trySend(3)).toBe(false);
    expect(ch.count).toBe(2);
    dispose(ch);
  });

  it("a receive on an empty channel waits, and the send wakes it with the value", () => {
    fresh();
    const ch = new Channel<i32>(2);
    const recv = ch.recv();
    spawnOn(0, new Await("recv", recv));
    drain();
    spawnOn(0, new Await("send", ch.send(42), true));
    drain();
    expect(recv.value).toBe(42);
    expect(ch.count).toBe(0);
    expect(trace()).toBe(
      "console: recv: pending\nconsole: recv: woken\n" +
      "cpu.sev\n" +                         // woken inside the sender's poll: core 0 is busy, another core may take it
      "console: send: ready\nconsole: recv: ready",
    );
    dispose(recv);
    dispose(ch);
  });

  it("a send on a full channel waits (back-pressure) until a receive makes room", () => {
    fresh();
    const ch = new Channel<i32>(1);
    ch.trySend(7);
    const send = ch.send(8);
    spawnOn(0, new Await("send", send));
    drain();
    expect(ch.sendWaits).toBe(1);
    const r1 = ch.recv();
    spawnOn(0, new Await("recv", r1));
    drain();
    expect(r1.value).toBe(7);              // FIFO: the first value first
    expect(ch.count).toBe(1);              // the waiting send got in
    const r2 = ch.recv();
    spawnOn(0, new Await("recv", r2));
    drain();
    expect(r2.value).toBe(8);
    expect(trace()).toBe(
      "console: send: pending\n" +
      "console: send: woken\ncpu.sev\nconsole: recv: ready\nconsole: send: ready\n" +   // the receive made room (and woke the sender inside its poll)
      "console: recv: ready",
    );
    dispose(send); dispose(r1); dispose(r2);
    dispose(ch);
  });

  it("waiting receivers are served first come, first served", () => {
    fresh();
    const ch = new Channel<i32>(4);
    const a = ch.recv(), b = ch.recv();
    spawnOn(0, new Await("a", a));
    spawnOn(0, new Await("b", b));
    drain();
    ch.trySend(1);
    ch.trySend(2);
    drain();
    expect(a.value).toBe(1);
    expect(b.value).toBe(2);
    dispose(a); dispose(b);
    dispose(ch);
  });

  it("a cancelled receive leaves the queue and does not take a value", () => {
    fresh();
    const ch = new Channel<i32>(2);
    const gone = ch.recv();
    const t = new Await("gone", gone, true);
    const h = spawnJoin(t);
    drain();
    h.cancel();
    drain();
    dispose(t);                            // disposes (and so cancels) its future
    dispose(h);
    ch.trySend(5);
    expect(ch.count).toBe(1);
    expect(ch.receivers.head).toBeNull();
    dispose(ch);
  });
});

describe("executor: join and select", () => {
  it("join is ready when all are, each polled until ready and then not again", () => {
    fresh();
    const n1 = new Notify(), n2 = new Notify();
    const list = new Array<Future>(2);
    list[0] = n1.notified();
    list[1] = n2.notified();
    const j = new Join(list);
    spawnOn(0, new Await("join", j));
    drain();
    n2.notifyOne();
    drain();
    n1.notifyOne();
    drain();
    expect(j.futures[0].isReady && j.futures[1].isReady && j.isReady).toBe(true);
    expect(trace()).toBe(
      "console: join: pending\nconsole: join: woken\nconsole: join: pending\nconsole: join: woken\nconsole: join: ready",
    );
    dispose(j);                            // and the futures and list it owns
    dispose(n1); dispose(n2);
  });

  it("select reports the first ready and cancels the rest", () => {
    fresh();
    const n1 = new Notify(), n2 = new Notify();
    const list = new Array<Future>(2);
    list[0] = n1.notified();
    list[1] = n2.notified();
    const s = new Select(list);
    spawnOn(0, new Await("select", s));
    drain();
    n2.notifyOne();
    drain();
    expect(s.winner).toBe(1);
    n1.notifyOne();                        // the loser's waiter was withdrawn: a permit stays
    expect(n1.permit).toBe(true);
    expect(n1.waiters.head).toBeNull();
    dispose(s);
    dispose(n1); dispose(n2);
  });
});
