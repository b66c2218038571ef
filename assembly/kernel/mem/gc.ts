// The collector: objects nobody can reach are freed without dispose().
//
// Mark and sweep, stop the world, at the executor's poll boundary
// (docs/memory-model.md, "The collector"). Between two polls a core holds no
// wasm frame with references of its own: what a task keeps is in the task's
// fields (an async function's locals are fields of its state machine), so
// the roots are
//   - the module variables: every core runs asc's __visit_globals, which
//     reads the shared ones (tools/kernel/share-globals.ts put them in one region)
//     and that core's @perCore ones;
//   - every live task (queued, running or waiting: not DONE), found on the
//     heap walk by the executor's root filter;
//   - what the library holds by address: the timer lists, the interrupt
//     handlers (addRoots);
//   - pinned objects (__pin, pin()).
// Tracing follows asc's __visit_members, with an explicit mark stack (when
// it overflows, the heap is walked again for marked objects). Objects in
// static memory (a module-level array literal, `const names = ["a", "b"]`,
// is built there by asc) are never freed but are traced: `names[0] = "x" +
// n` puts a heap string in one (a bitmap of the statics seen keeps a cycle
// of them finite). The sweep frees every object block that was not marked;
// raw allocations (alloc()) are never touched.
//
// When. An allocation that takes the heap's blocks past the threshold (the
// raw blocks plus twice the objects live after the last collection: at
// least a quarter, at most seven eighths of the room raw blocks leave them)
// or gc() requests a collection: every core that
// runs a kernel (cpu.running()) stops at its next poll boundary (an idle
// core is woken from WFE); the last to arrive collects while the others
// mark their own @perCore variables, then all go on. A core in a long poll
// delays the collection (the wait is in the statistics); if some core does
// not arrive within WAIT_MS (a core that loops outside the executor, or
// runs runUntil, which is not a safe point), the others give up and the
// request is dropped (`abandoned`): nothing is freed then.
//
// The state word (shared, changed only by compare-and-swap): bits 0-1 the
// phase (IDLE, REQUESTED, STOPPED: the collector checks nobody else runs,
// MARKING), bits 4-7 the cores parked at a safe point, bits 8-31 how many
// collections finished.
import * as atomic from "../../arch/atomic";
import { coreId, counter, timerFrequency, sendEvent, waitForWake, runningCores, instructions, MAX_CORES } from "../../arch/cpu";
import { cpu as host } from "../../arch/host";
import { stuckCores } from "../watch";
import { kernelHeap } from "./heap";
import {
  heapObjectBlock, heapNextObject, heapSweep, heapBlockBytes, heapCapacity, SweepResult,
  blockFlags, blockSetFlags, blockClearFlags, blockPayload, heapAlloc, heapFree, REQ_MARK, REQ_PIN,
} from "./tlsf";
import { forget } from "./scope";
import { print, println, printU64 } from "../../arch/console";
import { SpinLock } from "../sync/spinlock";

// @ts-ignore: decorator
@inline const OBJECT_HEADER: usize = 16;
/** The __visit cookie of the collector's marking. */
// @ts-ignore: decorator
@inline export const GC_VISIT: u32 = 0x67635f6d;

// @ts-ignore: decorator
@inline const IDLE: u32 = 0;
// @ts-ignore: decorator
@inline const REQUESTED: u32 = 1;
// @ts-ignore: decorator
@inline const STOPPED: u32 = 2;
// @ts-ignore: decorator
@inline const MARKING: u32 = 3;

/** How long the cores at a safe point wait for the others before they give the collection up. */
export const WAIT_MS: u64 = 1000;
/** Bytes a core allocates between two looks at the threshold. */
// @ts-ignore: decorator
@inline const CHECK_EVERY: u32 = 8192;
// @ts-ignore: decorator
@inline const STACK_ENTRIES: u32 = 2048;

// @ts-ignore: decorator
@inline const MAX_ROOTS: u32 = 16;

/**
 * The collector's shared words, in static memory (GC): one set for the four
 * cores, changed with atomics or under the mark lock. After the class, the
 * root visitors' functions (MAX_ROOTS words, at W_ROOTS).
 */
