// The benchmark kernel: the AssemblyScript side of each row, run by wasm3
// on core 0 while the other cores sleep. For each row it prints
//
//   bench: wasm3 <row> <instructions> <operations>
//
// (median of five runs of OPS operations, minus the same loop calling an
// empty function), then `bench: done` and exits. bench/native.c prints the
// native side of the same rows in the same run; tools/bench/bench.ts makes the
// table. The instruction counter is the PMU's (cpu.instructions()), exact
// under QEMU -icount.
import { boot, idle } from "../assembly/kernel/boot";
import { instructions } from "../assembly/arch/cpu";
import { read32, probe32 } from "../assembly/arch/mmio";
import { peripheralBase, currentBoard, i2cBase, spiBase } from "../assembly/board";
import { exit } from "../assembly/arch/sys";
import { print, println, printU64 } from "../assembly/arch/console";
import * as heap from "../assembly/kernel/mem/heap";
import * as atomic from "../assembly/arch/atomic";
import { SpinLock } from "../assembly/kernel/sync/spinlock";
import { stuckCores, pollsOn } from "../assembly/kernel/exec";
import { Task, Context, spawnOn, spawnPinned, spawnJoinOn, runOnce, runUntil, setWatchdog, Channel, ChannelRecv, Future, Notify, Notified, Sleep } from "../assembly/kernel/exec";
import { heapBytesOf, dispose } from "../assembly/kernel/mem/lifetime";
import { waitForEvent, waitForWake, sendEvent, counter, timerFrequency } from "../assembly/arch/cpu";
import { cpu as hostCpu } from "../assembly/arch/host";
import * as gpio from "../assembly/drivers/gpio";
import { collectNow, collectStep, gcStats, GcStats, PAUSE_BUDGET_US } from "../assembly/kernel/mem/gc";
import { median } from "../assembly/kernel/bench";
import * as screen from "../assembly/drivers/screen";
import { Screen } from "../assembly/drivers/screen";
import * as rng from "../assembly/drivers/rng";
import * as dma from "../assembly/drivers/dma";
import { Copy } from "../assembly/drivers/dma";
import * as i2c from "../assembly/drivers/i2c";
import * as spi from "../assembly/drivers/spi";

const OPS: u32 = 1000;
// The harness's own variables are per core (@perCore): the rows measure
// their operation, not a module variable's slot. The two var rows measure
// that: a module variable (one for all cores, in shared memory) and a
// @perCore one (a wasm global), each read and written once.
// @ts-ignore: decorator
@perCore let sink: usize = 0;

const WORD = memory.data(4, 4);
const LOCK = changetype<SpinLock>(memory.data(4, 4));

function empty(): void {}
function atomicAdd(): void { atomic.add32(WORD, 1); }
function lockUnlock(): void { LOCK.lock(); LOCK.unlock(); }
function allocFree64(): void { const p = heap.alloc(64); sink = p; heap.free(p); }
function reallocGrow(): void {
  let p = heap.alloc(64);
  p = heap.realloc(p, 4096);
  sink = p;
  heap.free(p);
}

// Compute rows: the same algorithms as bench/native.c.
// @ts-ignore: decorator
@perCore let result: u32 = 0;
function fib(n: u32): u32 { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function fib20(): void { result = fib(20); }

const SIEVE = memory.data(8192, 16);
function sieve(): void {
  let count: u32 = 0;
  for (let i: u32 = 0; i < 8192; i++) store<u8>(SIEVE + i, 1);
  for (let i: u32 = 2; i < 8192; i++) {
    if (!load<u8>(SIEVE + i)) continue;
    count++;
    for (let j = i + i; j < 8192; j += i) store<u8>(SIEVE + j, 0);
  }
  result = count;
}

const CRC_DATA = memory.data(65536, 16);
const CRC_TABLE = memory.data(1024, 16);
function crc32_64k(): void {
  let c: u32 = 0xffffffff;
  for (let i: u32 = 0; i < 65536; i++) c = load<u32>(CRC_TABLE + (((c ^ load<u8>(CRC_DATA + i)) & 0xff) << 2)) ^ (c >> 8);
  result = ~c;
}

const MA = memory.data(64 * 64 * 4, 16);
const MB = memory.data(64 * 64 * 4, 16);
const MC = memory.data(64 * 64 * 4, 16);
function matmul64(): void {
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 64; j++) {
      let sum: i32 = 0;
      for (let k = 0; k < 64; k++) sum += load<i32>(MA + ((i * 64 + k) << 2)) * load<i32>(MB + ((k * 64 + j) << 2));
      store<i32>(MC + ((i * 64 + j) << 2), sum);
    }
  }
  result = <u32>load<i32>(MC + ((64 * 64 - 1) << 2));
}

