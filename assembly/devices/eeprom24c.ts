// 24Cxx serial EEPROMs on I2C (the AT24C family; Microchip 24AA/24LC:
// byte and page writes, random and sequential reads). Addresses are one
// byte for parts up to 256 bytes (24C01/02), two above; a write never
// crosses a page (8 to 64 bytes by part: give yours), and after each page
// the chip is busy for its write cycle (5 ms at most): it does not
// acknowledge until done, so the driver polls with an empty write, sleeping
// a millisecond between tries (the datasheets' "acknowledge polling").
//
//   const rom = new Eeprom24c(i2c.open(1), 0x50, 4096, 32);    // a 24C32
//   await rom.write(100, data);
//   await rom.read(100, into);
//
// QEMU models it as at24c-eeprom, backed by a file (tests/qemu/i2c.test.ts
// writes through the kernel and reads the file). QEMU has no write cycle and
// no pages; a real chip has both.
import * as i2c from "../drivers/i2c";
import { I2cError } from "../drivers/i2c";
import { sleep } from "../kernel/exec";

export class Eeprom24c {
  device: i2c.Device;
  /** Address bytes: 1 up to 256 bytes, else 2. */
  addressBytes: i32;
  error: I2cError = I2cError.None;

  constructor(public bus: i2c.Bus, address: u32 = 0x50, public size: u32 = 256, public pageSize: u32 = 8, hz: u32 = 100_000) {
    this.device = bus.device(address, hz);
    this.addressBytes = size > 256 ? 2 : 1;
  }

  /** Reads `into.length` bytes from `at` (a pointer write, then one sequential read). */
  async read(at: u32, into: Uint8Array): Promise<I2cError> {
    if (at + <u32>into.length > this.size) { this.error = I2cError.Length; return this.error; }
    this.error = await this.device.writeRead(this.pointer(at, 0), into);
    return this.error;
  }

  /** Writes `data` at `at`, a page at a time, waiting out each page's write cycle. */
  async write(at: u32, data: Uint8Array): Promise<I2cError> {
    if (at + <u32>data.length > this.size) { this.error = I2cError.Length; return this.error; }
    let done: u32 = 0;
    const total = <u32>data.length;
    while (done < total) {
      const here = at + done;
      const n = min<u32>(total - done, this.pageSize - here % this.pageSize);   // up to the page's end
      const bytes = this.pointer(here, <i32>n);
      for (let i: u32 = 0; i < n; i++) bytes[this.addressBytes + <i32>i] = data[<i32>(done + i)];
      this.error = await this.device.write(bytes);
      if (this.error != I2cError.None) return this.error;
      this.error = await this.ready();
      if (this.error != I2cError.None) return this.error;
      done += n;
    }
    return I2cError.None;
  }

  /** Waits for the write cycle: an empty write until the chip acknowledges (at most 20 tries a millisecond apart). */
  async ready(): Promise<I2cError> {
    const none = new Uint8Array(0);
    for (let i = 0; i < 20; i++) {
      const err = await this.device.write(none);
      if (err != I2cError.Nack) return err;
      await sleep(1);
    }
    return I2cError.Timeout;
  }

  /** The address bytes for `at`, with room for `extra` bytes after them. */
  private pointer(at: u32, extra: i32): Uint8Array {
    const b = new Uint8Array(this.addressBytes + extra);
    if (this.addressBytes == 2) { b[0] = <u8>(at >> 8); b[1] = <u8>at; } else b[0] = <u8>at;
    return b;
  }
}