@unmanaged
class GcShared {
  /** Bits 0-1 the phase, 4-7 the cores parked at a safe point, 8-31 collections finished (changed by CAS only). */
  state: u32 = 0;
  /** The cores that marked their own @perCore variables in this collection. */
  locals: u32 = 0;
  /** The mark lock (a SpinLock). */
  lock: u32 = 0;
  /** The heap's block bytes that request the next collection. */
  threshold: u32 = 0;
  /** The mark stack: its base, its top, whether it overflowed (the heap is walked again), its entries, and their limit (0: by the heap's size). */
  stack: u32 = 0;
  top: u32 = 0;
  overflow: u32 = 0;
  cap: u32 = 0;
  limit: u32 = 0;
  /** Root visitors registered (addRoots). */
  nroots: u32 = 0;
  /** The root filter (setRootFilter) and the timer's restorer (setTimerRestore): function indexes. */
  filter: u32 = 0;
  restore: u32 = 0;
  /** The bitmap of static objects marked (one bit per 16 bytes below __heap_base). */
  statics: u32 = 0;
}
const GC = memory.data(offsetof<GcShared>() + MAX_ROOTS * 4, 16);
// @ts-ignore: decorator
@inline const W_STATE: usize = offsetof<GcShared>("state");
// @ts-ignore: decorator
@inline const W_LOCALS: usize = offsetof<GcShared>("locals");
// @ts-ignore: decorator
@inline const W_LOCK: usize = offsetof<GcShared>("lock");
// @ts-ignore: decorator
@inline const W_THRESHOLD: usize = offsetof<GcShared>("threshold");
// @ts-ignore: decorator
@inline const W_STACK: usize = offsetof<GcShared>("stack");
// @ts-ignore: decorator
@inline const W_TOP: usize = offsetof<GcShared>("top");
// @ts-ignore: decorator
@inline const W_OVERFLOW: usize = offsetof<GcShared>("overflow");
// @ts-ignore: decorator
@inline const W_NROOTS: usize = offsetof<GcShared>("nroots");
// @ts-ignore: decorator
@inline const W_FILTER: usize = offsetof<GcShared>("filter");
// @ts-ignore: decorator
@inline const W_RESTORE: usize = offsetof<GcShared>("restore");
// @ts-ignore: decorator
@inline const W_STATICS: usize = offsetof<GcShared>("statics");
// @ts-ignore: decorator
@inline const W_CAP: usize = offsetof<GcShared>("cap");
// @ts-ignore: decorator
@inline const W_LIMIT: usize = offsetof<GcShared>("limit");
// @ts-ignore: decorator
@inline const W_ROOTS: usize = offsetof<GcShared>();

/** The collector's statistics (gcStats). Instructions are the PMU's (0 under QEMU without -icount). */
@unmanaged
export class GcStats {
  /** Collections that ran. */
  collections: u32 = 0;
  /** Requests given up because some core did not reach a safe point in WAIT_MS. */
  abandoned: u32 = 0;
  /** Objects live after the last collection, and their bytes (with object headers). */
  liveObjects: u32 = 0;
  liveBytes: u32 = 0;
  /** Objects and bytes the last collection freed, and all collections together. */
  freedObjects: u32 = 0;
  freedBytes: u32 = 0;
  totalFreedObjects: u64 = 0;
  totalFreedBytes: u64 = 0;
  /** The last collection's pause on the collecting core (from all cores stopped to the end of the sweep), in instructions and in counter ticks. */
  pauseInstructions: u64 = 0;
  pauseTicks: u64 = 0;
  /** The longest pause, in counter ticks. */
  maxPauseTicks: u64 = 0;
  /** From the request to the last core at its safe point, last collection and longest, in counter ticks. */
  waitTicks: u64 = 0;
  maxWaitTicks: u64 = 0;
  /** How long the last request that was given up had waited, from when it was made, in counter ticks. */
  abandonedWaitTicks: u64 = 0;
  /** Times the mark stack overflowed (the heap was walked again). */
  overflows: u32 = 0;
  /** The heap's block bytes that request the next collection. */
  threshold: u32 = 0;
}

// Statistics live in shared memory (one collector at a time writes them).
const STATS = changetype<GcStats>(memory.data(offsetof<GcStats>(), 16));
// When the pending request was made (counter ticks).
const REQUESTED_AT = memory.data(8, 8);

// Per core: bytes allocated since this core last looked at the threshold.
// @ts-ignore: decorator
@perCore let sinceCheck: u32 = 0;
// @ts-ignore: decorator
@perCore let gcHeap: usize = 0;

