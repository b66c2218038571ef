// The collector: objects nobody can reach are freed without dispose().
//
// Mark and sweep in increments, each at the executor's poll boundary with
// every core stopped, each bounded in time (docs/memory-model.md, "The
// collector"). Between two polls a core holds no wasm frame with references
// of its own: what a task keeps is in the task's fields (an async function's
// locals are fields of its state machine), so the roots are
//   - the module variables: every core runs asc's __visit_globals, which
//     reads the shared ones (tools/kernel/share-globals.ts put them in one region)
//     and that core's @perCore ones;
//   - every live task (queued, running or waiting: not DONE), found on a
//     walk over the heap by the executor's root filter;
//   - what the library holds by address: the timer lists, the interrupt
//     handlers (addRoots);
//   - pinned objects (__pin, pin()).
// Tracing follows asc's __visit_members, with an explicit mark stack (when
// it overflows, the heap is walked again for marked objects); an Array's or
// a StaticArray's elements are traced CHUNK at a time. Objects in static
// memory (a module-level array literal, `const names = ["a", "b"]`, is
// built there by asc) are never freed but are traced: `names[0] = "x" + n`
// puts a heap string in one (a bitmap of the statics seen keeps a cycle of
// them finite). The sweep frees every object block that was not marked;
// raw allocations (alloc()) are never touched.
//
// A cycle. Its first increment marks the module variables of every core and
// what addRoots registered; then increments trace from the mark stack and
// walk the heap for tasks and pinned objects, as far as the time budget
// (setPauseBudget: 500 us by default) goes each; the cores run between two.
// When nothing is left to trace, one increment marks the roots again and
// finishes the marking (the remark: what the cores did meanwhile), and the
// next ones sweep, also in pieces, from a cursor the heap keeps valid
// (kernel/mem/tlsf.ts). While marking, every reference store is seen:
// asc calls __link(parent, child) on each, and when the parent is marked
// and the child is not, the child goes into the core's own log (remember),
// which the next increment marks (Dijkstra's insertion barrier). An object
// made while marking is white (traced when something marked takes it,
// through the same barrier), except a task, which is a root from birth
// (remembered at once); while sweeping, an object made ahead of the cursor
// is marked, so the sweep keeps it and clears the mark.
//
// When. An allocation that takes the heap's blocks past the threshold (the
// raw blocks plus twice the objects live after the last collection: at
// least a quarter, at most seven eighths of the room raw blocks leave them)
// or gc() starts a cycle. An increment is asked for by a core that has
// allocated CHECK_EVERY bytes since its last look, and at a poll boundary
// once as long as the last increment took has passed since it ended (so the
// cores get at least half of the time while a cycle runs). Every core that
// runs a kernel (cpu.running()) stops at its next poll boundary (an idle
// core is woken from WFE); the last to arrive runs the increment while the
// others wait (or mark their own @perCore variables, when it asks), then
// all go on. A core in a long poll delays the increment (the wait is in the
// statistics); if some core does not arrive within WAIT_MS (a core that
// loops outside the executor, or runs runUntil, which is not a safe point),
// the others give up and the request is dropped (`abandoned`): the cycle
// waits for the next one.
//
// The state word (shared, changed only by compare-and-swap): bits 0-1 the
// phase (IDLE, REQUESTED, STOPPED: the collector checks nobody else runs,
// MARKING: the parked cores mark their own module variables), bits 4-7 the
// cores parked at a safe point, bits 8-31 how many cycles finished.
import * as atomic from "../../arch/atomic";
import { coreId, counter, timerFrequency, sendEvent, waitForWake, runningCores, instructions, MAX_CORES } from "../../arch/cpu";
import { cpu as host } from "../../arch/host";
import { stuckCores } from "../watch";
import { kernelHeap } from "./heap";
import {
  heapObjectBlock, heapNextObject, heapBlockBytes, heapCapacity, SweepResult,
  blockFlags, blockSetFlags, blockClearFlags, blockPayload, heapAlloc, heapFree, REQ_MARK, REQ_PIN,
  heapCursorStart, heapCursor, heapWalkSome, heapSweepSome,
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

/** Where the collection is (W_CYCLE): none under way, marking (the barrier is on), sweeping. */
const enum Cycle { None = 0, Mark = 1, Sweep = 2 }
/** Elements of an Array or a StaticArray traced at a time (a large one spans increments). */
// @ts-ignore: decorator
@inline const CHUNK: u32 = 64;
/** Blocks a piece of the heap walk or the sweep goes over between two looks at the clock. */
// @ts-ignore: decorator
@inline const WALK_PIECE: u32 = 32;
/** The default time budget of an increment, in microseconds (setPauseBudget). */
export const PAUSE_BUDGET_US: u32 = 500;
/** Entries of a core's log of barrier stores at first (it doubles when full). */
// @ts-ignore: decorator
@inline const LOG_ENTRIES: u32 = 256;

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
  /** Where the collection is (a Cycle). Changed in increments only. */
  cycle: u32 = 0;
  /** 1 while the heap walk for tasks and pinned objects has not reached the end. */
  walking: u32 = 0;
  /** 1 when a barrier store could not be logged (no room): the remark traces every marked object again. */
  lost: u32 = 0;
  /** 1 when gc() asked while a cycle ran: another starts when it ends. */
  again: u32 = 0;
  /** 1 when the heap filled past half the room the threshold left while a cycle ran: its next increment finishes it, whatever the budget. */
  urgent: u32 = 0;
  /** An increment's time budget in counter ticks (0: until the cycle ends), and in units of work (0: no limit; the specs). */
  budget: u32 = 0;
  units: u32 = 0;
  /** A large Array's or StaticArray's elements as they were when its tracing began (a raw block), their count, and the next to mark. */
  partRef: u32 = 0;
  partLen: u32 = 0;
  partAt: u32 = 0;
  /** The counter when the next increment is due at a poll boundary (the time pacing). */
  nextAt: u64 = 0;
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
@inline const W_CYCLE: usize = offsetof<GcShared>("cycle");
// @ts-ignore: decorator
@inline const W_WALKING: usize = offsetof<GcShared>("walking");
// @ts-ignore: decorator
@inline const W_LOST: usize = offsetof<GcShared>("lost");
// @ts-ignore: decorator
@inline const W_AGAIN: usize = offsetof<GcShared>("again");
// @ts-ignore: decorator
@inline const W_URGENT: usize = offsetof<GcShared>("urgent");
// @ts-ignore: decorator
@inline const W_BUDGET: usize = offsetof<GcShared>("budget");
// @ts-ignore: decorator
@inline const W_UNITS: usize = offsetof<GcShared>("units");
// @ts-ignore: decorator
@inline const W_PART_REF: usize = offsetof<GcShared>("partRef");
// @ts-ignore: decorator
@inline const W_PART_LEN: usize = offsetof<GcShared>("partLen");
// @ts-ignore: decorator
@inline const W_PART_AT: usize = offsetof<GcShared>("partAt");
// @ts-ignore: decorator
@inline const W_NEXT_AT: usize = offsetof<GcShared>("nextAt");
// @ts-ignore: decorator
@inline const W_ROOTS: usize = offsetof<GcShared>();

// Each core's log of barrier stores: its entries (a raw block), their count and room (3 words a core, 16 bytes).
const LOGS = memory.data(MAX_CORES * 16, 16);

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
  /** The last collection's longest pause (an increment: from all cores stopped to all going on), in instructions and in counter ticks. */
  pauseInstructions: u64 = 0;
  pauseTicks: u64 = 0;
  /** The longest pause of any collection, in counter ticks and in instructions. */
  maxPauseTicks: u64 = 0;
  maxPauseInstructions: u64 = 0;
  /** The increments of the last collection, and of all together. */
  increments: u32 = 0;
  totalIncrements: u32 = 0;
  /** The last collection from its first increment to the end of its last, in counter ticks (the cores ran in between). */
  cycleTicks: u64 = 0;
  /** From the request to the last core at its safe point, last collection and longest, in counter ticks. */
  waitTicks: u64 = 0;
  maxWaitTicks: u64 = 0;
  /** How long the last request that was given up had waited, from when it was made, in counter ticks. */
  abandonedWaitTicks: u64 = 0;
  /** Increments that finished a collection whatever the budget: the heap was filling faster than increments collected. */
  urgent: u32 = 0;
  /** Times the mark stack overflowed (the heap was walked again). */
  overflows: u32 = 0;
  /** The heap's block bytes that request the next collection. */
  threshold: u32 = 0;
}

