// Test kernel: power.powerOff() (drivers/power.ts). QEMU powers the machine
// off on the PM block's halt-then-reset (its exit code 0), so the last line
// is this kernel's, and nothing boots again.
import { boot } from "../../assembly/kernel/boot";
import { println } from "../../assembly/arch/console";
import { runExecutor } from "../../assembly/kernel/exec";
import * as power from "../../assembly/drivers/power";

function main(): void {
  println("power: reset status 0x" + power.resetStatus().toString(16));
  println("power: off now");
  power.powerOff();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
