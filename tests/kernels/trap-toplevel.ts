// Test kernel: the top-level code (run once, on core 0, before any core
// starts the kernel) fails an assert. No core can run this kernel: the run
// ends at once with the panic line and exit code 5, as a rejected
// kernel.wasm's does, instead of idling until a time-out (issue 28).
import { boot, idle } from "../../assembly/kernel/boot";
import { coreCount } from "../../assembly/arch/cpu";

function configured(): u32 {
  assert(coreCount() == 5, "top-level code: four is not five");
  return 1;
}

const ready = configured();

function main(): void { idle(0); }

export function kernel_start(core: u32): void { if (ready) boot(core, main, idle); }
