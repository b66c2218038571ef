// Test kernel: core 2 writes a DMA channel's control-block address itself;
// the host refuses it (the engine writes past the MMU: only the host programs it).
import { trapTest } from "./lib/trap";
import { write32 } from "../../assembly/arch/mmio";
import { peripheralBase, currentBoard } from "../../assembly/board";

function crash(): void {
  write32(<u32>peripheralBase(currentBoard()) + 0x7000 + 0x004, 0x00080000);   // channel 0's CONBLK_AD
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
