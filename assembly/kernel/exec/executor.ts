// One executor per core, each with its own run queue, and work stealing.
//
// Every core runs runExecutor(): take the next task from its own queue (or,
// when that is empty, steal the oldest task from the longest other queue),
// poll it, and when there is nothing to run, sleep with WFE until a spawn or
// a wake SEVs. A task that wakes itself while running goes to the back of
// the queue, so it cannot starve the others (the poll budget is one poll per
// turn).
//
// Queues live in static (shared) memory, one per core: a SpinLock word, a
// head, a tail and a length; tasks link through their `next` field. The
// host's module "queue" pushes and pops under that lock in one call. No
// allocation per poll: the Context is one per core.
//
// Affinity (issue 29): a task whose `affinity` names cores (spawnPinned,
// spawnAmong) goes, at each spawn and wake, to the shortest queue among
// them, and into that core's second queue, its own: stealing never looks
// there. A core takes turns between its own queue and the shared one, so
// neither starves the other.
import * as atomic from "../../arch/atomic";
import { coreId, coreCount, counter, waitForWake, sendEvent, MAX_CORES } from "../../arch/cpu";
import { dispose } from "../mem/lifetime";
import { Task, Context, QUEUED, RUNNING, NOTIFIED, DONE, DETACHED, CANCELLED, KEPT, PANICKED, TAKEN_SLOTS, setEnqueue, stateAddr, wakeTask, withdrawAll } from "./task";
import { Permit } from "./sync";
import { sys as hostSys } from "../../arch/host";
import { spinLocksHeld } from "../sync/spinlock";
import { fireTimers, serveTimersOf, wakeNoLaterThan, ticksFromMillis } from "./timer";
import { WATCH_STATE, unavailableCores, stoppedHint, stuckHint } from "../watch";
import { serviceIrqs } from "../irq";
import { cpu as host, queue as hostQueue } from "../../arch/host";
import { Future, PENDING_ON_CANCEL } from "./future";
import { FutureTask } from "./async";
import { panic, clearAsync } from "../../arch/sys";
import { collectionPending, safepoint, setRootFilter } from "../mem/gc";

/** cpu.events() bits (boot/board/irq.h). */
export const EVENT_TIMER: u32 = 1;
export const EVENT_IRQ: u32 = 2;
/** A core that stopped or is stuck had its timer fire, or just became one: fire its timer list here. */
export const EVENT_ADOPT: u32 = 4;

/**
 * The bottom halves: takes this core's events (one host call) and fires
 * the sleeps whose deadline passed and runs the handlers of the peripheral
 * interrupts it took. The executor loop calls it before each poll.
 */
export function serviceEvents(): void {
  const e = host.events();
  if (!e) return;
  if (e & EVENT_TIMER) fireTimers();
  if (e & EVENT_ADOPT) serveTimersOf(unavailableCores() & ~(1 << myCore()));
  if (e & EVENT_IRQ) serviceIrqs();
}

/** The watchdog's limits (setWatchdog), and a count that changes with them: each core takes them again when it sees it change. */
let handoverMs: u32 = 100;
let reportMs: u32 = 1000;
let watchSettings: u32 = 1;
// @ts-ignore: decorator
@perCore let watchSeen: u32 = 0;

/**
 * The watchdog's limits, on every core: a poll that has run `handoverMs`
 * without returning makes its core stuck (its timers, queue and interrupts
 * go to the other cores until it returns); after `reportMs` the console
 * names the task and its async function (0: never). `handover` 0: no
 * watchdog. The defaults: 100 ms and 1000 ms.
 */
export function setWatchdog(handover: u32, report: u32): void {
  if (handover != 0 && (handover < 2 || handover > 60000 || report > 600000)) panic("setWatchdog: a hand-over limit of 2 to 60000 ms (or 0: off), a report limit of at most 600000 ms");
  handoverMs = handover;
  reportMs = report;
  atomic.fence();                              // the limits before the count that says they changed
  watchSettings++;
  startWatch(myCore());
  sendEvent();                                 // idle cores take the new limits when they wake
}

