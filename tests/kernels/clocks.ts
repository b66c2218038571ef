// Test kernel: the ARM's clock and the SoC's temperature through the
// firmware (drivers/clocks.ts). QEMU's firmware answers fixed values: the
// kernel prints what it answered, and that the boot's fullSpeed() left the
// ARM at the maximum it reports.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { runExecutor } from "../../assembly/kernel/exec";
import * as clocks from "../../assembly/drivers/clocks";

function main(): void {
  const now = clocks.armHz(), most = clocks.armMaxHz(), least = clocks.armMinHz();
  println("clocks: ARM " + (now / 1_000_000).toString() + " MHz, min " + (least / 1_000_000).toString() + ", max " + (most / 1_000_000).toString());
  println("clocks: temperature " + clocks.milliCelsius().toString() + " mC, max " + clocks.maxMilliCelsius().toString() + " mC");
  const t = clocks.throttled();
  println("clocks: throttled " + (t == 0xffffffff ? "not answered" : "0x" + t.toString(16)));
  const set = clocks.setArmHz(least);
  println("clocks: asked for the minimum, the firmware says " + (set / 1_000_000).toString() + " MHz");
  const ok = now > 0 && most > 0 && now == most;
  println(ok ? "clocks test: ok" : "clocks test: FAILED");
  exit(ok ? 0 : 1);
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
