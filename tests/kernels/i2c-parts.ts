// Test kernel: the PCA9552 LED driver and the SSD0303 OLED
// (assembly/devices/pca9552.ts, ssd0303.ts) against QEMU's models on BSC1
// (tests/qemu/i2c-parts.test.ts attaches them: the PCA9552 at 0x60, the
// SSD0303 at 0x3C). Each check is a line:
//   1. sixteen LEDs set through set() and setAll() to each of the four
//      states, and both blink rates programmed; the part's registers 2-9
//      read back (the test checks each byte), and the pins (INPUT0/1: an LED
//      on is low, one off high; the model leaves a blinking one as it was);
//   2. "pca9552: ready": the test reads led0-led15 through QMP (qom-get)
//      and turns LED 8 on from outside (qom-set); the kernel reads the pins
//      until pin 8 is low;
//   3. the PCA9552 driver at 0x61, where nothing answers: a NACK, as a value;
//   4. the OLED configured and two lines of text drawn and shown
//      ("ssd0303: shown"): the test takes a screendump of it and compares
//      every pixel with the font, then turns LED 9 on; the kernel, seeing
//      pin 9 low, inverts the display and sends the pages again (QEMU's
//      model repaints only after a RAM write) ("ssd0303: inverse"), and the test
//      takes another and turns LED 10 on;
//   5. the SSD0303 driver at 0x3D, where nothing answers: a NACK.
// The test's steps are signalled to the kernel through the PCA9552's pins
// (qom-set of an LED, read back by the kernel), not the serial line: on
// raspi4b, a line typed after the kernel's I2C transfers never reached
// its readLine() (the SPI test's, with no I2C before it, does).
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { spawn, runExecutor, sleep } from "../../assembly/kernel/exec";
import { counter, timerFrequency } from "../../assembly/arch/cpu";
import * as i2c from "../../assembly/drivers/i2c";
import { I2cError } from "../../assembly/drivers/i2c";
import { Pca9552, Pca9552Led } from "../../assembly/devices/pca9552";
import { Ssd0303 } from "../../assembly/devices/ssd0303";

/** The two lines the OLED shows (tests/qemu/i2c-parts.test.ts draws them from the font to compare). */
const LINE0 = "Hello, OLED!";
const LINE1 = "gjpqy 0-9 @#";

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (i ? " " : "") + (b[i] < 16 ? "0" : "") + (<u32>b[i]).toString(16);
  return s;
}

function hex16(v: i32): string {
  let s = (<u32>v).toString(16);
  while (s.length < 4) s = "0" + s;
  return "0x" + s;
}

/** Reads the PCA9552's pins until `pin` is low (the test's signal: a qom-set of that LED to on), at most 10 s: the pins, or -1. */
async function waitLow(leds: Pca9552, pin: i32): Promise<i32> {
  const end: u64 = counter() + 10 * timerFrequency();
  let now = await leds.read();
  while (now >= 0 && (now & (1 << pin)) != 0 && counter() < end) {
    await sleep(10);
    now = await leds.read();
  }
  return now;
}

async function check(): Promise<void> {
  const bus = i2c.open(1);
  let ok = true;

  // 1. the LEDs
  const leds = new Pca9552(bus);
  let err = await leds.set(0, Pca9552Led.On);
  if (err == I2cError.None) err = await leds.set(1, Pca9552Led.Off);
  if (err == I2cError.None) err = await leds.set(2, Pca9552Led.Blink0);
  if (err == I2cError.None) err = await leds.set(3, Pca9552Led.Blink1);
  if (err == I2cError.None) err = await leds.setAll(Pca9552Led.On, 0xf000);      // 12-15 on, the rest kept
  if (err == I2cError.None) err = await leds.set(5, Pca9552Led.On);
  if (err == I2cError.None) err = await leds.blink(0, 2, 0.5);                   // PSC0 21, PWM0 128
  if (err == I2cError.None) err = await leds.blink(1, 0.5, 0.25);                // PSC1 87, PWM1 192
  const regs = new Uint8Array(8);
  if (err == I2cError.None) err = await leds.registers(2, regs);
  println("pca9552: registers 2-9: " + hex(regs) + (err == I2cError.None ? "" : " (" + i2c.errorName(err) + ")"));
  if (err != I2cError.None) ok = false;
  const pins = await leds.read();
  println("pca9552: pins " + (pins < 0 ? i2c.errorName(leds.error) : hex16(pins)));
  if (pins < 0) ok = false;
  println("pca9552: state of 3 " + (<i32>leds.state(3)).toString() + ", of 13 " + (<i32>leds.state(13)).toString());

  // 2. a pin changed from outside
  println("pca9552: ready");
  const now = await waitLow(leds, 8);
  println("pca9552: after qom-set, pins " + (now < 0 ? i2c.errorName(leds.error) : hex16(now)));
  if (now < 0 || (now & 0x100) != 0) ok = false;

  // 3. nothing at 0x61
  const none = new Pca9552(bus, 0x61);
  println("pca9552 at 0x61: " + i2c.errorName(await none.set(0, Pca9552Led.On)) + ", read " + (await none.read()).toString());

  // 4. the OLED
  const oled = new Ssd0303(bus);
  err = await oled.configure();
  oled.text(0, 0, LINE0);
  const x = oled.text(0, 8, LINE1);
  if (err == I2cError.None) err = await oled.show();
  println("ssd0303: " + oled.width.toString() + "x" + oled.height.toString() + ", text to x " + x.toString() + ": " + (err == I2cError.None ? "shown" : i2c.errorName(err)));
  if (err != I2cError.None) ok = false;
  if ((await waitLow(leds, 9) & (1 << 9)) != 0) { println("ssd0303: no signal (pin 9)"); ok = false; }
  err = await oled.invert(true);
  // QEMU's model repaints its console only after a display RAM write (a command alone leaves the
  // picture as it was): both pages marked, unchanged, and sent again.
  oled.pixel(0, 0, oled.isOn(0, 0));
  oled.pixel(0, 8, oled.isOn(0, 8));
  if (err == I2cError.None) err = await oled.show();
  println("ssd0303: " + (err == I2cError.None ? "inverse" : i2c.errorName(err)));
  if (err != I2cError.None) ok = false;
  if ((await waitLow(leds, 10) & (1 << 10)) != 0) { println("ssd0303: no signal (pin 10)"); ok = false; }

  // 5. nothing at 0x3D
  const absent = new Ssd0303(bus, 0x3d);
  println("ssd0303 at 0x3d: " + i2c.errorName(await absent.configure()));

  println(ok ? "i2c-parts test: ok" : "i2c-parts test: FAILED");
  exit(ok ? 0 : 1);
}

function main(): void { spawn(check()); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
