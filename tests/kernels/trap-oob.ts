// Test kernel: core 2 loads from beyond the end of linear memory.
import { trapTest } from "./lib/trap";

function crash(): void {
  const past = <usize>memory.size() << 16;
  store<u32>(past + 16, load<u32>(past + 8));
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