// Statistics live in shared memory (one collector at a time writes them).
const STATS = changetype<GcStats>(memory.data(offsetof<GcStats>(), 16));
// When the pending request was made (counter ticks).
const REQUESTED_AT = memory.data(8, 8);
// When the collection under way had its first increment (counter ticks).
const CYCLE_AT = memory.data(8, 8);
// The raw blocks' bytes at the last collection (retune): the rest of the heap is the room for objects.
const LAST_RAW = memory.data(4, 4);

// Per core: bytes allocated since this core last looked at the threshold.
// @ts-ignore: decorator
@perCore let sinceCheck: u32 = 0;
// @ts-ignore: decorator
@perCore let gcHeap: usize = 0;
// Per core: its row of LOGS (0 until its first barrier store).
// @ts-ignore: decorator
@perCore let logRow: usize = 0;

// @ts-ignore: decorator
@inline function heap(): usize {
  if (!gcHeap) gcHeap = kernelHeap();
  return gcHeap;
}

// ---- the work budget of an increment (the collecting core's alone) ----------

// (Module variables: shared, and only the core that runs the increment
// touches them, one increment at a time.)
let workUnits: u32 = 0;
let workLimit: u32 = 0;      // units (0: none)
let workDeadline: u64 = 0;   // counter ticks (0: none)
let sinceLook: u32 = 0;
let staleBelow: u32 = 0;     // mark stack entries below this were pushed before this increment

