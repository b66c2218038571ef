// The InvenSense MPU-6050 accelerometer and gyroscope on I2C (register map
// RM-MPU-6000A rev 4.2, "RM" below; product specification PS-MPU-6000A rev
// 3.4, "PS"). Shaped after Ecma-419's sensor classes, made async: a sample
// has an `accelerometer` in m/s² (Ecma-419's Accelerometer) and a
// `gyroscope` in degrees per second (the data sheet's unit: see
// docs/drivers/parts.md for why not radians), and the die's temperature.
//
//   const imu = new Mpu6050(i2c.open(1));            // address 0x68 (AD0 low; 0x69 high)
//   const options = new Mpu6050Options();
//   options.accelRange = 4; options.gyroRange = 500; // ±4 g, ±500 °/s
//   await imu.configure(options);
//   const s = await imu.sample();                    // null on a bus error: imu.error says which
//   if (s) println(s.accelerometer.z.toString());    // 9.8 lying flat
//
// A sample is the 14 bytes at ACCEL_XOUT_H (0x3B) in one burst: the
// accelerometer's X, Y, Z, the temperature, the gyroscope's X, Y, Z, each
// big-endian two's complement (RM 4.17-4.19); the part shadows them while
// they are read, so the burst is one instant. QEMU has no MPU-6050: the
// specs run the driver against a model of it (tools/testing/fake-i2c.ts).
import * as i2c from "../drivers/i2c";
import { I2cError } from "../drivers/i2c";
import { sleep } from "../kernel/exec";

/** Three axes. */
export class Axes {
  constructor(public x: f64, public y: f64, public z: f64) {}
}

/** One reading: acceleration in m/s², rotation in °/s, temperature in °C. */
export class MotionSample {
  constructor(public accelerometer: Axes, public gyroscope: Axes, public temperature: f64) {}
}

/** Full-scale ranges: ±2, 4, 8 or 16 g; ±250, 500, 1000 or 2000 °/s (RM 4.4, 4.5). A value between two takes the larger range. */
export class Mpu6050Options {
  accelRange: u32 = 2;
  gyroRange: u32 = 250;
}

/** Standard gravity (m/s² per g). */
export const STANDARD_GRAVITY: f64 = 9.80665;

// Registers (RM 3).
const GYRO_CONFIG: u8 = 0x1b, ACCEL_XOUT_H: u8 = 0x3b, PWR_MGMT_1: u8 = 0x6b, WHO_AM_I: u8 = 0x75;
/** PWR_MGMT_1: SLEEP clear, CLKSEL 1 (the PLL with the X gyroscope as reference, which RM 4.28 recommends over the internal oscillator). */
const WAKE_PLL_X: u8 = 0x01;
/** Gyroscope start-up (PS 6.1: ZRO settling, 30 ms). */
const GYRO_START_MS: u64 = 30;

/** The FS_SEL / AFS_SEL code (0-3) for a full scale of at least `range`, the smallest being `smallest`. */
function rangeCode(range: u32, smallest: u32): u8 {
  let code: u8 = 0;
  while (code < 3 && (smallest << code) < range) code++;
  return code;
}

export class Mpu6050 {
  device: i2c.Device;
  /** The last call's error (None after a good one): a bus error, or WrongPart (see chipId). */
  error: I2cError = I2cError.None;
  /** What WHO_AM_I read at the last configure() (0x68 for an MPU-6050). */
  chipId: u32 = 0;
  /** LSB per g and per °/s at the ranges set (RM 4.17: 16384 >> AFS_SEL; 4.19: 131, 65.5, 32.8, 16.4). */
  accelLsb: f64 = 16384;
  gyroLsb: f64 = 131;
  private data: Uint8Array = new Uint8Array(14);

  constructor(bus: i2c.Bus, address: u32 = 0x68, hz: u32 = 100_000) { this.device = bus.device(address, hz); }

  /**
   * Checks WHO_AM_I (bits 6:1 are 0x34 whatever AD0 is: RM 4.32; WrongPart
   * otherwise), wakes the part with the PLL as its clock, sets the two
   * full-scale ranges, and waits out the gyroscope's start-up.
   */
  async configure(options: Mpu6050Options = new Mpu6050Options()): Promise<I2cError> {
    const one: Uint8Array = new Uint8Array(1);
    this.error = await this.device.readRegister(WHO_AM_I, one);
    if (this.error != I2cError.None) return this.error;
    this.chipId = one[0];
    if ((one[0] & 0x7e) != 0x68) { this.error = I2cError.WrongPart; return this.error; }

    const wake: Uint8Array = new Uint8Array(2);
    wake[0] = PWR_MGMT_1; wake[1] = WAKE_PLL_X;
    this.error = await this.device.write(wake);
    if (this.error != I2cError.None) return this.error;

    const fs = rangeCode(options.gyroRange, 250);
    const afs = rangeCode(options.accelRange, 2);
    const ranges: Uint8Array = new Uint8Array(3);               // GYRO_CONFIG, then ACCEL_CONFIG: writes auto-increment (PS 9.3)
    ranges[0] = GYRO_CONFIG; ranges[1] = fs << 3; ranges[2] = afs << 3;
    this.error = await this.device.write(ranges);
    if (this.error != I2cError.None) return this.error;
    this.accelLsb = <f64>(16384 >> afs);
    this.gyroLsb = fs == 0 ? 131 : fs == 1 ? 65.5 : fs == 2 ? 32.8 : 16.4;
    await sleep(GYRO_START_MS);
    return I2cError.None;
  }

  /** One reading, or null when the bus failed (see `error`). */
  async sample(): Promise<MotionSample | null> {
    this.error = await this.device.readRegister(ACCEL_XOUT_H, this.data);
    if (this.error != I2cError.None) return null;
    const d = this.data;
    const a = STANDARD_GRAVITY / this.accelLsb, g = 1 / this.gyroLsb;
    return new MotionSample(
      new Axes(<f64>be16(d, 0) * a, <f64>be16(d, 2) * a, <f64>be16(d, 4) * a),
      new Axes(<f64>be16(d, 8) * g, <f64>be16(d, 10) * g, <f64>be16(d, 12) * g),
      <f64>be16(d, 6) / 340 + 36.53,                            // RM 4.18
    );
  }
}

/** A big-endian two's complement word at `at`. */
function be16(b: Uint8Array, at: i32): i32 { return <i32><i16>((<u16>b[at] << 8) | <u16>b[at + 1]); }