function computeSetup(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
    store<u32>(CRC_TABLE + (i << 2), c);
  }
  for (let i: u32 = 0; i < 65536; i++) store<u8>(CRC_DATA + i, <u8>(i * 31 + 7));
  for (let i = 0; i < 64 * 64; i++) {
    store<i32>(MA + (i << 2), i % 17 - 8);
    store<i32>(MB + (i << 2), i % 13 - 6);
  }
}

// @ts-ignore: decorator
@perCore let mmioAddr: u32 = 0;
let sharedCount: u32 = 0;
// @ts-ignore: decorator
@perCore let ownCount: u32 = 0;
function sharedVar(): void { sharedCount = sharedCount + 1; }
function perCoreVar(): void { ownCount = ownCount + 1; }
function mmioRead(): void { result = read32(mmioAddr); }

// One GPIO toggle (set + clear) through the driver.
// @ts-ignore: decorator
@perCore let pin: gpio.OutputPin | null = null;
function gpioToggle(): void { pin!.high(); pin!.low(); }

/** The median of five runs of `ops` calls (the library's, as a project's bench/*.ts uses it: assembly/kernel/bench.ts). */
function run(op: () => void, ops: u32 = OPS): u64 { return median(op, ops); }

// Screen rows (issue 24): a full 640x480 frame filled in the canvas and
// presented (the copy to the framebuffer: one host call), the present
// alone, and a line of 80 characters drawn and presented. bench/native.c
// fills the framebuffer itself, a word at a time, for the C column.
// @ts-ignore: decorator
@perCore let shown: Screen | null = null;
// @ts-ignore: decorator
@perCore let colour: u32 = 0;
const LINE = "The quick brown fox jumps over the lazy dog; 0123456789 (async, await) {tspi}!!";
function screenFill(): void { const s = shown!; s.fillRect(0, 0, 640, 480, colour++); s.present(); }
function screenPresent(): void { const s = shown!; s.markDirty(0, 0, 640, 480); s.present(); }
function screenText(): void { const s = shown!; s.text(0, 240, LINE, 0xffffff, colour++); s.present(); }
function rngWord(): void { sink = rng.next(); }

// Copy rows (issue 24): 64 KiB by memory.copy (the stub's memmove) against
// C's memcpy, and by the DMA engine: what the core spends on a DMA copy
// (the driver, the host's checks and cache maintenance, one poll), not the
// engine's time, which QEMU does not count (it copies within the write
// that starts it).
const COPY_FROM = new Uint8Array(65536);
const COPY_INTO = new Uint8Array(65536);
function memCopy64k(): void { memory.copy(COPY_INTO.dataStart, COPY_FROM.dataStart, 65536); }
let copied = false;
class CopyTask extends Task {
  constructor(public copy: Copy) { super(); }
  poll(cx: Context): bool { const done = this.copy.poll(cx); if (done) copied = true; return done; }
}
function copyDone(): bool { return copied; }
function dmaCopy64k(): void {
  copied = false;
  const t = new CopyTask(new Copy(dma.channels()[0], COPY_INTO, COPY_FROM));
  spawnOn(0, t);
  runOnce();                                      // under QEMU the task ends in its first poll, and the executor frees it
  if (!copied) runUntil(copyDone);                // where the engine takes its time (the simulator, a board): its interrupt ends it
}

