// The drivers of three parts QEMU does not have (assembly/devices/): a
// BME280, an SSD1306 and an MPU-6050, each against a model of the part
// that answers as its data sheet says (tools/testing/fake-i2c.ts), on a
// model of the BSC that runs the driver's transfers (assembly/testing/i2c.ts).
// For each: the happy path with values checked against an independent
// computation, and each error as a value: nothing at the address (NACK), a
// part that is not the one asked for, and a bus error in the middle.
import * as i2c from "../../assembly/drivers/i2c";
import { I2cError } from "../../assembly/drivers/i2c";
import { Future, runOnce, serviceEvents, ticksFromMillis } from "../../assembly/kernel/exec";
import { Board } from "../../assembly/board";
import {
  machine, i2cController, i2cAttach, i2cFailAfter, i2cLog, i2cLogLength, i2cRegister, i2cSetRegister,
  bme280Set, bme280SetRaw, bme280Expected, mpu6050Set, ssd1306Ram, ssd1306State,
  FakePart, FakeFailure, Ssd1306State, FakeTransfer,
} from "../../assembly/testing";
import { startKept, tick, runToEnd as run } from "./run";
import { Bme280, Bme280Options } from "../../assembly/devices/bme280";
import { Ssd1306 } from "../../assembly/devices/ssd1306";
import { Mpu6050, Mpu6050Options, STANDARD_GRAVITY } from "../../assembly/devices/mpu6050";
import { Pca9552, Pca9552Led } from "../../assembly/devices/pca9552";
import { Ssd0303 } from "../../assembly/devices/ssd0303";
import { glyph } from "../../assembly/gfx/font";

const BSC1: u32 = 0x3f804000;

/** A Pi 3 whose BSC1 is the model, with `part` at `address`. */
function busWith(address: u32, part: FakePart): i2c.Bus {
  machine(Board.Pi3);
  i2cController(BSC1);
  i2cAttach(BSC1, address, part);
  return i2c.open(1, 0);
}

function within(actual: f64, expected: f64, tolerance: f64, what: string): void {
  expect(actual).toBeGreaterThanOrEqual(expected - tolerance, what);
  expect(actual).toBeLessThanOrEqual(expected + tolerance, what);
}

/** Whether a write transfer in `log` began with `bytes`. */
function wrote(log: Array<FakeTransfer>, bytes: Array<u8>): bool {
  for (let i = 0; i < log.length; i++) {
    const t = log[i];
    if (t.read || t.bytes.length < bytes.length) continue;
    let same = true;
    for (let j = 0; j < bytes.length; j++) if (t.bytes[j] != bytes[j]) same = false;
    if (same) return true;
  }
  return false;
}

// ---- BME280 -------------------------------------------------------------------

