// Test kernel: core 2 recurses without end until wasm3's stack runs out.
import { trapTest } from "./lib/trap";
import { coreCount } from "../../assembly/arch/cpu";

function deeper(n: u32): u32 {
  if (n == 0xffffffff) return 0;   // never true: keeps the call from being folded
  return deeper(n + coreCount()) + 1;
}

function crash(): void {
  store<u32>(0x100, deeper(0));
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