// Bus rows (issue 24): one transfer on I2C (BSC1, to the TMP105 the bench
// attaches at 0x48) and on SPI0 (no device: the block shifts all the same),
// of 1 byte and of 9: the transfer future made and polled once, which ends
// it (QEMU ends a transfer within the poll that starts it), as an `await`
// of it does inside an async function. What the driver costs the core per
// transfer and per byte; bench/native.c does the same register sequence in
// C, polling.
class Idle extends Task { poll(cx: Context): bool { return false; } }
// @ts-ignore: decorator
@perCore let busCx: Context | null = null;
// @ts-ignore: decorator
@perCore let busI2c: i2c.Bus | null = null;
// @ts-ignore: decorator
@perCore let spiDev: spi.SpiDevice | null = null;
const BUS_ONE = new Uint8Array(1), BUS_NINE = new Uint8Array(9);
function drive(f: Future): void { if (!f.poll(busCx!)) println("bench: a bus transfer did not end in one poll"); }
function i2cWrite1(): void { drive(busI2c!.transfer(0x48, 100_000, BUS_ONE, null)); }
function i2cWrite9(): void { drive(busI2c!.transfer(0x48, 100_000, BUS_NINE, null)); }
function spiWrite1(): void { drive(new spi.SpiTransfer(spiDev!, BUS_ONE, null, 0, 1)); }
function spiWrite9(): void { drive(new spi.SpiTransfer(spiDev!, BUS_NINE, null, 0, 9)); }

function busRows(base1: u64): void {
  // Every board and QEMU have BSC1 and SPI0; the simulator (tools/sim) has no model of them yet.
  const b = currentBoard();
  if (probe32(i2cBase(b, 1)) < 0 || probe32(spiBase(b, 0)) < 0) { println("bench: no i2c or spi: no block answers at their addresses"); return; }
  const cx = new Context();
  cx.task = new Idle();
  busCx = cx;
  busI2c = i2c.open(1);
  frame("i2c-write-1", i2cWrite1, base1);
  frame("i2c-write-9", i2cWrite9, base1);
  spiDev = spi.open(0).device(0, 10_000_000, 0);
  frame("spi-write-1", spiWrite1, base1);
  frame("spi-write-9", spiWrite9, base1);
}

function screenRows(base1: u64): void {
  shown = screen.open(640, 480);
  if (!shown) { print("bench: no screen: "); println(screen.lastError()); return; }
  frame("screen-fill", screenFill, base1);
  frame("screen-present", screenPresent, base1);
  frame("screen-text-line", screenText, base1);
}

function frame(name: string, op: () => void, base1: u64): void {
  const n = run(op, 1);
  print("bench: wasm3 "); print(name); print(" "); printU64(n > base1 ? n - base1 : 0); println(" 1");
}

// Executor rows: the same operations as bench/native.c on bench/native_exec.c.
class Pending extends Task { poll(cx: Context): bool { return false; } }
class Ready extends Task { poll(cx: Context): bool { return true; } }

// @ts-ignore: decorator
@perCore let pendingTask: Pending | null = null;
function execWakePoll(): void { pendingTask!.wake(); runOnce(); }
function execSpawn(): void { spawnOn(0, new Ready()); runOnce(); }

class Receiver extends Task {
  recv: ChannelRecv<u32>;
  sum: u32 = 0;
  constructor(ch: Channel<u32>) { super(); this.recv = ch.recv(); }
  poll(cx: Context): bool {
    while (this.recv.poll(cx)) { this.sum += this.recv.value; this.recv.reset(); }
    return false;
  }
}
// @ts-ignore: decorator
@perCore let channel: Channel<u32> | null = null;
function execChannelMsg(): void { channel!.trySend(1); runOnce(); }