// @ts-ignore: decorator
@inline function heap(): usize {
  if (!gcHeap) gcHeap = kernelHeap();
  return gcHeap;
}

// ---- marking ----------------------------------------------------------------------

/** Marks the object at `ref` (any value: what is not a live object of the heap is ignored) and queues it for tracing. */
export function markRef(ref: usize): void {
  if (!ref) return;
  const b = heapObjectBlock(heap(), ref - OBJECT_HEADER);
  if (!b) {
    if (ref < __heap_base) markStatic(ref);
    return;
  }
  if (blockFlags(b) & REQ_MARK) return;
  blockSetFlags(b, REQ_MARK);
  push(ref);
}

// @ts-ignore: decorator
@inline function push(ref: usize): void {
  const top = load<u32>(GC + W_TOP);
  if (top < load<u32>(GC + W_CAP) || growStack()) {
    store<u32>(<usize>load<u32>(GC + W_STACK) + (<usize>top << 2), <u32>ref);
    store<u32>(GC + W_TOP, top + 1);
  } else {
    store<u32>(GC + W_OVERFLOW, 1);        // marked, its fields not yet traced: found again by the rescan
  }
}

/**
 * A full mark stack doubles (a raw block from the heap: no core but this
 * one runs, and none is inside an allocation at its safe point), up to
 * markStackLimit() entries; past that, or when the heap has no room, the
 * mark overflows and the rescan walks the heap for what it left. The
 * stack goes back to STACK_ENTRIES after the collection.
 */
function growStack(): bool {
  const cap = load<u32>(GC + W_CAP);
  const limit = markStackLimit();
  if (cap >= limit) return false;
  const want = cap ? min(cap * 2, limit) : STACK_ENTRIES;
  const bigger = heapAlloc(heap(), <usize>want << 2);
  if (!bigger) return false;
  const old = <usize>load<u32>(GC + W_STACK);
  if (old) { memory.copy(bigger, old, <usize>load<u32>(GC + W_TOP) << 2); heapFree(heap(), old); }
  store<u32>(GC + W_STACK, <u32>bigger);
  store<u32>(GC + W_CAP, want);
  return true;
}

/** The mark stack's largest size, in entries: one entry per 64 bytes of heap unless setMarkStackLimit() said otherwise. */
export function markStackLimit(): u32 {
  const set = load<u32>(GC + W_LIMIT);
  if (set) return set;
  const byHeap = heapCapacity(heap()) >> 6;
  return byHeap > STACK_ENTRIES ? byHeap : STACK_ENTRIES;
}

/** Bounds the mark stack (entries, at least STACK_ENTRIES; 0: the default): what is left over is found by rescanning the heap, slower. */
export function setMarkStackLimit(entries: u32): void {
  store<u32>(GC + W_LIMIT, entries ? max(entries, STACK_ENTRIES) : 0);
}

/** After a collection: a grown stack goes back to its first size (raw, so the sweep did not touch it). */
function shrinkStack(): void {
  if (load<u32>(GC + W_CAP) <= STACK_ENTRIES) return;
  heapFree(heap(), <usize>load<u32>(GC + W_STACK));
  store<u32>(GC + W_STACK, 0);
  makeBlocks(heap());
}

/**
 * An object in static memory (asc lays out module-level array literals,
 * strings and function objects there): never freed, but what a static
 * array holds now may be on the heap, so it is traced, once per collection.
 * Only a header asc could have written is taken (its class id is one of
 * the program's; gcInfo and gcInfo2 are 0).
 */
function markStatic(ref: usize): void {
  if (ref < OBJECT_HEADER + 4 || (ref & 15)) return;
  const bits = <usize>load<u32>(GC + W_STATICS);
  if (!bits) return;
  const i = ref >> 4;
  const byte = load<u8>(bits + (i >> 3));
  const m = <u8>(1 << <u8>(i & 7));
  if (byte & m) return;
  const head = ref - OBJECT_HEADER;
  if (load<u32>(head) | load<u32>(head, 4)) return;
  if (load<u32>(head, 8) >= load<u32>(__rtti_base)) return;
  store<u8>(bits + (i >> 3), byte | m);
  push(ref);
}

