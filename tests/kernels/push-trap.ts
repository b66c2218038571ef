// Test kernel for the push tests (tests/qemu/push.test.ts): pushed, it traps
// on every core as soon as all four are online, so that no core runs a
// kernel; the stub must still take the next push.
import { ONLINE, waitForAllCores } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import { println } from "../../assembly/arch/console";

export function kernel_start(core: u32): void {
  atomic.add32(ONLINE, 1);
  waitForAllCores();
  if (core == 0) println("push-trap: every core traps now");
  unreachable();
}
