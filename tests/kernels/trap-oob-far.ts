// Test kernel: core 2 stores 4 GiB past the start of memory, at the top of
// what a u32 address reaches (the store's offset takes it past 4 GiB, into
// the next 1 GiB block of the page tables). wasm3 checks it; the aot backend
// has no compare there, and relies on nothing being mapped in the 8 GiB
// after the window (boot/cpu/mmu.c, boot/aot/aot.c): the store must trap. (An
// offset that alone passes the memory's end would be folded by Binaryen
// into an unreachable.)
import { trapTest } from "./lib/trap";
import { coreCount } from "../../assembly/arch/cpu";

function crash(): void {
  // From a value the compiler cannot fold (coreCount() is 4).
  const addr = <usize>0xFFFFFFF0 + <usize>(coreCount() - 4);
  store<u32>(addr, 0xDEADBEEF, 64);
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
