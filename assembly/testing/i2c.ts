// The I2C side of the fake host (tools/testing/fake-i2c.ts), for specs of
// the drivers of parts QEMU does not have: a BSC that runs each transfer
// against models of the parts as their datasheets describe them, a log of
// what went on the wire, the parts' state to set and read back, and
// failures to inject.
//
//   machine(Board.Pi3);
//   i2cController(BSC1);                             // before i2c.open(1)
//   i2cAttach(BSC1, 0x76, FakePart.Bme280);
//   bme280Set(BSC1, 0x76, 21.5, 101325, 40);         // what it will measure
//   i2cFailAfter(BSC1, 0x76, 2, FakeFailure.Nack);   // its third transfer from now on is not acknowledged
//   const log = i2cLog(BSC1);                        // every transfer: address, direction, bytes, result

/** The parts the fake bus models. */
export const enum FakePart { Bme280 = 1, Ssd1306 = 2, Mpu6050 = 3, Ds1338 = 4, Pca9552 = 5 }

/** Attach a part at `TEN_BIT | address` for a 10-bit address. */
export const TEN_BIT: u32 = 0x400;

/** How a part fails (i2cFailAfter). */
export const enum FakeFailure { Nack = 1, ClockStretch = 2 }

/** What fake.ssd1306State reports. */
export const enum Ssd1306State { On = 0, ChargePump = 1, Contrast = 2, Inverse = 3, AddressingMode = 4, Multiplex = 5, SegmentRemap = 6, ComReversed = 7, ComPins = 8, EntireOn = 9 }

// @ts-ignore: decorator
@external("fake", "i2cController") export declare function i2cController(base: u32): void;
// @ts-ignore: decorator
@external("fake", "i2cAttach") export declare function i2cAttach(base: u32, address: u32, part: FakePart): void;
/** Writes take their time on the wire (SCL from CDIV), so a new ST before a write has ended is a repeated start. */
// @ts-ignore: decorator
@external("fake", "i2cWireTime") export declare function i2cWireTime(base: u32, on: bool): void;
// @ts-ignore: decorator
@external("fake", "i2cDetach") export declare function i2cDetach(base: u32, address: u32): void;
/** From the part's `transfers`-th transfer counted from now (0: the next), it fails as `how` says; -1 mends it. */
// @ts-ignore: decorator
@external("fake", "i2cFailAfter") export declare function i2cFailAfter(base: u32, address: u32, transfers: i32, how: FakeFailure): void;
// @ts-ignore: decorator
@external("fake", "i2cLogLength") export declare function i2cLogLength(base: u32): i32;
// @ts-ignore: decorator
@external("fake", "i2cLogAddress") declare function i2cLogAddress(base: u32, i: i32): u32;
// @ts-ignore: decorator
@external("fake", "i2cLogRead") declare function i2cLogRead(base: u32, i: i32): i32;
// @ts-ignore: decorator
@external("fake", "i2cLogResult") declare function i2cLogResult(base: u32, i: i32): i32;
// @ts-ignore: decorator
@external("fake", "i2cLogBytes") declare function i2cLogBytes(base: u32, i: i32): i32;
// @ts-ignore: decorator
@external("fake", "i2cLogByte") declare function i2cLogByte(base: u32, i: i32, j: i32): i32;
// @ts-ignore: decorator
@external("fake", "i2cLogRestart") declare function i2cLogRestart(base: u32, i: i32): i32;
/** A register of a part with a register file (BME280, MPU6050, DS1338, PCA9552) as the part holds it, and a poke. */
// @ts-ignore: decorator
@external("fake", "i2cRegister") export declare function i2cRegister(base: u32, address: u32, reg: u32): u32;
// @ts-ignore: decorator
@external("fake", "i2cSetRegister") export declare function i2cSetRegister(base: u32, address: u32, reg: u32, v: u32): void;
/** What the BME280 will measure next, in °C, Pa and %RH (the model finds the raw values for them). */
// @ts-ignore: decorator
@external("fake", "bme280Set") export declare function bme280Set(base: u32, address: u32, celsius: f64, pascals: f64, humidity: f64): void;
/** What the BME280 will measure next, as raw ADC values (20, 20 and 16 bits). */
// @ts-ignore: decorator
@external("fake", "bme280SetRaw") export declare function bme280SetRaw(base: u32, address: u32, adcT: i32, adcP: i32, adcH: i32): void;
/** The model's own compensation of its raw values (the datasheet's double-precision formulas, 8.1): 0 °C, 1 Pa, 2 %RH. */
// @ts-ignore: decorator
@external("fake", "bme280Expected") export declare function bme280Expected(base: u32, address: u32, what: i32): f64;
/** What the MPU6050 senses: acceleration in g, rotation in °/s, temperature in °C. */
// @ts-ignore: decorator
@external("fake", "mpu6050Set") export declare function mpu6050Set(base: u32, address: u32, ax: f64, ay: f64, az: f64, gx: f64, gy: f64, gz: f64, celsius: f64): void;
/** Byte `i` of the SSD1306's display RAM (page i / 128, column i % 128). */
// @ts-ignore: decorator
@external("fake", "ssd1306Ram") export declare function ssd1306Ram(base: u32, address: u32, i: i32): i32;
// @ts-ignore: decorator
@external("fake", "ssd1306State") export declare function ssd1306State(base: u32, address: u32, what: Ssd1306State): i32;

/** One transfer as it went on the wire. */
export class FakeTransfer {
  constructor(public address: u32, public read: bool, public bytes: Uint8Array, public acknowledged: bool, public clockStretch: bool, public restart: bool) {}
}

/** The transfers on the bus at `base` from the `from`-th on. */
export function i2cLog(base: u32, from: i32 = 0): Array<FakeTransfer> {
  const n = i2cLogLength(base);
  const out = new Array<FakeTransfer>();
  for (let i = from; i < n; i++) {
    const bytes = new Uint8Array(i2cLogBytes(base, i));
    for (let j = 0; j < bytes.length; j++) bytes[j] = <u8>i2cLogByte(base, i, j);
    const result = i2cLogResult(base, i);
    out.push(new FakeTransfer(i2cLogAddress(base, i), i2cLogRead(base, i) != 0, bytes, result == 0, result == 2, i2cLogRestart(base, i) != 0));
  }
  return out;
}