function beginWork(budgetTicks: u64, units: u32): void {
  staleBelow = load<u32>(GC + W_TOP);
  workUnits = 0;
  sinceLook = 0;
  workLimit = units;
  workDeadline = budgetTicks ? counter() + budgetTicks : 0;
}

/** Counts `units` of work done; true once the increment's budget is spent. */
// @ts-ignore: decorator
@inline function spent(units: u32): bool {
  workUnits += units;
  if (workLimit && workUnits >= workLimit) return true;
  if (!workDeadline) return false;
  sinceLook += units;
  if (sinceLook < 8) return false;
  sinceLook = 0;
  return counter() >= workDeadline;
}

/** An increment with no bound (a whole collection): the walk and the sweep go in one piece. */
// @ts-ignore: decorator
@inline function unbounded(): bool { return !workLimit && !workDeadline; }

/** Whether the increment may do more (the clock read now). */
function budgetLeft(): bool {
  if (workLimit && workUnits >= workLimit) return false;
  return !workDeadline || counter() < workDeadline;
}

/** The budget of an increment in counter ticks (0: no bound). */
function budgetTicks(): u64 {
  const us = load<u32>(GC + W_BUDGET);
  if (us == 0xFFFFFFFF) return 0;
  return <u64>(us ? us : PAUSE_BUDGET_US) * timerFrequency() / 1_000_000;
}

/**
 * Bounds each increment of a collection to `us` microseconds of work
 * (PAUSE_BUDGET_US by default; 0: no bound, a whole collection at once, as
 * before issue 25). The pause is this plus the time to stop the cores and a
 * little over the budget (the clock is read every few objects).
 */
export function setPauseBudget(us: u32): void {
  store<u32>(GC + W_BUDGET, us ? us : 0xFFFFFFFF);
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
      if (byte & (1 << k)) { __visit_members(((at << 3) + k) << 4, GC_VISIT); drainAll(); }
    }
  }
}

// asc's type information (std/assembly/shared/typeinfo.ts): a word of flags per class id after the count.
// @ts-ignore: decorator
@inline const TI_ARRAY: u32 = 1 << 1;
// @ts-ignore: decorator
@inline const TI_STATICARRAY: u32 = 1 << 2;
// @ts-ignore: decorator
@inline const TI_VALUE_MANAGED: u32 = 1 << 14;
// An Array's fields (std/assembly/array.ts: ArrayBufferView's buffer, dataStart, byteLength, then length_).
// @ts-ignore: decorator
@inline const ARRAY_DATA: usize = 4;
// @ts-ignore: decorator
@inline const ARRAY_LENGTH: usize = 12;

// @ts-ignore: decorator
@inline function typeFlags(ref: usize): u32 {
  const id = load<u32>(ref - 8);
  return id < load<u32>(__rtti_base) ? load<u32>(__rtti_base + 4 + (<usize>id << 2)) : 0;
}

/** The elements of a managed Array or StaticArray at `ref`: their count (the data's address in ELEMENTS_AT), or -1 for any other object. */
// @ts-ignore: decorator
@inline function elementsOf(ref: usize): i32 {
  const f = typeFlags(ref);
  if (!(f & TI_VALUE_MANAGED)) return -1;
  if (f & TI_ARRAY) { elementsAt = <usize>load<u32>(ref + ARRAY_DATA); return load<i32>(ref + ARRAY_LENGTH); }
  if (f & TI_STATICARRAY) { elementsAt = ref; return <i32>(load<u32>(ref - 4) >> 2); }
  return -1;
}
let elementsAt: usize = 0;

/** A reference popped from the stack is still what it was: a static, or a marked object of the heap (one freed since is not). */
function stillMarked(ref: usize): bool {
  if (ref < __heap_base) return true;
  const b = heapObjectBlock(heap(), ref - OBJECT_HEADER);
  return b != 0 && (blockFlags(b) & REQ_MARK) != 0;
}

