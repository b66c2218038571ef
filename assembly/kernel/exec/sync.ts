// Waiting for each other, across cores: Notify, Semaphore, Mutex, OneShot
// and Channel<T>. Each keeps its state behind a SpinLock in its own object
// (shared memory: make it with `new` on any core and hand it to tasks on
// any core). A future that must wait puts its Waiter (a field of the
// future: no allocation) in the object's FIFO queue and returns pending; the
// side that frees a permit or a slot takes the first waiter and wakes its
// task.
//
// Cancelling is safe at any moment, and nothing is lost by it: a future
// that was already handed what it waited for (woken with a permit, a
// notification, a value waiting in a channel, room in a channel) and is
// cancelled before its task ran passes it on to the next waiter. A task
// that is cancelled has the futures in its fields cancelled when the
// cancellation takes effect (executor.ts), so a dead task keeps nothing.
// Disposing a future cancels it first. Disposing a Notify, Semaphore, Mutex
// or Channel frees its queues (and a channel's buffer); its waiters must be
// gone by then.
import { SpinLock } from "../sync/spinlock";
import { Task, Context } from "./task";
import { Future } from "./future";
import { dispose } from "../mem/lifetime";

/** One waiting future's place in a queue. */
export class Waiter {
  task: Task | null = null;
  next: Waiter | null = null;
  queued: bool = false;
  /** Set by whoever woke it: it was handed what it waited for (a permit, a value, a notification). */
  granted: bool = false;
}

/** A FIFO of waiters; callers hold the owner's lock. */
export class Queue {
  head: Waiter | null = null;
  tail: Waiter | null = null;
  push(w: Waiter, task: Task): void {
    w.task = task;
    if (w.queued) return;
    w.queued = true;
    w.granted = false;
    w.next = null;
    if (this.tail) this.tail!.next = w; else this.head = w;
    this.tail = w;
  }
  pop(): Waiter | null {
    const w = this.head;
    if (!w) return null;
    this.head = w.next;
    if (!this.head) this.tail = null;
    w.next = null;
    w.queued = false;
    return w;
  }
  remove(w: Waiter): void {
    if (!w.queued) return;
    let prev: Waiter | null = null, at = this.head;
    while (at && at !== w) { prev = at; at = at.next; }
    if (!at) return;
    if (prev) prev.next = w.next; else this.head = w.next;
    if (this.tail === w) this.tail = prev;
    w.next = null;
    w.queued = false;
  }
}

/** A sync object: its first field is the word of its SpinLock. */
export class Guarded {
  lockWord: u32 = 0;
  enter(): void { changetype<SpinLock>(changetype<usize>(this) + offsetof<Guarded>("lockWord")).lock(); }
  leave(): void { changetype<SpinLock>(changetype<usize>(this) + offsetof<Guarded>("lockWord")).unlock(); }
}

/** Wakes `w`'s task after granting it; call with the lock held. */
function grant(w: Waiter): void {
  w.granted = true;
  if (w.task) w.task!.wake();
}

/**
 * What every waiting future shares (here and in drivers/uart.ts): a Waiter
 * of its own (a field: no allocation), freed with it after a cancel, and
 * `done`, which rearm() clears so the future can wait again.
 */
export abstract class Waiting extends Future {
  waiter: Waiter = new Waiter();
  done: bool = false;
  dispose(): void { this.cancel(); dispose(this.waiter); }
  /** Ready to wait again. */
  protected rearm(): void { this.done = false; }
}

/**
 * A Waiting future that queues in a sync object's FIFO. Withdrawn (cancelled,
 * or disposed while it waits), it leaves the queue, and what it was handed
 * and will not use now (a permit, a notification, a value, room in a
 * channel) goes to the next in line. A subclass names the object and its
 * queue, and says how to pass on; both run with the object's lock held.
 */