describe("BME280 (against a model of BST-BME280-DS002)", () => {
  it("x16 each: the integer compensation gives what was set, and agrees with the data sheet's doubles", () => {
    const sensor = new Bme280(busWith(0x76, FakePart.Bme280));
    const options = new Bme280Options();
    options.temperatureOversampling = 16;
    options.pressureOversampling = 16;
    options.humidityOversampling = 16;
    options.filter = 4;
    const c = sensor.configure(options);
    run(c);
    expect(c.output).toBe(I2cError.None);
    expect(sensor.chipId).toBe(0x60);
    expect(i2cRegister(BSC1, 0x76, 0xf2)).toBe(0b101);              // osrs_h x16
    expect(i2cRegister(BSC1, 0x76, 0xf5)).toBe(0b010 << 2);         // filter 4
    expect(i2cRegister(BSC1, 0x76, 0xf4)).toBe(0b101_101_00);       // osrs_t x16, osrs_p x16, asleep

    bme280Set(BSC1, 0x76, 21.37, 98_765.4, 43.21);
    const s = sensor.sample();
    const ms = run(s);
    const sample = s.output!;
    within(sample.temperature, 21.37, 0.011, "temperature (°C), as set");
    within(sample.pressure, 98_765.4, 0.35, "pressure (Pa), as set");
    within(sample.humidity, 43.21, 0.02, "humidity (%RH), as set");
    within(sample.temperature, bme280Expected(BSC1, 0x76, 0), 0.006, "temperature, as the doubles of 8.1 give it");
    within(sample.pressure, bme280Expected(BSC1, 0x76, 1), 0.3, "pressure, as the doubles give it (the 64-bit and double formulas differ by up to 0.24 Pa)");
    within(sample.humidity, bme280Expected(BSC1, 0x76, 2), 0.01, "humidity, as the doubles give it (the two formulas differ by up to 0.006)");
    expect(ms).toBe(113, "9.1's maximum for x16 each: 1.25 + 2.3 * 16 + 2 * (2.3 * 16 + 0.575) = 112.8 ms");
    expect(i2cRegister(BSC1, 0x76, 0xf4) & 3).toBe(0, "the forced measurement left it asleep");
  });

  it("the BMP280 data sheet's worked example (its compensation is the BME280's): 25.08 °C, 100653.27 Pa", () => {
    const sensor = new Bme280(busWith(0x76, FakePart.Bme280));
    const options = new Bme280Options();
    options.temperatureOversampling = 16;
    options.pressureOversampling = 16;
    run(sensor.configure(options));
    bme280SetRaw(BSC1, 0x76, 519888, 415148, 30000);
    const s = sensor.sample();
    run(s);
    within(s.output!.temperature, 25.08, 0.0001, "temperature");
    within(s.output!.pressure, 100653.27, 0.05, "pressure");
    within(s.output!.humidity, bme280Expected(BSC1, 0x76, 2), 0.01, "humidity");
  });

  it("x1 (the default): waits 9.1's 10 ms, reads one burst from status, gives the 16-bit reading", () => {
    const sensor = new Bme280(busWith(0x77, FakePart.Bme280), 0x77);
    bme280Set(BSC1, 0x77, -12.5, 101_325, 80);
    const s = sensor.sample();                                      // configures itself with the defaults first
    const ms = run(s);
    expect(sensor.configured).toBe(true);
    expect(ms).toBe(2 + 10, "the reset's 2 ms, then 1.25 + 2.3 + 2 * 2.875 = 9.3 ms");
    const log = i2cLog(BSC1);
    const last = log[log.length - 1];
    expect(last.read).toBe(true);
    expect(last.bytes.length).toBe(12, "status to hum_lsb in one read");
    expect(log[log.length - 2].bytes[0]).toBe(0xf3, "its pointer write: status");
    within(s.output!.temperature, -12.5, 0.02, "temperature");
    within(s.output!.pressure, 101_325, 3, "pressure (16 bits: about 2.6 Pa a step)");
    within(s.output!.humidity, 80, 0.02, "humidity");
  });

  it("a quantity with oversampling 0 is skipped: NaN", () => {
    const sensor = new Bme280(busWith(0x76, FakePart.Bme280));
    const options = new Bme280Options();
    options.humidityOversampling = 0;
    run(sensor.configure(options));
    bme280Set(BSC1, 0x76, 30, 90_000, 50);
    const s = sensor.sample();
    run(s);
    within(s.output!.temperature, 30, 0.02, "temperature");
    within(s.output!.pressure, 90_000, 3, "pressure");
    expect(isNaN(s.output!.humidity)).toBe(true, "humidity skipped");
  });

  it("nothing at the address: Nack, sample() null", () => {
    const sensor = new Bme280(busWith(0x76, FakePart.Bme280), 0x77);
    const c = sensor.configure();
    run(c);
    expect(c.output).toBe(I2cError.Nack);
    const s = sensor.sample();
    run(s);
    expect(s.output).toBeNull();
    expect(sensor.error).toBe(I2cError.Nack);
  });

  it("a BMP280 (id 0x58) is not taken for one: WrongPart, chipId 0x58, nothing written to it", () => {
    busWith(0x76, FakePart.Bme280);
    i2cSetRegister(BSC1, 0x76, 0xd0, 0x58);
    const sensor = new Bme280(i2c.open(1, 0));
    const c = sensor.configure();
    run(c);
    expect(c.output).toBe(I2cError.WrongPart);
    expect(sensor.chipId).toBe(0x58);
    expect(sensor.configured).toBe(false);
    expect(i2cLogLength(BSC1)).toBe(2, "the id's pointer write and read, no reset");
    expect(i2c.errorName(sensor.error).includes("not the part")).toBe(true);
  });

  it("a NACK in the middle of a sample, a clock stretch in the middle of configure: values, and the next call works", () => {
    const sensor = new Bme280(busWith(0x76, FakePart.Bme280));
    run(sensor.configure());
    i2cFailAfter(BSC1, 0x76, 1, FakeFailure.Nack);                  // the ctrl_meas write goes; the read's pointer does not
    bme280Set(BSC1, 0x76, 20, 100_000, 50);
    const s = sensor.sample();
    run(s);
    expect(s.output).toBeNull();
    expect(sensor.error).toBe(I2cError.Nack);
    i2cFailAfter(BSC1, 0x76, -1, FakeFailure.Nack);
    const again = sensor.sample();
    run(again);
    within(again.output!.temperature, 20, 0.02, "after the NACK");

    i2cFailAfter(BSC1, 0x76, 5, FakeFailure.ClockStretch);          // id (2), reset, status (2): then the calibration's pointer
    const c = sensor.configure();
    run(c);
    expect(c.output).toBe(I2cError.ClockStretch);
    expect(sensor.configured).toBe(false);
    i2cFailAfter(BSC1, 0x76, -1, FakeFailure.Nack);
    const third = sensor.sample();                                  // configures again first
    run(third);
    within(third.output!.pressure, 100_000, 3, "after the clock stretch");
  });
});

