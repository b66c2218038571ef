// The collector's checks (kernel/mem/gc.ts) on four cores, in a heap too
// small to get through without it: tests/kernels/gc.ts runs them in make
// test, tests/soak/gc-soak.ts at five times the volume in make soak.
// Written the way TypeScript is written: module variables, strings built
// in loops, handles dropped, and no dispose() or scope anywhere. The
// checks, each a line the QEMU test reads:
//   1. `tasks` async tasks spawned with spawnJoin and awaited, each building
//      a string, none disposed: the results are exact;
//   2. four producers (one per core) send 5,000 objects each through one
//      channel to four consumers on other cores while collections run:
//      every object arrives intact (its string matches its number) and the
//      total is exact;
//   3. a poll that computes for 200 ms on core 1 while core 2 asks for a
//      collection: the collection waits for it (the wait is reported), and
//      both finish right;
//   4. `iterations` over four cores, each making a string, counted into a
//      module-level Atomic: the count is exact;
//   5. at the end, after a last collection, heap in use is back near where
//      it started, and the collections were as many as the heap's size
//      asks for, no more: each freed a sixteenth of the heap or more on
//      average (raw blocks counted as objects once made every 8 KiB of
//      allocation collect).
// The heap is cut down to HEAP_BYTES first (a raw block holds the rest:
// the collector never frees raw allocations).
import * as heap from "../../../assembly/kernel/mem/heap";
import { HeapStats } from "../../../assembly/kernel/mem/heap";
import { coreId, counter, timerFrequency } from "../../../assembly/arch/cpu";
import { exit } from "../../../assembly/arch/sys";
import * as atomic from "../../../assembly/arch/atomic";
import { print, println, printU64 } from "../../../assembly/arch/console";
import { spawnOn, spawnJoin, spawnJoinOn, JoinHandle, runExecutor, Channel, yieldNow, sleep } from "../../../assembly/kernel/exec";
import { Atomic } from "../../../assembly/kernel/sync";
import { gc, gcStats, GcStats, collections, WAIT_MS } from "../../../assembly/kernel/mem/gc";
import { cutHeapTo } from "./small-heap";

/** What is left for objects once the rest of the heap is taken. */
const HEAP_BYTES: u32 = 1 << 20;

const stats = new HeapStats();
const gcs = new GcStats();
const iterations = new Atomic<u32>(0);
let ok = true;

let phaseStart: u64 = 0;

function line(what: string, good: bool): void {
  const now = counter();
  print(what); print(good ? " (ok)" : " (WRONG)");
  print(" ["); printU64((now - phaseStart) * 1000 / timerFrequency()); println(" ms]");
  phaseStart = now;
  if (!good) ok = false;
}

// 1. many tasks ------------------------------------------------------------------

async function work(i: i32): Promise<i32> {
  const s = "task " + i.toString();
  return s.length;
}

let TASKS: i32 = 0, ITERATIONS: i32 = 0;

async function manyTasks(): Promise<void> {
  let sum: i64 = 0, want: i64 = 0;
  for (let batch = 0; batch < TASKS / 100; batch++) {
    const handles = new Array<JoinHandle<Promise<i32>>>();
    for (let j = 0; j < 100; j++) {
      const i = batch * 100 + j;
      handles.push(spawnJoin(work(i)));
      want += 5 + i.toString().length;
    }
    for (let j = 0; j < handles.length; j++) sum += await handles[j];
  }
  line("tasks: " + TASKS.toString() + " spawned and awaited, sum " + sum.toString(), sum == want);
}

// 2. objects through a channel between cores --------------------------------------

class Message {
  constructor(public n: i32, public text: string) {}
}

const PER_PRODUCER: i32 = 5000;
const received = new Atomic<u32>(0);
const total = new Atomic<u64>(0);
const damaged = new Atomic<u32>(0);

async function producer(ch: Channel<Message | null>, base: i32): Promise<void> {
  for (let i = 0; i < PER_PRODUCER; i++) {
    const n: i32 = base + i;
    await ch.send(new Message(n, "message " + n.toString()));
  }
  await ch.send(null);
}

