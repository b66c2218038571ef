// Test kernel: core 2 publishes an object only by its raw address, the
// pattern the collector cannot see (docs/memory-model.md). A build with
// assertions refuses it with a panic instead of freeing the object under
// whoever reads the word later.
import { trapTest } from "./lib/trap";
import * as atomic from "../../assembly/arch/atomic";
import { print, println, printHex } from "../../assembly/arch/console";

class Reading { constructor(public value: i32) {} }

const SLOT = memory.data(4, 4);

function crash(): void {
  const r = new Reading(42);
  print("core 2 publishes "); printHex(<u32>changetype<usize>(r)); println(" by its address");
  atomic.store32(SLOT, <u32>changetype<usize>(r));
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
