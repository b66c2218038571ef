// Test kernel: core 2 writes to an address outside the peripheral windows;
// the host refuses it.
import { trapTest } from "./lib/trap";
import { write32 } from "../../assembly/arch/mmio";

function crash(): void {
  write32(0x00080000, 0xdeadbeef);   // the stub's own code
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
