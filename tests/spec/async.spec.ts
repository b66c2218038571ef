// async functions, lowered by the build's transform (tools/async/), on the
// fake host as core 0 (issue 14): an async function and the same task
// written by hand with poll() give the same trace of polls, wakes and host
// calls; an await of a ready future goes on in the same poll; control flow
// across awaits (if, while, for, for...of, switch, break, continue, early
// return, && and ?:); values through awaits; async methods keep `this`; and
// cancelling at each await point leaves nothing registered and nothing
// allocated.
import {
  Task, Context, spawnOn, spawnJoin, JoinHandle, Channel, ChannelRecv, Notify, Mutex, sleep, yieldNow, pendingSleeps,
} from "../../assembly/kernel/exec";
import { dispose } from "../../assembly/kernel/mem/lifetime";
import { println, print, printU64 } from "../../assembly/arch/console";
import { trace, since } from "../../assembly/testing";
import { fresh, drain, tick, liveBlocks, Drive } from "./run";

// ---- the same consumer, by hand and async ------------------------------------

/** Receives `n` values and prints each and their sum: a hand-written poll(). */
class SumByHand extends Task {
  recv: ChannelRecv<i32>;
  left: i32;
  sum: i32 = 0;
  constructor(ch: Channel<i32>, n: i32) { super(); this.recv = ch.recv(); this.left = n; }
  poll(cx: Context): bool {
    while (this.left > 0) {
      if (!this.recv.poll(cx)) return false;
      const v = this.recv.value;
      this.recv.reset();
      print("got "); printU64(v); println("");
      this.sum += v;
      this.left--;
    }
    print("sum "); printU64(this.sum); println("");
    return true;
  }
}

/** The same, as an async function. */
async function sumAsync(ch: Channel<i32>, n: i32): Promise<i32> {
  let sum: i32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const v = await ch.recv();
    print("got "); printU64(v); println("");
    sum += v;
  }
  print("sum "); printU64(sum); println("");
  return sum;
}

function runSum(byHand: bool): string {
  fresh();
  const ch = new Channel<i32>(2);
  if (byHand) spawnOn(0, new SumByHand(ch, 3)); else spawnOn(0, sumAsync(ch, 3));
  drain();
  const mark = trace().length;
  ch.trySend(5); drain();
  ch.trySend(6); ch.trySend(7); drain();
  const t = since(mark);
  dispose(ch);
  return t;
}

// ---- control flow ---------------------------------------------------------------

/** Reads values until a 0; skips odd ones; stops early at 100; switch on the value. */
async function classify(ch: Channel<i32>): Promise<i32> {
  let evens: i32 = 0;
  while (true) {
    const v = await ch.recv();
    if (v == 0) break;
    if (v % 2 == 1) continue;
    switch (v) {
      case 2: { println("two"); break; }
      case 100: { println("hundred"); return -1; }
      default: println("even");
    }
    evens++;
  }
  return evens;
}

/** Awaits in conditions, operands, arguments and a template literal. */
async function expressions(ch: Channel<i32>): Promise<string> {
  const a: i32 = (await ch.recv()) + (await ch.recv()) * 10;  // 1 + 2 * 10
  const big = a > 20 && (await ch.recv()) == 3;               // true, reads 3
  const small = a < 0 && (await ch.recv()) == 4;              // false, reads nothing
  const pick: i32 = big ? await ch.recv() : -1;               // 4
  return `a=${a} big=${big} small=${small} pick=${pick} next=${await ch.recv()}`;
}

async function inner(x: i32): Promise<i32> {
  await yieldNow();
  return x * 2;
}

/** Async calling async, with for...of and a do/while. */
async function outer(list: Array<i32>): Promise<i32> {
  let total: i32 = 0;
  for (const x of list) total += await inner(x);
  let n: i32 = 0;
  do { n += await inner(1); } while (n < 6);
  return total + n;
}

