// The allocator as a wasm module for the node tests (tests/host/alloc.test.ts):
// the kernel's own code (assembly/kernel/mem), driven from JavaScript with
// a single-core fake of the atomic imports. Addresses are wasm addresses.
import "../../assembly/arch/sys";   // routes abort to sys.panic, as in the kernel
import {
  heapInit, heapAlloc, heapFree, heapRealloc, heapCalloc, heapSizeOf, heapStats, heapCheck, heapFlushCache, HeapStats,
} from "../../assembly/kernel/mem/tlsf";
import * as kernelHeap from "../../assembly/kernel/mem/heap";
import { gcInit } from "../../assembly/kernel/mem/gc";

const STATS = memory.data(64, 16);

/** First free byte after the static data. */
export function heapBase(): usize { return (__heap_base + 15) & ~15; }
export function memoryEnd(): usize { return <usize>memory.size() << 16; }

export function init(start: usize, end: usize): usize { return heapInit(start, end); }
export function alloc(h: usize, size: usize): usize { return heapAlloc(h, size); }
export function free(h: usize, ptr: usize): void { heapFree(h, ptr); }
export function realloc(h: usize, ptr: usize, size: usize): usize { return heapRealloc(h, ptr, size); }
export function calloc(h: usize, n: usize, size: usize): usize { return heapCalloc(h, n, size); }
export function sizeOf(h: usize, ptr: usize): usize { return heapSizeOf(h, ptr); }
export function check(h: usize): u32 { return heapCheck(h); }
export function flushCache(h: usize): void { heapFlushCache(h); }
/** Address of a HeapStats snapshot (11 u32: inUse, peak, blockBytes, free, liveBlocks, freeBlocks, allocs, frees, failures, cachedBlocks, cachedBytes). */
export function stats(h: usize): usize { heapStats(h, changetype<HeapStats>(STATS)); return STATS; }

/** The kernel's global heap (kernel/mem/heap.ts), set up on first use. */
export function globalAlloc(size: usize): usize { return kernelHeap.alloc(size); }
export function globalFree(ptr: usize): void { kernelHeap.free(ptr); }
export function globalHeap(): usize { return kernelHeap.kernelHeap(); }
/** The collector's blocks in the kernel's heap, as boot() makes them. */
export function collectorBlocks(): void { gcInit(); }
