// Test kernel: power.reboot() and the watchdog (drivers/power.ts). Each boot
// prints the PM block's reset status, arms and disarms the watchdog (QEMU's
// never counts, so an armed one would reset at once: disarm must stop it),
// then reboots; the QEMU test watches two boots in one run.
import { boot } from "../../assembly/kernel/boot";
import { println } from "../../assembly/arch/console";
import { runExecutor } from "../../assembly/kernel/exec";
import * as power from "../../assembly/drivers/power";

function main(): void {
  println("reboot: booted, reset status 0x" + power.resetStatus().toString(16));
  println("reboot: watchdog armed before: " + (power.watchdog.armed() ? "yes" : "no"));
  println("reboot: rebooting");
  power.reboot();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
