// Test kernel for the push tests (tests/qemu/push.test.ts): it leaves an
// interrupt behind. Core 0 arms the system timer's channel 3 to match in
// 10 ms and enables its interrupt, routed to core 2, then never takes it:
// the stub's top half masks the source and records it for core 2. Then it
// reads its UART, as push-small does, so that a push can replace it; the
// kernel pushed next must not see that interrupt.
import { boot } from "../../assembly/kernel/boot";
import { read32, write32 } from "../../assembly/arch/mmio";
import { waitForEvent } from "../../assembly/arch/cpu";
import { currentBoard, peripheralBase } from "../../assembly/board";
import { DR, FR } from "../../assembly/drivers/uart";
import * as irq from "../../assembly/drivers/irq";
import * as systimer from "../../assembly/drivers/systimer";
import { println } from "../../assembly/arch/console";

const FR_RXFE: u32 = 1 << 4;

function main(): void {
  const timer = peripheralBase(currentBoard()) + 0x3000;
  write32(timer + systimer.C0 + 3 * 4, <u32>(systimer.now() + 10_000));
  irq.enable(3, 2);
  while ((read32(timer + systimer.CS) & (1 << 3)) == 0) {}
  println("push-irq: the system timer matched; its interrupt went to core 2, which leaves it");
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