export abstract class QueuedWait extends Waiting {
  protected abstract guarded(): Guarded;
  protected abstract queue(): Queue;
  /** Hands what this waiter was granted to the next one (the lock is held). */
  protected abstract passOnLocked(): void;
  protected withdraw(): void {
    const g = this.guarded();
    g.enter();
    this.queue().remove(this.waiter);
    const handBack = this.waiter.granted && !this.done;
    this.waiter.granted = false;
    if (handBack) this.passOnLocked();
    g.leave();
  }
}

/** A notification: notifyOne() wakes the first waiter, or leaves one permit for the next wait. */
export class Notify extends Guarded {
  permit: bool = false;
  waiters: Queue = new Queue();

  notifyOne(): void {
    this.enter();
    this.notifyOneLocked();
    this.leave();
  }
  /** notifyOne() with the lock held: the first waiter, or the permit. */
  notifyOneLocked(): void {
    const w = this.waiters.pop();
    if (w) grant(w); else this.permit = true;
  }
  notifyAll(): void {
    this.enter();
    let w = this.waiters.pop();
    while (w) { grant(w); w = this.waiters.pop(); }
    this.leave();
  }
  /** A future that is ready at the next notification. */
  notified(): Notified { return new Notified(this); }
  dispose(): void { dispose(this.waiters); }
}

/** @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic) */
export class Notified extends QueuedWait {
  constructor(public notify: Notify) { super(); }
  protected pollOnce(cx: Context): bool {
    if (this.done) return true;
    const n = this.notify;
    n.enter();
    if (this.waiter.granted || n.permit) {
      if (!this.waiter.granted) n.permit = false;
      this.waiter.granted = false;
      this.done = true;
    } else {
      n.waiters.push(this.waiter, cx.waker);
    }
    n.leave();
    return this.done;
  }
  protected guarded(): Guarded { return this.notify; }
  protected queue(): Queue { return this.notify.waiters; }
  /** A notification it will not take now: the next waiter's, or a permit. */
  protected passOnLocked(): void { this.notify.notifyOneLocked(); }
}

/** `permits` permits; acquire() waits for one (first come, first served). */
export class Semaphore extends Guarded {
  waiters: Queue = new Queue();
  constructor(public permits: u32) { super(); }

  /** Gives a permit back: to the first waiter if there is one. */
  release(): void {
    this.enter();
    this.releaseLocked();
    this.leave();
  }
  /** release() with the lock held. */
  releaseLocked(): void {
    const w = this.waiters.pop();
    if (w) grant(w); else this.permits++;
  }
  /** A future that takes a permit; once ready the permit is yours to give back with release() (or to keep). */
  acquire(): Acquire { return new Acquire(this); }
  /** A future that takes a permit it gives back itself: release(), or when cancelled or disposed (Permit). */
  permit(): Permit { return new Permit(this); }
  dispose(): void { dispose(this.waiters); }
}

/** @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic) */
export class Acquire extends QueuedWait {
  constructor(public sem: Semaphore) { super(); }
  protected pollOnce(cx: Context): bool {
    if (this.done) return true;
    const s = this.sem;
    s.enter();
    if (this.waiter.granted) {
      this.waiter.granted = false;
      this.done = true;
    } else if (s.permits > 0 && !s.waiters.head) {
      s.permits--;
      this.done = true;
    } else {
      s.waiters.push(this.waiter, cx.waker);
    }
    s.leave();
    return this.done;
  }
  protected guarded(): Guarded { return this.sem; }
  protected queue(): Queue { return this.sem.waiters; }
  /** A permit handed over but not taken: the next waiter's, or back to the count. */
  protected passOnLocked(): void { this.sem.releaseLocked(); }
}

/**
 * An async mutex around a value. lock() is a future, a guard: once it is
 * ready the task holds the mutex until guard.unlock(), or until the guard is
 * cancelled or disposed, so a task cancelled while it holds the lock gives it
 * back. unlock() wakes the next in line (first come, first served).
 *
 *   this.guard = mutex.lock();
 *   ... if (!this.guard.poll(cx)) return false;
 *   this.guard.value += 1;             // the protected value
 *   this.guard.unlock();               // and this.guard.reset() to lock again later
 */