// ---- SSD1306 ------------------------------------------------------------------

/** The pattern the SSD1306 specs draw, computed pixel by pixel (not through the canvas). */
function patternOn(x: i32, y: i32): bool {
  if (x == 0 && y == 0) return true;
  if (x == 127 && y == 63) return true;
  if (x >= 10 && x < 30 && y >= 10 && y < 15) return true;          // fillRect(10, 10, 20, 5)
  if (x >= 50 && x < 58 && y >= 20 && y < 28) return ((x + y) & 1) == 0;   // an 8x8 checkerboard at (50, 20)
  return false;
}

function checkerboard(): Uint8Array {
  const img = new Uint8Array(8);
  for (let row = 0; row < 8; row++) img[row] = (row + 50 + 20) & 1 ? 0x55 : 0xaa;   // leftmost pixel in bit 7
  return img;
}

function drawPattern(oled: Ssd1306): void {
  oled.pixel(0, 0, true);
  oled.pixel(127, 63, true);
  oled.pixel(128, 0, true);                                         // outside: nothing
  oled.fillRect(10, 10, 20, 5, true);
  oled.blit(checkerboard(), 8, 8, 50, 20);
}

/** Whether the model's display RAM holds `on(x, y)` for every pixel (page y / 8, column x, bit y % 8). */
function ramHolds(address: u32, width: i32, height: i32): bool {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const lit = (ssd1306Ram(BSC1, address, (y >> 3) * 128 + x) & (1 << (y & 7))) != 0;
      if (lit != patternOn(x, y)) return false;
    }
  }
  return true;
}

