// Test kernel: waiting for each other across cores.
//   pipeline: a producer on core 1 sends 1..10,000 into a Channel of 8
//     slots; consumers on cores 2 and 3 receive; the sum must be 50,005,000,
//     and the producer must have waited for room (back-pressure);
//   mutex: four tasks each add 1 to a plain counter 200 times under the async
//     Mutex, yielding while they hold it: the count must be 800;
//   semaphore(2): never more than 2 tasks inside at once;
//   notify: a task waits for a notification sent by another core;
//   select/timeout: a OneShot sent after 5 ms beats a 50 ms timeout, and a
//     100 ms wait for a OneShot nobody sends times out after 10 ms.
import { boot } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";
import {
  Task, Context, spawnOn, runExecutor, runUntil, YieldNow, Sleep, Timeout,
  Channel, ChannelSend, ChannelRecv, Mutex, MutexGuard, Acquire, Semaphore, Notify, Notified, OneShot, OneShotRecv,
} from "../../assembly/kernel/exec";

const N: i32 = 10_000;
const SUM = memory.data(8, 8);
const RECEIVED = memory.data(4, 4);
const FINISHED = memory.data(4, 4);
const INSIDE = memory.data(4, 4);
const MOST_INSIDE = memory.data(4, 4);
const NOTIFIED = memory.data(4, 4);
const RESULTS = memory.data(8, 4);      // select winners: oneshot-first, timeout-first (+1)

// The shared objects are made by core 0 in main() and handed to the tasks
// in their fields. (Module globals are per core: a task polled on core 2
// that read a global would see core 2's own object.)

class Producer extends Task {
  i: i32 = 1;
  send: ChannelSend<i32>;
  constructor(channel: Channel<i32>) { super(); this.send = channel.send(1); }
  poll(cx: Context): bool {
    while (this.i <= N) {
      if (!this.send.poll(cx)) return false;
      this.i++;
      this.send.value = this.i; this.send.reset();
    }
    // One end-of-stream marker per consumer.
    while (this.i <= N + 2) {
      if (this.i == N + 1 && !this.send.done) { this.send.value = 0; this.send.reset(); }
      if (!this.send.poll(cx)) return false;
      this.i++;
      this.send.value = 0; this.send.reset();
    }
    atomic.add32(FINISHED, 1);
    return true;
  }
}

class Consumer extends Task {
  recv: ChannelRecv<i32>;
  constructor(channel: Channel<i32>) { super(); this.recv = channel.recv(); }
  poll(cx: Context): bool {
    while (true) {
      if (!this.recv.poll(cx)) return false;
      const v = this.recv.value;
      this.recv.reset();
      if (v == 0) break;
      atomic.add64(SUM, <u64>v);
      atomic.add32(RECEIVED, 1);
    }
    atomic.add32(FINISHED, 1);
    return true;
  }
}

class Locker extends Task {
  n: i32 = 0;
  guard: MutexGuard<u32>;
  pause: YieldNow = new YieldNow();
  constructor(public mutex: Mutex<u32>) { super(); this.guard = mutex.lock(); }
  poll(cx: Context): bool {
    while (this.n < 200) {
      if (!this.guard.poll(cx)) return false;      // ready again at once while held
      const v = this.guard.value;
      if (!this.pause.poll(cx)) return false;      // hold the lock across a yield
      this.pause.reset();
      this.guard.value = v + 1;
      this.guard.reset();                          // unlocks; ready to lock again
      this.n++;
    }
    atomic.add32(FINISHED, 1);
    return true;
  }
}

class Limited extends Task {
  step: i32 = 0;
  acquire: Acquire;
  constructor(public sem: Semaphore) { super(); this.acquire = sem.acquire(); }
  nap: Sleep | null = null;
  poll(cx: Context): bool {
    if (this.step == 0) {
      if (!this.acquire.poll(cx)) return false;
      const inside = atomic.add32(INSIDE, 1) + 1;
      let most = atomic.load32(MOST_INSIDE);
      while (inside > most) { const f = atomic.cas32(MOST_INSIDE, most, inside); if (f == most) break; most = f; }
      this.nap = Sleep.millis(2);
      this.step = 1;
    }
    if (!this.nap!.poll(cx)) return false;
    atomic.sub32(INSIDE, 1);
    this.sem.release();
    atomic.add32(FINISHED, 1);
    return true;
  }
}

class Listener extends Task {
  wait: Notified;
  constructor(notify: Notify) { super(); this.wait = notify.notified(); }
  poll(cx: Context): bool {
    if (!this.wait.poll(cx)) return false;
    atomic.store32(NOTIFIED, cx.core + 1);
    atomic.add32(FINISHED, 1);
    return true;
  }
}

class Announcer extends Task {
  nap: Sleep = Sleep.millis(3);
  constructor(public notify: Notify) { super(); }
  poll(cx: Context): bool {
    if (!this.nap.poll(cx)) return false;
    this.notify.notifyOne();
    atomic.add32(FINISHED, 1);
    return true;
  }
}

class Sender extends Task {
  nap: Sleep = Sleep.millis(5);
  constructor(public shot: OneShot<i32>) { super(); }
  poll(cx: Context): bool {
    if (!this.nap.poll(cx)) return false;
    this.shot.send(42);
    atomic.add32(FINISHED, 1);
    return true;
  }
}

class Racer extends Task {
  race: Timeout;
  constructor(public slot: i32, source: OneShot<i32>, ms: u64) { super(); this.race = new Timeout(source.recv(), ms); }
  poll(cx: Context): bool {
    if (!this.race.poll(cx)) return false;
    store<u32>(RESULTS + (<usize>this.slot << 2), <u32>this.race.winner + 1);
    atomic.add32(FINISHED, 1);
    return true;
  }
}

const TASKS: u32 = 1 + 2 + 4 + 5 + 2 + 1 + 2;

function allDone(): bool { return atomic.load32(FINISHED) == TASKS; }

function main(): void {
  const channel = new Channel<i32>(8);
  const mutex = new Mutex<u32>(0);
  const sem = new Semaphore(2);
  const notify = new Notify();
  const shot = new OneShot<i32>();
  const silent = new OneShot<i32>();
  spawnOn(1, new Producer(channel));
  spawnOn(2, new Consumer(channel));
  spawnOn(3, new Consumer(channel));
  for (let c: u32 = 0; c < 4; c++) spawnOn(c, new Locker(mutex));
  for (let c: u32 = 0; c < 5; c++) spawnOn(c & 3, new Limited(sem));
  spawnOn(2, new Listener(notify));
  spawnOn(3, new Announcer(notify));
  spawnOn(1, new Sender(shot));
  spawnOn(0, new Racer(0, shot, 50));
  spawnOn(3, new Racer(1, silent, 10));
  runUntil(allDone);
  print("pipeline: received "); printU64(atomic.load32(RECEIVED)); print(", sum "); printU64(atomic.load64(SUM));
  print(", the producer waited for room "); printU64(channel.sendWaits); println(" times");
  print("mutex count: "); printU64(mutex.value); println("");
  print("semaphore(2): at most "); printU64(atomic.load32(MOST_INSIDE)); println(" inside");
  print("notified on core "); printU64(atomic.load32(NOTIFIED) - 1); println("");
  print("select: oneshot vs 50 ms timeout won by "); println(load<u32>(RESULTS) == 1 ? "the oneshot" : "the timeout");
  print("select: silent oneshot vs 10 ms timeout won by "); println(load<u32>(RESULTS, 4) == 2 ? "the timeout" : "the oneshot");
  exit(0);
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
