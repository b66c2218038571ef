// The Bosch BME280 temperature, pressure and humidity sensor on I2C (Bosch
// BST-BME280-DS002, the data sheet; section numbers below are its). Shaped
// after Ecma-419's sensor classes, made async: a sample has the properties
// of its Temperature (°C), Barometer (pressure in Pa) and Humidity (%RH)
// classes.
//
//   const sensor = new Bme280(i2c.open(1));          // address 0x76 (SDO low; 0x77 high)
//   if (await sensor.configure() != I2cError.None) println("bme280: " + i2c.errorName(sensor.error));
//   const s = await sensor.sample();                  // a forced measurement, ~10 ms at x1
//   if (s) println(s.temperature.toString() + " C " + s.pressure.toString() + " Pa " + s.humidity.toString() + " %");
//
// Each sample is a forced measurement (3.3.3): the part measures once, the
// driver sleeps through the measurement's maximum time (9.1), reads the
// status and the eight data bytes in one burst (the data registers are
// shadowed, so one burst is one measurement: 4), and compensates them with
// the data sheet's integer formulas (4.2.3: 32-bit for temperature and
// humidity, 64-bit for pressure). QEMU has no BME280: the specs run the
// driver against a model of it (tools/testing/fake-i2c.ts,
// tests/spec/parts.spec.ts).
import * as i2c from "../drivers/i2c";
import { I2cError } from "../drivers/i2c";
import { sleep } from "../kernel/exec";

/** One reading: °C, Pa, %RH (NaN for a quantity whose oversampling is 0: skipped). */
export class Bme280Sample {
  constructor(public temperature: f64, public pressure: f64, public humidity: f64) {}
}

/** Oversampling of each quantity: 0 (skipped), 1, 2, 4, 8 or 16 (3.4, 5.4.3, 5.4.5); the IIR filter's coefficient: 0 (off), 2, 4, 8 or 16 (3.4.4). */
export class Bme280Options {
  temperatureOversampling: u32 = 1;
  pressureOversampling: u32 = 1;
  humidityOversampling: u32 = 1;
  filter: u32 = 0;
}

// Registers (5.3).
const ID: u8 = 0xd0, RESET: u8 = 0xe0, CALIB_TP: u8 = 0x88, CALIB_H: u8 = 0xe1;
const CTRL_HUM: u8 = 0xf2, STATUS: u8 = 0xf3, CTRL_MEAS: u8 = 0xf4, CONFIG: u8 = 0xf5;
const CHIP_ID: u8 = 0x60;
const STATUS_MEASURING: u8 = 1 << 3, STATUS_IM_UPDATE: u8 = 1 << 0;
const MODE_FORCED: u8 = 0b01;
/** A measurement that was skipped reads these (5.4.7-5.4.9). */
const SKIPPED_TP: i32 = 0x80000, SKIPPED_H: i32 = 0x8000;

/** The register code of an oversampling factor (0 skip, 1 x1 ... 5 x16; a factor between two takes the higher). */
function oversamplingCode(factor: u32): u8 {
  if (factor == 0) return 0;
  let code: u8 = 1;
  while (code < 5 && (<u32>1 << (code - 1)) < factor) code++;
  return code;
}

/** The filter's register code (0 off, 1 for 2 ... 4 for 16). */
function filterCode(coefficient: u32): u8 {
  let code: u8 = 0;
  while (code < 4 && (<u32>1 << code) < coefficient) code++;
  return code;
}

/** A little-endian unsigned and signed 16-bit word at `at`. */
function le16u(b: Uint8Array, at: i32): i32 { return <i32>b[at] | (<i32>b[at + 1] << 8); }
function le16s(b: Uint8Array, at: i32): i32 { return <i32><i16>(<u16>b[at] | (<u16>b[at + 1] << 8)); }

/** 1 << (code - 1): the number of samples, 0 when skipped. */
function samples(code: u8): u32 { return code ? <u32>1 << (code - 1) : 0; }

export class Bme280 {
  device: i2c.Device;
  /** The last call's error (None after a good one): a bus error, or WrongPart (see chipId). */
  error: I2cError = I2cError.None;
  /** What the id register read at the last configure() (0x60 for a BME280; a BMP280 reads 0x56-0x58). */
  chipId: u32 = 0;
  /** Whether configure() has read the calibration. */
  configured: bool = false;
  private ctrlMeas: u8 = 0;
  private measureMs: u32 = 0;
  // The trimming parameters (4.2.2, table 16), widened for the formulas.
  private t1: i32 = 0; private t2: i32 = 0; private t3: i32 = 0;
  private p1: i64 = 0; private p2: i64 = 0; private p3: i64 = 0; private p4: i64 = 0; private p5: i64 = 0;
  private p6: i64 = 0; private p7: i64 = 0; private p8: i64 = 0; private p9: i64 = 0;
  private h1: i32 = 0; private h2: i32 = 0; private h3: i32 = 0; private h4: i32 = 0; private h5: i32 = 0; private h6: i32 = 0;
  private data: Uint8Array = new Uint8Array(12);

