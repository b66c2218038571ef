// The kernel's AssemblyScript runtime (asconfig.json: "runtime"): what `new`,
// strings and arrays allocate with, on any core, from the shared heap.
//
// Object layout is AssemblyScript's (std/assembly/rt/common.ts): a 16-byte
// object header (gcInfo, gcInfo2, rtId, rtSize) before the payload, and
// payloads 16-byte aligned. The 4-byte BLOCK.mmInfo the compiler's own
// runtimes keep before that header is the `requested` word of our heap
// block header; nothing outside a runtime reads it.
//
// Lifetime is explicit: there is no collector (a collector would have to
// stop all four cores to walk objects that other cores are using). An
// object lives until dispose(obj) (kernel/lifetime.ts), from any core, or
// until the scope it was made in ends (kernel/scope.ts). __link, __pin,
// __unpin and __collect are therefore no-ops; __visit serves keep().
//
// The object header's gcInfo and gcInfo2 words, which a collector would
// use, belong to scope.ts.
import { heapAlloc, heapRealloc, heapFree } from "./alloc/tlsf";
import { kernelHeap, MAX_ALLOC } from "./alloc/index";
import { msgBegin, msgText, msgDec, msgPanic } from "./panic";
import { record, moved, visit } from "./scope";

// @ts-ignore: decorator
@inline const OBJECT_HEADER: usize = 16;

function outOfMemory(what: string, size: usize): void {
  msgBegin(); msgText("out of memory: "); msgText(what); msgText(" of "); msgDec(size);
  msgText(" bytes (the heap is full: free what you no longer use, or build with a larger KERNEL_MEMORY_MB)");
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
  record(p + OBJECT_HEADER);
  return p + OBJECT_HEADER;
}

// @ts-ignore: decorator
@global @unsafe
function __renew(oldPtr: usize, size: usize): usize {
  if (size > MAX_ALLOC - OBJECT_HEADER) outOfMemory("new", size);
  const p = heapRealloc(kernelHeap(), oldPtr - OBJECT_HEADER, OBJECT_HEADER + size);
  if (!p) outOfMemory("a growing array or string", size);
  store<u32>(p, <u32>size, 12);
  if (p != oldPtr - OBJECT_HEADER) moved(oldPtr, p + OBJECT_HEADER);
  return p + OBJECT_HEADER;
}

// @ts-ignore: decorator
@global @unsafe
function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {}

// @ts-ignore: decorator
@global @unsafe
function __pin(ptr: usize): usize { return ptr; }

// @ts-ignore: decorator
@global @unsafe
function __unpin(ptr: usize): void {}

// @ts-ignore: decorator
@global @unsafe
function __visit(ptr: usize, cookie: u32): void { visit(ptr, cookie); }

// @ts-ignore: decorator
@global @unsafe
function __collect(): void {}
