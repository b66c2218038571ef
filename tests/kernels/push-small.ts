// Test kernel for the push tests (tests/qemu/push.test.ts): the smallest
// kernel that takes a push. Every core comes online; core 0 says so and then
// reads its UART by polling (each read of the data register passes the
// stub's watch for the push request); the others sleep in WFE. Small, so
// that twenty pushes in a row take seconds. Each core first asks the stub
// for interrupts taken before it started: a kernel that was pushed must
// not inherit the old one's (it never enabled a source).
import { boot } from "../../assembly/kernel/boot";
import { read32 } from "../../assembly/arch/mmio";
import { waitForEvent } from "../../assembly/arch/cpu";
import { currentBoard, peripheralBase } from "../../assembly/board";
import { DR, FR } from "../../assembly/drivers/uart";
import { print, println, printHex, printU64 } from "../../assembly/arch/console";
import { irq } from "../../assembly/arch/host";
import * as atomic from "../../assembly/arch/atomic";

/** Cores that have looked for stale interrupts (shared memory). */
const LOOKED = memory.data(4, 4);

function lookForStaleInterrupts(core: u32): void {
  const stale = irq.take();
  if (stale != 0) {
    print("push-small: core ");
    printU64(core);
    print(" took interrupts it never enabled: ");
    printHex(stale);
    println("");
  }
  atomic.add32(LOOKED, 1);
}

const FR_RXFE: u32 = 1 << 4;

function main(): void {
  lookForStaleInterrupts(0);
  let looked = atomic.load32(LOOKED);
  while (looked < 4) looked = atomic.wait32(LOOKED, looked);
  println("push-small: ready");
  const uart = peripheralBase(currentBoard()) + 0x201000;
  while (true) {
    if ((read32(uart + FR) & FR_RXFE) == 0) read32(uart + DR);
  }
}

function worker(core: u32): void {
  lookForStaleInterrupts(core);
  while (true) waitForEvent();
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