  constructor(bus: i2c.Bus, address: u32 = 0x76, hz: u32 = 100_000) { this.device = bus.device(address, hz); }

  /**
   * Checks the chip id (WrongPart if it is not a BME280's 0x60), resets the
   * part (0xB6 to reset, then the 2 ms start-up and the NVM copy:
   * status.im_update), reads the calibration and sets the oversampling and
   * the filter, leaving the part asleep until a sample.
   */
  async configure(options: Bme280Options = new Bme280Options()): Promise<I2cError> {
    this.configured = false;
    const one: Uint8Array = new Uint8Array(1);
    this.error = await this.device.readRegister(ID, one);
    if (this.error != I2cError.None) return this.error;
    this.chipId = one[0];
    if (one[0] != CHIP_ID) { this.error = I2cError.WrongPart; return this.error; }

    const reset: Uint8Array = new Uint8Array(2);
    reset[0] = RESET; reset[1] = 0xb6;
    this.error = await this.device.write(reset);
    if (this.error != I2cError.None) return this.error;
    await sleep(2);                                               // start-up time (1.1, table 1)
    let tries: i32 = 0;
    while (true) {
      this.error = await this.device.readRegister(STATUS, one);
      if (this.error != I2cError.None) return this.error;
      if (!(one[0] & STATUS_IM_UPDATE)) break;
      if (++tries == 10) { this.error = I2cError.Timeout; return this.error; }
      await sleep(1);
    }

    const tp: Uint8Array = new Uint8Array(26);                    // 0x88-0xA1
    this.error = await this.device.readRegister(CALIB_TP, tp);
    if (this.error != I2cError.None) return this.error;
    const h: Uint8Array = new Uint8Array(7);                      // 0xE1-0xE7
    this.error = await this.device.readRegister(CALIB_H, h);
    if (this.error != I2cError.None) return this.error;
    this.calibrate(tp, h);

    const osrsT = oversamplingCode(options.temperatureOversampling);
    const osrsP = oversamplingCode(options.pressureOversampling);
    const osrsH = oversamplingCode(options.humidityOversampling);
    this.ctrlMeas = (osrsT << 5) | (osrsP << 2);                  // mode 00: sleep until a sample
    // The maximum measurement time (9.1): 1.25 + 2.3 T + (2.3 P + 0.575) + (2.3 H + 0.575) ms, in µs here.
    const t = samples(osrsT), p = samples(osrsP), hs = samples(osrsH);
    const us: u32 = 1250 + 2300 * t + (p ? 2300 * p + 575 : 0) + (hs ? 2300 * hs + 575 : 0);
    this.measureMs = (us + 999) / 1000;
    // Register and data pairs (writes do not auto-increment: 6.2.1); ctrl_hum takes effect at the
    // ctrl_meas write after it (5.4.3); config is written in sleep mode, where it is not ignored (5.4.6).
    const w = new Uint8Array(6);
    w[0] = CTRL_HUM; w[1] = osrsH;
    w[2] = CONFIG; w[3] = filterCode(options.filter) << 2;
    w[4] = CTRL_MEAS; w[5] = this.ctrlMeas;
    this.error = await this.device.write(w);
    if (this.error != I2cError.None) return this.error;
    this.configured = true;
    return I2cError.None;
  }

  /**
   * One forced measurement: °C, Pa and %RH, or null (see `error`). Without
   * a configure() first, it configures with the defaults (x1 each, no filter).
   */
  async sample(): Promise<Bme280Sample | null> {
    if (!this.configured) {
      await this.configure();
      if (this.error != I2cError.None) return null;
    }
    const w = new Uint8Array(2);
    w[0] = CTRL_MEAS; w[1] = this.ctrlMeas | MODE_FORCED;
    this.error = await this.device.write(w);
    if (this.error != I2cError.None) return null;
    await sleep(this.measureMs);
    let tries: i32 = 0;
    while (true) {
      // status, ctrl_meas, config, a reserved byte, then press (3), temp (3), hum (2): one burst.
      this.error = await this.device.readRegister(STATUS, this.data);
      if (this.error != I2cError.None) return null;
      if (!(this.data[0] & STATUS_MEASURING)) break;
      if (++tries == 10) { this.error = I2cError.Timeout; return null; }
      await sleep(1);                                             // not done yet: the data are the last measurement's
    }
    const d = this.data;
    const adcP = (<i32>d[4] << 12) | (<i32>d[5] << 4) | (<i32>d[6] >> 4);
    const adcT = (<i32>d[7] << 12) | (<i32>d[8] << 4) | (<i32>d[9] >> 4);
    const adcH = (<i32>d[10] << 8) | <i32>d[11];
    return this.compensate(adcT, adcP, adcH);
  }

