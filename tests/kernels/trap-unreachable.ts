// Test kernel: core 2 executes `unreachable`.
import { trapTest } from "./lib/trap";

function crash(): void {
  unreachable();
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
