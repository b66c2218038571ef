// Test kernel: the normal boot, then checks what the host reports and exits
// through semihosting (0 = pass). The QEMU test reads the console too.
import { boot, idle, ONLINE } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import { banner } from "../../assembly/kernel/banner";
import { coreCount, runningCores } from "../../assembly/arch/cpu";
import { exit, hostAbiVersion } from "../../assembly/arch/sys";
import { ABI_VERSION } from "../../assembly/arch/host";
import { println } from "../../assembly/arch/console";

function check(): void {
  banner();
  let failures = 0;
  if (coreCount() != 4) { println("FAIL: coreCount() != 4"); failures++; }
  if (atomic.load32(ONLINE) != 4) { println("FAIL: the shared online counter is not 4"); failures++; }
  if (runningCores() != 0b1111) { println("FAIL: not all four cores are running"); failures++; }
  if (hostAbiVersion() != ABI_VERSION) { println("FAIL: host ABI version differs from the kernel's"); failures++; }
  println(failures == 0 ? "boot test: ok" : "boot test: FAILED");
  exit(failures);
}

export function kernel_start(core: u32): void {
  boot(core, check, idle);
}