async function consumer(ch: Channel<Message | null>): Promise<void> {
  while (true) {
    const m = await ch.recv();
    if (!m) return;
    if (m.text != "message " + m.n.toString()) damaged.add(1);
    total.add(<u64>m.n);
    received.add(1);
  }
}

async function channels(): Promise<void> {
  const ch = new Channel<Message | null>(8);
  const before = collections();
  const done = new Array<JoinHandle<Promise<void>>>();
  for (let c: u32 = 0; c < 4; c++) {
    spawnOn(c, producer(ch, <i32>c * PER_PRODUCER));
    done.push(spawnJoinOn((c + 1) & 3, consumer(ch)));
  }
  for (let i = 0; i < done.length; i++) await done[i];
  const n = <u64>PER_PRODUCER * 4;
  const good = received.get() == <u32>n && total.get() == n * (n - 1) / 2 && damaged.get() == 0 && collections() > before;
  line("channels: " + received.get().toString() + " objects across cores, " + damaged.get().toString() + " damaged, "
    + (collections() - before).toString() + " collections meanwhile", good);
}

// 3. a long poll ----------------------------------------------------------------

let longPollDone = false;
const longPollStarted = new Atomic<u32>(0);

/** One poll of 200 ms: no await inside. */
async function longPoll(): Promise<u64> {
  longPollStarted.set(1);
  const end = counter() + timerFrequency() / 5;
  let x: u64 = 1;
  while (counter() < end) x = x * 6364136223846793005 + 1442695040888963407;
  longPollDone = true;
  return x | 1;
}

async function askForCollection(): Promise<i32> {
  while (longPollStarted.get() == 0) await yieldNow();   // the long poll is under way (a loaded host may start it late)
  const before = collections();
  gc();
  while (collections() == before) await yieldNow();   // this core's safe point: it waits there for core 1
  return longPollDone ? 1 : 0;          // the collection could not run while the long poll was in its poll
}

async function longPollTest(): Promise<void> {
  const a = spawnJoinOn(1, longPoll());
  const b: JoinHandle<Promise<i32>> = spawnJoinOn(2, askForCollection());
  const x = await a;
  const collectedAfter = await b;
  gcStats(gcs);
  const waitMs = gcs.maxWaitTicks * 1000 / timerFrequency();
  line("long poll: the collection waited " + waitMs.toString() + " ms for it", x != 0 && collectedAfter == 1 && waitMs >= 100);
}

// 3b. a poll longer than the collector waits: the request is given up (nothing
// is freed, nobody is stuck), and the next one runs once the poll is over.

const tooLongStarted = new Atomic<u32>(0);

/** One poll of WAIT_MS + 1500 ms: a request made up to 1.5 s after it started (a loaded host may be that late) is given up. */
async function tooLongPoll(): Promise<u64> {
  tooLongStarted.set(1);
  const end = counter() + timerFrequency() * (WAIT_MS + 1500) / 1000;
  let x: u64 = 1;
  while (counter() < end) x = x * 6364136223846793005 + 1442695040888963407;
  return x | 1;
}

async function askAndWait(): Promise<i32> {
  while (tooLongStarted.get() == 0) await yieldNow();    // the poll is under way
  gcStats(gcs);
  const gaveUp = gcs.abandoned, before = collections();
  const asked = counter();
  gc();
  while (true) {                        // this core parks at its safe point until the request is given up
    gcStats(gcs);
    if (gcs.abandoned != gaveUp || collections() != before) break;
    await yieldNow();
  }
  // The request given up may be one an allocation made a little before ours
  // (ours was then no new one): its wait counts from when it was made. Read
  // again after a fence: the collector writes the wait before the count.
  atomic.fence();
  gcStats(gcs);
  const waited = gcs.abandonedWaitTicks * 1000 / timerFrequency();
  // (Once it is given up a new request may run as soon as the poll ends: collections() may have moved.)
  const gaveUpOnce = gcs.abandoned > gaveUp;
  print("too long a poll: the request was given up after "); printU64(waited); print(" ms (");
  printU64((counter() - asked) * 1000 / timerFrequency()); println(" ms after this one asked)");
  return gaveUpOnce && waited >= WAIT_MS ? 1 : 0;
}