// Cross-core: core 1 (worker) wakes a task whose home is core 0; core 0 runs
// its executor loop, sleeping in WFE. The figure is the instructions on the
// path from the wake to the poll: wake() on core 1 plus, on core 0,
// everything from leaving WFE to entering poll(). Shared words in static
// memory (module globals are per core).
const CROSS = memory.data(64, 8);
// +0 polls (u32), +4 phase (u32), +8 task address, +16 mark, +24 latency sum, +32 wake sum (u64)
class CrossTask extends Task {
  poll(cx: Context): bool {
    store<u64>(CROSS + 24, load<u64>(CROSS + 24) + instructions() - load<u64>(CROSS + 16));
    atomic.store32(CROSS, load<u32>(CROSS) + 1);
    return false;
  }
}

function crossWaker(): void {                     // core 1
  while (atomic.load32(CROSS + 4) != 1) waitForEvent();
  const task = changetype<Task>(<usize>load<u32>(CROSS + 8));
  const state = changetype<usize>(task) + offsetof<Task>("state");
  for (let i: u32 = 0; i < OPS; i++) {
    while (atomic.load32(CROSS) != i || (atomic.load32(state) & 3) != 0) waitForEvent();   // QUEUED | RUNNING
    const t0 = instructions();
    task.wake();
    store<u64>(CROSS + 32, load<u64>(CROSS + 32) + instructions() - t0);
  }
  atomic.store32(CROSS + 4, 2);
  sendEvent();
}

function execCrossCore(): u64 {                   // core 0
  const task = new CrossTask();
  task.home = 0;
  atomic.storeUnchecked32(CROSS + 8, <u32>changetype<usize>(task));   // a live task: a root while it runs
  atomic.store32(CROSS + 4, 1);
  sendEvent();
  while (atomic.load32(CROSS) < OPS) {
    store<u64>(CROSS + 16, instructions());
    if (runOnce()) sendEvent();                   // tell core 1 (outside the figure)
    else waitForEvent();
  }
  while (atomic.load32(CROSS + 4) != 2) waitForEvent();
  const t0 = instructions(), pair = instructions() - t0;
  const total = load<u64>(CROSS + 24) + load<u64>(CROSS + 32);
  return total > 2 * pair * OPS ? total - 2 * pair * OPS : 0;
}

// Async rows (issue 14): an async function against the same task written by
// hand with poll(), both under wasm3. "await-ready": OPS awaits of a future
// that is ready (one poll runs them all; the figure is per await).
// "wake-loop": one turn of a loop that waits on a Notify, is woken and
// polled: `await n.notified()` makes a future each turn (what async code
// naturally writes); "-held" keeps one and re-arms it, as the hand-written
// task does.
class AlwaysReady extends Future {
  protected pollOnce(cx: Context): bool { return true; }
  get output(): u32 { return 1; }
}

async function readyAwaits(r: AlwaysReady, n: u32): Promise<u32> {
  let s: u32 = 0;
  for (let i: u32 = 0; i < n; i++) s += await r;
  return s;
}

class ReadyByHand extends Task {
  i: u32 = 0;
  s: u32 = 0;
  constructor(public r: AlwaysReady, public n: u32) { super(); }
  poll(cx: Context): bool {
    for (; this.i < this.n; this.i++) {
      if (!this.r.poll(cx)) return false;
      this.s += this.r.output;
    }
    return true;
  }
  dispose(): void {}
}

// @ts-ignore: decorator
@perCore let ready: AlwaysReady | null = null;
function awaitReadyAsync(): void { spawnOn(0, readyAwaits(ready!, OPS)); runOnce(); }
function awaitReadyHand(): void { spawnOn(0, new ReadyByHand(ready!, OPS)); runOnce(); }

async function wakeLoop(n: Notify): Promise<void> {
  while (true) await n.notified();
}