/** This core's watch, with the limits as they are now (runExecutor, and when they change). */
function startWatch(core: u32): void {
  watchSeen = watchSettings;
  host.watch(changetype<usize>(contextOf(core)) + offsetof<Context>("task"), changetype<usize>(queue(core)) + offsetof<CoreQueue>("polls"),
                WATCH_STATE, handoverMs, reportMs);
}

const CORES: u32 = MAX_CORES;

/**
 * A run queue, as the host's queue module reads it (tools/abi/spec.ts: the
 * lock word, the first and last task, the length; the host takes the lock).
 * Tasks that only one core may run wait in that core's RunQueue.
 */
@unmanaged
class RunQueue {
  lock: u32 = 0;
  head: u32 = 0;
  tail: u32 = 0;
  /** Tasks queued: read without the lock only as a hint. */
  length: u32 = 0;
}

/** A core's shared queue (others steal from it), then its statistics, written by that core only. */
@unmanaged
class CoreQueue extends RunQueue {
  /** Polls this core made, tasks it stole, and times it went idle. */
  polls: u32 = 0;
  steals: u32 = 0;
  idle: u32 = 0;
  private _pad: u32 = 0;
}

// The host's layout (tools/abi/spec.ts, module "queue"), checked when this compiles.
if (offsetof<RunQueue>("head") != 4 || offsetof<RunQueue>("tail") != 8 || offsetof<RunQueue>("length") != 12 || offsetof<RunQueue>() != 16)
  ERROR("kernel/exec/executor.ts: RunQueue must be the host's queue (lock, head, tail, length at +0, +4, +8, +12)");

// One Context, CoreQueue and RunQueue per core, in static memory (no allocation).
// (A core's statistics are written by it only, with plain increments; others read them with a load-acquire.)
const CONTEXTS = memory.data(offsetof<Context>() * MAX_CORES, 16);
const QUEUES = memory.data(offsetof<CoreQueue>() * MAX_CORES, 16);
const OWN_QUEUES = memory.data(offsetof<RunQueue>() * MAX_CORES, 16);
const NEXT_CORE = memory.data(4, 4);

// @ts-ignore: decorator
@inline function queue(core: u32): CoreQueue { return changetype<CoreQueue>(QUEUES + (<usize>(core & (CORES - 1)) * offsetof<CoreQueue>())); }
// @ts-ignore: decorator
@inline function ownQueue(core: u32): RunQueue { return changetype<RunQueue>(OWN_QUEUES + (<usize>(core & (CORES - 1)) * offsetof<RunQueue>())); }
/** The context `core` polls with: its task is the one being polled, null between polls. */
// @ts-ignore: decorator
@inline function contextOf(core: u32): Context { return changetype<Context>(CONTEXTS + (<usize>(core & (CORES - 1)) * offsetof<Context>())); }

// Which queue this core looks at first, turn by turn (its own, then the shared one).
// @ts-ignore: decorator
@perCore let ownFirst: bool = false;

// This core's number (@perCore: each core its own): one host call, once.
// @ts-ignore: decorator
@perCore let thisCore: i32 = -1;
// @ts-ignore: decorator
@inline function myCore(): u32 {
  if (thisCore < 0) thisCore = <i32>coreId();
  return <u32>thisCore;
}

// A queue's lock, list and length change in one host call (module "queue":
// the layout is in tools/abi/spec.ts): four host calls each before.
function enqueue(task: Task, core: u32): void {
  let cores = <u32>task.affinity;
  const stopped = stoppedHint();
  if (stopped) {                                // a core that will never run it: another that will
    cores &= ~stopped;
    if (stopped & (1 << core)) core = myCore();
  }
  let q: RunQueue = queue(core);
  if (cores) {                                  // pinned or among a set: never stolen
    core = placeAmong(cores, core);
    q = ownQueue(core);
  }
  const length = hostQueue.push(changetype<usize>(q), changetype<usize>(task), <u32>offsetof<Task>("next"));
  // Another core's queue: wake it. This core's own: it is awake, but when it
  // already has a task to run (one queued before, or the one it is polling)
  // the new one could run elsewhere now, and idle cores sleep until woken:
  // wake them, so one steals it (without this, a burst of spawns from one
  // core ran on that core alone while the others slept).
  if (core != myCore() || length >= 2 || polling(core)) sendEvent();
}