async function tooLongPollTest(): Promise<void> {
  gcStats(gcs);
  const abandonedBefore = gcs.abandoned;
  const a = spawnJoinOn(3, tooLongPoll());
  const b: JoinHandle<Promise<i32>> = spawnJoinOn(2, askAndWait());
  const x = await a;
  const gaveUp = await b;
  const before = collections();
  gc();
  while (collections() == before) await yieldNow();
  gcStats(gcs);
  // A request an allocation makes later in the poll may be given up too: each one waited its full time.
  const times = gcs.abandoned - abandonedBefore;
  line("too long a poll: given up " + times.toString() + " time(s), nothing freed, and the next collection ran", x != 0 && gaveUp == 1 && times >= 1);
}

// 4. many iterations --------------------------------------------------------

async function iterate(count: i32): Promise<void> {
  let counted: u32 = 0;
  for (let i = 0; i < count; i++) {
    const s = i.toString();             // a new string every iteration, dropped at once
    if (s.length > 0) counted++;
    if ((i & 255) == 255) { iterations.add(counted); counted = 0; await yieldNow(); }
  }
  iterations.add(counted);
}

async function manyIterations(): Promise<void> {
  const all = new Array<JoinHandle<Promise<void>>>();
  for (let c: u32 = 0; c < 4; c++) all.push(spawnJoinOn(c, iterate(ITERATIONS / 4)));
  for (let i = 0; i < all.length; i++) await all[i];
  line("iterations: " + iterations.get().toString() + " on four cores", iterations.get() == <u32>ITERATIONS);
}

// the test -------------------------------------------------------------------------

async function settle(): Promise<void> {
  // Twice: the first collection frees what the second list of tasks still held.
  for (let k = 0; k < 2; k++) {
    const before = collections();
    gc();
    while (collections() == before) await yieldNow();
  }
  await sleep(20);
}

async function test(): Promise<void> {
  await settle();
  heap.stats(stats);
  const startInUse = stats.inUse;
  print("heap: "); printU64(startInUse); println(" bytes in use at the start");
  phaseStart = counter();

  await manyTasks();
  await channels();
  await longPollTest();
  await tooLongPollTest();
  await manyIterations();

  await settle();
  heap.stats(stats);
  gcStats(gcs);
  print("gc: "); printU64(gcs.collections); print(" collections, "); printU64(gcs.totalFreedObjects);
  print(" objects freed, "); printU64(gcs.abandoned); print(" abandoned, last pause ");
  printU64(gcs.pauseTicks * 1_000_000 / timerFrequency()); print(" us for "); printU64(gcs.liveObjects); println(" live objects");
  line("heap: " + stats.inUse.toString() + " bytes in use at the end", stats.inUse <= startInUse + 4096);
  // Seven collections above are asked for by gc() whatever the heap holds.
  const asked = gcs.collections > 7 ? gcs.collections - 7 : 1;
  const perCollection = gcs.totalFreedBytes / <u64>asked;
  // A collection is asked for once a quarter of the heap is allocated; what it
  // frees is counted in the objects' own bytes, about 60 % of their blocks
  // here: 150 KiB or so each. Raw blocks counted as objects made it 36 KiB.
  line("collections: " + gcs.collections.toString() + ", " + perCollection.toString() + " bytes freed by each on average, of "
    + HEAP_BYTES.toString() + " for objects", gcs.totalFreedBytes >= <u64>HEAP_BYTES * 10 && perCollection >= <u64>(HEAP_BYTES / 16));
  println(ok ? "gc: all checks passed" : "gc: FAILED");
  exit(ok ? 0 : 1);
}

/** Runs the checks: `tasks` tasks (a multiple of 100) and `iterations` (a multiple of 4), in a heap of HEAP_BYTES for objects. Call from the boot core's main. */
export function gcChecks(tasks: i32, iterations: i32): void {
  TASKS = tasks; ITERATIONS = iterations;
  print("heap: "); printU64(cutHeapTo(HEAP_BYTES)); println(" bytes free for objects");
  spawnOn(0, test());
  runExecutor();
}
