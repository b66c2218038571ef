// The kernel heap: one TLSF heap (tlsf.ts) over all of linear memory above
// the static data, shared by every core. The first allocation on any core
// sets it up (a OnceCell in static memory); after that each core keeps the
// handle in a wasm global, which is per core and never changes.
//
// Raw memory:       alloc(n) / calloc(n, size) / realloc(p, n) / free(p)
// Objects (`new`):  the runtime (mem/runtime.ts) allocates them here too;
//                   release one with dispose(obj) from mem/lifetime.ts.
// Nothing here knows of the collector (mem/gc.ts uses the heap, not the
// other way round).
import { OnceCell } from "../sync/once";
import {
  heapInit, heapAlloc, heapFree, heapRealloc, heapCalloc, heapSizeOf, heapStats, heapCheck, heapFlushCache, HeapStats,
} from "./tlsf";
export { HeapStats, MAX_ALLOC, CACHE_DEPTH } from "./tlsf";

const HEAP = changetype<OnceCell<usize>>(memory.data(8, 8));
// @ts-ignore: decorator
@perCore let heap: usize = 0;   // this core's copy of the handle (a global: no load through memory)

/** The top of linear memory holds the module variables the cores share
 * (tools/kernel/share-globals.ts moves them there): the heap ends below. */
export const SHARED_GLOBALS_BYTES: usize = 8192;

function makeHeap(): usize {
  return heapInit(__heap_base, (<usize>memory.size() << 16) - SHARED_GLOBALS_BYTES);
}

/** The shared heap's handle (sets the heap up on first use). */
export function kernelHeap(): usize {
  if (!heap) heap = HEAP.getOrInit(makeHeap);
  return heap;
}

/** The shared heap's handle once some core set it up, else 0 (reads shared memory only: kernel/mem/figures.ts). */
export function kernelHeapIfSet(): usize { return load<usize>(changetype<usize>(HEAP) + offsetof<OnceCell<usize>>("value")); }   // 0 until set: heapInit gives no 0 handle it keeps

/** `size` bytes, 16-byte aligned, not zeroed; 0 when there is no room. */
export function alloc(size: usize): usize { return heapAlloc(kernelHeap(), size); }
/** `count * size` zeroed bytes; 0 when there is no room or the product overflows. */
export function calloc(count: usize, size: usize): usize { return heapCalloc(kernelHeap(), count, size); }
/** Resizes `ptr` (see heapRealloc); 0 when there is no room, and `ptr` stays valid. */
export function realloc(ptr: usize, size: usize): usize { return heapRealloc(kernelHeap(), ptr, size); }
/** Frees `ptr` (0 is ignored); panics on a double free or a pointer alloc never gave out. */
export function free(ptr: usize): void { heapFree(kernelHeap(), ptr); }
/** The usable size of a live allocation. */
export function sizeOf(ptr: usize): usize { return heapSizeOf(kernelHeap(), ptr); }
/** A consistent snapshot of the heap's statistics, into `out`. */
export function stats(out: HeapStats): HeapStats { return heapStats(kernelHeap(), out); }
/** Gives the small blocks this core keeps cached back to the shared heap (see tlsf.ts). */
export function flushCache(): void { heapFlushCache(kernelHeap()); }
/** Walks the heap and panics on a broken invariant; returns the block count. */
export function check(): u32 { return heapCheck(kernelHeap()); }
