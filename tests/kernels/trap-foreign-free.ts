// Test kernel: core 2 frees a pointer into the middle of a block (one the
// heap never gave out).
import { trapTest } from "./lib/trap";
import * as heap from "../../assembly/kernel/mem/heap";
import { print, println, printHex } from "../../assembly/arch/console";

function crash(): void {
  const p = heap.alloc(64) + 32;
  print("core 2 frees "); printHex(p); println("");
  heap.free(p);
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
