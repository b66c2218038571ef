// The DS1307/DS1338 real-time clock on I2C (Maxim DS1338 datasheet: the
// timekeeper registers 00h-06h in BCD, figure 3 / table 2; 56 bytes of RAM
// at 08h-3Fh). Time is kept in 24-hour mode; the driver sets it so.
//
//   const rtc = new Ds1338(i2c.open(1));             // address 0x68
//   const t = await rtc.read();                       // null on a bus error
//   if (t) println(t.toString());                     // 2026-12-06 05:18:14
//   await rtc.set(new DateTime(2027, 1, 1, 0, 0, 0));
//
// QEMU models it (-device ds1338,bus=i2c-bus.1,address=0x68), starting at
// the host's time.
import * as i2c from "../drivers/i2c";
import { I2cError } from "../drivers/i2c";

/** A calendar time, as the clock keeps it (years 2000-2099). */
export class DateTime {
  constructor(public year: u32, public month: u32, public day: u32, public hour: u32, public minute: u32, public second: u32) {}
  /** ISO 8601 without the zone: 2026-12-06 05:18:14. */
  toString(): string {
    return this.year.toString() + "-" + two(this.month) + "-" + two(this.day) + " " + two(this.hour) + ":" + two(this.minute) + ":" + two(this.second);
  }
  /** Seconds since 1970-01-01 00:00:00 (the clock's time, taken as UTC). */
  get unixSeconds(): u64 {
    // Days from civil (H. Hinnant's algorithm), for years 2000-2099.
    const y = <i64>(this.month <= 2 ? this.year - 1 : this.year);
    const era = y / 400;
    const yoe = y - era * 400;
    const m = <i64>this.month;
    const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + <i64>this.day - 1;
    const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const days = era * 146097 + doe - 719468;
    return <u64>(days * 86400 + <i64>this.hour * 3600 + <i64>this.minute * 60 + <i64>this.second);
  }
}

function two(n: u32): string { return n < 10 ? "0" + n.toString() : n.toString(); }
function fromBcd(b: u8): u32 { return <u32>(b >> 4) * 10 + <u32>(b & 15); }
function toBcd(n: u32): u8 { return <u8>(((n / 10) << 4) | (n % 10)); }

export class Ds1338 {
  device: i2c.Device;
  error: I2cError = I2cError.None;
  private regs: Uint8Array = new Uint8Array(7);

  constructor(bus: i2c.Bus, address: u32 = 0x68, hz: u32 = 100_000) { this.device = bus.device(address, hz); }

  /** The time now, or null when the bus failed (see `error`). */
  async read(): Promise<DateTime | null> {
    this.error = await this.device.readRegister(0, this.regs);
    if (this.error != I2cError.None) return null;
    const r = this.regs;
    let hour: u32;
    if (r[2] & 0x40) {                                  // 12-hour mode (set by someone else): bit 5 is PM
      hour = fromBcd(r[2] & 0x1f) % 12 + ((r[2] & 0x20) ? 12 : 0);
    } else {
      hour = fromBcd(r[2] & 0x3f);
    }
    return new DateTime(2000 + fromBcd(r[6]), fromBcd(r[5] & 0x1f), fromBcd(r[4] & 0x3f), hour, fromBcd(r[1] & 0x7f), fromBcd(r[0] & 0x7f));
  }

  /** Sets the time (24-hour mode, the oscillator running: CH clear). */
  async set(t: DateTime): Promise<I2cError> {
    const b = new Uint8Array(7);
    b[0] = toBcd(t.second); b[1] = toBcd(t.minute); b[2] = toBcd(t.hour);
    b[3] = 1;                                           // day of the week: the clock only counts it
    b[4] = toBcd(t.day); b[5] = toBcd(t.month); b[6] = toBcd(t.year % 100);
    this.error = await this.device.writeRegister(0, b);
    return this.error;
  }
}
