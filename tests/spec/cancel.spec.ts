// The executor under cancellation (issue 13), each bug as a scenario on the
// fake host, as core 0: a waiter woken and then cancelled before it ran
// passes its wake-up on; a cancelled task keeps nothing it was granted; the
// combinators and sync objects free what they own; a finishing task is not
// touched after DONE. Each of these failed before its fix.
import {
  Task, Context, spawnOn, spawnJoin, runOnce, Join, Select, YieldNow, Future,
  Notify, Notified, Channel, ChannelSend, ChannelRecv, Mutex, MutexGuard, Semaphore, Acquire,
} from "../../assembly/kernel/exec";
import { stats, HeapStats } from "../../assembly/kernel/mem/heap";
import { dispose } from "../../assembly/kernel/mem/lifetime";
import { println, print, printU64 } from "../../assembly/arch/console";
import { trace, since, reset, traceAtomics } from "../../assembly/testing";

function fresh(): void { reset(4); traceAtomics(0); }
function drain(): void { while (runOnce()) {} }

const STATS = changetype<HeapStats>(memory.data(offsetof<HeapStats>(), 16));
function liveBlocks(): u32 { stats(STATS); return STATS.liveBlocks; }
let KEEP_LATE: Task | null = null;

/** Receives one value and says so: `<name>: got <v>`. */
class Receiver extends Task {
  recv: ChannelRecv<i32>;
  constructor(public name: string, ch: Channel<i32>) { super(); this.recv = ch.recv(); }
  poll(cx: Context): bool {
    if (!this.recv.poll(cx)) return false;
    print(this.name); print(": got "); printU64(this.recv.value); println("");
    return true;
  }
}

/** Sends one value and says so. */
class Sender extends Task {
  send: ChannelSend<i32>;
  constructor(public name: string, ch: Channel<i32>, v: i32) { super(); this.send = ch.send(v); }
  poll(cx: Context): bool {
    if (!this.send.poll(cx)) return false;
    print(this.name); println(": sent");
    return true;
  }
}

/** Locks the mutex, says so, and holds it until told to let go (a Notify). */
class Holder extends Task {
  guard: MutexGuard<i32>;
  release: Notified;
  said: bool = false;
  constructor(public name: string, m: Mutex<i32>, n: Notify) { super(); this.guard = m.lock(); this.release = n.notified(); }
  poll(cx: Context): bool {
    if (!this.guard.poll(cx)) return false;
    if (!this.said) { this.said = true; print(this.name); println(": locked"); this.guard.value += 1; }
    if (!this.release.poll(cx)) return false;
    this.guard.unlock();
    print(this.name); println(": unlocked");
    return true;
  }
}

describe("cancellation: a woken waiter that is cancelled passes its wake-up on", () => {
  it("a receiver woken for a value and cancelled before it ran: the next receiver gets the value", () => {
    fresh();
    const ch = new Channel<i32>(4);
    const a = new Receiver("a", ch), b = new Receiver("b", ch);
    const ha = spawnJoin(a);
    spawnOn(0, b);
    drain();                               // both wait, a first
    expect(ch.trySend(7)).toBe(true);      // wakes a
    a.recv.cancel();                       // a Select or Timeout around it went the other way
    ha.cancel();
    drain();
    expect(trace().includes("console: b: got 7")).toBe(true);
    expect(ch.count).toBe(0);
    dispose(a); dispose(ha);
  });

  it("a sender woken for room and cancelled before it ran: the next sender gets the room", () => {
    fresh();
    const ch = new Channel<i32>(1);
    expect(ch.trySend(1)).toBe(true);      // full
    const a = new Sender("a", ch, 2), b = new Sender("b", ch, 3);
    const ha = spawnJoin(a);
    spawnOn(0, b);
    drain();                               // both wait for room, a first
    const r = ch.recv();                   // a receive makes room, which wakes a
    ch.enter(); ch.popLocked(r); ch.leave();
    expect(r.value).toBe(1);
    a.send.cancel();                       // ... but a is cancelled before it ran
    ha.cancel();
    drain();
    expect(trace().includes("console: b: sent")).toBe(true);
    expect(ch.count).toBe(1);
    dispose(r); dispose(a); dispose(ha);
  });
});

describe("cancellation: a cancelled task keeps nothing it was granted", () => {
  it("a joined task cancelled while queued on a Mutex is not handed the lock; the next waiter is", () => {
    fresh();
    const m = new Mutex<i32>(0);
    const go1 = new Notify(), go2 = new Notify(), go3 = new Notify();
    const h1 = new Holder("one", m, go1), h2 = new Holder("two", m, go2), h3 = new Holder("three", m, go3);
    spawnOn(0, h1);
    drain();                               // one holds the lock
    const j2 = spawnJoin(h2);
    spawnOn(0, h3);
    drain();                               // two, then three, wait for it
    j2.cancel();                           // a sibling cancels two (nobody disposes it yet)
    drain();
    go1.notifyOne();                       // one lets go: three must get the lock, not the dead two
    drain();
    const t = trace();
    expect(t.includes("console: three: locked")).toBe(true);
    expect(t.includes("console: two: locked")).toBe(false);
    go3.notifyOne();
    drain();
    expect(m.locked).toBe(false);
    dispose(h2); dispose(j2);
  });

  it("a task cancelled while it holds a MutexGuard gives the lock back", () => {
    fresh();
    const m = new Mutex<i32>(0);
    const go = new Notify(), go2 = new Notify();
    const holder = new Holder("holder", m, go);
    const h = spawnJoin(holder);
    drain();
    expect(m.locked).toBe(true);
    h.cancel();
    drain();
    expect(m.locked).toBe(false);
    spawnOn(0, new Holder("next", m, go2));
    drain();
    expect(trace().includes("console: next: locked")).toBe(true);
    dispose(holder); dispose(h);
  });

  it("a semaphore permit handed to a task that was cancelled before it ran goes to the next waiter", () => {
    fresh();
    const s = new Semaphore(0);
    const a = new WaitAcquire("a", s), b = new WaitAcquire("b", s);
    const ha = spawnJoin(a);
    spawnOn(0, b);
    drain();
    s.release();                           // handed to a
    ha.cancel();                           // before a ran
    drain();
    expect(trace().includes("console: b: acquired")).toBe(true);
    expect(trace().includes("console: a: acquired")).toBe(false);
    dispose(a); dispose(ha);
  });
});