/** After an overflow: the static objects marked so far, traced again. */
function rescanStatics(): void {
  const bits = <usize>load<u32>(GC + W_STATICS);
  if (!bits) return;
  const n = staticBitmapBytes();
  for (let at: usize = 0; at < n; at++) {
    const byte = <u32>load<u8>(bits + at);
    if (!byte) continue;
    for (let k: u32 = 0; k < 8; k++) {
      if (byte & (1 << k)) { __visit_members(((at << 3) + k) << 4, GC_VISIT); drain(); }
    }
  }
}

function drain(): void {
  let top = load<u32>(GC + W_TOP);
  while (top) {
    top--;
    store<u32>(GC + W_TOP, top);
    // The stack's address is read each time: a visit may have grown it.
    __visit_members(<usize>load<u32>(<usize>load<u32>(GC + W_STACK) + (<usize>top << 2)), GC_VISIT);
    top = load<u32>(GC + W_TOP);
  }
}

/** After an overflow: trace every marked object again until nothing new is marked. */
function rescan(): void {
  while (load<u32>(GC + W_OVERFLOW)) {
    store<u32>(GC + W_OVERFLOW, 0);
    STATS.overflows++;
    const h = heap();
    let b = heapNextObject(h, 0);
    while (b) {
      if (blockFlags(b) & (REQ_MARK | REQ_PIN)) {
        __visit_members(blockPayload(b) + OBJECT_HEADER, GC_VISIT);
        drain();
      }
      b = heapNextObject(h, b);
    }
    rescanStatics();
  }
}

/**
 * The mark stack and the statics' bitmap: raw blocks (the sweep leaves
 * them) in the heap `h`, made by gcInit() at boot, and again before a
 * collection if that failed (under the collector's lock: a collection on
 * another core may prepare at the same time). False without the bitmap:
 * then nothing may be swept (what only a static array holds would not be
 * seen). Without the stack every mark overflows and the rescan does the
 * work.
 */
function makeBlocks(h: usize): bool {
  const lock = changetype<SpinLock>(GC + W_LOCK);
  lock.lock();
  if (!load<u32>(GC + W_STACK)) {
    const stack = heapAlloc(h, <usize>STACK_ENTRIES << 2);
    store<u32>(GC + W_STACK, <u32>stack);
    store<u32>(GC + W_CAP, stack ? STACK_ENTRIES : 0);
  }
  if (!load<u32>(GC + W_STATICS)) store<u32>(GC + W_STATICS, <u32>heapAlloc(h, staticBitmapBytes()));
  const ok = load<u32>(GC + W_STATICS) != 0;
  lock.unlock();
  return ok;
}

/**
 * Makes the collector's own blocks now: boot() calls it on core 0 before
 * main(), so that no kernel's heap figure sees them appear at the first
 * collection. (The heap does not call the collector: kernel/mem/ has no
 * import cycle.) Idempotent.
 */
export function gcInit(): void {
  if (load<u32>(GC + W_STACK) && load<u32>(GC + W_STATICS)) return;   // made already: no lock taken
  makeBlocks(heap());
}


// @ts-ignore: decorator
@inline function staticBitmapBytes(): usize { return ((<usize>__heap_base >> 4) + 7) >> 3; }

/** Ready to mark: false when it cannot be done safely (no bitmap). */
function prepare(): bool {
  if (!makeBlocks(heap())) return false;
  memory.fill(<usize>load<u32>(GC + W_STATICS), 0, staticBitmapBytes());
  store<u32>(GC + W_TOP, 0);
  store<u32>(GC + W_OVERFLOW, 0);
  return true;
}

/** This core's module variables (the shared ones and its @perCore ones) as roots. */
function markGlobals(): void {
  __visit_globals(GC_VISIT);
  drain();
}

/** Registers `visit` to mark what the library holds by address (call markRef on each). At most 16. */
export function addRoots(visit: () => void): void {
  const n = load<u32>(GC + W_NROOTS);
  if (n >= MAX_ROOTS) return;
  store<u32>(GC + W_ROOTS + (<usize>n << 2), <u32>changetype<usize>(visit));
  store<u32>(GC + W_NROOTS, n + 1);
}

/** Sets what re-arms this core's timer after a safe point borrowed it (the timer lists: exec/timer.ts). */
export function setTimerRestore(restore: () => void): void {
  store<u32>(GC + W_RESTORE, <u32>changetype<usize>(restore));
}

function restoreTimer(): void {
  const f = <usize>load<u32>(GC + W_RESTORE);
  if (f) changetype<() => void>(f)();
  else host.setTimer(0);
}