export class Mutex<T> {
  sem: Semaphore = new Semaphore(1);
  constructor(public value: T) {}
  lock(): MutexGuard<T> { return new MutexGuard<T>(this); }
  /** Whether some task holds it now. */
  get locked(): bool { return this.sem.permits == 0; }
  dispose(): void { dispose(this.sem); }
}

/**
 * A permit of a Semaphore held (once ready) until release(), cancel() or
 * dispose(): `const p = await sem.permit(); ...; p.release();`. Unlike
 * acquire() (whose permit is the caller's to give back with
 * sem.release(), or to keep), a Permit gives its permit back when it is
 * cancelled or disposed while held, so a task or an async function
 * cancelled while it holds one loses nothing. After release() it is
 * Pending again: poll it to take a permit again.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class Permit extends Acquire {
  held: bool = false;
  /** Its serial while held (Context.noteTaken): a trap in the poll that took it gives it back. */
  serial: u32 = 0;
  protected pollOnce(cx: Context): bool {
    if (!super.pollOnce(cx)) return false;
    if (!this.held) this.serial = cx.noteTaken(changetype<usize>(this));
    this.held = true;
    return true;
  }
  /** What `await sem.permit()` gives: the permit itself (yours: release() it; an async function does not dispose it). */
  get output(): Permit { return this; }
  /** Gives the permit back (once; nothing if not held); it is Pending again. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.serial = 0;
    this.sem.release();
    this.reset();
  }
  /** Withdraws a wait, passes on a permit handed over but not yet taken, and gives back a held one. */
  protected withdraw(): void {
    super.withdraw();
    this.release();
  }
  /** Ready to take a permit again (gives a held one back first). */
  protected rearm(): void { this.release(); super.rearm(); }
}

/**
 * A mutex held (once ready) until unlock(), cancel() or dispose(): a Permit
 * of the mutex's one-permit semaphore, with the value. After unlock() the
 * guard is Pending again: poll it to lock again.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class MutexGuard<T> extends Permit {
  constructor(public mutex: Mutex<T>) { super(mutex.sem); }
  get value(): T { return this.mutex.value; }
  set value(v: T) { this.mutex.value = v; }
  /** What `await mutex.lock()` gives: the guard itself (yours: unlock() it; an async function does not dispose it). */
  get output(): MutexGuard<T> { return this; }
  /** Gives the mutex back (once; nothing if not held); the guard is Pending again. */
  unlock(): void { this.release(); }
}

/** One value, sent once, received once. */
export class OneShot<T> extends Guarded {
  value: T = isReference<T>() ? changetype<T>(0) : <T>0;   // any T: references, i64, f64
  sent: bool = false;
  waiter: Waiter | null = null;

  send(value: T): void {
    this.enter();
    this.value = value;
    this.sent = true;
    const w = this.waiter;
    this.waiter = null;
    if (w) grant(w);
    this.leave();
  }
  recv(): OneShotRecv<T> { return new OneShotRecv<T>(this); }
}

/** @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic) */
export class OneShotRecv<T> extends Waiting {
  constructor(public shot: OneShot<T>) { super(); }
  protected pollOnce(cx: Context): bool {
    const s = this.shot;
    s.enter();
    const ready = s.sent;
    if (!ready) { this.waiter.task = cx.waker; s.waiter = this.waiter; }
    s.leave();
    return ready;
  }
  protected withdraw(): void {
    const s = this.shot;
    s.enter();
    if (s.waiter === this.waiter) s.waiter = null;
    s.leave();
  }
  get value(): T { return this.shot.value; }
  /** What `await` gives: the value. */
  get output(): T { return this.shot.value; }
}

/**
 * A bounded multi-producer multi-consumer channel. send() waits while the
 * channel is full (back-pressure), recv() while it is empty; both in FIFO
 * order of the waiters.
 */