  /** Raw ADC values to °C, Pa, %RH with this part's calibration (4.2.3). */
  compensate(adcT: i32, adcP: i32, adcH: i32): Bme280Sample {
    if (adcT == SKIPPED_TP) return new Bme280Sample(NaN, NaN, NaN);   // pressure and humidity need t_fine
    // Temperature (BME280_compensate_T_int32): 0.01 °C, and t_fine for the others.
    const var1 = (((adcT >> 3) - (this.t1 << 1)) * this.t2) >> 11;
    const d = (adcT >> 4) - this.t1;
    const var2 = (((d * d) >> 12) * this.t3) >> 14;
    const tFine = var1 + var2;
    const temperature = <f64>((tFine * 5 + 128) >> 8) / 100;
    const pressure = adcP == SKIPPED_TP ? NaN : this.pressure(tFine, adcP);
    const humidity = adcH == SKIPPED_H ? NaN : this.humidity(tFine, adcH);
    return new Bme280Sample(temperature, pressure, humidity);
  }

  /** BME280_compensate_P_int64: Pa in Q24.8. NaN if the calibration makes it divide by zero. */
  private pressure(tFine: i32, adcP: i32): f64 {
    let var1: i64 = <i64>tFine - 128000;
    let var2: i64 = var1 * var1 * this.p6;
    var2 = var2 + ((var1 * this.p5) << 17);
    var2 = var2 + (this.p4 << 35);
    var1 = ((var1 * var1 * this.p3) >> 8) + ((var1 * this.p2) << 12);
    var1 = (((<i64>1 << 47) + var1) * this.p1) >> 33;
    if (var1 == 0) return NaN;
    let p: i64 = 1048576 - <i64>adcP;
    p = (((p << 31) - var2) * 3125) / var1;
    var1 = (this.p9 * (p >> 13) * (p >> 13)) >> 25;
    var2 = (this.p8 * p) >> 19;
    p = ((p + var1 + var2) >> 8) + (this.p7 << 4);
    return <f64>p / 256;
  }

  /** bme280_compensate_H_int32: %RH in Q22.10, limited to 0-100. */
  private humidity(tFine: i32, adcH: i32): f64 {
    let v: i32 = tFine - 76800;
    v = ((((adcH << 14) - (this.h4 << 20) - (this.h5 * v)) + 16384) >> 15) *
      (((((((v * this.h6) >> 10) * (((v * this.h3) >> 11) + 32768)) >> 10) + 2097152) * this.h2 + 8192) >> 14);
    v = v - (((((v >> 15) * (v >> 15)) >> 7) * this.h1) >> 4);
    v = v < 0 ? 0 : v > 419430400 ? 419430400 : v;
    return <f64>(v >> 12) / 1024;
  }

  /** The trimming parameters from calib00-25 (0x88-0xA1) and calib26-32 (0xE1-0xE7): table 16. */
  private calibrate(tp: Uint8Array, h: Uint8Array): void {
    this.t1 = le16u(tp, 0); this.t2 = le16s(tp, 2); this.t3 = le16s(tp, 4);
    this.p1 = le16u(tp, 6); this.p2 = le16s(tp, 8); this.p3 = le16s(tp, 10); this.p4 = le16s(tp, 12); this.p5 = le16s(tp, 14);
    this.p6 = le16s(tp, 16); this.p7 = le16s(tp, 18); this.p8 = le16s(tp, 20); this.p9 = le16s(tp, 22);
    this.h1 = tp[25];                                             // 0xA1
    this.h2 = le16s(h, 0);                                          // 0xE1/0xE2
    this.h3 = h[2];                                               // 0xE3
    this.h4 = (<i32><i8>h[3] << 4) | (<i32>h[4] & 0x0f);          // 0xE4 [11:4], 0xE5 [3:0]: signed 12 bits
    this.h5 = (<i32><i8>h[5] << 4) | (<i32>h[4] >> 4);            // 0xE6 [11:4], 0xE5 [7:4]
    this.h6 = <i32><i8>h[6];                                      // 0xE7
  }
}