describe("SSD1306 (against a model of the SSD1306 rev 1.1)", () => {
  it("configure(): the initialisation, the charge pump on before the display, the RAM cleared, then on", () => {
    const bus = busWith(0x3c, FakePart.Ssd1306);
    const oled = new Ssd1306(bus);
    const timers = bus.byTimer, interrupts = bus.byInterrupt;
    const c = oled.configure();
    run(c);
    expect(c.output).toBe(I2cError.None);
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.On)).toBe(1);
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.ChargePump)).toBe(1);
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.AddressingMode)).toBe(0, "horizontal");
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.Multiplex)).toBe(63);
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.ComPins)).toBe(0x12);
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.SegmentRemap)).toBe(1);
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.ComReversed)).toBe(1);
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.Contrast)).toBe(0x7f);
    const log = i2cLog(BSC1);
    expect(log[0].bytes[0]).toBe(0x00, "a command stream");
    expect(log[0].bytes[1]).toBe(0xae, "the display off first");
    let zeros = 0, data = 0;
    for (let i = 0; i < log.length; i++) {
      const t = log[i];
      expect(t.address).toBe(0x3c);
      expect(t.bytes.length).toBeLessThanOrEqual(33);
      if (t.bytes[0] != 0x40) continue;
      for (let j = 1; j < t.bytes.length; j++) { data++; if (t.bytes[j] == 0) zeros++; }
    }
    expect(data).toBe(1024, "the whole RAM");
    expect(zeros).toBe(1024);
    const last = log[log.length - 1].bytes;
    expect(last.length).toBe(2);
    expect(last[1]).toBe(0xaf, "on, after the RAM is clear");
    expect(bus.byTimer - timers).toBe(0, "every wait ended by the interrupt");
    expect(bus.byInterrupt - interrupts).toBeGreaterThanOrEqual(32, "a wait in each 33-byte write, for its last 17 bytes");
  });

  it("a drawn pattern reaches the display RAM bit for bit, in 0x40 transfers of at most 32 bytes", () => {
    const oled = new Ssd1306(busWith(0x3c, FakePart.Ssd1306));
    run(oled.configure());
    const mark = i2cLogLength(BSC1);
    drawPattern(oled);
    expect(oled.isOn(50, 20)).toBe(true);
    expect(oled.isOn(51, 20)).toBe(false);
    const s = oled.show();
    run(s);
    expect(s.output).toBe(I2cError.None);
    expect(ramHolds(0x3c, 128, 64)).toBe(true);
    expect(ssd1306Ram(BSC1, 0x3c, 0)).toBe(0x01, "(0, 0): page 0, column 0, bit 0");
    expect(ssd1306Ram(BSC1, 0x3c, 7 * 128 + 127)).toBe(0x80, "(127, 63): page 7, column 127, bit 7");
    expect(ssd1306Ram(BSC1, 0x3c, 128 + 10)).toBe(0x7c, "rows 10-14: page 1, bits 2-6");
    // Pages 0, 1, 2, 3 and 7 were drawn on: two runs, each a window then 32-byte chunks.
    const log = i2cLog(BSC1, mark);
    expect(wrote(log, [0x00, 0x21, 0, 127, 0x22, 0, 3])).toBe(true);
    expect(wrote(log, [0x00, 0x21, 0, 127, 0x22, 7, 7])).toBe(true);
    let chunks = 0;
    for (let i = 0; i < log.length; i++) {
      if (log[i].bytes[0] != 0x40) continue;
      chunks++;
      expect(log[i].bytes.length).toBe(33);
    }
    expect(chunks).toBe(5 * 4, "five pages of four chunks");
    expect(log.length).toBe(2 + 20);
  });

  it("show() sends only the pages drawn on since; nothing if none", () => {
    const oled = new Ssd1306(busWith(0x3c, FakePart.Ssd1306));
    run(oled.configure());
    let mark = i2cLogLength(BSC1);
    run(oled.show());
    expect(i2cLogLength(BSC1)).toBe(mark, "nothing drawn: nothing sent");
    oled.pixel(3, 44, true);                                         // page 5
    run(oled.show());
    const log = i2cLog(BSC1, mark);
    expect(log.length).toBe(1 + 4);
    expect(wrote(log, [0x00, 0x21, 0, 127, 0x22, 5, 5])).toBe(true);
    expect(ssd1306Ram(BSC1, 0x3c, 5 * 128 + 3)).toBe(1 << 4);
  });

  it("contrast, inverse, off and on are the commands of 10.1", () => {
    const oled = new Ssd1306(busWith(0x3d, FakePart.Ssd1306), 0x3d, 128, 32);
    run(oled.configure());
    expect(ssd1306State(BSC1, 0x3d, Ssd1306State.Multiplex)).toBe(31);
    expect(ssd1306State(BSC1, 0x3d, Ssd1306State.ComPins)).toBe(0x02, "sequential COM pins for 32 rows");
    run(oled.contrast(0x20));
    expect(ssd1306State(BSC1, 0x3d, Ssd1306State.Contrast)).toBe(0x20);
    run(oled.invert(true));
    expect(ssd1306State(BSC1, 0x3d, Ssd1306State.Inverse)).toBe(1);
    run(oled.invert(false));
    expect(ssd1306State(BSC1, 0x3d, Ssd1306State.Inverse)).toBe(0);
    run(oled.off());
    expect(ssd1306State(BSC1, 0x3d, Ssd1306State.On)).toBe(0);
    run(oled.on());
    expect(ssd1306State(BSC1, 0x3d, Ssd1306State.On)).toBe(1);
  });

  it("nothing at the address: Nack from configure(), show() and on(); the canvas still draws", () => {
    const oled = new Ssd1306(busWith(0x3c, FakePart.Ssd1306), 0x3d);
    const c = oled.configure();
    run(c);
    expect(c.output).toBe(I2cError.Nack);
    oled.pixel(1, 1, true);
    expect(oled.isOn(1, 1)).toBe(true);
    const s = oled.show();
    run(s);
    expect(s.output).toBe(I2cError.Nack);
    const o = oled.on();
    run(o);
    expect(o.output).toBe(I2cError.Nack);
    expect(oled.error).toBe(I2cError.Nack);
  });

  it("a NACK in the middle of show(): the pages not wholly sent are sent by the next", () => {
    const oled = new Ssd1306(busWith(0x3c, FakePart.Ssd1306));
    run(oled.configure());
    drawPattern(oled);
    i2cFailAfter(BSC1, 0x3c, 6, FakeFailure.Nack);                  // the window, page 0's four chunks, page 1's first: then page 1's second fails
    const s = oled.show();
    run(s);
    expect(s.output).toBe(I2cError.Nack);
    expect(ramHolds(0x3c, 128, 64)).toBe(false, "pages 1-3 and 7 not there yet");
    expect(ssd1306Ram(BSC1, 0x3c, 0)).toBe(0x01, "page 0 went");
    i2cFailAfter(BSC1, 0x3c, -1, FakeFailure.Nack);
    const mark = i2cLogLength(BSC1);
    const again = oled.show();
    run(again);
    expect(again.output).toBe(I2cError.None);
    expect(ramHolds(0x3c, 128, 64)).toBe(true);
    expect(wrote(i2cLog(BSC1, mark), [0x00, 0x21, 0, 127, 0x22, 1, 3])).toBe(true, "from page 1 on");
  });

  it("a size the controller cannot drive is refused", () => {
    busWith(0x3c, FakePart.Ssd1306);
    expect(() => { new Ssd1306(i2c.open(1, 0), 0x3c, 128, 60); }).toThrow();
    expect(() => { new Ssd1306(i2c.open(1, 0), 0x3c, 132, 64); }).toThrow();
  });
});

