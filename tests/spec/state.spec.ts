// Every future's state, as a caller reads it (issue 13): Pending until a
// poll finds it ready, Ready (and polling again does nothing) until reset(),
// Cancelled after cancel() while pending, Pending again after reset(). One
// rule, kept by the Future base class, for every kind: the sync futures,
// the timer's, the combinators (whose losers are Cancelled), an Interval
// (Ready once per tick), a MutexGuard (Pending again once unlocked) and a
// JoinHandle (Pending until its cancelled task has stopped).
import {
  Task, Context, spawnOn, spawnJoin, runOnce, Join, Select, Sleep, Interval, Timeout, YieldNow, Future, FutureState,
  Notify, Channel, Mutex, Semaphore, serviceEvents,
} from "../../assembly/kernel/exec";
import { dispose } from "../../assembly/kernel/mem/lifetime";
import { reset, traceAtomics, advance, trace } from "../../assembly/testing";

function fresh(): void { reset(4); traceAtomics(0); }
function drain(): void { while (runOnce()) {} }
function tick(ticks: u64): void { advance(ticks); serviceEvents(); drain(); }

/** Polls its future once each time it runs (Task.polls counts), and remembers what it said; never ends by itself. */
class Poller extends Task {
  last: bool = false;
  constructor(public future: Future) { super(); }
  poll(cx: Context): bool {
    this.last = this.future.poll(cx);
    return false;
  }
  /** Runs it once more (as if woken) and returns what the future said. */
  again(): bool { this.wake(); drain(); return this.last; }
  dispose(): void {}                          // the test owns the future
}

let CANCELLED: Future | null = null;

/** Spawned detached: the executor frees the Poller once cancel() has taken effect. */
function start(f: Future): Poller { const p = new Poller(f); spawnOn(0, p); drain(); return p; }