/** The same loop keeping one future and re-arming it, as the hand-written task does. */
async function wakeLoopHeld(n: Notify): Promise<void> {
  const f = n.notified();
  while (true) {
    await f;
    f.reset();
  }
}

class WakeLoopByHand extends Task {
  f: Notified;
  constructor(n: Notify) { super(); this.f = n.notified(); }
  poll(cx: Context): bool {
    while (this.f.poll(cx)) this.f.reset();
    return false;
  }
}

// @ts-ignore: decorator
@perCore let notify: Notify | null = null;
function wakeLoopTurn(): void { notify!.notifyOne(); runOnce(); }

function asyncRows(base1: u64, base: u64): void {
  ready = new AlwaysReady();
  print("bench: wasm3 await-ready-async "); printU64(run(awaitReadyAsync, 1) - base1); print(" "); printU64(OPS); println("");
  print("bench: wasm3 await-ready-hand "); printU64(run(awaitReadyHand, 1) - base1); print(" "); printU64(OPS); println("");
  notify = new Notify();
  spawnOn(0, wakeLoop(notify!));
  runOnce();
  row("wake-loop-async", wakeLoopTurn, base);
  const n1 = new Notify();
  notify = n1;
  spawnOn(0, wakeLoopHeld(n1));
  runOnce();
  row("wake-loop-async-held", wakeLoopTurn, base);
  const n2 = new Notify();
  notify = n2;
  spawnOn(0, new WakeLoopByHand(n2));
  runOnce();
  row("wake-loop-hand", wakeLoopTurn, base);
}

function execRows(base: u64): void {
  pendingTask = new Pending();
  spawnOn(0, pendingTask!);
  runOnce();                                      // polled once: now idle, pending
  row("exec-wake-poll", execWakePoll, base);
  row("exec-spawn", execSpawn, base);
  channel = new Channel<u32>(64);
  const rx = new Receiver(channel!);
  spawnOn(0, rx);
  runOnce();
  row("exec-channel-msg", execChannelMsg, base);
  print("bench: figure channel-received-wasm3 "); printU64(rx.sum); println(" messages");
  print("bench: wasm3 exec-wake-cross-core "); printU64(execCrossCore()); print(" "); printU64(OPS); println("");
  const t = new Ready();
  print("bench: figure task-bytes-wasm3 "); printU64(heapBytesOf(t)); println(" bytes");
  dispose(t);
}

// Latency rows (issue 25, point 8): from a timer interrupt (the stub's
// stamp, cpu.irqStamp, first thing in the top half) to the first
// instruction of the woken task's poll. Core 0's main loop registers a
// sleep 200 us ahead in core 0's timer list with the task as its waker (a
// Context of its own: core 0's list, whichever core the task runs on), and
// runs its executor (runUntil) until the task has polled: the interrupt
// ends core 0's WFI, its loop fires the list and wakes the task, which is
// pinned to core 0 (same core) or to core 1 (another core: the wake
// interrupt ends core 1's WFI, and its loop polls it). The median of
// LAT_N samples. bench/native.c runs the same path in C.
const LAT_N: i32 = 21;
const LAT_SAMPLES = memory.data(8 * 32, 8);
const LAT = memory.data(16, 8);                   // +0 samples taken (u32), +4 phase for core 1 (u32), +8 the task (u32)

