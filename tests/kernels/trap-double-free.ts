// Test kernel: core 2 frees a heap block twice.
import { trapTest } from "./lib/trap";
import * as heap from "../../assembly/kernel/mem/heap";
import { print, println, printHex } from "../../assembly/arch/console";

function crash(): void {
  const p = heap.alloc(40);
  print("core 2 frees "); printHex(p); println(" twice");
  heap.free(p);
  heap.free(p);
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