export class Channel<T> extends Guarded {
  buffer: StaticArray<T>;
  head: i32 = 0;
  count: i32 = 0;
  senders: Queue = new Queue();
  receivers: Queue = new Queue();
  /** How many sends had to wait (for tests and tuning). */
  sendWaits: u32 = 0;

  constructor(public capacity: i32) {
    super();
    this.buffer = new StaticArray<T>(capacity);
  }

  /** Puts `value` in if there is room (waking a receiver); false when full. */
  trySend(value: T): bool {
    this.enter();
    const ok = this.pushLocked(value);
    this.leave();
    return ok;
  }

  pushLocked(value: T): bool {
    if (this.count == this.capacity) return false;
    unchecked(this.buffer[(this.head + this.count) % this.capacity] = value);
    this.count++;
    this.passOnValueLocked();
    return true;
  }

  popLocked(out: ChannelRecv<T>): bool {
    if (this.count == 0) return false;
    out.value = unchecked(this.buffer[this.head]);
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.passOnRoomLocked();
    return true;
  }

  send(value: T): ChannelSend<T> { return new ChannelSend<T>(this, value); }
  recv(): ChannelRecv<T> { return new ChannelRecv<T>(this); }

  /** Wakes the next receiver if a value waits for one (after a send, or a woken receiver gave its turn up). */
  passOnValueLocked(): void {
    if (this.count == 0) return;
    const w = this.receivers.pop();
    if (w) grant(w);
  }
  /** Wakes the next sender if there is room (after a receive, or a woken sender gave its turn up). */
  passOnRoomLocked(): void {
    if (this.count == this.capacity) return;
    const w = this.senders.pop();
    if (w) grant(w);
  }

  /** Frees the buffer and the queues (the values in it are not disposed). */
  dispose(): void { dispose(this.buffer); dispose(this.senders); dispose(this.receivers); }
}

/** @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic) */
export class ChannelSend<T> extends QueuedWait {
  waited: bool = false;
  constructor(public ch: Channel<T>, public value: T) { super(); }
  protected pollOnce(cx: Context): bool {
    if (this.done) return true;
    const ch = this.ch;
    ch.enter();
    if (ch.pushLocked(this.value)) {
      this.done = true;
      this.waiter.granted = false;
      ch.senders.remove(this.waiter);
    } else {
      if (!this.waited) { this.waited = true; ch.sendWaits++; }
      ch.senders.push(this.waiter, cx.waker);
    }
    ch.leave();
    return this.done;
  }
  protected guarded(): Guarded { return this.ch; }
  protected queue(): Queue { return this.ch.senders; }
  /** Woken for room it will not use now: the next sender gets the turn. */
  protected passOnLocked(): void { this.ch.passOnRoomLocked(); }
  /** Ready to send again: `value` as it is now (set it first). */
  protected rearm(): void { super.rearm(); this.waited = false; }
}

/** @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic) */
export class ChannelRecv<T> extends QueuedWait {
  value: T = isReference<T>() ? changetype<T>(0) : <T>0;   // any T: references, i64, f64
  constructor(public ch: Channel<T>) { super(); }
  protected pollOnce(cx: Context): bool {
    if (this.done) return true;
    const ch = this.ch;
    ch.enter();
    if (ch.popLocked(this)) {
      this.done = true;
      this.waiter.granted = false;
      ch.receivers.remove(this.waiter);
    } else {
      ch.receivers.push(this.waiter, cx.waker);
    }
    ch.leave();
    return this.done;
  }
  protected guarded(): Guarded { return this.ch; }
  protected queue(): Queue { return this.ch.receivers; }
  /** Woken for a value it will not take now: the next receiver gets it. */
  protected passOnLocked(): void { this.ch.passOnValueLocked(); }
  /** What `await` gives: the value received. */
  get output(): T { return this.value; }
}
