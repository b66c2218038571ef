// Test kernel: GPIO outputs read back through the level register (QEMU
// models GPFSEL/GPSET/GPCLR/GPLEV on both machines), in both banks, from
// two cores at once on neighbouring pins of one function-select register.
import { boot, idle, ONLINE } from "../../assembly/kernel/boot";
import * as gpio from "../../assembly/drivers/gpio";
import { Function } from "../../assembly/drivers/gpio";
import * as atomic from "../../assembly/arch/atomic";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";

const DONE = memory.data(4, 4);
let failures = 0;

function check(ok: bool, what: string): void {
  if (ok) return;
  print("FAIL: "); println(what);
  failures++;
}

function drive(pin: u32): void {
  const p = gpio.output(pin);
  check(gpio.getFunction(pin) == Function.Output, "the function select does not read back as output");
  check(!p.isHigh, "a new output is not low");
  for (let i = 0; i < 100; i++) {
    p.high();
    check(p.isHigh, "high() does not read back high");
    p.low();
    check(!p.isHigh, "low() does not read back low");
  }
  p.toggle();
  check(p.isHigh, "toggle() from low does not read back high");
  p.release();
  check(gpio.getFunction(pin) == Function.Input, "release() does not leave an input");
  check(!gpio.isClaimed(pin), "release() does not free the claim");
}

function main(): void {
  drive(17);
  drive(40);                     // bank 1: GPSET1/GPCLR1/GPLEV1
  const tx = gpio.alternate(14, Function.Alt0);
  check(gpio.getFunction(14) == Function.Alt0, "ALT0 does not read back");
  tx.release();
  // Cores 1-3 configure pins 21, 22, 23 (GPFSEL2) while core 0 does 20.
  const p = gpio.output(20);
  let done = atomic.load32(DONE);
  while (done < 3) done = atomic.wait32(DONE, done);
  for (let pin: u32 = 20; pin < 24; pin++) check(gpio.getFunction(pin) == Function.Output, "a neighbour's function select was lost");
  p.release();
  print("gpio test: "); printU64(failures); println(failures == 0 ? " failures: ok" : " failures");
  exit(failures);
}

function worker(core: u32): void {
  let online = atomic.load32(ONLINE);
  while (online < 4) online = atomic.wait32(ONLINE, online);
  const p = gpio.output(20 + core);
  p.high();
  atomic.add32(DONE, 1);
  idle(core);
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
