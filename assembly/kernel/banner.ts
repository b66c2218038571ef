// The kernel's greeting: which board, how much memory, the timer and the
// heap. Part of the library, so test kernels and the self-test print the
// same lines as the tour, examples/tour/main.ts.
import { println, print, printU64 } from "../arch/console";
import { memoryBytes } from "../arch/sys";
import { timerFrequency } from "../arch/cpu";
import { boardName, currentBoard } from "../board";
import { sizeUnit, sizeValue } from "../arch/fmt";
import * as heap from "./mem/heap";
import { HeapStats } from "./mem/heap";
import * as clocks from "../drivers/clocks";

const STATS = changetype<HeapStats>(memory.data(offsetof<HeapStats>(), 16));

/**
 * Prints:
 *   hello from TypeScript on Raspberry Pi 3 (BCM2837)
 *   memory: 948 MiB            (the RAM the ARM cores have: device tree, else mailbox)
 *   timer: 19200000 Hz
 *   arm: 1200 MHz (1200 at most, asked for at boot), SoC at 47.2 C   (the firmware's answers: drivers/clocks.ts)
 *   heap: 65523 KiB free of 64 MiB linear memory, shared by all cores
 */
export function banner(): void {
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
  const arm = clocks.armHz(), most = clocks.armMaxHz(), mc = clocks.milliCelsius();
  if (arm) {
    print("arm: "); printU64(arm / 1_000_000); print(" MHz ("); printU64(most / 1_000_000);
    print(" at most, asked for at boot), SoC at "); printU64(mc / 1000); print("."); printU64((mc % 1000) / 100); println(" C");
  }
  heap.stats(STATS);
  print("heap: ");
  printU64(STATS.free >> 10);
  print(" KiB free of ");
  printU64((<u64>memory.size() << 16) >> 20);
  println(" MiB linear memory, shared by all cores");
}
