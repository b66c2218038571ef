// Test kernel: core 2 fails an assert (AssemblyScript's abort -> sys.panic).
import { trapTest } from "./lib/trap";
import { coreCount } from "../../assembly/arch/cpu";

function crash(): void {
  assert(coreCount() == 5, "four is not five");
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
