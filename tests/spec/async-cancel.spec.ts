// Cancelling an async function releases what it holds (issue 27), on the
// fake host as core 0. The rule Rust applies when an async fn's future is
// dropped: at whichever await it is cancelled, the future it waits on is
// cancelled, and so is every live local that owns something (a MutexGuard
// unlocks, a Permit returns, a Notified leaves its queue, a JoinHandle of a
// task it spawned stops that task); disposing it frees them. The transform
// writes that per await (`__release`, build/async/tests/spec/...).
import { Task, Context, spawnOn, spawnJoin, Channel, Notify, Mutex, Semaphore, sleep, pendingSleeps } from "../../assembly/kernel/exec";
import { dispose } from "../../assembly/kernel/mem/lifetime";
import { fresh, drain, tick, liveBlocks, Drive } from "./run";

/** Who got the mutex, in order: each locker appends its digit. */
class Log { order: i32 = 0; }

async function worker(ch: Channel<i32>): Promise<i32> { return await ch.recv(); }

/**
 * Holds a guard, a permit, a Notified and a handle of a task it spawned
 * across other awaits. The five points it can be cancelled at:
 *   0 waiting for the mutex, 1 for a permit, 2 in a sleep,
 *   3 for the notification, 4 for the worker.
 */
async function holdsAll(m: Mutex<i32>, sem: Semaphore, n: Notify, ch: Channel<i32>): Promise<i32> {
  const g = await m.lock();
  const p = await sem.permit();
  const note = n.notified();
  const job = spawnJoin(worker(ch));
  await sleep(10);
  await note;
  const v = await job;
  g.value += v;
  g.unlock(); p.release();
  dispose(g); dispose(p); dispose(note); dispose(job);
  return v;
}

/** Takes the mutex after whoever holds it, and notes its turn. */
async function locker(m: Mutex<i32>, log: Log, id: i32): Promise<void> {
  const g = await m.lock();
  log.order = log.order * 10 + id;
  g.unlock();
  dispose(g);
}

/** A waker that is never spawned (a wake queues it once; its poll ends it). */
class Nothing extends Task { poll(cx: Context): bool { return true; } }


describe("cancelling an async function releases what it holds (issue 27)", () => {
  it("at each await: the mutex is free and its lockers served in order, the permit back, the queues and timers empty, live blocks as before", () => {
    for (let point = 0; point < 5; point++) {
      fresh();
      const m = new Mutex<i32>(0);
      const sem = new Semaphore(point >= 2 ? 1 : 0);
      const n = new Notify();
      const ch = new Channel<i32>(1);
      const log = new Log();
      const before = liveBlocks();
      // Point 0: the test holds the mutex, so holdsAll waits in lock().
      const mine = m.lock();
      if (point == 0) { spawnOn(0, new Drive(mine)); drain(); }
      const t = holdsAll(m, sem, n, ch);
      const h = spawnJoin(new Drive(t));
      drain();
      if (point >= 3) tick(1000000);
      if (point >= 4) { n.notifyOne(); drain(); }
      spawnOn(0, locker(m, log, 1));
      spawnOn(0, locker(m, log, 2));
      drain();
      const waiting = point == 0 ? m.sem.waiters.head !== null && log.order == 0
        : point == 1 ? sem.waiters.head !== null
        : point == 2 ? pendingSleeps(0) == 1
        : point == 3 ? n.waiters.head !== null
        : ch.receivers.head !== null;
      const heldWhileWaiting = m.locked && log.order == 0;

      h.cancel();
      drain();
      if (point == 0) { mine.unlock(); drain(); }
      dispose(mine);
      const served = log.order == 12 && !m.locked;
      const permitsBack = sem.permits == (point >= 2 ? 1 : 0) && sem.waiters.head === null;
      const cleared = pendingSleeps(0) == 0 && n.waiters.head === null && ch.receivers.head === null && !n.permit;
      dispose(t); dispose(h.task); dispose(h);
      const after = liveBlocks();

      expect(waiting).toBe(true, "waiting at point " + point.toString());
      expect(heldWhileWaiting).toBe(true, "the mutex held at point " + point.toString());
      expect(served).toBe(true, "lockers served in order after a cancel at point " + point.toString());
      expect(permitsBack).toBe(true, "the permit back after a cancel at point " + point.toString());
      expect(cleared).toBe(true, "nothing left registered after a cancel at point " + point.toString());
      expect(after).toBe(before, "live blocks after a cancel at point " + point.toString());
      dispose(m); dispose(sem); dispose(n); dispose(ch); dispose(log);
    }
  });

  it("a function disposed while it waits, not cancelled first, releases the same (dispose cancels)", () => {
    fresh();
    const m = new Mutex<i32>(0);
    const sem = new Semaphore(1);
    const n = new Notify();
    const ch = new Channel<i32>(1);
    const before = liveBlocks();
    // Polled by hand, in no task: nothing else holds it when it is disposed.
    const waker = new Nothing();
    const cx = changetype<Context>(memory.data(offsetof<Context>(), 16));
    cx.task = waker;
    const t = holdsAll(m, sem, n, ch);
    const pending = !t.poll(cx);
    const locked = m.locked && sem.permits == 0 && pendingSleeps(0) == 1;
    dispose(t);                                   // pending, in its sleep
    drain();                                      // the worker task stops
    const released = !m.locked && sem.permits == 1 && pendingSleeps(0) == 0 && ch.receivers.head === null;
    dispose(waker);
    const after = liveBlocks();
    expect(pending && locked).toBe(true, "waiting in the sleep with the mutex and the permit");
    expect(released).toBe(true, "dispose released the mutex, the permit, the sleep and the worker");
    expect(after).toBe(before, "live blocks after dispose");
    dispose(m); dispose(sem); dispose(n); dispose(ch);
  });

  it("reset() of a cancelled async function frees what it held and runs it again", () => {
    fresh();
    const m = new Mutex<i32>(0);
    const sem = new Semaphore(1);
    const n = new Notify();
    const ch = new Channel<i32>(1);
    const t = holdsAll(m, sem, n, ch);
    const d = new Drive(t); d.keepAlive();
    spawnOn(0, d);
    drain();
    t.cancel();
    expect(m.locked).toBe(false);
    t.reset();
    expect(t.isPending).toBe(true);
    d.letGo();
    drain();
    const again = new Drive(t); again.keepAlive();
    spawnOn(0, again);
    drain();
    expect(m.locked).toBe(true);                  // it locked again from the start
    expect(pendingSleeps(0)).toBe(1);
    dispose(t);
    drain();
    expect(m.locked).toBe(false);
    again.letGo();
    drain();
    dispose(m); dispose(sem); dispose(n); dispose(ch);
  });
});
