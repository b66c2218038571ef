// Test kernel: the I2C driver (drivers/i2c.ts) against QEMU's own TMP105
// temperature sensor on BSC1 at 0x48 (tests/qemu/i2c.test.ts attaches it
// and changes its temperature through QMP while this runs). Each check is
// a line the test reads:
//   1. a scan of BSC1 finds the sensor, and only it;
//   2. the configuration register written and read back (a register-pointer
//      write, then a read: writeRead);
//   3. a read at an empty address (0x50) ends in the error value NACK, and
//      the bus works after it;
//   4. two tasks on cores 1 and 2 share the bus, each writing and reading
//      back its own limit register (T_LOW, T_HIGH) 100 times: a pointer
//      write of one between the other's pointer write and read would make it
//      read the other's register;
//   5. the temperature, then (after `i2c: ready`) the new temperature the
//      test sets, within 5 s;
//   6. the bus's counters: transfers, errors, what woke the waits.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";
import { counter, timerFrequency } from "../../assembly/arch/cpu";
import { spawn, spawnJoinOn, runExecutor, sleep } from "../../assembly/kernel/exec";
import * as i2c from "../../assembly/drivers/i2c";
import { I2cError } from "../../assembly/drivers/i2c";

const TMP105: u32 = 0x48;

/** The TMP105's temperature register in thousandths of a degree (12 bits, 0.0625 degrees a step; its datasheet, 7.5.1). */
async function milliCelsius(dev: i2c.Device, buf: Uint8Array): Promise<i32> {
  const err = await dev.readRegister(0, buf);
  if (err != I2cError.None) { println("i2c: temperature: " + i2c.errorName(err)); return i32.MIN_VALUE; }
  const raw = <i16>((<u16>buf[0] << 8) | buf[1]) >> 4;
  return <i32>raw * 625 / 10;
}

function showMilli(m: i32): string {
  const sign = m < 0 ? "-" : "";
  const a = m < 0 ? -m : m;
  const frac = (a % 1000).toString();
  return sign + (a / 1000).toString() + "." + "000".substring(frac.length) + frac;
}

/** Writes `n` values into limit register `reg` and reads each back; how many came back wrong. */
async function limits(dev: i2c.Device, reg: u8, base: u32, n: i32): Promise<i32> {
  const out = new Uint8Array(2), back = new Uint8Array(2);
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const v = (base + <u32>i) << 4;                    // 12 bits, left-aligned as the register holds them
    out[0] = <u8>(v >> 8); out[1] = <u8>v;
    let err = await dev.writeRegister(reg, out);
    if (err == I2cError.None) err = await dev.readRegister(reg, back);
    if (err != I2cError.None || back[0] != out[0] || back[1] != out[1]) wrong++;
  }
  return wrong;
}

async function check(): Promise<void> {
  const bus = i2c.open(1);
  let ok = true;
  // 1. scan
  const found = await bus.scan();
  print("i2c: scan of BSC1:");
  for (let i = 0; i < found.length; i++) { print(" 0x"); print(found[i].toString(16)); }
  println("");
  if (found.length != 1 || found[0] != TMP105) ok = false;
  // 2. a register written and read back
  const dev = bus.device(TMP105);
  const one = new Uint8Array(1);
  one[0] = 0x60;                                       // configuration: 12-bit resolution (R1 R0 = 11)
  let err = await dev.writeRegister(1, one);
  one[0] = 0;
  if (err == I2cError.None) err = await dev.readRegister(1, one);
  print("i2c: configuration register: 0x"); print((<u32>one[0]).toString(16)); println(err == I2cError.None ? "" : " (" + i2c.errorName(err) + ")");
  if (err != I2cError.None || one[0] != 0x60) ok = false;
  // 3. nothing at 0x50
  const none = bus.device(0x50);
  const two = new Uint8Array(2);
  err = await none.read(two);
  println("i2c: read at 0x50: " + i2c.errorName(err));
  if (err != I2cError.Nack) ok = false;
  // 4. two cores, one bus
  const a = spawnJoinOn(1, limits(dev, 2, 0x100, 100));
  const b = spawnJoinOn(2, limits(dev, 3, 0x200, 100));
  const wrongA = await a, wrongB = await b;
  print("i2c: two cores, 100 write-read pairs each: "); printU64(<u64>(wrongA + wrongB)); println(" wrong");
  if (wrongA + wrongB != 0) ok = false;
  // 5. the temperature, and the one the test sets
  const buf = new Uint8Array(2);
  const first = await milliCelsius(dev, buf);
  println("i2c: temperature " + showMilli(first) + " C");
  println("i2c: ready");
  const end: u64 = counter() + 5 * timerFrequency();
  let now = first;
  while (now == first && counter() < end) {
    await sleep(20);
    now = await milliCelsius(dev, buf);
  }
  println("i2c: temperature now " + showMilli(now) + " C");
  if (now == first) ok = false;
  // 6. counters
  print("i2c: transfers "); printU64(bus.transfers); print(", errors "); printU64(bus.errors);
  print(", waits ended by the interrupt "); printU64(bus.byInterrupt); print(", by the timer "); printU64(bus.byTimer); println("");
  println(ok ? "i2c test: ok" : "i2c test: FAILED");
  exit(ok ? 0 : 1);
}

function main(): void { spawn(check()); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
