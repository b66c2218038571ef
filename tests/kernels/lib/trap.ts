// Shared body of the trap test kernels: core 2 traps (how is up to each
// kernel); cores 1 and 3 notice that core 2 has stopped and say so; core 0
// waits for both, says so too, and exits 0. The QEMU test checks the panic
// line and that the three other cores kept running after it.
import { boot, ONLINE } from "../../../assembly/kernel/boot";
import { onPanic, OnPanic } from "../../../assembly/kernel/exec";

// These kernels check that a trap stops its core (and only it): a trap in a task's poll would otherwise end the task and the core go on.
onPanic(OnPanic.StopCore);
import { runningCores, waitForEvent } from "../../../assembly/arch/cpu";
import * as atomic from "../../../assembly/arch/atomic";
import { exit } from "../../../assembly/arch/sys";
import { print, println, printU64 } from "../../../assembly/arch/console";

export type TrapFn = () => void;

/** Cores that noticed core 2 stop (shared memory). */
const NOTICED = memory.data(4, 4);

function waitUntilCore2Stopped(): void {
  // Core 2's running bit is set before it announces itself: wait for the
  // announcement first, or a fast core could see the bit still clear.
  let online = atomic.load32(ONLINE);
  while (online < 4) online = atomic.wait32(ONLINE, online);
  while ((runningCores() & 0b100) != 0) waitForEvent();
}

function stillRunning(core: u32): void {
  print("core ");
  printU64(core);
  println(" still running");
}

function main(): void {
  waitUntilCore2Stopped();
  // Cores 1 and 3 each count themselves.
  let noticed = atomic.load32(NOTICED);
  while (noticed < 2) noticed = atomic.wait32(NOTICED, noticed);
  stillRunning(0);
  exit(0);
}

let trap: TrapFn = main;

function worker(core: u32): void {
  if (core == 2) {
    trap();
    println("FAIL: core 2 did not trap");
    exit(1);
  }
  waitUntilCore2Stopped();
  stillRunning(core);
  atomic.add32(NOTICED, 1);
  while (true) waitForEvent();
}

export function trapTest(core: u32, how: TrapFn): void {
  trap = how;
  boot(core, main, worker);
}