/** Whether `core` is inside a task's poll (runOnce sets its context's task). */
function polling(core: u32): bool {
  return contextOf(core).task != null;
}
setEnqueue(enqueue);

/**
 * The core of `cores` (a mask, checked against the board at spawn) to queue
 * on: `core` if it is the only one, else the one with the fewest queued
 * (hints), leaving out those stuck in a poll while another is not.
 */
function placeAmong(cores: u32, core: u32): u32 {
  if (cores == (1 << core)) return core;
  const away = stuckHint() & cores;
  if (away && away != cores) cores &= ~away;
  let best: u32 = core, fewest: u32 = 0xFFFFFFFF;
  for (let c: u32 = 0; c < CORES; c++) {
    if (!(cores & (1 << c))) continue;
    const len = queue(c).length + ownQueue(c).length;
    if (len < fewest) { fewest = len; best = c; }
  }
  return best;
}

function pop(q: RunQueue): Task | null {
  if (!q.length) return null;                   // a hint (plain read): the host checks again under the lock
  return changetype<Task | null>(hostQueue.pop(changetype<usize>(q), <u32>offsetof<Task>("next")));
}

/** The next task of this core: from its own queue and the shared one in turn (with no pinned task queued, as before). */
function dequeue(core: u32): Task | null {
  if (!ownQueue(core).length) return pop(queue(core));     // a hint, as pop's
  ownFirst = !ownFirst;
  if (ownFirst) {
    const t = pop(ownQueue(core));
    return t ? t : pop(queue(core));
  }
  const t = pop(queue(core));
  return t ? t : pop(ownQueue(core));
}

/**
 * The oldest task of the longest other queue, or null. A stopped core's own
 * queue (its pinned tasks) counts too: it will never run them. So does a
 * stuck core's, for the tasks that may run on this core (spawnAmong's, queued
 * there before it was declared stuck); those pinned to it alone wait for it.
 */
function steal(self: u32): Task | null {
  let best: u32 = self, most: u32 = 0;
  const n = coreCount();
  const stopped = stoppedHint();
  const stuck = stuckHint();
  for (let c: u32 = 0; c < n; c++) {
    if (c == self) continue;
    let len = atomic.load32(changetype<usize>(queue(c)) + offsetof<CoreQueue>("length"));
    if ((stopped | stuck) & (1 << c)) len += ownQueue(c).length;
    if (len > most) { most = len; best = c; }
  }
  if (best == self) return null;
  let t = pop(queue(best));
  if (!t && (stopped & (1 << best))) t = pop(ownQueue(best));
  else if (!t && (stuck & (1 << best)) && ownQueue(best).length) {
    // The word at `home` holds home (low half) and affinity (high half): Task's layout.
    if (offsetof<Task>("affinity") != offsetof<Task>("home") + 2 || (offsetof<Task>("home") & 3)) ERROR("executor.ts: popFor reads home and affinity as one word");
    t = changetype<Task | null>(hostQueue.popFor(changetype<usize>(ownQueue(best)), <u32>offsetof<Task>("next"),
                                                  <u32>offsetof<Task>("home"), (<u32>1 << self) << 16));
  }
  if (t) queue(self).steals++;
  return t;
}

/** The joiner word of a task that is finishing: no handle may register any more (addresses are 4-aligned). */
const FINISHING: u32 = 1;

/**
 * Starts `what` on the next core in turn: a Task, or any Future (the future
 * of an async function call, `spawn(echo(port))`), which then runs in a
 * task of its own. It is freed (dispose) when it finishes.
 */
export function spawn<T>(what: T): void {
  spawnOn<T>(atomic.add32(NEXT_CORE, 1) % coreCount(), what);
}

/** Starts `what` (a Task or a Future, as for spawn) on `core` (it may be stolen by an idle core). Freed when it finishes. */
export function spawnOn<T>(core: u32, what: T): void {
  spawnWith<T>(core, 0, what);
}

/**
 * Starts `what` on `core` and keeps it there: it runs on no other core,
 * ever (idle cores do not steal it). For a task that must stay next to its
 * data, or to keep work off a core (the UART's interrupts on core 0, say).
 */
export function spawnPinned<T>(core: u32, what: T): void {
  spawnWith<T>(core, 1 << core, what);
}