// ---- MPU-6050 -----------------------------------------------------------------

function mpuWith(address: u32, accelRange: u32, gyroRange: u32): Mpu6050 {
  const imu = new Mpu6050(busWith(address, FakePart.Mpu6050), address);
  const options = new Mpu6050Options();
  options.accelRange = accelRange;
  options.gyroRange = gyroRange;
  const c = imu.configure(options);
  run(c);
  expect(c.output).toBe(I2cError.None);
  return imu;
}

describe("MPU-6050 (against a model of RM-MPU-6000A / PS-MPU-6000A)", () => {
  it("±2 g, ±250 °/s: woken on the PLL; axes in m/s² and °/s, the temperature in °C", () => {
    const imu = mpuWith(0x68, 2, 250);
    expect(imu.chipId).toBe(0x68);
    expect(i2cRegister(BSC1, 0x68, 0x6b)).toBe(0x01, "SLEEP clear, CLKSEL 1");
    expect(i2cRegister(BSC1, 0x68, 0x1b)).toBe(0);
    expect(i2cRegister(BSC1, 0x68, 0x1c)).toBe(0);
    mpu6050Set(BSC1, 0x68, 0.5, -1.0, 1.5, 10, -100, 200, 25);
    const s = imu.sample();
    run(s);
    const m = s.output!;
    const a: f64 = STANDARD_GRAVITY / 16384, g: f64 = 1.0 / 131;  // one LSB
    within(m.accelerometer.x, 0.5 * 9.80665, a, "ax");
    within(m.accelerometer.y, -1.0 * 9.80665, a, "ay");
    within(m.accelerometer.z, 1.5 * 9.80665, a, "az");
    within(m.gyroscope.x, 10, g, "gx");
    within(m.gyroscope.y, -100, g, "gy");
    within(m.gyroscope.z, 200, g, "gz");
    within(m.temperature, 25, 1.0 / 340, "temperature");
    const log = i2cLog(BSC1);
    expect(log[log.length - 1].bytes.length).toBe(14, "one burst");
    expect(log[log.length - 2].bytes[0]).toBe(0x3b, "from ACCEL_XOUT_H");
  });

  it("±16 g, ±2000 °/s: the same part read at its widest ranges", () => {
    const imu = mpuWith(0x69, 16, 2000);
    expect(i2cRegister(BSC1, 0x69, 0x1b)).toBe(3 << 3);
    expect(i2cRegister(BSC1, 0x69, 0x1c)).toBe(3 << 3);
    mpu6050Set(BSC1, 0x69, 12, -3, 0.25, 1500, -1990, 0.5, -20);
    const s = imu.sample();
    run(s);
    const m = s.output!;
    const a: f64 = STANDARD_GRAVITY / 2048, g: f64 = 1.0 / 16.4;
    within(m.accelerometer.x, 12 * 9.80665, a, "ax beyond ±8 g");
    within(m.accelerometer.y, -3 * 9.80665, a, "ay");
    within(m.accelerometer.z, 0.25 * 9.80665, a, "az");
    within(m.gyroscope.x, 1500, g, "gx");
    within(m.gyroscope.y, -1990, g, "gy");
    within(m.gyroscope.z, 0.5, g, "gz");
    within(m.temperature, -20, 1.0 / 340, "temperature");
  });

  it("a range between two takes the larger: 3 g is ±4 g, 300 °/s is ±500 °/s", () => {
    mpuWith(0x68, 3, 300);
    expect(i2cRegister(BSC1, 0x68, 0x1c)).toBe(1 << 3);
    expect(i2cRegister(BSC1, 0x68, 0x1b)).toBe(1 << 3);
  });

  it("nothing at the address: Nack, sample() null", () => {
    const imu = new Mpu6050(busWith(0x68, FakePart.Mpu6050), 0x69);
    const c = imu.configure();
    run(c);
    expect(c.output).toBe(I2cError.Nack);
    const s = imu.sample();
    run(s);
    expect(s.output).toBeNull();
    expect(imu.error).toBe(I2cError.Nack);
  });

  it("an MPU-6500 (WHO_AM_I 0x70) is not taken for one: WrongPart, left asleep", () => {
    busWith(0x68, FakePart.Mpu6050);
    i2cSetRegister(BSC1, 0x68, 0x75, 0x70);
    const imu = new Mpu6050(i2c.open(1, 0));
    const c = imu.configure();
    run(c);
    expect(c.output).toBe(I2cError.WrongPart);
    expect(imu.chipId).toBe(0x70);
    expect(i2cRegister(BSC1, 0x68, 0x6b)).toBe(0x40, "still asleep");
  });

  it("a clock stretch in the middle of configure() (found by the fallback timer), a NACK in the middle of a sample", () => {
    const bus = busWith(0x68, FakePart.Mpu6050);
    const imu = new Mpu6050(bus);
    i2cFailAfter(BSC1, 0x68, 2, FakeFailure.ClockStretch);          // WHO_AM_I (2 transfers), then the wake
    const timers = bus.byTimer;
    const c = imu.configure();
    run(c);
    expect(c.output).toBe(I2cError.ClockStretch);
    expect(bus.byTimer - timers).toBeGreaterThan(0);
    i2cFailAfter(BSC1, 0x68, -1, FakeFailure.Nack);
    const again = imu.configure();
    run(again);
    expect(again.output).toBe(I2cError.None);
    i2cFailAfter(BSC1, 0x68, 1, FakeFailure.Nack);                  // the pointer write goes, the 14-byte read does not
    const s = imu.sample();
    run(s);
    expect(s.output).toBeNull();
    expect(imu.error).toBe(I2cError.Nack);
  });
});

