// The user's kernel. boot() calls main() on core 0 once all four cores are
// online; the other cores run idle() until the executor arrives.
import { println, print, printU64 } from "./arch/console";
import { memoryBytes } from "./arch/sys";
import { timerFrequency } from "./arch/cpu";
import { boardName, currentBoard } from "./board";
import { sizeUnit, sizeValue } from "./kernel/fmt";
import * as heap from "./kernel/alloc";
import { HeapStats } from "./kernel/alloc";

const STATS = changetype<HeapStats>(memory.data(offsetof<HeapStats>(), 16));

export function main(): void {
  print("hello from TypeScript on ");
  println(boardName(currentBoard()));
  const ram = memoryBytes();
  print("memory: ");
  printU64(sizeValue(ram));
  print(" ");
  println(sizeUnit(ram));
  print("timer: ");
  printU64(timerFrequency());
  println(" Hz");
  heap.stats(STATS);
  print("heap: ");
  printU64(STATS.free >> 10);
  print(" KiB free of ");
  printU64((<u64>memory.size() << 16) >> 20);
  println(" MiB linear memory, shared by all cores");
}