/** Sets the root filter: an object of the heap for which it returns true is a root (the executor's: a task that is not done). */
export function setRootFilter(isRoot: (ref: usize) => bool): void {
  store<u32>(GC + W_FILTER, <u32>changetype<usize>(isRoot));
}

function markRoots(): void {
  const n = load<u32>(GC + W_NROOTS);
  for (let i: u32 = 0; i < n; i++) {
    changetype<() => void>(<usize>load<u32>(GC + W_ROOTS + (<usize>i << 2)))();
    drain();
  }
  const h = heap();
  const filter = <usize>load<u32>(GC + W_FILTER);
  let b = heapNextObject(h, 0);
  while (b) {
    const f = blockFlags(b);
    const ref = blockPayload(b) + OBJECT_HEADER;
    if (f & REQ_PIN) {
      if (!(f & REQ_MARK)) { blockSetFlags(b, REQ_MARK); __visit_members(ref, GC_VISIT); drain(); }
    } else if (!(f & REQ_MARK) && filter && changetype<(ref: usize) => bool>(filter)(ref)) {
      markRef(ref);
      drain();
    }
    b = heapNextObject(h, b);
  }
}

// ---- sweeping -----------------------------------------------------------------

function freed(payload: usize): void {
  forget(payload + OBJECT_HEADER);           // out of any scope log that still lists it
}

const SWEPT = changetype<SweepResult>(memory.data(offsetof<SweepResult>(), 16));

function sweepAndAccount(startInstr: u64, startTicks: u64): void {
  const h = heap();
  heapSweep(h, freed, SWEPT);
  shrinkStack();
  const st = STATS;
  st.collections++;
  st.liveObjects = SWEPT.liveObjects;
  st.liveBytes = SWEPT.liveBytes;
  st.freedObjects = SWEPT.freedObjects;
  st.freedBytes = SWEPT.freedBytes;
  st.totalFreedObjects += SWEPT.freedObjects;
  st.totalFreedBytes += SWEPT.freedBytes;
  st.pauseInstructions = instructions() - startInstr;
  const pause = counter() - startTicks;
  st.pauseTicks = pause;
  if (pause > st.maxPauseTicks) st.maxPauseTicks = pause;
  retune(h, SWEPT.liveBlockBytes);
}

/**
 * The next threshold, in bytes of blocks: what is raw now (alloc()'s blocks,
 * which no collection frees) plus twice the live objects' blocks, the
 * objects' part kept between a quarter and seven eighths of the room raw
 * blocks leave. Raw blocks are not counted as objects: a kernel that holds
 * most of its heap in raw buffers collected every CHECK_EVERY bytes when
 * they were (the heap never fell under the threshold).
 */
function retune(h: usize, liveObjectBlocks: u32): void {
  const blocks = heapBlockBytes(h);
  const raw = blocks > liveObjectBlocks ? blocks - liveObjectBlocks : 0;
  const cap = heapCapacity(h);
  const room = cap > raw ? cap - raw : 0;
  let t = liveObjectBlocks * 2;
  if (t < room / 4) t = room / 4;
  if (t > room / 8 * 7) t = room / 8 * 7;
  t += raw;
  atomic.store32(GC + W_THRESHOLD, t);
  STATS.threshold = t;
}

// ---- requests and the safe point ----------------------------------------------------

/** Asks for a collection: it runs once every running core reaches its next poll boundary. Returns at once. */
export function gc(): void {
  let w = atomic.load32(GC + W_STATE);
  while ((w & 3) == IDLE) {
    // The time first: a core parked since the last request reads its new
    // deadline from it as soon as it sees REQUESTED. (A requester that
    // loses the race writes a time a little later: more patience, no harm.)
    store<u64>(REQUESTED_AT, counter());
    const found = atomic.cas32(GC + W_STATE, w, (w & ~3) | REQUESTED);
    if (found == w) {
      sendEvent();                          // idle cores leave WFE and come to their safe point
      return;
    }
    w = found;
  }
}

/** The runtime's __new and __renew: counts `bytes`, and every CHECK_EVERY bytes compares the heap with the threshold. */
// @ts-ignore: decorator
@inline export function allocated(bytes: usize): void {
  const n = sinceCheck + <u32>bytes;
  if (n < CHECK_EVERY) { sinceCheck = n; return; }
  sinceCheck = 0;
  checkPressure();
}