// ---- text on the 1-bit canvas (assembly/gfx/mono.ts) --------------------------

/** Whether the font's glyph for `code` has row `row`, column `col` (of its 8x8 cell) set: bit 7 the left column. */
function glyphBit(code: i32, col: i32, row: i32): bool {
  return (<i32>load<u8>(glyph(code) + <usize>row) & (0x80 >> col)) != 0;
}

describe("text on the 1-bit canvas", () => {
  it("8x8 cells, each font row once: the SSD1306's RAM holds the glyphs' bits, 16 to a row, the cells' background off", () => {
    const oled = new Ssd1306(busWith(0x3c, FakePart.Ssd1306));
    run(oled.configure());
    oled.fillRect(0, 0, 128, 64, true);                              // lit first: text's cells cover it
    const s = "0123456789ABCDEF";
    expect(oled.text(0, 8, s)).toBe(128, "16 characters end at x 128");
    expect(oled.text(8, 56, "gy", false)).toBe(24);                  // dark on lit, in the last page
    run(oled.show());
    let wrong = 0;
    for (let i = 0; i < 16; i++) {
      for (let row = 0; row < 8; row++) {
        for (let col = 0; col < 8; col++) {
          const lit = (ssd1306Ram(BSC1, 0x3c, 1 * 128 + i * 8 + col) & (1 << row)) != 0;   // page 1: rows 8-15
          if (lit != glyphBit(s.charCodeAt(i), col, row)) wrong++;
        }
      }
    }
    expect(wrong).toBe(0, "pixels of page 1 unlike the font");
    for (let col = 0; col < 8; col++) {
      for (let row = 0; row < 8; row++) {
        expect((ssd1306Ram(BSC1, 0x3c, 7 * 128 + 8 + col) & (1 << row)) != 0).toBe(!glyphBit(0x67, col, row), "g, inverted");
      }
    }
    expect(ssd1306Ram(BSC1, 0x3c, 0)).toBe(0xff, "page 0 still lit");
    expect(glyphBit(0x67, 2, 7) || glyphBit(0x67, 3, 7) || glyphBit(0x67, 4, 7)).toBe(true, "g has a descender in row 7 (the check reaches row 7)");
  });

  it("a newline goes 8 rows down to x; transparent text leaves the cells' background", () => {
    const oled = new Ssd1306(busWith(0x3c, FakePart.Ssd1306));
    oled.fillRect(0, 0, 128, 64, true);
    oled.text(16, 0, "I\nI", false, true);                            // dark strokes on lit, nothing else
    for (let row = 0; row < 8; row++) {
      for (let col = 0; col < 8; col++) {
        expect(oled.isOn(16 + col, row)).toBe(!glyphBit(0x49, col, row));
        expect(oled.isOn(16 + col, 8 + row)).toBe(!glyphBit(0x49, col, row));
      }
    }
    expect(oled.isOn(24, 0)).toBe(true, "right of the text: untouched");
  });
});

