// Test kernel (raspi4b): core 2 writes to the Pi 4's RNG200, a block inside
// the peripheral window that QEMU does not model: the bus refuses it (a data
// abort), and the host turns that into the kernel's trap, a panic line with
// the address, where it was the stub's crash dump (issue 25, point 7).
import { trapTest } from "./lib/trap";
import { write32 } from "../../assembly/arch/mmio";
import { peripheralBase, currentBoard } from "../../assembly/board";

function crash(): void {
  write32(<u32>peripheralBase(currentBoard()) + 0x104004, 1);   // RNG200's CTRL + 4
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
