// Test kernel: a task that never returns from its poll strands no other
// (issue 25, points 1 and 3). On each core in turn, two tasks sleep there
// (pinned for their first poll only, so their sleeps are in that core's
// timer list), then a task pinned to it computes for 700 ms without an
// await. The watchdog (hand-over at 50 ms, report at 300 ms) must declare
// the core stuck, the other cores must fire its sleeps and run the two
// tasks while it computes, and the console must name the task and its
// async function. Meanwhile another core prints long lines around the
// moment the computation ends, so the `back:` line finds the console busy
// (it must still come out). tests/qemu/exec.test.ts reads the lines.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { counter } from "../../assembly/arch/cpu";
import * as atomic from "../../assembly/arch/atomic";
import { spawnAmong, spawnPinned, runExecutor, sleep, yieldNow, setWatchdog, stuckCores, ticksFromMillis, Task, Context, Sleep } from "../../assembly/kernel/exec";

let computing: bool = false;
// Counted from several cores at once: atomics on words of shared memory.
const WOKE = memory.data(4, 4);
const WOKE_COMPUTING = memory.data(4, 4);
let sawStuck: u32 = 0;

/** Pinned to its core for the first poll only: its sleep goes in that core's list, its wake anywhere. */
class Sleeper extends Task {
  nap: Sleep | null = null;
  constructor(public ms: u64) { super(); }
  poll(cx: Context): bool {
    if (!this.nap) { this.nap = sleep(this.ms); this.affinity = 0; }
    if (!this.nap!.poll(cx)) return false;
    atomic.add32(WOKE, 1);
    if (computing) atomic.add32(WOKE_COMPUTING, 1);
    return true;
  }
}

let computeEnd: u64 = 0;
// 0: not run, 1: ran while core c computed, 2: only after.
const AMONG_RAN = memory.data(4, 4);

/** Spawned among two cores from the computing poll, before its core is stuck: queued on that core (the fewest queued, the lower number). */
class Among extends Task {
  poll(cx: Context): bool { atomic.store32(AMONG_RAN, computing ? 1 : 2); return true; }
}

async function computes(ms: u64, among: u32): Promise<void> {
  const end = counter() + ticksFromMillis(ms);
  computeEnd = end;
  computing = true;
  if (among) spawnAmong(among, new Among());
  let n: u64 = 0;
  while (counter() < end) n++;                    // no await: the poll runs 700 ms
  computing = false;
}

async function checks(): Promise<void> {
  setWatchdog(50, 300);
  const order: u32[] = [1, 2, 3, 0];
  let ok = true;
  for (let i = 0; i < 4; i++) {
    const c = order[i];
    atomic.store32(WOKE, 0);
    atomic.store32(WOKE_COMPUTING, 0);
    spawnPinned(c, new Sleeper(120));
    spawnPinned(c, new Sleeper(160));
    await sleep(30);                              // both polled on core c: their sleeps are in its list
    // A task that may run on core c or a higher one, queued on c before it is
    // stuck: it must not wait for c (core 3 has no higher one: no such task).
    const among: u32 = c == 3 ? 0 : (1 << c) | (1 << (c == 0 ? 1 : 3));
    atomic.store32(AMONG_RAN, 0);
    spawnPinned(c, computes(700, among));
    spawnAmong(0xf & ~(1 << c), chatters(c));
    for (let t = 0; t < 400 && !computing; t++) await sleep(1);
    for (let t = 0; t < 400 && !(stuckCores() & (1 << c)); t++) await sleep(1);
    if (stuckCores() & (1 << c)) sawStuck |= 1 << c;
    for (let t = 0; t < 3000 && (computing || atomic.load32(WOKE) < 2); t++) await sleep(1);
    for (let t = 0; t < 3000 && computeEnd != 0; t++) await sleep(1);   // the chatter is done
    println("core-stuck: core " + c.toString() + ": declared stuck: " + ((sawStuck & (1 << c)) ? "yes" : "NO") +
            ", its sleepers woke while it computed: " + atomic.load32(WOKE_COMPUTING).toString() + " of 2");
    if (!(sawStuck & (1 << c)) || atomic.load32(WOKE_COMPUTING) != 2) ok = false;
    if (among) {
      const ran = atomic.load32(AMONG_RAN);
      println("core-stuck: core " + c.toString() + ": a task for it or another, queued on it before: ran while it computed: " + (ran == 1 ? "yes" : ran == 2 ? "NO, after" : "NO, never"));
      if (ran != 1) ok = false;
    }
  }
  // Limits set again from inside a poll that made its core stuck: the core
  // must not stay stuck once that poll returns (the watch starts afresh).
  spawnPinned(1, computesThenSets(300));
  for (let t = 0; t < 400 && !computing; t++) await sleep(1);
  for (let t = 0; t < 3000 && computing; t++) await sleep(1);
  for (let t = 0; t < 500 && (stuckCores() & 2); t++) await sleep(1);
  const cleared = (stuckCores() & 2) == 0;
  println("core-stuck: setWatchdog inside the stuck poll, then back: core 1 stuck no more: " + (cleared ? "yes" : "NO"));
  exit(ok && cleared ? 0 : 1);
}

// From 20 ms before core c's computation ends until it is stuck no more
// (the watchdog's `back:` comes just before that), long lines one after
// another: the console is busy nearly all the time.
async function chatters(c: u32): Promise<void> {
  for (let t = 0; t < 2000 && computeEnd == 0; t++) await sleep(1);
  while (counter() + ticksFromMillis(20) < computeEnd) await sleep(1);
  let n = 0;
  const line = "core-stuck: chatter while core " + c.toString() + " comes back " + "-".repeat(160);
  while ((computing || (stuckCores() & (1 << c))) && n < 100000) {
    println(line);
    n++;
    await yieldNow();
  }
  computeEnd = 0;
}

async function computesThenSets(ms: u64): Promise<void> {
  computing = true;
  const end = counter() + ticksFromMillis(ms);
  while (counter() < end) {}
  setWatchdog(50, 300);
  computing = false;
}

// The checks run on whichever core is free: each core is stuck in turn.
function main(): void { spawnAmong(0xf, checks()); runExecutor(); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
// Where in an async function a core is, for the watchdog's report (an app's entry exports these: tools/kernel/app-entry.ts).
export { asyncName as __async_name, asyncLine as __async_line } from "../../assembly/arch/sys";
