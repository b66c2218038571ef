// The kernel's AssemblyScript runtime (asconfig.json: "runtime"): what `new`,
// strings and arrays allocate with, on any core, from the shared heap.
//
// Object layout is AssemblyScript's (std/assembly/rt/common.ts): a 16-byte
// object header (gcInfo, gcInfo2, rtId, rtSize) before the payload, and
// payloads 16-byte aligned. The 4-byte BLOCK.mmInfo the compiler's own
// runtimes keep before that header is the `requested` word of our heap
// block header; nothing outside a runtime reads it.
//
// Lifetime: objects nobody can reach are freed by the collector (kernel/mem/gc.ts),
// which works in short increments, each with every core stopped at its
// executor's poll boundary. Each object block
// carries the heap's REQ_OBJECT flag (the collector frees nothing else); the
// mark and pin flags sit in the same heap header, so an object costs no
// byte more for being collected. dispose(obj) (kernel/mem/lifetime.ts) and
// scopes (kernel/mem/scope.ts) still free early, checked as before. __visit
// serves the collector's marking and keep(); __pin/__unpin pin; __collect
// asks for a collection; __link is the write barrier while a collection
// marks (the cores run between its increments); __new and __renew tell the
// collector of an object made or moved (its colour).
//
// The object header's gcInfo and gcInfo2 words belong to scope.ts.
import { heapAlloc, heapRealloc, heapFree } from "./tlsf";
import { kernelHeap, MAX_ALLOC } from "./heap";
import { msgBegin, msgText, msgDec, msgPanic } from "../../arch/panic";
import { record, moved, visit } from "./scope";
import { heapSetObject } from "./tlsf";
import { allocated, markRef, gc, pin, unpin, gcStats, GcStats, GC_VISIT, fresh, renewed, marking, barrier } from "./gc";
import { MAX_CORES } from "../../arch/cpu";

// The standard library formats floats in a buffer of 56 bytes: one per core
// here (tools/async/std-dtoa.ts points std's uses at __dtoaBuf; std's own is
// one static buffer for the four cores). boot() gives each core its own; a
// core that never runs boot() uses core 0's.
const DTOA_BUFFERS = memory.data(MAX_CORES * 64, 16);
// @ts-ignore: decorator
@global @perCore export let __dtoaBuf: usize = DTOA_BUFFERS;
/** This core's float-formatting buffer (boot() calls it on each core). */
export function useOwnDtoaBuffer(core: u32): void { __dtoaBuf = DTOA_BUFFERS + (<usize>(core & (MAX_CORES - 1)) << 6); }

// The statistics the out-of-memory panic reads (static: there is no room to make them then).
const OOM_STATS = changetype<GcStats>(memory.data(offsetof<GcStats>(), 16));

// @ts-ignore: decorator
@inline const OBJECT_HEADER: usize = 16;

function outOfMemory(what: string, size: usize): void {
  const st = gcStats(OOM_STATS);
  msgBegin(); msgText("out of memory: "); msgText(what); msgText(" of "); msgDec(size);
  msgText(" bytes; "); msgDec(st.collections); msgText(" collections, ");
  msgDec(st.liveBytes); msgText(" bytes live after the last (a loop that allocates in one poll frees nothing until it awaits;");
  msgText(" or use a larger KERNEL_MEMORY_MB)");
  msgPanic();
}

// @ts-ignore: decorator
@global @unsafe
function __alloc(size: usize): usize {
  const p = heapAlloc(kernelHeap(), size);
  if (!p) outOfMemory("heap.alloc", size);
  return p;
}

// @ts-ignore: decorator
@global @unsafe
function __realloc(ptr: usize, size: usize): usize {
  const p = heapRealloc(kernelHeap(), ptr, size);
  if (!p && size) outOfMemory("heap.realloc", size);
  return p;
}

// @ts-ignore: decorator
@global @unsafe
function __free(ptr: usize): void {
  heapFree(kernelHeap(), ptr);
}

// @ts-ignore: decorator
@global @unsafe
function __new(size: usize, id: u32): usize {
  if (size > MAX_ALLOC - OBJECT_HEADER) outOfMemory("new", size);
  const p = heapAlloc(kernelHeap(), OBJECT_HEADER + size);
  if (!p) outOfMemory("new", size);
  store<u32>(p, 0);           // gcInfo
  store<u32>(p, 0, 4);        // gcInfo2
  store<u32>(p, id, 8);       // rtId
  store<u32>(p, <u32>size, 12); // rtSize
  // Compiled code expects fresh objects to be zero (fields without an
  // initialiser, the slots of a new Map); the heap reuses blocks.
  memory.fill(p + OBJECT_HEADER, 0, size);
  heapSetObject(p);
  fresh(p + OBJECT_HEADER);
  record(p + OBJECT_HEADER);
  allocated(size);
  return p + OBJECT_HEADER;
}

// @ts-ignore: decorator
@global @unsafe
function __renew(oldPtr: usize, size: usize): usize {
  if (size > MAX_ALLOC - OBJECT_HEADER) outOfMemory("new", size);
  if (oldPtr < __heap_base) {
    // A buffer in static memory (asc lays a module-level array literal out
    // there) grows into a new heap object; the static one stays as it is.
    const head = oldPtr - OBJECT_HEADER;
    const q = __new(size, load<u32>(head, 8));
    const old = <usize>load<u32>(head, 12);
    memory.copy(q, oldPtr, old < size ? old : size);
    return q;
  }
  const p = heapRealloc(kernelHeap(), oldPtr - OBJECT_HEADER, OBJECT_HEADER + size);
  if (!p) outOfMemory("a growing array or string", size);
  store<u32>(p, <u32>size, 12);
  if (p != oldPtr - OBJECT_HEADER) { moved(oldPtr, p + OBJECT_HEADER); renewed(p + OBJECT_HEADER); }
  allocated(size);
  return p + OBJECT_HEADER;
}

// @ts-ignore: decorator
@global @unsafe
function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {
  if (marking()) barrier(parentPtr, childPtr);   // a plain read while no collection marks
}

// @ts-ignore: decorator
@global @unsafe
function __pin(ptr: usize): usize { return changetype<usize>(pin(changetype<Object>(ptr))); }

// @ts-ignore: decorator
@global @unsafe
function __unpin(ptr: usize): void { unpin(changetype<Object>(ptr)); }

// @ts-ignore: decorator
@global @unsafe
function __visit(ptr: usize, cookie: u32): void {
  if (cookie == GC_VISIT) markRef(ptr);
  else visit(ptr, cookie);
}

// @ts-ignore: decorator
@global @unsafe
function __collect(): void { gc(); }
