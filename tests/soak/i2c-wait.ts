// A reproducer, not part of make test: bus transfers that wait (writes
// longer than the driver's FIFO allowance) from three tasks, a reader on the
// same bus, a task that makes garbage for the collector, and a watchdog
// pinned to core 3 that reports where things stand if the writes stop.
// It found the false timeouts bus.ts's rounds fixed, and (its garbage task
// falling behind its 3 ms interval) the overdue-tick poll that never ended,
// which Interval now breaks with a yield (tests/soak/gc-tickers.ts).
//   copy it to tests/kernels/, make build/tests/i2c-wait.img, then
//   qemu-system-aarch64 -M raspi3b -kernel build/tests/i2c-wait.img -semihosting \
//     -display none -monitor none -serial stdio \
//     -blockdev driver=file,filename=/tmp/rom.bin,node-name=eeprom0 \
//     -device at24c-eeprom,bus=i2c-bus.1,address=0x50,drive=eeprom0,rom-size=4096 \
//     -device tmp105,bus=i2c-bus.1,address=0x48          (/tmp/rom.bin: 4096 bytes)
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { spawn, spawnPinned, runExecutor, sleep, Interval, pendingSleeps } from "../../assembly/kernel/exec";
import * as i2c from "../../assembly/drivers/i2c";
import { I2cError } from "../../assembly/drivers/i2c";
import * as atomic from "../../assembly/arch/atomic";

const DONE = memory.data(8, 8);
const PER_TASK: u32 = 200;

async function writer(dev: i2c.Device, base: u32): Promise<void> {
  const bytes = new Uint8Array(18);
  for (let i: u32 = 0; i < PER_TASK; i++) {
    const at = (base + (i % 8) * 16) & 0xfff;
    bytes[0] = <u8>(at >> 8); bytes[1] = <u8>at;
    for (let k = 2; k < 18; k++) bytes[k] = <u8>(i + k);
    const err = await dev.write(bytes);
    if (err != I2cError.None) println("i2c-wait: write error " + i2c.errorName(err));
    atomic.add32(DONE, 1);
  }
}

async function ticker(): Promise<void> {
  const every = new Interval(3);
  let keep = "";
  while (true) {
    await every;
    for (let i = 0; i < 50; i++) keep = "garbage " + i.toString() + keep.substring(0, 10);   // the collector's work
  }
}

async function watchdog(bus: i2c.Bus): Promise<void> {
  let last: u32 = 0xffffffff, still = 0;
  while (true) {
    await sleep(500);
    const done = atomic.load32(DONE);
    if (done >= 3 * PER_TASK) { println("i2c-wait test: ok (" + done.toString() + " writes; by interrupt " + bus.byInterrupt.toString() + ", by timer " + bus.byTimer.toString() + ")"); exit(0); }
    if (done == last) still++; else still = 0;
    last = done;
    if (still >= 4) {
      println("i2c-wait: STUCK at " + done.toString() + " writes; waiting " + bus.waiting.toString() + ", transfers " + bus.transfers.toString() +
        ", by interrupt " + bus.byInterrupt.toString() + ", by timer " + bus.byTimer.toString() + ", sleeps " +
        pendingSleeps(0).toString() + " " + pendingSleeps(1).toString() + " " + pendingSleeps(2).toString() + " " + pendingSleeps(3).toString());
      exit(1);
    }
  }
}

async function reader(dev: i2c.Device): Promise<void> {
  const ptr = new Uint8Array(1), into = new Uint8Array(2);
  while (true) {
    const err = await dev.writeRead(ptr, into);
    if (err != I2cError.None) println("i2c-wait: read error " + i2c.errorName(err));
    await sleep(2);
  }
}

function main(): void {
  const bus = i2c.open(1);
  const dev = bus.device(0x50);
  spawn(reader(bus.device(0x48)));
  spawnPinned(3, watchdog(bus));
  spawn(ticker());
  spawn(writer(dev, 0));
  spawn(writer(dev, 1024));
  spawn(writer(dev, 2048));
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