class Counter {
  count: i32 = 0;
  constructor(public name: string) {}
  /** An async method: `this` is the Counter. */
  async addFrom(ch: Channel<i32>, times: i32): Promise<i32> {
    for (let i: i32 = 0; i < times; i++) this.count += await ch.recv();
    print(this.name); print(" "); printU64(this.count); println("");
    return this.count;
  }
}

/** Holds a mutex across a sleep. */
async function holdAcross(m: Mutex<i32>, ms: u64): Promise<void> {
  const g = await m.lock();
  g.value += 1;
  await sleep(ms);
  g.unlock();
  dispose(g);
}

/** Awaits at three points: a receive, a sleep, a notification. */
async function threeWaits(ch: Channel<i32>, n: Notify): Promise<i32> {
  const v = await ch.recv();
  await sleep(10);
  await n.notified();
  return v;
}


describe("async functions: the transform's state machines on the fake host", () => {
  it("an async function gives the exact trace of the same task written by hand", () => {
    const byHand = runSum(true);
    const lowered = runSum(false);
    expect(lowered).toBe(byHand);
    expect(lowered.includes("console: sum 18")).toBe(true);
  });

  it("an await of a ready future goes on in the same poll (no trip through the executor)", () => {
    fresh();
    const ch = new Channel<i32>(4);
    ch.trySend(1); ch.trySend(2); ch.trySend(3);
    const d = new Drive(sumAsync(ch, 3)); d.keepAlive();
    spawnOn(0, d);
    drain();
    expect(d.f.isReady).toBe(true);
    expect(d.f.output).toBe(6);
    expect(d.polls).toBe(1);
    dispose(d.f); d.letGo(); dispose(ch);
  });

  it("while, break, continue, switch and an early return across awaits", () => {
    fresh();
    const ch = new Channel<i32>(8);
    const d = new Drive(classify(ch)); d.keepAlive();
    spawnOn(0, d);
    for (let i = 0; i < 6; i++) ch.trySend([2, 3, 4, 5, 6, 0][i]);
    drain();
    expect(d.f.output).toBe(3);
    expect(trace().includes("console: two\nconsole: even\nconsole: even")).toBe(true);
    dispose(d.f); d.letGo();
    const e = new Drive(classify(ch)); e.keepAlive();
    spawnOn(0, e);
    ch.trySend(100);
    drain();
    expect(e.f.output).toBe(-1);
    dispose(e.f); e.letGo(); dispose(ch);
  });

  it("awaits inside expressions keep their order and short-circuits", () => {
    fresh();
    const ch = new Channel<i32>(8);
    for (let i = 1; i <= 6; i++) ch.trySend(i);
    const d = new Drive(expressions(ch)); d.keepAlive();
    spawnOn(0, d);
    drain();
    expect(d.f.output).toBe("a=21 big=true small=false pick=4 next=5");
    expect(ch.count).toBe(1);                  // 6 is left
    dispose(d.f.output); dispose(d.f); d.letGo(); dispose(ch);
  });

  it("an async function awaiting async functions, in for...of and do/while", () => {
    fresh();
    const list = [1, 2, 3];
    const d = new Drive(outer(list)); d.keepAlive();
    spawnOn(0, d);
    drain();
    expect(d.f.output).toBe(12 + 6);
    dispose(d.f); d.letGo(); dispose(list);
  });

  it("an async method keeps `this`", () => {
    fresh();
    const c = new Counter("c");
    const ch = new Channel<i32>(4);
    const d = new Drive(c.addFrom(ch, 2)); d.keepAlive();
    spawnOn(0, d);
    ch.trySend(4); drain();
    ch.trySend(5); drain();
    expect(d.f.output).toBe(9);
    expect(c.count).toBe(9);
    expect(trace().includes("console: c 9")).toBe(true);
    dispose(d.f); d.letGo(); dispose(ch); dispose(c);
  });

  it("a mutex held across a sleep: the next locker waits for the unlock", () => {
    fresh();
    const m = new Mutex<i32>(0);
    spawnOn(0, holdAcross(m, 1));
    spawnOn(0, holdAcross(m, 1));
    drain();
    expect(m.value).toBe(1);
    tick(1000000);
    expect(m.value).toBe(2);
    tick(1000000);
    expect(m.locked).toBe(false);
    dispose(m);
  });

  it("cancelling at each await point leaves nothing registered and nothing allocated", () => {
    for (let point = 0; point < 3; point++) {
      fresh();
      const ch = new Channel<i32>(2);
      const n = new Notify();
      const before = liveBlocks();
      const t = threeWaits(ch, n);
      const h = spawnJoin(new Drive(t));
      drain();
      if (point >= 1) { ch.trySend(1); drain(); }
      if (point >= 2) { tick(1000000); }
      const waiting = point == 0 ? ch.receivers.head !== null : point == 1 ? pendingSleeps(0) == 1 : n.waiters.head !== null;
      h.cancel();
      drain();
      const cleared = ch.receivers.head === null && pendingSleeps(0) == 0 && n.waiters.head === null;
      dispose(t); dispose(h.task); dispose(h);
      const after = liveBlocks();
      expect(waiting).toBe(true);
      expect(cleared).toBe(true);
      expect(after).toBe(before);
      dispose(ch); dispose(n);
    }
  });
});

