// Test kernel for the push tests (tests/qemu/push.test.ts): pushed, it gets
// stuck, and the stub must still take the next push (issue 25, point 3).
// First a task pinned to core 1 loops for ever without an await while core
// 0 reads the UART by polling (each read passes the stub's watch for the
// push request): core 1 never comes back to a host call, so the watchdog's
// tick must take it out of the kernel. When a line starting with "all"
// comes instead, every core gets such a task: no core reads the UART
// then, and the stub must watch it itself.
import { boot } from "../../assembly/kernel/boot";
import { read32 } from "../../assembly/arch/mmio";
import { currentBoard, peripheralBase } from "../../assembly/board";
import { DR, FR } from "../../assembly/drivers/uart";
import { println } from "../../assembly/arch/console";
import { spawnPinned, runExecutor, setWatchdog } from "../../assembly/kernel/exec";

const FR_RXFE: u32 = 1 << 4;
let spins: u64 = 0;

async function forever(): Promise<void> {
  while (true) spins++;
}

function main(): void {
  setWatchdog(50, 200);
  spawnPinned(1, forever());
  println("push-stuck: core 1 loops in a poll; core 0 reads the UART");
  const uart = peripheralBase(currentBoard()) + 0x201000;
  let first: u32 = 0;
  while (true) {
    if ((read32(uart + FR) & FR_RXFE) != 0) continue;
    const c = read32(uart + DR) & 0xff;
    if (first == 0) first = c;
    if (c == 13 || c == 10) {
      if (first == 0x61) break;                  // "all..."
      first = 0;
    }
  }
  for (let core: u32 = 0; core < 4; core++) if (core != 1) spawnPinned(core, forever());
  println("push-stuck: every core loops in a poll");
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
export { asyncName as __async_name, asyncLine as __async_line } from "../../assembly/arch/sys";