/**
 * Traces one object: its fields through asc's __visit_members. A large
 * Array's or StaticArray's elements are copied as they are now (one
 * memory.copy) and marked CHUNK at a time from the copy, across increments
 * if need be: the program may move them meanwhile (splice, sort, reverse
 * move elements without asc's __link), but not out of the copy; what it
 * stores into the array later goes through the barrier. Without room for
 * the copy, or with another array under way, the elements are marked at once.
 */
// @ts-ignore: decorator
@inline function trace(ref: usize): void {
  if (!load<u32>(GC + W_PART_REF)) {
    const n = elementsOf(ref);
    if (n > <i32>CHUNK) {
      const copy = heapAlloc(heap(), <usize>n << 2);
      if (copy) {
        memory.copy(copy, elementsAt, <usize>n << 2);
        if (typeFlags(ref) & TI_ARRAY) markRef(<usize>load<u32>(ref));   // its buffer (no references of its own)
        store<u32>(GC + W_PART_REF, <u32>copy);
        store<u32>(GC + W_PART_LEN, <u32>n);
        store<u32>(GC + W_PART_AT, 0);
        return;
      }
    }
  }
  __visit_members(ref, GC_VISIT);
}

/** Marks the next CHUNK elements of the array under way (from its copy). */
function tracePart(): void {
  const copy = <usize>load<u32>(GC + W_PART_REF);
  const n = load<u32>(GC + W_PART_LEN);
  let at = load<u32>(GC + W_PART_AT);
  const end = min<u32>(n, at + CHUNK);
  for (; at < end; at++) {
    const v = <usize>load<u32>(copy + (<usize>at << 2));
    if (v) markRef(v);
  }
  store<u32>(GC + W_PART_AT, at);
  if (at >= n) dropPart();
}

/** The array under way is done (or the collection begins anew): its copy goes back to the heap. */
function dropPart(): void {
  const copy = <usize>load<u32>(GC + W_PART_REF);
  if (!copy) return;
  store<u32>(GC + W_PART_REF, 0);
  heapFree(heap(), copy);
}

/** Traces from the mark stack and the part under way until both are empty (true) or the budget is spent (false). */
function drainSome(): bool {
  while (true) {
    let top = load<u32>(GC + W_TOP);
    if (top) {
      top--;
      store<u32>(GC + W_TOP, top);
      // The stack's address is read each time: a visit may have grown it.
      const ref = <usize>load<u32>(<usize>load<u32>(GC + W_STACK) + (<usize>top << 2));
      // An entry from before this increment may be stale (the cores ran: it
      // may have been disposed); one pushed in it is not (no core ran since).
      if (top < staleBelow) {
        staleBelow = top;
        if (stillMarked(ref)) trace(ref);
      } else {
        trace(ref);
      }
      if (spent(1)) return load<u32>(GC + W_TOP) == 0 && load<u32>(GC + W_PART_REF) == 0;
      continue;
    }
    if (!load<u32>(GC + W_PART_REF)) return true;
    tracePart();
    if (spent(CHUNK / 8)) return load<u32>(GC + W_TOP) == 0 && load<u32>(GC + W_PART_REF) == 0;
  }
}

/** Traces until nothing is left, whatever the budget. */
function drainAll(): void {
  const limit = workLimit, deadline = workDeadline;
  workLimit = 0; workDeadline = 0;
  drainSome();
  workLimit = limit; workDeadline = deadline;
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
        drainAll();
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
  for (let c: usize = 0; c < MAX_CORES; c++) {           // the barrier's logs (raw, like the stack)
    const row = LOGS + (c << 4);
    if (!load<u32>(row, 8)) growLog(row);
  }
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
  dropPart();
  return true;
}