// ---- PCA9552 ------------------------------------------------------------------

describe("PCA9552 (against a model of the NXP data sheet)", () => {
  it("set() reads LS0-LS3 once (AI from LS0) and then writes one selector; setAll() four in one transfer; blink() PSC and PWM", () => {
    const leds = new Pca9552(busWith(0x60, FakePart.Pca9552));
    i2cSetRegister(BSC1, 0x60, 7, 0x00);                             // LEDs 4-7 on before the driver: kept
    run(leds.set(1, Pca9552Led.On));
    let log = i2cLog(BSC1);
    expect(log.length).toBe(3, "the pointer, the read of LS0-LS3, the write");
    expect(log[0].bytes[0]).toBe(0x16, "AI | LS0");
    expect(log[1].bytes.length).toBe(4);
    expect(wrote(log, [0x06, 0x51])).toBe(true, "LS0: LED 1 on (00), the rest off (01)");
    run(leds.set(6, Pca9552Led.Blink1));
    expect(i2cLogLength(BSC1)).toBe(4, "no read the second time");
    expect(i2cRegister(BSC1, 0x60, 7)).toBe(0x30, "LS1: LED 6 BLINK1, 4, 5, 7 still on");
    expect(<i32>leds.state(6)).toBe(<i32>Pca9552Led.Blink1);
    const mark = i2cLogLength(BSC1);
    run(leds.setAll(Pca9552Led.Blink0, 0x8001));                      // LEDs 0 and 15
    log = i2cLog(BSC1, mark);
    expect(log.length).toBe(1);
    expect(wrote(log, [0x16, 0x52, 0x30, 0x55, 0x95])).toBe(true, "LS0-LS3 in one transfer");
    run(leds.blink(1, 4, 0.25));
    expect(i2cRegister(BSC1, 0x60, 4)).toBe(10, "PSC1: 44 / 4 - 1");
    expect(i2cRegister(BSC1, 0x60, 5)).toBe(192, "PWM1: lit a quarter, 256 - 64 (the PCA9553 data sheet's worked example)");
    expect(Pca9552.prescaler(1000)).toBe(0, "faster than 44 Hz: the fastest");
    expect(Pca9552.prescaler(0.01)).toBe(255, "slower than 0.172 Hz: the slowest");
    expect(Pca9552.pwm(1)).toBe(0, "always lit");
    expect(Pca9552.pwm(0)).toBe(255, "the least");
  });

  it("read(): the pins, INPUT0 and INPUT1 each without AI (a read with AI may not start at 0)", () => {
    const leds = new Pca9552(busWith(0x67, FakePart.Pca9552), 0x67);
    run(leds.setAll(Pca9552Led.On, 0x0101));
    const mark = i2cLogLength(BSC1);
    const r = leds.read();
    run(r);
    expect(r.output).toBe(0xfefe, "LEDs 0 and 8 on: low");
    const log = i2cLog(BSC1, mark);
    expect(log.length).toBe(4);
    expect(log[0].bytes[0]).toBe(0x00);
    expect(log[2].bytes[0]).toBe(0x01);
  });

  it("nothing at the address: Nack as a value from set(), setAll(), blink(), read() -1", () => {
    const leds = new Pca9552(busWith(0x60, FakePart.Pca9552), 0x61);
    const a = leds.set(0, Pca9552Led.On);
    run(a);
    expect(a.output).toBe(I2cError.Nack);
    const b = leds.setAll(Pca9552Led.Off);
    run(b);
    expect(b.output).toBe(I2cError.Nack);
    const c = leds.blink(0, 1, 0.5);
    run(c);
    expect(c.output).toBe(I2cError.Nack);
    const r = leds.read();
    run(r);
    expect(r.output).toBe(-1);
    expect(leds.error).toBe(I2cError.Nack);
    const bad = leds.set(16, Pca9552Led.On);
    run(bad);
    expect(bad.output).toBe(I2cError.Length, "no LED 16");
  });

  it("a NACK on the selector write: the error, and the next set() reads the selectors again", () => {
    const leds = new Pca9552(busWith(0x60, FakePart.Pca9552));
    run(leds.set(0, Pca9552Led.On));
    i2cFailAfter(BSC1, 0x60, 0, FakeFailure.Nack);
    const a = leds.set(2, Pca9552Led.On);
    run(a);
    expect(a.output).toBe(I2cError.Nack);
    i2cFailAfter(BSC1, 0x60, -1, FakeFailure.Nack);
    const mark = i2cLogLength(BSC1);
    run(leds.set(3, Pca9552Led.On));
    expect(i2cLogLength(BSC1) - mark).toBe(3, "read again, then written");
    expect(i2cRegister(BSC1, 0x60, 6)).toBe(0x14, "LS0: LEDs 0 and 3 on, 1 and 2 off");
  });
});

