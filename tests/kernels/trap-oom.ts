// Test kernel: core 2 keeps everything it makes, inside one call (no poll
// boundary, so no collection could run), until the heap is full. The panic
// says how much the collector found live and what to do.
import { trapTest } from "./lib/trap";
import * as heap from "../../assembly/kernel/mem/heap";
import { HeapStats } from "../../assembly/kernel/mem/heap";
import { println } from "../../assembly/arch/console";

const STATS = changetype<HeapStats>(memory.data(64, 16));

function crash(): void {
  // Raw 1 MiB blocks take all but the last MiB or so: the rest fills quickly.
  heap.stats(STATS);
  while (STATS.free > (2 << 20)) { if (!heap.alloc(1 << 20)) break; heap.stats(STATS); }
  println("core 2 keeps every string it makes");
  const kept = new Array<string>();
  for (let i = 0; ; i++) kept.push("string " + i.toString());
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