class LatencyTask extends Task {
  nap: Sleep | null = null;
  /** The sample in time (the deadline to here), not from the interrupt's stamp. */
  timed: bool = false;
  poll(cx: Context): bool {
    const now = instructions();
    const nap = this.nap;
    if (nap && nap.fired && this.timed) {
      const n = atomic.load32(LAT);
      store<u64>(LAT_SAMPLES + (<usize>n << 3), (counter() - nap.deadline) * 1_000_000_000 / timerFrequency());
      this.nap = null;
      atomic.store32(LAT, n + 1);
      sendEvent();
    } else if (nap && nap.fired) {
      const n = atomic.load32(LAT);
      // Each core's counter is its own (they started at different times): on
      // another core, the path is core 0's part (its timer interrupt to the
      // wake interrupt it raises) plus this core's (that interrupt to here).
      const timer = hostCpu.irqStamp(0, 0);
      const path = cx.core == 0 ? now - timer : (hostCpu.irqStamp(0, 1) - timer) + (now - hostCpu.irqStamp(cx.core, 2));
      store<u64>(LAT_SAMPLES + (<usize>n << 3), path);
      this.nap = null;
      atomic.store32(LAT, n + 1);
      sendEvent();                                // core 0 waits for the count (outside the figure)
    }
    return false;
  }
}
// @ts-ignore: decorator
@perCore let latTarget: u32 = 0;
function latencyTaken(): bool { return atomic.load32(LAT) >= latTarget; }
function latencyRowsDone(): bool { return atomic.load32(LAT + 4) == 2; }

function latencyRow(name: string, on: u32): void {
  const task = new LatencyTask();
  task.home = <u16>on;
  task.affinity = <u16>(<u32>1 << on);
  atomic.storeUnchecked32(LAT + 8, <u32>changetype<usize>(task));   // a live task: a root (and core 1 reads nothing else)
  atomic.store32(LAT, 0);
  const cx = new Context();
  cx.task = task;
  cx.core = 0;
  const ahead = timerFrequency() / 5000;          // 200 us
  for (let i = 0; i < LAT_N; i++) {
    const nap = new Sleep(counter() + ahead);
    task.nap = nap;
    nap.poll(cx);                                 // in core 0's list, waking `task`
    latTarget = <u32>(i + 1);
    runUntil(latencyTaken);
  }
  print("bench: wasm3 "); print(name); print(" ");
  printU64(medianOf(LAT_SAMPLES, LAT_N)); println(" 1");
  atomic.storeUnchecked32(LAT + 8, 0);
}

/** The median of the `n` u64 samples at `at` (sorted in place). */
function medianOf(at: usize, n: i32): u64 {
  for (let i = 1; i < n; i++) {
    for (let j = i; j > 0; j--) {
      const a = load<u64>(at + (<usize>(j - 1) << 3)), b = load<u64>(at + (<usize>j << 3));
      if (a <= b) break;
      store<u64>(at + (<usize>(j - 1) << 3), b);
      store<u64>(at + (<usize>j << 3), a);
    }
  }
  return load<u64>(at + (<usize>(n >> 1) << 3));
}

// The same path while the core whose timer fires is busy, in time: the
// deadline to the poll, in virtual nanoseconds, which under -icount shift=0
// are instructions (of every core). 5 samples each.
const LAT_BUSY_N: i32 = 5;

/** A collection on core 0 (10,000 live objects) while the timer fires there: the task waits for its end. */
function latencyDuringGc(): void {
  const arr = new Array<Node>();
  for (let i = 0; i < 10_000; i++) arr.push(new Node());
  live = arr;
  const task = new LatencyTask();
  task.home = 0;
  task.affinity = 1;
  atomic.storeUnchecked32(LAT + 8, <u32>changetype<usize>(task));
  atomic.store32(LAT, 0);
  const cx = new Context();
  cx.task = task;
  cx.core = 0;
  const ahead = timerFrequency() / 5000;
  for (let i = 0; i < LAT_BUSY_N; i++) {
    const nap = new Sleep(counter() + ahead);
    task.nap = nap;
    nap.poll(cx);
    collectNow();                                 // the interrupt comes in the middle of it
    latTarget = <u32>(i + 1);
    runUntil(latencyTaken);
  }
  print("bench: wasm3 latency-timer-during-gc "); printU64(medianOf(LAT_SAMPLES, LAT_BUSY_N)); println(" 1");
  atomic.storeUnchecked32(LAT + 8, 0);
  live = null;
}

function core0Back(): bool { return (stuckCores() & 1) == 0 && pollsOn(0) > 0 && !busyRunning; }
// @ts-ignore: decorator
@perCore let busyRunning: bool = false;