/**
 * Starts `what` on one of `cores` (a mask: bit n for core n), and keeps it
 * among them: each time it is woken it goes to the least busy of them,
 * never to another core.
 */
export function spawnAmong<T>(cores: u32, what: T): void {
  spawnWith<T>(<u32>ctz(cores), cores, what);
}

function spawnWith<T>(core: u32, cores: u32, what: T): void {
  if (!isReference<T>()) ERROR("spawn() and spawnOn() take a Task or a Future");
  if (cores != 0 && (core >= coreCount() || (cores >> coreCount()) != 0)) panic("spawnPinned/spawnAmong: a core this board does not have");
  const task: Task = what instanceof Task ? changetype<Task>(what) : taskFor(changetype<Object>(what));
  task.home = <u16>core;
  if (cores) task.affinity = <u16>cores;
  const addr = stateAddr(task);
  atomic.storeUnchecked32(addr, (load<u32>(addr) & KEPT) | QUEUED | DETACHED);   // not shared yet: a plain read
  enqueue(task, core);
}

function taskFor(what: Object): Task {
  if (what instanceof Future) return new FutureTask(changetype<Future>(what));
  panic("spawn(): not a Task or a Future");
  return changetype<Task>(0);
}

/**
 * Starts `what` on the next core in turn and returns a handle to await it.
 * A Task: you own it (dispose it once the handle is ready; the handle gives
 * the task, whose fields hold its results). A Future (an async function's
 * result): it runs in a task of its own, which the handle owns; `await
 * handle` gives the future's output (in async code), `handle.task` the
 * future; dispose(handle) frees both, now or when it finishes.
 */
export function spawnJoin<T>(what: T): JoinHandle<T> {
  return spawnJoinOn<T>(atomic.add32(NEXT_CORE, 1) % coreCount(), what);
}

/** spawnJoin() on `core` (it may be stolen by an idle core). */
export function spawnJoinOn<T>(core: u32, what: T): JoinHandle<T> {
  if (!isReference<T>()) ERROR("spawnJoin() takes a Task or a Future");
  const isTask = what instanceof Task;
  const runner: Task = isTask ? changetype<Task>(what) : taskFor(changetype<Object>(what));
  runner.home = <u16>core;
  // A future's task is ours: detached but kept, so the handle frees it (letGo) whenever it is disposed.
  atomic.storeUnchecked32(stateAddr(runner), isTask ? QUEUED : QUEUED | DETACHED | KEPT);
  enqueue(runner, core);
  return new JoinHandle<T>(runner, what, !isTask);
}

/**
 * A future that is ready when its task is done; `task` then holds the result
 * (or `cancelled` is true). cancel() stops the task. For a spawned Task,
 * dispose the task yourself (before or after the handle); for a spawned
 * Future, dispose(handle) frees the task and the future.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class JoinHandle<T> extends Future {
  constructor(public runner: Task, public what: T, public owned: bool = false) { super(); this.kind = PENDING_ON_CANCEL; }
  /** What was spawned: the task (or the future), done once the handle is ready. */
  get task(): T { return this.what; }
  /**
   * cancel() cancels the task. The handle itself stays Pending: polling it
   * is how to wait until the task has stopped (it is then Ready, with
   * `cancelled` true unless the task had finished first).
   */
  protected withdraw(): void { this.runner.cancel(); }
  /**
   * Frees the handle, and for a spawned future its task (now if it has
   * finished, else when it does). A spawned Task is never touched: it may
   * be disposed already (either order is safe; Future's dispose() would
   * cancel(), that is write to it). To stop a task that has not finished,
   * cancel() it first.
   */
  dispose(): void { if (this.owned) { this.owned = false; this.runner.letGo(); } }
  get cancelled(): bool { return this.runner.isCancelled; }
  /** The task trapped (its `panic:` line is on the console) and was ended there: what it spawned gives no result. */
  get panicked(): bool { return (atomic.load32(stateAddr(this.runner)) & PANICKED) != 0; }
  /** What `await` gives: what was spawned, done (await flattens a future's own output). */
  get output(): T { return this.what; }
  protected pollOnce(cx: Context): bool {
    const task = this.runner;
    if (task.isDone) return true;
    const addr = changetype<usize>(task) + offsetof<Task>("joiner");
    const me = <u32>changetype<usize>(cx.task);
    let found = atomic.load32(addr);
    while (true) {
      if (found == FINISHING) { cx.waker.wake(); return false; }   // DONE any moment: come back
      const was = atomic.casUnchecked32(addr, found, me);   // a task: not done, so a root
      if (was == found) break;
      found = was;
    }
    return task.isDone;      // finished meanwhile: it may not have seen us
  }
}


