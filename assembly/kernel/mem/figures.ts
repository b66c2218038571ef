// The heap's and the collector's figures as one row of words, for a reader
// that is not one of the cores: the simulator's page and node API
// (tools/sim/figures.ts), which call the export `__figures` that the build's
// entry adds (tools/kernel/app-entry.ts) in an instance of the module of
// their own, over the kernel's shared memory, while the cores run.
//
// That instance has no host: nothing here may call an import (no atomics,
// no lock, no clock: a spin lock's wait is a host call), so every figure is
// read with plain loads, as some core last stored it; sums may mix two
// moments, which a display that refreshes does not mind. Its own wasm
// globals are fresh, so the heap is found through shared memory (the
// OnceCell every core reads it from), never a core's cached handle.
import { HeapStats, heapPeek, heapCapacity } from "./tlsf";
import { kernelHeapIfSet } from "./heap";
import { GcStats, gcStats, collecting } from "./gc";

/** The row's layout version, its first word (tools/sim/figures.ts checks it). */
export const FIGURES_VERSION: u32 = 1;
/** Words in the row. */
export const FIGURE_WORDS: u32 = 18;

const ROW = memory.data(FIGURE_WORDS * 4, 16);
const heapNow = changetype<HeapStats>(memory.data(offsetof<HeapStats>(), 16));
const gcNow = changetype<GcStats>(memory.data(offsetof<GcStats>(), 16));

/**
 * Writes the row (FIGURE_WORDS words, in static memory of its own) and
 * gives its address. In this order: version;
 * 1 once the heap is set up; the heap's bytes in use, live blocks, peak,
 * block bytes, free bytes, capacity; collections, requests given up, live
 * objects and bytes after the last collection, increments in all, urgent
 * increments, the longest pause in counter ticks (low, high word), 1 while
 * a collection is under way, the threshold of the next.
 */
export function figures(): usize {
  const out = ROW;
  memory.fill(out, 0, FIGURE_WORDS * 4);
  store<u32>(out, FIGURES_VERSION);
  const h = kernelHeapIfSet();
  if (h) {
    heapPeek(h, heapNow);
    store<u32>(out + 4, 1);
    store<u32>(out + 8, heapNow.inUse);
    store<u32>(out + 12, heapNow.liveBlocks);
    store<u32>(out + 16, heapNow.peak);
    store<u32>(out + 20, heapNow.blockBytes);
    store<u32>(out + 24, heapNow.free);
    store<u32>(out + 28, heapCapacity(h));
  }
  gcStats(gcNow);
  store<u32>(out + 32, gcNow.collections);
  store<u32>(out + 36, gcNow.abandoned);
  store<u32>(out + 40, gcNow.liveObjects);
  store<u32>(out + 44, gcNow.liveBytes);
  store<u32>(out + 48, gcNow.totalIncrements);
  store<u32>(out + 52, gcNow.urgent);
  store<u64>(out + 56, gcNow.maxPauseTicks);
  store<u32>(out + 64, collecting() ? 1 : 0);
  store<u32>(out + 68, gcNow.threshold);
  return out;
}