/** Computes on core 0 for 5 ms in one poll, with no await. */
class Busy extends Task {
  poll(cx: Context): bool {
    busyRunning = true;
    const end = counter() + timerFrequency() / 200;
    while (counter() < end) {}
    busyRunning = false;
    return true;
  }
}

/**
 * A task on core 0 computes 5 ms in one poll while the timer fires there:
 * the watchdog (a 2 ms hand-over) makes core 0 stuck, and core 1 fires its
 * list and runs the woken task (not pinned, so core 1 steals it).
 */
function latencyBusyCore(): void {
  const task = new LatencyTask();
  task.home = 0;
  task.timed = true;
  atomic.storeUnchecked32(LAT + 8, <u32>changetype<usize>(task));
  atomic.store32(LAT, 0);
  const cx = new Context();
  cx.task = task;
  cx.core = 0;
  setWatchdog(2, 0);
  const ahead = timerFrequency() / 5000;
  for (let i = 0; i < LAT_BUSY_N; i++) {
    spawnPinned(0, new Busy());
    const nap = new Sleep(counter() + ahead);
    task.nap = nap;
    nap.poll(cx);
    latTarget = <u32>(i + 1);
    runUntil(latencyTaken);
    runUntil(core0Back);                          // the compute over and core 0 available again before the next sample
  }
  setWatchdog(0, 0);
  print("bench: wasm3 latency-timer-busy-core "); printU64(medianOf(LAT_SAMPLES, LAT_BUSY_N)); println(" 1");
  atomic.storeUnchecked32(LAT + 8, 0);
}

function latencyRows(): void {
  latencyRow("latency-timer-same-core", 0);
  latencyDuringGc();
  atomic.store32(LAT + 4, 1);                     // core 1 runs its executor for the next rows
  sendEvent();
  latencyRow("latency-timer-other-core", 1);
  latencyBusyCore();
  atomic.store32(LAT + 4, 2);
  sendEvent();
}

function worker(core: u32): void {
  if (core == 1) {
    crossWaker();
    while (atomic.load32(LAT + 4) == 0) waitForWake();
    runUntil(latencyRowsDone);
  }
  idle(core);
}

function row(name: string, op: () => void, base: u64): void {
  const n = run(op);
  print("bench: wasm3 "); print(name); print(" ");
  printU64(n > base ? n - base : 0); print(" "); printU64(OPS); println("");
}

function compute(name: string, op: () => void, base: u64): void {
  const n = run(op, 1);
  print("bench: wasm3 "); print(name); print(" "); printU64(n > base ? n - base : 0);
  print(" 1 (result "); printU64(result); println(")");
}

// Collector rows (issue 17): the same work freed by dispose() and left to
// the collector. The collector's rows include its cost: a collection
// (collectNow, on core 0 while the other cores sleep in WFE with no
// references) after every COLLECT_EVERY operations, so each operation
// carries its share of the pause.
const COLLECT_EVERY: u32 = 500;
// @ts-ignore: decorator
@perCore let opsSinceCollect: u32 = 0;
// @ts-ignore: decorator
@inline function collectSometimes(): void {
  if (++opsSinceCollect == COLLECT_EVERY) { opsSinceCollect = 0; collectNow(); }
}
// @ts-ignore: decorator
@perCore let counterValue: i32 = 1;   // toString() of 0 is a static "0": dispose() would refuse it
function concatDispose(): void {
  const t = (counterValue++).toString();
  const s = "n" + t;
  sink = changetype<usize>(s);
  dispose(t); dispose(s);
}
function concatGc(): void {
  const s = "n" + (counterValue++).toString();
  sink = changetype<usize>(s);
  collectSometimes();
}
function spawnJoinDispose(): void {
  const t = new Ready();
  const h = spawnJoinOn(0, t);
  runOnce();
  dispose(h); dispose(t);
}
function spawnJoinGc(): void {
  sink = changetype<usize>(spawnJoinOn(0, new Ready()));
  runOnce();
  collectSometimes();
}