class WaitAcquire extends Task {
  acquire: Acquire;
  constructor(public name: string, s: Semaphore) { super(); this.acquire = s.acquire(); }
  poll(cx: Context): bool {
    if (!this.acquire.poll(cx)) return false;
    print(this.name); println(": acquired");
    return true;
  }
}

describe("ownership: what is disposed frees what it owns", () => {
  it("a Join frees its futures, their list and its own flags", () => {
    fresh();
    const before = liveBlocks();
    const list = new Array<Future>(2);
    list[0] = new YieldNow();
    list[1] = new YieldNow();
    dispose(new Join(list));
    expect(liveBlocks()).toBe(before);
  });

  it("a Select frees its futures and their list", () => {
    fresh();
    const n = new Notify();
    const before = liveBlocks();
    const list = new Array<Future>(2);
    list[0] = n.notified();
    list[1] = new YieldNow();
    dispose(new Select(list));
    expect(liveBlocks()).toBe(before);
    dispose(n);
  });

  it("Channel, Mutex, Semaphore and Notify free their buffers and queues", () => {
    fresh();
    const before = liveBlocks();
    dispose(new Channel<i32>(8));
    dispose(new Mutex<i32>(0));
    dispose(new Semaphore(2));
    dispose(new Notify());
    expect(liveBlocks()).toBe(before);
  });
});

/** Waits for `child`'s handle (the test owns the handle: Parent does not dispose it). */
class Parent extends Task {
  constructor(public handle: Future) { super(); }
  poll(cx: Context): bool { return this.handle.poll(cx); }
  dispose(): void {}
}

describe("finishing: nothing touches a task after DONE", () => {
  it("the executor reads and clears the joiner before it sets DONE (an owner may free the task then)", () => {
    fresh();
    const child = new YieldTwice();
    const h = spawnJoin(child);
    spawnOn(0, new Parent(h));
    drain();
    // The child's last poll: the joiner word is claimed (FINISHING = 1), then DONE is set.
    fresh();
    traceAtomics(1);
    child.wake();
    drain();
    const t = trace();
    const claim = t.indexOf("atomic.xchg32 1");          // the joiner word, marked FINISHING
    const done = t.indexOf("atomic.cas32 2 8");          // the state word: RUNNING -> DONE
    expect(claim >= 0 && done >= 0).toBe(true);
    expect(claim < done).toBe(true);
    expect(child.isDone).toBe(true);
    dispose(child); dispose(h);
  });

  it("disposing a task, then its handle, touches nothing freed", () => {
    fresh();
    const child = new YieldTwice();
    const h = spawnJoin(child);
    drain();
    child.wake();
    drain();
    expect(child.isDone).toBe(true);
    dispose(child);
    const reuse = new Array<u32>(8);       // the heap may hand the task's block out again
    dispose(h);
    for (let i = 0; i < 8; i++) expect(reuse[i]).toBe(0);
    dispose(reuse);
  });
});

describe("a detached task kept alive: cancel() and isDone are safe at any time", () => {
  it("a kept task outlives its end: cancel() after it finished writes to a live task, letGo() frees it", () => {
    fresh();
    const t = new YieldTwice(); t.keepAlive();
    spawnOn(0, t);
    drain();
    const alive = liveBlocks();                      // the task is one of them (expect() allocates: read first)
    t.wake();
    drain();
    const done = t.isDone;
    const atEnd = liveBlocks();
    t.cancel();                                      // too late, and harmless
    const stillDone = t.isDone && !t.isCancelled;
    t.letGo();
    const after = liveBlocks();
    expect(done).toBe(true);
    expect(atEnd).toBe(alive);                       // not freed at its end: kept
    expect(stillDone).toBe(true);
    expect(after).toBe(alive - 1);
  });

  it("letGo() before the end: the executor frees it when it finishes (cancelled here)", () => {
    fresh();
    const t = new YieldTwice(); t.keepAlive();
    spawnOn(0, t);
    drain();
    const alive = liveBlocks();
    t.cancel();
    t.letGo();
    const let_go = liveBlocks();
    drain();                                          // the cancellation takes effect: DONE, and freed
    const after = liveBlocks();
    expect(let_go).toBe(alive);
    expect(after).toBe(alive - 1);
  });

  it("keepAlive() after spawning is refused with a panic that says to call it before", () => {
    fresh();
    KEEP_LATE = new YieldTwice();
    spawnOn(0, KEEP_LATE!);
    expect(() => { KEEP_LATE!.keepAlive(); }).toThrow();
    expect(trace().includes("sys.panic keepAlive() on a task already spawned: call it before spawn() or spawnOn()")).toBe(true);
  });
});

/** Pending once (woken by whoever wants), ready the second time. */
class YieldTwice extends Task {
  polled: i32 = 0;
  poll(cx: Context): bool { return ++this.polled >= 2; }
}
