// Test kernel: core 2 recurses without end until its stack runs out (wasm3's
// value stack; with the aot backend, the C stack's guard page).
import { trapTest } from "./lib/trap";
import { coreCount } from "../../assembly/arch/cpu";

function deeper(n: u32): u32 {
  if (n == 0xffffffff) return 0;   // never true: keeps the call from being folded
  const r = deeper(n + coreCount());
  // A store after the call: gcc (aot) would otherwise turn "deeper() + 1" into a loop.
  store<u32>(0x100 + (n & 0xfc), r);
  return r + 1;
}

function crash(): void {
  store<u32>(0x100, deeper(0));
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