// ---- spawnJoin of async functions on several cores: the example ---------

async function part(from: u64, to: u64): Promise<u64> {
  let sum: u64 = 0;
  for (let k = from; k < to; k++) sum += k * k;
  return sum;
}

async function sumOfSquares(): Promise<u64> {
  const parts = new Array<JoinHandle<Promise<u64>>>();
  for (let i: u64 = 0; i < 4; i++) parts.push(spawnJoin(part(1 + i * 10, 1 + (i + 1) * 10)));
  let sum: u64 = 0;
  for (let i = 0; i < parts.length; i++) sum += await parts[i];
  for (let i = 0; i < parts.length; i++) dispose(parts[i]);
  dispose(parts);
  return sum;
}

describe("async functions spawned with spawnJoin", () => {
  it("await of a handle gives the async function's result; the handles free their tasks and futures", () => {
    fresh();
    const before = liveBlocks();
    const d = new Drive(sumOfSquares()); d.keepAlive();
    spawnOn(0, d);
    drain();
    const ready = d.f.isReady;
    const sum = d.f.output;
    dispose(d.f); d.letGo();
    const after = liveBlocks();
    expect(ready).toBe(true);
    expect(sum).toBe(22140);                     // 1^2 + ... + 40^2
    expect(after).toBe(before);
  });
});

// ---- generic async functions and async methods of generic classes --------------

async function firstOf<T>(ch: Channel<T>): Promise<T> {
  const v = await ch.recv();
  return v;
}

class Box<T> {
  constructor(public ch: Channel<T>) {}
  async takeTwo(): Promise<T> {
    await this.ch.recv();
    return await this.ch.recv();
  }
}

describe("generic async functions", () => {
  it("a generic async function and an async method of a generic class, with a value type and a reference type", () => {
    fresh();
    const ints = new Channel<i64>(2);
    ints.trySend(-5);
    const d = new Drive(firstOf<i64>(ints)); d.keepAlive();
    spawnOn(0, d);
    drain();
    expect(d.f.output).toBe(-5);
    dispose(d.f); d.letGo();
    const strs = new Channel<string>(2);
    strs.trySend("a"); strs.trySend("b");
    const box = new Box<string>(strs);
    const e = new Drive(box.takeTwo()); e.keepAlive();
    spawnOn(0, e);
    drain();
    expect(e.f.output).toBe("b");
    dispose(e.f); e.letGo(); dispose(box); dispose(ints); dispose(strs);
  });
});
