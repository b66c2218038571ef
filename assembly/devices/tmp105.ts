// The TMP105 (and TMP75, LM75-style) temperature sensor on I2C (TI TMP105
// datasheet, SBOS360: 7.5 registers). Shaped after Ecma-419's sensor class:
// made with its bus and address, configured, then sampled, each step async.
//
//   const sensor = new Tmp105(i2c.open(1));          // address 0x48 (ADD0 low)
//   await sensor.configure(12);                      // 12-bit: 0.0625 degrees a step
//   const s = await sensor.sample();                 // null on a bus error: sensor.error says which
//   if (s) println("temperature " + s.temperature.toString());
//
// QEMU models it (-device tmp105,bus=i2c-bus.1,address=0x48): the tests set
// its temperature through QMP and read it back (tests/qemu/i2c.test.ts).
import * as i2c from "../drivers/i2c";
import { I2cError } from "../drivers/i2c";

/** One reading, in degrees Celsius (Ecma-419's temperature sensor sample). */
export class TemperatureSample {
  constructor(public temperature: f64) {}
}

const TEMPERATURE: u8 = 0, CONFIGURATION: u8 = 1, T_LOW: u8 = 2, T_HIGH: u8 = 3;

export class Tmp105 {
  device: i2c.Device;
  /** The last call's bus error (None after a good one). */
  error: I2cError = I2cError.None;
  private buf: Uint8Array = new Uint8Array(2);

  constructor(bus: i2c.Bus, address: u32 = 0x48, hz: u32 = 100_000) { this.device = bus.device(address, hz); }

  /** Resolution in bits (9-12: 0.5 down to 0.0625 degrees; conversion 28-220 ms, datasheet 7.5.3 R1/R0); the rest of the configuration at reset. */
  async configure(bits: u32 = 12): Promise<I2cError> {
    const one = new Uint8Array(1);
    one[0] = <u8>((min<u32>(max<u32>(bits, 9), 12) - 9) << 5);
    this.error = await this.device.writeRegister(CONFIGURATION, one);
    return this.error;
  }

  /** The temperature now, or null when the bus failed (see `error`). */
  async sample(): Promise<TemperatureSample | null> {
    this.error = await this.device.readRegister(TEMPERATURE, this.buf);
    if (this.error != I2cError.None) return null;
    return new TemperatureSample(Tmp105.celsius(this.buf[0], this.buf[1]));
  }

  /** A temperature register's two bytes (12 bits, left-aligned, two's complement) in degrees. */
  static celsius(hi: u8, lo: u8): f64 {
    return <f64>(<i16>((<u16>hi << 8) | lo) >> 4) * 0.0625;
  }
}