class Node { next: Node | null = null; value: i32 = 0; }
// @ts-ignore: decorator
@perCore let live: Array<Node> | null = null;
const GC_STATS = new GcStats();

/** A collection's pause against the objects it keeps alive: `bench: figure gc-pause-live-N`. */
function gcFigures(): void {
  collectNow();                                   // what the rows above left
  // (No array of the sizes: a local is not a root, and collectNow would free it.)
  for (let k = 0; k < 4; k++) {
    const n: i32 = k == 0 ? 0 : k == 1 ? 1000 : k == 2 ? 10_000 : 100_000;
    const arr = new Array<Node>();
    for (let i = 0; i < n; i++) { const x = new Node(); x.value = i; arr.push(x); }
    live = arr;
    collectNow();                                 // the first frees what building the array left
    collectNow();
    gcStats(GC_STATS);
    print("bench: figure gc-pause-live-"); printU64(n); print(" "); printU64(GC_STATS.pauseInstructions); println(" instructions");
    print("bench: figure gc-live-objects-"); printU64(n); print(" "); printU64(GC_STATS.liveObjects); println(" objects");
    if (n == 100_000) {
      // The same collection in increments of the default budget (issue 25):
      // the longest, how many, and all together (what the cores give up).
      const start = instructions();
      while (!collectStep(0, PAUSE_BUDGET_US)) {}
      const all = instructions() - start;
      gcStats(GC_STATS);
      print("bench: figure gc-increment-live-100000 "); printU64(GC_STATS.pauseInstructions); println(" instructions");
      print("bench: figure gc-increments-live-100000 "); printU64(GC_STATS.increments); println(" increments");
      print("bench: figure gc-incremental-all-live-100000 "); printU64(all); println(" instructions");
    }
    live = null;
  }
  collectNow();
  // 100,000 dead objects: what a collection costs to free them.
  for (let i = 0; i < 100_000; i++) sink = changetype<usize>(new Node());
  collectNow();
  gcStats(GC_STATS);
  print("bench: figure gc-pause-free-100000 "); printU64(GC_STATS.pauseInstructions); println(" instructions");
  print("bench: figure gc-object-bytes "); printU64(heapBytesOf(new Node())); println(" bytes");
}

function main(): void {
  // Core 0's instructions since its first one: the boot up to here.
  const booted = instructions();
  print("bench: figure boot-cores-online "); printU64(booted); println(" instructions");
  computeSetup();
  const base1 = run(empty, 1);
  compute("fib-20", fib20, base1);
  compute("sieve-8192", sieve, base1);
  compute("crc32-64k", crc32_64k, base1);
  compute("matmul-64", matmul64, base1);
  mmioAddr = <u32>peripheralBase(currentBoard()) + 0x3004;   // system timer CLO
  const base = run(empty);
  row("mmio-read", mmioRead, base);
  row("module-var-rw", sharedVar, base);
  row("percore-var-rw", perCoreVar, base);
  row("atomic-add", atomicAdd, base);
  row("lock-unlock", lockUnlock, base);
  row("alloc-free-64", allocFree64, base);
  row("realloc-grow", reallocGrow, base);
  pin = gpio.output(17);
  row("gpio-toggle", gpioToggle, base);
  pin!.release();
  screenRows(base1);
  frame("copy-64k", memCopy64k, base1);
  busRows(base1);
  if (dma.channels().length) frame("dma-copy-64k", dmaCopy64k, base1);
  if (rng.available()) row("rng-word", rngWord, base);
  execRows(base);
  latencyRows();
  asyncRows(base1, base);
  row("concat-dispose", concatDispose, base);
  row("concat-gc", concatGc, base);
  row("spawn-join-dispose", spawnJoinDispose, base);
  row("spawn-join-gc", spawnJoinGc, base);
  gcFigures();
  println("bench: done");
  exit(0);
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