/** Polls one task if there is one; false if this core found nothing to do. */
export function runOnce(): bool {
  const core = myCore();
  const cx = contextOf(core);
  cx.core = core;
  let task = dequeue(core);
  if (!task) task = steal(core);
  if (!task) return false;
  const addr = stateAddr(task);
  let s = load<u32>(addr);                 // a guess for the CAS (see wakeTask)
  while (true) {
    const found = atomic.casUnchecked32(addr, s, (s & ~QUEUED) | RUNNING);
    if (found == s) break;
    s = found;
  }
  task.home = <u16>core;
  let done: bool = (s & CANCELLED) != 0;       // cancelled while queued: finish it unpolled
  if (done) {
    withdrawAll(task);                         // the cancellation takes effect: it keeps nothing
  } else {
    task.polls++;
    queue(core).polls++;
    cx.task = task;
    cx.taken = 0;
    done = task.poll(cx);
    clearAsync();
    cx.task = null;
  }
  if (done) {
    finishTask(task, 0);
    return true;
  }
  // Pending: stop RUNNING; if it was woken meanwhile, queue it again (at the
  // back). cancel() sets CANCELLED and wakes: the task comes round once more
  // and is finished unpolled.
  s = load<u32>(addr);                     // a guess for the CAS
  while (true) {
    const again = (s & NOTIFIED) != 0;
    const next = (s & ~(RUNNING | NOTIFIED)) | (again ? QUEUED : 0);
    const found = atomic.casUnchecked32(addr, s, next);
    if (found == s) {
      if (again) enqueue(task, core);
      break;
    }
    s = found;
  }
  return true;
}

/**
 * A finished task: its joiner woken, DONE (with `also`: PANICKED), and a
 * detached one disposed. The joiner first (marking the task FINISHING, so
 * no handle registers after), then DONE, then nothing more of the task: its
 * owner may free it the moment it sees DONE. Only a detached task, which
 * has no owner, is touched after, by us, to dispose it.
 */
function finishTask(task: Task, also: u32): void {
  const addr = stateAddr(task);
  const joiner = atomic.xchgUnchecked32(changetype<usize>(task) + offsetof<Task>("joiner"), FINISHING);
  let prev = load<u32>(addr);
  while (true) {                         // a CAS, not a swap: letGo() may clear KEPT meanwhile
    const found = atomic.casUnchecked32(addr, prev, (prev & (DETACHED | CANCELLED | KEPT)) | DONE | also);
    if (found == prev) break;
    prev = found;
  }
  if (joiner) wakeTask(changetype<Task>(<usize>joiner));
  if ((prev & (DETACHED | KEPT)) == DETACHED) dispose(task);   // kept: letGo() frees it
}

/** What a panic does (onPanic): end the task that trapped and go on (the default), or stop the core. */
export const enum OnPanic {
  /** A trap in a task's poll ends that task (its futures cancelled, its JoinHandle `panicked`); the core goes on. Where that is not safe (a spin lock held: the heap's, a queue's, yours) the core stops. */
  EndTask = 0,
  /** Every trap stops its core, as tests want (the other cores go on). */
  StopCore = 1,
}
let panicPolicy: OnPanic = OnPanic.EndTask;

/** Chooses what a panic does from now on, on every core. */
export function onPanic(policy: OnPanic): void { panicPolicy = policy; }

/** What a panic does now (onPanic). */
export function panicPolicyNow(): OnPanic { return panicPolicy; }

/**
 * After a trap on this core (kernel_start called again: sys.trapped()):
 * ends the task whose poll trapped, as a cancel would (its futures
 * cancelled, a held MutexGuard unlocked, its joiner woken, a detached task
 * freed) and marks it PANICKED. Gives why it cannot ("" when it did): the
 * trap did not come from a task's poll, or this core holds a spin lock.
 */
