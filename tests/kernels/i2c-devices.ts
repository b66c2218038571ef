// Test kernel: the drivers for parts on I2C (assembly/devices/), against
// QEMU's own models on BSC1 (tests/qemu/i2c.test.ts attaches them): a
// TMP105 at 0x48, a 4 KiB 24C32-style EEPROM at 0x50 backed by a file the
// test reads afterwards, and a DS1338 clock at 0x68. Each check is a line:
//   1. the TMP105 configured for 12 bits and sampled until it reads the
//      temperature the test sets through QMP once `i2c-devices: ready`
//      shows (-21.5 C: a negative one, two's complement);
//   2. 300 bytes written to the EEPROM at 1000 (across 32-byte pages) and
//      read back; the test finds them in the file;
//   3. the clock read (QEMU starts it at the host's time), set to
//      2030-06-15 12:34:56, and read again;
//   4. the time of day (kernel/clock.ts): Date.now() before any setting is
//      the uptime; synced from the clock, it is the host's time (the test
//      compares), another core sees the same; synced again after the clock
//      was set, it is 2030-06-15T12:34:56.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { spawn, runExecutor, sleep } from "../../assembly/kernel/exec";
import { counter, timerFrequency } from "../../assembly/arch/cpu";
import * as i2c from "../../assembly/drivers/i2c";
import { I2cError } from "../../assembly/drivers/i2c";
import { Tmp105 } from "../../assembly/devices/tmp105";
import { Eeprom24c } from "../../assembly/devices/eeprom24c";
import { Ds1338, DateTime } from "../../assembly/devices/ds1338";
import * as clock from "../../assembly/kernel/clock";
import { ClockError } from "../../assembly/kernel/clock";
import { spawnPinned } from "../../assembly/kernel/exec";
import { coreId } from "../../assembly/arch/cpu";
import { Atomic } from "../../assembly/kernel/sync";

/** What core 2 read: Date.now() (-1 until it has), and the core it ran on. */
const seenNow = new Atomic<i64>(-1);
const seenCore = new Atomic<u32>(99);
async function readOnCore2(): Promise<void> { seenCore.set(coreId()); seenNow.set(Date.now()); }

async function check(): Promise<void> {
  const bus = i2c.open(1);
  let ok = true;
  // 4a. the time before any setting: the uptime (1970-01-01 plus it)
  const before = Date.now(), up = <i64>clock.uptime();
  println("clock: before any setting, Date.now() " + before.toString() + " ms, uptime " + up.toString() + " ms, " + new Date(before).toISOString());
  if (clock.isSet() || before < 0 || before > up || up - before > 1000) ok = false;
  // 1. the sensor
  const sensor = new Tmp105(bus);
  let err = await sensor.configure(12);
  const first = await sensor.sample();
  const firstT: f64 = first ? first.temperature : NaN;
  println("i2c-devices: ready");
  const end: u64 = counter() + 5 * timerFrequency();
  let nowT = firstT;
  while (!isNaN(nowT) && nowT == firstT && counter() < end) {
    await sleep(20);
    const s = await sensor.sample();
    nowT = s ? s.temperature : NaN;
  }
  if (isNaN(nowT)) { println("tmp105: " + i2c.errorName(sensor.error)); ok = false; }
  else println("tmp105: " + nowT.toString() + " C");
  if (err != I2cError.None || nowT == firstT) ok = false;
  // 2. the EEPROM
  const rom = new Eeprom24c(bus, 0x50, 4096, 32);
  const data = new Uint8Array(300);
  for (let i = 0; i < 300; i++) data[i] = <u8>(i * 7 + 3);
  err = await rom.write(1000, data);
  const back = new Uint8Array(300);
  if (err == I2cError.None) err = await rom.read(1000, back);
  let same = err == I2cError.None;
  for (let i = 0; i < 300; i++) if (back[i] != data[i]) same = false;
  println("eeprom: 300 bytes at 1000 written and read back: " + (same ? "same" : "DIFFERENT (" + i2c.errorName(err) + ")"));
  if (!same) ok = false;
  const past = new Uint8Array(8);
  println("eeprom: a read past the end: " + i2c.errorName(await rom.read(4090, past)));
  // 3. the clock
  const rtc = new Ds1338(bus);
  const t0 = await rtc.read();
  if (t0) println("rtc: " + t0.toString() + " (" + t0.unixSeconds.toString() + ")"); else { println("rtc: " + i2c.errorName(rtc.error)); ok = false; }
  // 4b. the time of day from the clock, on this core and on core 2
  const synced = await clock.syncFromRtc(rtc);
  const wall = Date.now();
  println("clock: synced from the rtc: " + clock.errorName(synced) + ", Date.now() " + wall.toString() + " = " + new Date(wall).toISOString());
  if (synced != ClockError.None || !clock.isSet()) ok = false;
  spawnPinned(2, readOnCore2());
  const until: u64 = counter() + timerFrequency();
  while (seenNow.get() < 0 && counter() < until) await sleep(1);
  const other = seenNow.get();
  println("clock: core " + seenCore.get().toString() + " read Date.now() " + other.toString() + ", " + (other - wall).toString() + " ms later");
  if (seenCore.get() != 2 || other < wall || other - wall > 1000) ok = false;
  err = await rtc.set(new DateTime(2030, 6, 15, 12, 34, 56));
  const t1 = await rtc.read();
  if (t1) println("rtc: set, now " + t1.toString()); else ok = false;
  if (err != I2cError.None) ok = false;
  // 4c. synced again: the time the clock was set to
  const again = await clock.syncFromRtc(rtc);
  const iso = new Date(Date.now()).toISOString();
  println("clock: synced again: " + clock.errorName(again) + ", " + iso);
  if (again != ClockError.None || !iso.startsWith("2030-06-15T12:34:5")) ok = false;
  println(ok ? "i2c-devices test: ok" : "i2c-devices test: FAILED");
  exit(ok ? 0 : 1);
}

function main(): void { spawn(check()); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