function checkPressure(): void {
  let t = load<u32>(GC + W_THRESHOLD);
  if (!t) { retune(heap(), 0); t = load<u32>(GC + W_THRESHOLD); }   // no collection yet: all blocks count as raw
  if (heapBlockBytes(heap()) >= t && (load<u32>(GC + W_STATE) & 3) == IDLE) gc();
}

/** True when a collection waits for this core: the executor loop calls safepoint() then. A plain read (cheap). */
// @ts-ignore: decorator
@inline export function collectionPending(): bool { return (load<u32>(GC + W_STATE) & 3) == REQUESTED; }

/**
 * The safe point: the executor loop calls it between two polls when a
 * collection is pending. This core holds no references in wasm frames of
 * its own here. Returns once the collection has run (or was given up).
 */
export function safepoint(): void {
  if (MAX_CORES > 4) ERROR("kernel/mem/gc.ts: the state word keeps 4 bits of parked cores (bits 4-7): widen it before MAX_CORES grows");
  const core = coreId() & 3;
  const bit: u32 = 1 << (4 + core);
  let w = atomic.load32(GC + W_STATE);
  while (true) {
    if ((w & 3) != REQUESTED) return;
    const found = atomic.cas32(GC + W_STATE, w, w | bit);
    if (found == w) break;
    w = found;
  }
  // The cores that wait sleep in WFE (a spinning core takes a host CPU from
  // the one it waits for under QEMU, and power on a board). Every change of
  // the word comes with an SEV; for the time limit this core's timer is
  // borrowed, and given back to the timer lists when it leaves. The limit
  // counts from the request: a core still parked when the next request
  // comes (it had not left yet) waits the full time for that one too.
  const patience = WAIT_MS * timerFrequency() / 1000;
  let armed: u64 = 0;
  while (true) {
    w = atomic.load32(GC + W_STATE);
    const phase = w & 3;
    if (phase == MARKING) {
      if (!(atomic.load32(GC + W_LOCALS) & bit)) {
        const lock = changetype<SpinLock>(GC + W_LOCK);
        lock.lock();
        markGlobals();
        lock.unlock();
        atomic.or32(GC + W_LOCALS, bit);
        sendEvent();                        // the collector waits for the last of these
      }
      waitForWake();
      continue;
    }
    if (phase == STOPPED) continue;         // a few instructions: the collector checks running()
    if (phase == IDLE) {
      // Finished (or given up): leave, unless a new request came meanwhile.
      if (atomic.cas32(GC + W_STATE, w, w & ~bit) == w) break;
      continue;
    }
    // REQUESTED: are all the running cores here?
    // (The request's time is read once: after the CAS below gives it up, a
    // new request may write its own time at once, and a wait read then came
    // out near 0: the gc test failed so under a loaded CI host.)
    const requestedAt = load<u64>(REQUESTED_AT);
    const deadline = requestedAt + patience;
    const parked = (w >> 4) & 15;
    if ((runningCores() & 15 & ~parked) == 0) {
      if (atomic.cas32(GC + W_STATE, w, (w & ~3) | STOPPED) != w) continue;
      // A core that enters its kernel now sees STOPPED (boot.ts: gcGate); one
      // that entered before it is in running() now.
      if ((runningCores() & 15 & ~parked) != 0) {
        atomic.store32(GC + W_STATE, w);     // back to REQUESTED: nobody else changes the word while STOPPED
        continue;
      }
      collect(w, bit, parked);
      break;
    }
    if (counter() >= deadline) {
      // Somebody is not coming: give the request up (only one core wins the CAS).
      if (atomic.cas32(GC + W_STATE, w, w & ~3 & ~bit) == w) {
        // The wait first, then the count a reader watches for: the cores the
        // CAS released may read the statistics at once (a reader that saw the
        // count and read the wait as 0 failed the gc test under a loaded host).
        STATS.abandonedWaitTicks = counter() - requestedAt;
        atomic.fence();
        STATS.abandoned++;
        sendEvent();
        sayGivenUp(runningCores() & 15 & ~parked);
        break;
      }
      continue;
    }
    if (deadline != armed) { host.setTimer(deadline); armed = deadline; }
    waitForWake();
  }
  restoreTimer();
}

