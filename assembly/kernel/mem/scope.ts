// Scopes: "free everything this code allocated", for the temporaries that
// explicit lifetime makes painful (string concatenation, toString(), the
// buffers behind arrays and maps).
//
//     const s = enterScope();
//     const line = "core " + core.toString() + ": " + value.toString();
//     print(line);
//     exitScope(s);          // line and every temporary above are freed
//
// or scoped(step) to run a function in a scope. While a scope is open on a
// core, every object `new` makes on that core is recorded in the core's scope
// log; exitScope frees what is still recorded. Scopes nest (exit frees what
// the inner scope made). To let an object outlive the scope, keep(obj): it
// and everything reachable from it (fields, elements, hidden buffers) leave
// the log. dispose() inside a scope works as usual (the object leaves the
// log first), also from another core.
//
// Each core's log has room for LOG_ENTRIES live objects; a scope that makes
// more panics with a message saying so. The log is in shared memory: every
// recorded object's header (gcInfo) holds the address of its log entry, and
// a core that frees it clears the entry with a compare-and-swap.
import * as atomic from "../../arch/atomic";
import { coreId } from "../../arch/cpu";
import { heapAlloc, heapFree } from "./tlsf";
import { kernelHeap } from "./heap";
import { msgBegin, msgText, msgDec, msgPanic } from "../../arch/panic";

/** Objects one core's open scopes can hold at once. */
export const LOG_ENTRIES: u32 = 8192;

// @ts-ignore: decorator
@inline const OBJECT_HEADER: usize = 16;
// @ts-ignore: decorator
@inline const MAGIC: u32 = 0x5c09e000;       // gcInfo2 of a recorded object: MAGIC | core
// @ts-ignore: decorator
@inline const KEEP_VISIT: u32 = 0x6b656570;  // the __visit cookie of keep()

// Where each core's log lives (shared), for the range check in forget().
const LOGS = memory.data(16, 16);

// This core's log (@perCore: each core its own).
// @ts-ignore: decorator
@perCore let log: usize = 0;
// @ts-ignore: decorator
@perCore let used: u32 = 0;
// @ts-ignore: decorator
@perCore let depth: u32 = 0;
// @ts-ignore: decorator
@perCore let keepEpoch: u32 = 0;

/** Opens a scope on this core; returns its mark for exitScope. */
export function enterScope(): u32 {
  if (!log) {
    log = heapAlloc(kernelHeap(), LOG_ENTRIES << 2);
    if (!log) {
      msgBegin(); msgText("out of memory: the scope log"); msgPanic();
    }
    atomic.store32(LOGS + (<usize>coreId() << 2), <u32>log);
  }
  depth++;
  return used;
}

/** Closes the scope opened by enterScope() (and any left open inside it), freeing what it still holds. */
export function exitScope(mark: u32): void {
  for (let i = used; i > mark; i--) {
    const entry = log + (<usize>(i - 1) << 2);
    const ref = <usize>atomic.xchg32(entry, 0);
    if (ref) {
      store<u32>(ref - OBJECT_HEADER, 0);
      store<u32>(ref - OBJECT_HEADER, 0, 4);
      heapFree(kernelHeap(), ref - OBJECT_HEADER);
    }
  }
  used = mark;
  if (depth) depth--;
}

/** Runs `fn` in a scope of its own. */
export function scoped(fn: () => void): void {
  const mark = enterScope();
  fn();
  exitScope(mark);
}

/** True while a scope is open on this core. */
export function inScope(): bool { return depth != 0; }

// The runtime's hooks -------------------------------------------------------

/** Called by __new for each new object: records it if a scope is open. */
export function record(ref: usize): void {
  if (!depth) return;
  if (used == LOG_ENTRIES) {
    msgBegin(); msgText("scope full: more than "); msgDec(LOG_ENTRIES);
    msgText(" objects made in open scopes on this core (dispose or keep some, or use smaller scopes)");
    msgPanic();
  }
  const entry = log + (<usize>used << 2);
  store<u32>(entry, <u32>ref);
  used++;
  store<u32>(ref - OBJECT_HEADER, <u32>entry);
  store<u32>(ref - OBJECT_HEADER, MAGIC | coreId(), 4);
}

/** The log entry of a recorded object, or 0. */
function entryOf(ref: usize): usize {
  const tag = load<u32>(ref - OBJECT_HEADER, 4);
  if ((tag & ~0xff) != MAGIC || (tag & 0xff) > 3) return 0;
  const entry = <usize>load<u32>(ref - OBJECT_HEADER);
  const base = <usize>atomic.load32(LOGS + (<usize>(tag & 0xff) << 2));
  if (!base || entry < base || entry >= base + (<usize>LOG_ENTRIES << 2) || (entry & 3)) return 0;
  return entry;
}

/** Takes an object out of whatever scope recorded it (before it is freed, or to keep it). */
export function forget(ref: usize): void {
  // Touch the header only when this core took the entry: if the scope's
  // owner freed the object first, the header is now the heap's (free-list
  // links) and the free that follows reports the double free.
  const entry = entryOf(ref);
  if (entry && atomic.cas32(entry, <u32>ref, 0) == <u32>ref) {
    store<u32>(ref - OBJECT_HEADER, 0);
    store<u32>(ref - OBJECT_HEADER, 0, 4);
  }
}

/** Called by __renew when an object moved: its log entry follows it. */
export function moved(oldRef: usize, newRef: usize): void {
  const entry = entryOf(newRef);   // the header moved with the object
  if (entry) atomic.casUnchecked32(entry, <u32>oldRef, <u32>newRef);   // the log is not a root: the collector forgets what it frees
}

/**
 * Lets `obj` and everything reachable from it outlive the open scopes.
 * Returns obj. Two cores should not keep overlapping object graphs at once.
 */
export function keep<T>(obj: T): T {
  if (!isReference<T>()) ERROR("keep() takes an object");
  const ref = changetype<usize>(obj);
  if (ref) {
    keepEpoch = (keepEpoch + 2) | 1;     // odd: never a valid (4-aligned) entry address
    keepVisit(ref);
  }
  return obj;
}

function keepVisit(ref: usize): void {
  const info = load<u32>(ref - OBJECT_HEADER);
  const tag = load<u32>(ref - OBJECT_HEADER, 4);
  if (tag == 0 && info == keepEpoch) return;        // seen in this keep()
  if (tag != 0) forget(ref);
  store<u32>(ref - OBJECT_HEADER, keepEpoch);
  store<u32>(ref - OBJECT_HEADER, 0, 4);
  __visit_members(ref, KEEP_VISIT);
}

/** The __visit cookie of a walk over one object's reference fields (exec/task.ts: a cancelled task's futures). */
// @ts-ignore: decorator
@inline export const FIELD_VISIT: u32 = 0x6669656c;
// @ts-ignore: decorator
@perCore let fieldVisitor: (ref: usize) => void = (ref: usize): void => {};

/** Calls `fn` on each reference field of the object at `ref` (not deeper). One walk at a time per core. */
export function forEachField(ref: usize, fn: (ref: usize) => void): void {
  fieldVisitor = fn;
  __visit_members(ref, FIELD_VISIT);
}

/** The runtime's __visit: called for each reference field while keep() (or forEachField) walks an object. */
export function visit(ref: usize, cookie: u32): void {
  if (!ref) return;
  if (cookie == KEEP_VISIT) keepVisit(ref);
  else if (cookie == FIELD_VISIT) fieldVisitor(ref);
}
