// Test kernel for the push tests (tests/qemu/push.test.ts): the smallest
// kernel that takes a push. Every core comes online; core 0 says so and then
// reads its UART by polling (each read of the data register passes the
// stub's watch for the push request); the others sleep in WFE. Small, so
// that twenty pushes in a row take seconds.
import { boot } from "../../assembly/kernel/boot";
import { read32 } from "../../assembly/arch/mmio";
import { waitForEvent } from "../../assembly/arch/cpu";
import { currentBoard, peripheralBase } from "../../assembly/board";
import { DR, FR } from "../../assembly/drivers/uart";
import { println } from "../../assembly/arch/console";

const FR_RXFE: u32 = 1 << 4;

function main(): void {
  println("push-small: ready");
  const uart = peripheralBase(currentBoard()) + 0x201000;
  while (true) {
    if ((read32(uart + FR) & FR_RXFE) == 0) read32(uart + DR);
  }
}

function worker(core: u32): void {
  while (true) waitForEvent();
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