describe("future state: one rule for every future", () => {
  it("a Notified: Pending, Ready when notified (and stays so), Pending again after reset()", () => {
    fresh();
    const n = new Notify();
    const f = n.notified();
    expect(f.state).toBe(FutureState.Pending);
    const p = start(f);
    expect(p.last).toBe(false);
    expect(f.isPending).toBe(true);
    n.notifyOne();
    drain();
    expect(p.last).toBe(true);
    expect(f.isReady).toBe(true);
    expect(p.again()).toBe(true);              // ready stays ready
    f.reset();
    expect(f.isPending).toBe(true);
    expect(p.again()).toBe(false);             // waits for the next notification
    f.cancel();
    expect(f.isCancelled).toBe(true);
    expect(n.waiters.head).toBe(null);        // and withdrew its waiter
    f.reset();
    expect(f.isPending).toBe(true);
    p.cancel(); drain(); dispose(f); dispose(n);
  });

  it("cancel() of a Ready future leaves it Ready (what it holds is still there)", () => {
    fresh();
    const ch = new Channel<i32>(2);
    ch.trySend(7);
    const r = ch.recv();
    const p = start(r);
    expect(r.isReady).toBe(true);
    r.cancel();
    expect(r.isReady).toBe(true);
    expect(r.value).toBe(7);
    p.cancel(); drain(); dispose(r); dispose(ch);
  });

  it("a ChannelSend on a full channel: Pending, Ready once there is room; a cancelled one withdraws", () => {
    fresh();
    const ch = new Channel<i32>(1);
    ch.trySend(1);
    const s = ch.send(2);
    const p = start(s);
    expect(s.isPending).toBe(true);
    s.cancel();
    expect(s.isCancelled).toBe(true);
    expect(ch.senders.head).toBe(null);
    s.reset();
    expect(p.again()).toBe(false);
    const r = ch.recv();
    const q = start(r);
    expect(r.isReady).toBe(true);
    drain();
    expect(s.isReady).toBe(true);              // the receive made room and woke it
    expect(ch.count).toBe(1);
    p.cancel(); q.cancel(); drain(); dispose(s); dispose(r); dispose(ch);
  });

  it("a Sleep: Pending, Ready at its deadline, Cancelled leaves nothing registered", () => {
    fresh();
    const s = new Sleep(1000);
    const p = start(s);
    expect(s.isPending).toBe(true);
    tick(1000);
    expect(s.isReady).toBe(true);
    s.deadline = 5000;
    s.reset();
    expect(p.again()).toBe(false);
    s.cancel();
    expect(s.isCancelled).toBe(true);
    tick(5000);
    expect(p.polls).toBe(3);                   // the cancelled sleep woke nobody
    p.cancel(); drain(); dispose(s);
  });

  it("an Interval is Ready once per tick: the poll after a tick waits for the next", () => {
    fresh();
    const iv = new Interval(1);                 // the fake clock: 1 ms is timerFrequency/1000 ticks
    const p = start(iv);
    expect(iv.isPending).toBe(true);
    tick(iv.period);
    expect(p.last).toBe(true);
    expect(iv.isReady).toBe(true);
    expect(p.again()).toBe(false);             // the next tick is a period away
    expect(iv.isPending).toBe(true);
    tick(iv.period);
    expect(p.last).toBe(true);
    iv.cancel();
    expect(iv.isReady).toBe(true);              // it had ticked: a Ready future stays Ready
    p.cancel(); drain(); dispose(iv);
  });

  it("a Select: the winner and the Select Ready, the losers Cancelled; reset() re-arms all", () => {
    fresh();
    const a = new Notify(), b = new Notify();
    const list = new Array<Future>(2);
    list[0] = a.notified();
    list[1] = b.notified();
    const sel = new Select(list);
    const p = start(sel);
    b.notifyOne();
    drain();
    expect(sel.isReady).toBe(true);
    expect(sel.winner).toBe(1);
    expect(list[1].isReady).toBe(true);
    expect(list[0].isCancelled).toBe(true);
    expect(a.waiters.head).toBe(null);
    sel.reset();
    expect(sel.isPending && list[0].isPending && list[1].isPending).toBe(true);
    expect(p.again()).toBe(false);
    sel.cancel();
    expect(sel.isCancelled && list[0].isCancelled && list[1].isCancelled).toBe(true);
    p.cancel(); drain(); dispose(sel); dispose(a); dispose(b);
  });

  it("a Join: each part Ready as it comes, the Join when all are; cancel() cancels only the pending", () => {
    fresh();
    const a = new Notify(), b = new Notify();
    const list = new Array<Future>(2);
    list[0] = a.notified();
    list[1] = b.notified();
    const j = new Join(list);
    const p = start(j);
    a.notifyOne();
    drain();
    expect(list[0].isReady).toBe(true);
    expect(j.isPending).toBe(true);
    j.cancel();
    expect(j.isCancelled).toBe(true);
    expect(list[0].isReady).toBe(true);
    expect(list[1].isCancelled).toBe(true);
    j.reset();
    expect(list[0].isPending && list[1].isPending && j.isPending).toBe(true);
    p.cancel(); drain(); dispose(j); dispose(a); dispose(b);
  });

  it("a Timeout that timed out: Ready, timedOut, its future Cancelled", () => {
    fresh();
    const n = new Notify();
    const t = new Timeout(n.notified(), 1);
    const p = start(t);
    tick(t.futures[1] instanceof Sleep ? changetype<Sleep>(t.futures[1]).deadline : 0);
    expect(t.isReady).toBe(true);
    expect(t.timedOut).toBe(true);
    expect(t.futures[0].isCancelled).toBe(true);
    expect(n.waiters.head).toBe(null);
    p.cancel(); drain(); dispose(t); dispose(n);
  });

  it("a MutexGuard: Ready while held, Pending again once unlocked (poll locks again)", () => {
    fresh();
    const m = new Mutex<i32>(0);
    const g = m.lock();
    const p = start(g);
    expect(g.isReady).toBe(true);
    expect(m.locked).toBe(true);
    g.unlock();
    expect(g.isPending).toBe(true);
    expect(m.locked).toBe(false);
    expect(p.again()).toBe(true);              // locked again, without reset()
    expect(m.locked).toBe(true);
    g.cancel();                                 // a held guard cancelled: unlocked
    expect(m.locked).toBe(false);
    expect(g.isCancelled).toBe(true);
    p.cancel(); drain(); dispose(g); dispose(m);
  });

  it("an Acquire waiting for a permit: Cancelled, and the permit it was handed goes on", () => {
    fresh();
    const s = new Semaphore(0);
    const f = s.acquire();
    const p = start(f);
    s.release();                                // handed to f, which has not run yet
    f.cancel();
    expect(f.isCancelled).toBe(true);
    expect(s.permits).toBe(1);
    p.cancel(); drain(); dispose(f); dispose(s);
  });

  it("a YieldNow: Pending once, then Ready", () => {
    fresh();
    const y = new YieldNow();
    const p = new Poller(y);
    spawnOn(0, p);
    runOnce();
    expect(y.isPending).toBe(true);
    expect(p.polls).toBe(1);                    // and woke its own task: it runs again
    runOnce();
    expect(y.isReady).toBe(true);
    p.cancel(); drain(); dispose(y);
  });

  it("a JoinHandle stays Pending after cancel() until its task has stopped, then Ready with cancelled", () => {
    fresh();
    const n = new Notify();
    const waiter = new Poller(n.notified());
    const h = spawnJoin(waiter);
    const p = start(h);
    expect(h.isPending).toBe(true);
    h.cancel();
    expect(h.isPending).toBe(true);
    drain();
    expect(h.isReady).toBe(true);
    expect(h.cancelled).toBe(true);
    p.cancel(); drain(); dispose(h); dispose(waiter.future); dispose(waiter); dispose(n);
  });

  it("polling a cancelled future is a bug: the core panics and says to reset() it", () => {
    fresh();
    const n = new Notify();
    CANCELLED = n.notified();
    CANCELLED!.cancel();
    expect(() => { spawnOn(0, new Poller(CANCELLED!)); drain(); }).toThrow();
    expect(trace().includes("sys.panic poll() of a cancelled future: reset() it before polling it again")).toBe(true);
  });
});