// ---- SSD0303 ------------------------------------------------------------------
// No model of its own: the SSD1306 model stands in (the same control bytes,
// and page addressing, its reset mode: 0xB0-0xB7, the column's nibbles), so
// the panel is kept within its 128 columns.

describe("SSD0303 (the SSD1306 model standing in)", () => {
  it("each command after its own 0x80; a page's column set to the panel's first; text lands there", () => {
    const oled = new Ssd0303(busWith(0x3c, FakePart.Ssd1306), 0x3c, 64, 16, 36);
    run(oled.configure());
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.On)).toBe(1);
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.Multiplex)).toBe(15);
    const log = i2cLog(BSC1);
    for (let i = 0; i < log.length; i++) {
      const b = log[i].bytes;
      if (b[0] == 0x40) { expect(b.length).toBeLessThanOrEqual(33); continue; }
      for (let j = 0; j < b.length; j += 2) expect(b[j]).toBe(0x80, "a command's control byte");
    }
    const mark = i2cLogLength(BSC1);
    oled.text(0, 8, "Pi");
    run(oled.show());
    const sent = i2cLog(BSC1, mark);
    expect(wrote(sent, [0x80, 0xb1, 0x80, 0x04, 0x80, 0x12])).toBe(true, "page 1, column 36 (0x24)");
    expect(sent.length).toBe(1 + 2, "the position, 64 bytes in two");
    for (let col = 0; col < 8; col++) {
      let b = 0;
      for (let row = 0; row < 8; row++) if (glyphBit(0x50, col, row)) b |= 1 << row;
      expect(ssd1306Ram(BSC1, 0x3c, 128 + 36 + col)).toBe(b, "P's column");
    }
    run(oled.invert(true));
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.Inverse)).toBe(1);
    run(oled.allOn(true));
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.EntireOn)).toBe(1);
    run(oled.contrast(0x33));
    expect(ssd1306State(BSC1, 0x3c, Ssd1306State.Contrast)).toBe(0x33);
  });

  it("nothing at the address: Nack from configure(), show(), on()", () => {
    const oled = new Ssd0303(busWith(0x3c, FakePart.Ssd1306), 0x3d);
    const c = oled.configure();
    run(c);
    expect(c.output).toBe(I2cError.Nack);
    oled.text(0, 0, "x");
    const s = oled.show();
    run(s);
    expect(s.output).toBe(I2cError.Nack);
    const o = oled.on();
    run(o);
    expect(o.output).toBe(I2cError.Nack);
    expect(oled.error).toBe(I2cError.Nack);
  });

  it("a NACK in the middle of show(): the page not wholly sent goes again with the next show()", () => {
    const oled = new Ssd0303(busWith(0x3c, FakePart.Ssd1306), 0x3c, 64, 16, 36);
    run(oled.configure());
    oled.text(0, 0, "AB");
    oled.text(0, 8, "CD");
    i2cFailAfter(BSC1, 0x3c, 4, FakeFailure.Nack);                   // page 0 (3 transfers) goes, page 1's position goes, its data does not
    const s = oled.show();
    run(s);
    expect(s.output).toBe(I2cError.Nack);
    i2cFailAfter(BSC1, 0x3c, -1, FakeFailure.Nack);
    const mark = i2cLogLength(BSC1);
    run(oled.show());
    const again = i2cLog(BSC1, mark);
    expect(again.length).toBe(3, "page 1 only");
    expect(wrote(again, [0x80, 0xb1])).toBe(true);
    expect(ssd1306Ram(BSC1, 0x3c, 128 + 36 + 8)).toBe(<i32>0, "D's column 0: blank");
    let b = 0;
    for (let row = 0; row < 8; row++) if (glyphBit(0x44, 2, row)) b |= 1 << row;
    expect(ssd1306Ram(BSC1, 0x3c, 128 + 36 + 8 + 2)).toBe(b, "D's column 2, sent the second time");
  });
});
