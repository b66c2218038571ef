// A TMP105 temperature sensor on an I2C bus (Texas Instruments TMP105
// datasheet, SBOS336, 7.5 "Register Map"): the pointer register picks one
// of four registers (P1:P0): 00 temperature (read only: 12 bits, MSB first,
// 0.0625 degrees a step, at the resolution the configuration's R1:R0,
// bits 6:5, choose: 9 bits at reset), 01 configuration (8 bits, 0x00 at
// reset), 10 T_LOW and 11 T_HIGH (16 bits; 75 and 80 degrees at reset).
// A read continues the register the pointer names, two bytes at a time;
// a write's first byte is the pointer. The alert output and one-shot mode
// are not modelled. Set its temperature with `celsius`.
import type { I2cPart } from "../../testing/fake-i2c.js";

export class Tmp105 implements I2cPart {
  /** The temperature it measures, degrees Celsius. */
  celsius = 25;
  private pointer = 0;
  private config = 0;
  private limits = [0x4b00, 0x5000];
  private first = true;
  private at = 0;
  private writing: number[] = [];

  private register(): number {
    if (this.pointer === 1) return this.config << 8;
    if (this.pointer >= 2) return this.limits[this.pointer - 2];
    const bits = 9 + ((this.config >> 5) & 3);                     // 9 to 12 bits
    const raw = Math.round(this.celsius * 16) & 0xfff;              // 12-bit two's complement, 1/16 degree
    return ((raw << 4) & ~((1 << (16 - bits)) - 1)) & 0xffff;
  }

  start(read: boolean): boolean { this.first = !read; this.at = 0; this.writing = []; return true; }

  write(byte: number): boolean {
    if (this.first) { this.pointer = byte & 3; this.first = false; return true; }
    this.writing.push(byte & 0xff);
    if (this.pointer === 1 && this.writing.length === 1) this.config = this.writing[0] & 0xff;
    if (this.pointer >= 2 && this.writing.length === 2) this.limits[this.pointer - 2] = (this.writing[0] << 8) | (this.writing[1] & 0xf0);
    return true;
  }

  read(): number {
    const v = this.register(), wide = this.pointer !== 1;
    const byte = wide ? (this.at % 2 === 0 ? v >> 8 : v & 0xff) : v >> 8;
    this.at++;
    return byte & 0xff;
  }

  stop(): void { /* the pointer stays */ }
}