/** This core's module variables (the shared ones and its @perCore ones) as roots: marked, traced by the increment. */
function markGlobals(): void {
  __visit_globals(GC_VISIT);
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

// @ts-ignore: decorator
@inline function isRootObject(ref: usize): bool {
  const filter = <usize>load<u32>(GC + W_FILTER);
  return filter != 0 && changetype<(ref: usize) => bool>(filter)(ref);
}

/** What the library holds by address (addRoots): marked at the start and again at the remark. */
function markLibraryRoots(): void {
  const n = load<u32>(GC + W_NROOTS);
  for (let i: u32 = 0; i < n; i++) changetype<() => void>(<usize>load<u32>(GC + W_ROOTS + (<usize>i << 2)))();
}

/** The heap walk's look at one object block: a pinned object or a task that is not done is a root. */
function walkVisit(b: usize): void {
  const f = blockFlags(b);
  if (f & REQ_MARK) return;
  const ref = blockPayload(b) + OBJECT_HEADER;
  if ((f & REQ_PIN) || isRootObject(ref)) markRef(ref);
}

// ---- the barrier: what the cores store while a collection marks ------------------

/**
 * asc's __link(parent, child) while marking (kernel/mem/runtime.ts calls it
 * only then): a child stored into a marked object (or a static one, or
 * what is not an object of the heap) and not marked itself goes into this
 * core's log. A parent not marked yet is traced later with what it holds then.
 */
export function barrier(parent: usize, child: usize): void {
  if (!child) return;
  const h = heap();
  if (parent >= __heap_base) {
    const pb = heapObjectBlock(h, parent - OBJECT_HEADER);
    if (pb && !(blockFlags(pb) & REQ_MARK)) return;
  }
  if (child >= __heap_base) {
    const cb = heapObjectBlock(h, child - OBJECT_HEADER);
    if (!cb || (blockFlags(cb) & REQ_MARK)) return;
  }
  remember(child);
}

/** Logs `ref` for the next increment to mark (this core's log; it doubles when full). */
function remember(ref: usize): void {
  let row = logRow;
  if (!row) { row = LOGS + (<usize>(coreId() & (MAX_CORES - 1)) << 4); logRow = row; }
  const n = load<u32>(row, 4);
  if (n >= load<u32>(row, 8) && !growLog(row)) { atomic.store32(GC + W_LOST, 1); return; }
  store<u32>(<usize>load<u32>(row) + (<usize>n << 2), <u32>ref);
  store<u32>(row, n + 1, 4);
}

function growLog(row: usize): bool {
  const cap = load<u32>(row, 8);
  const want = cap ? cap * 2 : LOG_ENTRIES;
  const bigger = heapAlloc(heap(), <usize>want << 2);
  if (!bigger) return false;
  const old = <usize>load<u32>(row);
  if (old) { memory.copy(bigger, old, <usize>load<u32>(row, 4) << 2); heapFree(heap(), old); }
  store<u32>(row, <u32>bigger);
  store<u32>(row, want, 8);
  return true;
}

/** After a collection: a log that grew goes back to its first size. */
function shrinkLogs(): void {
  for (let c: usize = 0; c < MAX_CORES; c++) {
    const row = LOGS + (c << 4);
    if (load<u32>(row, 8) <= LOG_ENTRIES) continue;
    heapFree(heap(), <usize>load<u32>(row));
    store<u32>(row, 0);
    store<u32>(row, 0, 8);
    growLog(row);
  }
}

/** Marks what every core logged since the last increment, and empties the logs. */
function takeLogs(): void {
  for (let c: usize = 0; c < MAX_CORES; c++) {
    const row = LOGS + (c << 4);
    const n = load<u32>(row, 4);
    if (!n) continue;
    const at = <usize>load<u32>(row);
    for (let i: u32 = 0; i < n; i++) markRef(<usize>load<u32>(at + (<usize>i << 2)));
    store<u32>(row, 0, 4);
  }
}

/** True when a core's log holds anything. */
function logsHold(): bool {
  for (let c: usize = 0; c < MAX_CORES; c++) if (load<u32>(LOGS + (c << 4), 4)) return true;
  return false;
}

/** Whether a collection is marking (the barrier is on): a plain read. */
// @ts-ignore: decorator
@inline export function marking(): bool { return load<u32>(GC + W_CYCLE) == Cycle.Mark; }

/**
 * The runtime's __new, for the object at `ref` just made: while marking, a
 * task (a root from birth) is logged; while sweeping, an object ahead of
 * the sweep's cursor is marked, so the sweep keeps it.
 */
// @ts-ignore: decorator
@inline export function fresh(ref: usize): void {
  const c = load<u32>(GC + W_CYCLE);
  if (c) freshSlow(ref, c);
}

function freshSlow(ref: usize, c: u32): void {
  const b = ref - OBJECT_HEADER - 16;          // the heap block (kernel/mem/tlsf.ts: a 16-byte header)
  if (c == Cycle.Mark) { if (isRootObject(ref)) remember(ref); }
  else if (b >= heapCursor(heap())) blockSetFlags(b, REQ_MARK);
}

/**
 * The runtime's __renew, for an object that moved to `ref`: it keeps its
 * flags, but a marked one may not have been traced (its old place is on
 * the stack): while marking it is unmarked and logged, while sweeping it
 * takes the colour of its new place, and between collections it is white.
 */
export function renewed(ref: usize): void {
  const b = ref - OBJECT_HEADER - 16;
  blockClearFlags(b, REQ_MARK);
  const c = load<u32>(GC + W_CYCLE);
  if (c == Cycle.Mark) remember(ref);
  else if (c == Cycle.Sweep && b >= heapCursor(heap())) blockSetFlags(b, REQ_MARK);
}

// ---- sweeping -----------------------------------------------------------------

function freed(payload: usize): void {
  forget(payload + OBJECT_HEADER);           // out of any scope log that still lists it
}

const SWEPT = changetype<SweepResult>(memory.data(offsetof<SweepResult>(), 16));

/** Sweeping as far as the budget goes: true when the sweep reached the end of the heap. */
function sweepSome(): bool {
  const h = heap();
  const piece = unbounded() ? 0xFFFFFFFF : WALK_PIECE;
  while (true) {
    if (heapSweepSome(h, freed, SWEPT, piece)) return true;
    if (spent(WALK_PIECE / 8)) return false;
  }
}

/** The collection's end: its figures, the next threshold. */
function finishCycle(): void {
  shrinkStack();
  shrinkLogs();
  const st = STATS;
  st.collections++;
  st.liveObjects = SWEPT.liveObjects;
  st.liveBytes = SWEPT.liveBytes;
  st.freedObjects = SWEPT.freedObjects;
  st.freedBytes = SWEPT.freedBytes;
  st.totalFreedObjects += SWEPT.freedObjects;
  st.totalFreedBytes += SWEPT.freedBytes;
  st.cycleTicks = counter() - load<u64>(CYCLE_AT);
  retune(heap(), SWEPT.liveBlockBytes);
  store<u32>(GC + W_CYCLE, Cycle.None);
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
  store<u32>(LAST_RAW, raw);
  atomic.store32(GC + W_THRESHOLD, t);
  STATS.threshold = t;
}

// ---- one increment ----------------------------------------------------------------

/**
 * The work of one increment, on the core that runs it while every other
 * running core waits (`others`: their bits, as in W_LOCALS; `bit` this
 * core's), within `ticks` of the clock and `units` of work (0: no bound).
 * True when it finished a collection.
 */
function work(others: u32, bit: u32, ticks: u64, units: u32): bool {
  const lock = changetype<SpinLock>(GC + W_LOCK);
  beginWork(ticks, units);
  let cycle = load<u32>(GC + W_CYCLE);
  if (cycle == Cycle.None) {
    if (!prepare()) { STATS.abandoned++; return false; }   // no room for the bitmap: nothing may be freed
    store<u64>(CYCLE_AT, counter());
    STATS.increments = 0;
    STATS.pauseTicks = 0;
    STATS.pauseInstructions = 0;
    store<u32>(GC + W_LOST, 0);
    store<u32>(GC + W_WALKING, 1);
    heapCursorStart(heap());
    for (let c: usize = 0; c < MAX_CORES; c++) store<u32>(LOGS + (c << 4), 0, 4);
    store<u32>(GC + W_CYCLE, Cycle.Mark);       // the barrier is on once the cores go on
    markRootsEverywhere(others);
    cycle = Cycle.Mark;
  }
  if (cycle == Cycle.Mark) {
    lock.lock();
    takeLogs();
    let done = markSome();
    lock.unlock();
    if (done) {
      remark(others);
      SWEPT.liveObjects = SWEPT.liveBytes = SWEPT.freedObjects = SWEPT.freedBytes = SWEPT.liveBlockBytes = 0;
      heapCursorStart(heap());
      store<u32>(GC + W_CYCLE, Cycle.Sweep);
      cycle = Cycle.Sweep;
    }
  }
  if (cycle == Cycle.Sweep && budgetLeft() && sweepSome()) {
    finishCycle();
    return true;
  }
  return false;
}

/** Marking as far as the budget goes: true when nothing is left to trace (the stack, a part, the heap walk). */
function markSome(): bool {
  const h = heap();
  while (true) {
    if (!drainSome()) return false;
    if (!load<u32>(GC + W_WALKING)) return true;
    if (heapWalkSome(h, walkVisit, unbounded() ? 0xFFFFFFFF : WALK_PIECE)) store<u32>(GC + W_WALKING, 0);
    if (spent(WALK_PIECE / 8)) return load<u32>(GC + W_WALKING) == 0 && load<u32>(GC + W_TOP) == 0 && load<u32>(GC + W_PART_REF) == 0;
  }
}

/** The roots held by module variables (every core marks its own) and by address (addRoots). */
function markRootsEverywhere(others: u32): void {
  if (others) {
    atomic.store32(GC + W_LOCALS, 0);           // the parked cores: mark yours
    sendEvent();
    while ((atomic.load32(GC + W_LOCALS) & others) != others) waitForWake();
  }
  const lock = changetype<SpinLock>(GC + W_LOCK);
  lock.lock();
  markGlobals();
  markLibraryRoots();
  lock.unlock();
}

/**
 * The marking's end, in one increment (no core runs until the sweep may
 * start): the roots again (what the cores stored in module variables or
 * handed to the library by address since, which no barrier sees), the
 * logs, and everything that reaches; every marked object again if a log
 * lost a store or the stack overflowed.
 */
function remark(others: u32): void {
  markRootsEverywhere(others);
  const lock = changetype<SpinLock>(GC + W_LOCK);
  lock.lock();
  do { takeLogs(); drainAll(); } while (logsHold());
  if (load<u32>(GC + W_LOST)) { store<u32>(GC + W_OVERFLOW, 1); store<u32>(GC + W_LOST, 0); }
  rescan();
  lock.unlock();
}

// ---- requests and the safe point ----------------------------------------------------

/**
 * Asks for a collection: it runs in increments at the cores' poll
 * boundaries, from the next one on. Returns at once. When one is under
 * way, another starts once it ends (what was dropped after it began may
 * have been marked by it): collections() counts both.
 */
export function gc(): void {
  if (load<u32>(GC + W_CYCLE) != Cycle.None) atomic.store32(GC + W_AGAIN, 1);
  request();
}

/** Asks for the next increment (or a collection's first): every running core stops at its next poll boundary. */
function request(): void {
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

/** Every CHECK_EVERY bytes a core allocates: a collection past the threshold, an increment while one is under way (so marking keeps up with allocation). */
function checkPressure(): void {
  const h = heap();
  if (load<u32>(GC + W_CYCLE) != Cycle.None) {
    if (short(h)) atomic.store32(GC + W_URGENT, 1);    // whether an increment is asked for already or not
    request();                                          // (none when one is: it is not IDLE)
    return;
  }
  if ((load<u32>(GC + W_STATE) & 3) != IDLE) return;
  let t = load<u32>(GC + W_THRESHOLD);
  if (!t) { retune(h, 0); t = load<u32>(GC + W_THRESHOLD); }   // no collection yet: all blocks count as raw
  if (heapBlockBytes(h) >= t) request();
}

/**
 * Less than a quarter of the room for objects (the heap less the raw
 * blocks at the last collection) is free: the cores could run out of
 * memory before increments finish a collection, so the next increment
 * finishes it at once (a longer pause rather than running out of memory;
 * counted in `urgent`). A collection that begins so is done in one
 * increment: in a heap that small for what it holds, as before issue 25.
 */
function short(h: usize): bool {
  const cap = heapCapacity(h), blocks = heapBlockBytes(h), raw = load<u32>(LAST_RAW);
  const room = cap > raw ? cap - raw : 0;
  return cap - min(blocks, cap) < room / 4;
}

/**
 * True when a collection waits for this core: the executor loop calls
 * safepoint() then. A plain read, and while a collection is under way the
 * clock too (an increment is due once the last one's length has passed).
 */
// @ts-ignore: decorator
@inline export function collectionPending(): bool {
  const phase = load<u32>(GC + W_STATE) & 3;
  if (phase == REQUESTED) return true;
  return phase == IDLE && load<u32>(GC + W_CYCLE) != Cycle.None && counter() >= load<u64>(GC + W_NEXT_AT);
}

/**
 * The safe point: the executor loop calls it between two polls when a
 * collection is pending. This core holds no references in wasm frames of
 * its own here. Returns once the increment has run (or was given up).
 */
export function safepoint(): void {
  if (MAX_CORES > 4) ERROR("kernel/mem/gc.ts: the state word keeps 4 bits of parked cores (bits 4-7): widen it before MAX_CORES grows");
  const core = coreId() & 3;
  const bit: u32 = 1 << (4 + core);
  let w = atomic.load32(GC + W_STATE);
  if ((w & 3) == IDLE && load<u32>(GC + W_CYCLE) != Cycle.None) { request(); w = atomic.load32(GC + W_STATE); }
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
    // The collector checks running(), then starts the increment (MARKING)
    // or goes back (REQUESTED); either comes with an SEV. Asleep meanwhile:
    // a core that spun here took whole time slices from the collector under
    // QEMU's -icount (three cores' slices made one increment 4.9 M
    // instructions, tests/kernels/gc-pause.ts), and power on a board.
    if (phase == STOPPED) { waitForWake(); continue; }
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
        sendEvent();                        // the parked cores wait for a change (above)
        continue;
      }
      increment(w, bit, parked);
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
        store<u64>(GC + W_NEXT_AT, counter() + patience);   // a collection under way tries again later
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

/** One increment, every running core parked (`parked`), on the last to arrive (`bit`). */
function increment(w: u32, bit: u32, parked: u32): void {
  const startTicks = counter();
  const startInstr = instructions();
  const wait = startTicks - load<u64>(REQUESTED_AT);
  STATS.waitTicks = wait;
  if (wait > STATS.maxWaitTicks) STATS.maxWaitTicks = wait;
  // The others sleep until the end, or mark their own module variables
  // when asked (markRootsEverywhere's SEV): no SEV here, which would only
  // wake them to sleep again.
  const others = (parked << 4) & ~bit;
  atomic.store32(GC + W_LOCALS, others);
  atomic.store32(GC + W_STATE, (w & ~3) | MARKING);
  if (short(heap())) atomic.store32(GC + W_URGENT, 1);   // at a collection's start, or the cores outran its increments
  const urgent = atomic.load32(GC + W_URGENT) != 0;
  if (urgent) STATS.urgent++;
  const finished = work(others, bit, urgent ? 0 : budgetTicks(), 0);
  if (finished) atomic.store32(GC + W_URGENT, 0);
  account(startTicks, startInstr);
  // The next increment at a poll boundary once as long has passed: the cores get half the time at least.
  const end = counter();
  store<u64>(GC + W_NEXT_AT, end + (end - startTicks));
  const again = finished && atomic.load32(GC + W_AGAIN) != 0;
  if (again) atomic.store32(GC + W_AGAIN, 0);
  // Done: IDLE, one more finished if so, this core no longer parked (the others leave by themselves).
  atomic.store32(GC + W_STATE, ((w >> 8) + (finished ? 1 : 0)) << 8 | (w & 0xf0 & ~bit) | IDLE);
  sendEvent();
  if (again) request();                      // gc() asked while it ran: a collection that begins after
}

/** An increment's pause into the statistics. */
function account(startTicks: u64, startInstr: u64): void {
  const st = STATS;
  const pause = counter() - startTicks;
  const instr = instructions() - startInstr;
  st.increments++;
  st.totalIncrements++;
  if (pause > st.pauseTicks) st.pauseTicks = pause;
  if (instr > st.pauseInstructions) st.pauseInstructions = instr;
  if (pause > st.maxPauseTicks) st.maxPauseTicks = pause;
  if (instr > st.maxPauseInstructions) st.maxPauseInstructions = instr;
}

/**
 * A collection now, on this core alone, with the caller's frames ignored:
 * only for code that knows no other core runs and that it holds no
 * reference only in a local (the specs; a kernel's own start-up code before
 * any other core runs). Tasks and globals are roots as usual. One under way
 * is finished first, then a whole one runs, in one increment.
 */
export function collectNow(): void {
  if (load<u32>(GC + W_CYCLE) != Cycle.None) while (!collectStep(0)) {}
  collectStep(0);
}

/**
 * One increment on this core alone (as collectNow: no other core runs),
 * bounded by `units` of work (an object traced is one) and by `us`
 * microseconds (0: no bound for either). True when it finished a
 * collection. The specs and the benchmark step a collection with it.
 */
export function collectStep(units: u32, us: u32 = 0): bool {
  const startTicks = counter();
  const startInstr = instructions();
  const finished = work(0, 0, <u64>us * timerFrequency() / 1_000_000, units);
  account(startTicks, startInstr);
  return finished;
}

/** Waits while a collection's increment is under way (a core entering its kernel: boot.ts). */
export function gcGate(): void {
  while ((atomic.load32(GC + W_STATE) & 3) >= STOPPED) waitForWake();   // the increment's end comes with an SEV
}

/** Collections finished so far (increments of a collection are not counted). */
export function collections(): u32 { return atomic.load32(GC + W_STATE) >> 8; }

/** Whether a collection is under way (between its increments, the cores run). */
export function collecting(): bool { return load<u32>(GC + W_CYCLE) != Cycle.None; }

/** A snapshot of the statistics, into `out`. */
export function gcStats(out: GcStats): GcStats {
  memory.copy(changetype<usize>(out), changetype<usize>(STATS), offsetof<GcStats>());
  return out;
}

// ---- pinning ----------------------------------------------------------------------

/** Keeps `obj` (and what it reaches) alive until unpin(obj), whether or not anything refers to it. */
export function pin<T>(obj: T): T {
  const b = heapObjectBlock(heap(), changetype<usize>(obj) - OBJECT_HEADER);
  if (b) {
    blockSetFlags(b, REQ_PIN);
    if (marking()) remember(changetype<usize>(obj));   // the heap walk may have passed it
  }
  return obj;
}

/** Undoes pin(). */
export function unpin<T>(obj: T): void {
  const b = heapObjectBlock(heap(), changetype<usize>(obj) - OBJECT_HEADER);
  if (b) blockClearFlags(b, REQ_PIN);
}

/** True if `ref` is an object of the heap the collection under way has marked (tests). */
export function isMarked(ref: usize): bool {
  const b = heapObjectBlock(heap(), ref - OBJECT_HEADER);
  return b != 0 && (blockFlags(b) & REQ_MARK) != 0;
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