export function endTrappedTask(): string {
  const core = myCore();
  const cx = contextOf(core);
  const task = cx.task;
  if (!task) return "the trap was not in a task's poll";
  if (spinLocksHeld() != 0) return "the trap came while this core held a spin lock (the heap's, a queue's, or one of the kernel's), which would stay held";
  cx.task = null;
  clearAsync();
  // The permits this poll took and still holds: a guard in a local (not across an await) is in no field
  // the cancellation below reaches. Each is checked to be the same Permit still (class and serial).
  const n = min<u32>(cx.taken, TAKEN_SLOTS);
  for (let i: u32 = 0; i < n; i++) {
    const at = cx.takenPermit(i);
    if (at == 0 || !(changetype<Object>(at) instanceof Permit)) continue;
    const p = changetype<Permit>(at);
    if (p.held && p.serial == cx.takenSerial(i)) p.release();
  }
  withdrawAll(task);                           // the cancellation takes effect: it keeps nothing
  finishTask(task, PANICKED);
  return "";
}

/**
 * The executor loop of this core: polls tasks forever, sleeping (WFE) when
 * there are none. Between two polls is the collector's safe point
 * (kernel/mem/gc.ts): this loop holds no reference of its own there. A trap
 * in a poll ends that task and comes back here (onPanic, kernel/boot.ts).
 */
export function runExecutor(): void {
  hostSys.recoverable(1);                      // a trap from here on comes back through kernel_start (boot.ts decides)
  startWatch(myCore());
  while (true) {
    if (collectionPending()) safepoint();
    serviceEvents();
    if (!runOnce()) idle();
  }
}

// The collector's roots: every task that is not done (queued, running or
// waiting: whoever holds it, by reference or by address) ...
// The filter runs on every object of the heap, so whether a class is a Task
// is worked out once per class id (asc's rtId, at ref - 8) and kept in a
// byte table: 0 not known yet, 1 a Task, 2 not one.
const TASK_CLASSES = memory.data(1024);
function liveTask(ref: usize): bool {
  const id = load<u32>(ref - 8);
  let kind: u32 = id < 1024 ? load<u8>(TASK_CLASSES + id) : 0;
  if (!kind) {
    kind = changetype<Object>(ref) instanceof Task ? 1 : 2;
    if (id < 1024) store<u8>(TASK_CLASSES + id, <u8>kind);
  }
  return kind == 1 && (load<u32>(stateAddr(changetype<Task>(ref))) & DONE) == 0;
}
setRootFilter(liveTask);

/** Nothing to run: count it and sleep until an SEV (spawn, wake, a collection's request) or an interrupt. */
function idle(): void {
  const core = myCore();
  queue(core).idle++;
  if (watchSeen != watchSettings && watchSeen != 0) startWatch(core);   // setWatchdog on another core (0: this core runs no executor)
  waitForWake();
}

/**
 * Runs this core's executor until `done()` is true. It is checked between
 * polls, whenever this core wakes, and at least every millisecond while the
 * core is idle: a condition another core makes true without waking this one
 * (a counter that a task on core 1 bumps, with no SEV) is seen within a
 * millisecond, not never (an idle core sleeps until something wakes it, on a
 * board and under QEMU alike).
 */
export function runUntil(done: () => bool): void {
  while (!done()) {
    serviceEvents();
    if (!runOnce()) {
      wakeNoLaterThan(counter() + ticksFromMillis(RECHECK_MS));
      idle();
    }
  }
}
const RECHECK_MS: u64 = 1;

/** Tasks this core has polled, and taken from other cores, since boot. */
export function pollsOn(core: u32): u32 { return atomic.load32(changetype<usize>(queue(core)) + offsetof<CoreQueue>("polls")); }   // (load-acquire: another core's counter)
export function stealsOn(core: u32): u32 { return atomic.load32(changetype<usize>(queue(core)) + offsetof<CoreQueue>("steals")); }
/** Times this core found nothing to run and went to sleep (WFE). */
export function idleOn(core: u32): u32 { return atomic.load32(changetype<usize>(queue(core)) + offsetof<CoreQueue>("idle")); }
