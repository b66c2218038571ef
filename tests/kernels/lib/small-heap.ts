// For the collector's test kernels: a heap cut down to a small size, so
// that a workload cannot survive without collections.
import * as heap from "../../../assembly/kernel/mem/heap";
import { HeapStats } from "../../../assembly/kernel/mem/heap";

const STATS = changetype<HeapStats>(memory.data(64, 16));

/** Takes all but about `bytes` (plus 64 KiB) of the heap in raw blocks, which no collection frees; returns the bytes left free. */
export function cutHeapTo(bytes: u32): u32 {
  heap.stats(STATS);
  while (STATS.free > bytes + (1 << 20) + 65536) {
    if (!heap.alloc(1 << 20)) break;
    heap.stats(STATS);
  }
  if (STATS.free > bytes + 65536) heap.alloc(STATS.free - bytes - 65536);
  heap.stats(STATS);
  return STATS.free;
}