/** Says on the console that a request was given up, and which cores did not come (no allocation). */
function sayGivenUp(missing: u32): void {
  print("gc: a collection was given up: core");
  for (let c: u32 = 0; c < MAX_CORES; c++) if (missing & (1 << c)) { print(" "); printU64(c); }
  print(" did not reach a poll boundary within "); printU64(WAIT_MS);
  print(" ms (a long poll, a loop outside the executor, or runUntil inside a poll: docs/memory-model.md)");
  // A core the watchdog declared stuck: its line names the task (issue 25).
  if ((missing & stuckCores()) == missing) println(": stuck in one poll, the watchdog's line names its task");
  else println("");
}

function collect(w: u32, bit: u32, parked: u32): void {
  const startTicks = counter();
  const startInstr = instructions();
  const wait = startTicks - load<u64>(REQUESTED_AT);
  STATS.waitTicks = wait;
  if (wait > STATS.maxWaitTicks) STATS.maxWaitTicks = wait;
  if (!prepare()) {
    STATS.abandoned++;                      // no room for the bitmap: nothing may be freed
    atomic.store32(GC + W_STATE, (w & ~0xf & ~bit) | IDLE);
    sendEvent();
    return;
  }
  // The other parked cores mark their own globals (one at a time, under the lock).
  atomic.store32(GC + W_LOCALS, 0);
  atomic.store32(GC + W_STATE, (w & ~3) | MARKING);
  sendEvent();
  const others = (parked << 4) & ~bit;
  while ((atomic.load32(GC + W_LOCALS) & others) != others) waitForWake();
  const lock = changetype<SpinLock>(GC + W_LOCK);
  lock.lock();
  markGlobals();
  markRoots();
  rescan();
  sweepAndAccount(startInstr, startTicks);
  lock.unlock();
  // Done: IDLE, one more finished, this core no longer parked (the others leave by themselves).
  atomic.store32(GC + W_STATE, ((w >> 8) + 1) << 8 | (w & 0xf0 & ~bit) | IDLE);
  sendEvent();
}

/**
 * A collection now, on this core alone, with the caller's frames ignored:
 * only for code that knows no other core runs and that it holds no
 * reference only in a local (the specs; a kernel's own start-up code before
 * any other core runs). Tasks and globals are roots as usual.
 */
export function collectNow(): void {
  const startTicks = counter();
  const startInstr = instructions();
  if (!prepare()) { STATS.abandoned++; return; }
  markGlobals();
  markRoots();
  rescan();
  sweepAndAccount(startInstr, startTicks);
}

/** Waits while a collection is under way (a core entering its kernel: boot.ts). */
export function gcGate(): void {
  while ((atomic.load32(GC + W_STATE) & 3) >= STOPPED) {}
}

/** Collections finished so far. */
export function collections(): u32 { return atomic.load32(GC + W_STATE) >> 8; }

/** A snapshot of the statistics, into `out`. */
export function gcStats(out: GcStats): GcStats {
  memory.copy(changetype<usize>(out), changetype<usize>(STATS), offsetof<GcStats>());
  return out;
}

// ---- pinning ----------------------------------------------------------------------

/** Keeps `obj` (and what it reaches) alive until unpin(obj), whether or not anything refers to it. */
export function pin<T>(obj: T): T {
  const b = heapObjectBlock(heap(), changetype<usize>(obj) - OBJECT_HEADER);
  if (b) blockSetFlags(b, REQ_PIN);
  return obj;
}

/** Undoes pin(). */
export function unpin<T>(obj: T): void {
  const b = heapObjectBlock(heap(), changetype<usize>(obj) - OBJECT_HEADER);
  if (b) blockClearFlags(b, REQ_PIN);
}

/** True if `ref` is a live object of the heap (tests: was it collected?). */
export function isLiveObject(ref: usize): bool {
  return ref != 0 && heapObjectBlock(heap(), ref - OBJECT_HEADER) != 0;
}

/** Pins every object now in the heap (the specs: the test framework's own objects stay, whatever a collection finds). */
export function pinAll(): void {
  const h = heap();
  let b = heapNextObject(h, 0);
  while (b) { blockSetFlags(b, REQ_PIN); b = heapNextObject(h, b); }
}

/** Unpins every object. */
export function unpinAll(): void {
  const h = heap();
  let b = heapNextObject(h, 0);
  while (b) { blockClearFlags(b, REQ_PIN); b = heapNextObject(h, b); }
}
