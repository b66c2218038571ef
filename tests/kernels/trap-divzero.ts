// Test kernel: core 2 divides an integer by zero.
import { trapTest } from "./lib/trap";
import { coreCount } from "../../assembly/arch/cpu";

function crash(): void {
  const zero = coreCount() - 4;   // 0 at run time, unknown to the optimiser
  store<u32>(0x100, 1000 / zero);
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
