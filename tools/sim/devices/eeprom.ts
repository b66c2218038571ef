// A 24C32-style I2C EEPROM (Microchip 24AA32A/24LC32A datasheet,
// DS21713: 6.0 "Write Operations", 8.0 "Read Operation"), as QEMU's
// at24c-eeprom with a 2-byte address: a write's first two bytes set the
// address pointer (the high bits beyond the size ignored), the bytes after
// them are written at it, wrapping within their 32-byte page (6.2: "Page
// Write"); a read sends from the pointer on, wrapping at the end of the
// array (8.3: "Sequential Read"). The internal write cycle (5 ms, during
// which the part does not acknowledge) is not modelled: like QEMU's, the
// part takes the next transfer at once. Its bytes are `data`.
import type { I2cPart } from "../../testing/fake-i2c.js";

export class Eeprom24c implements I2cPart {
  readonly data: Uint8Array;
  private pointer = 0;
  private addressBytes = 0;

  /** `bytes`: its size (a power of two; 4096 for a 24C32), erased (0xFF) unless `contents` is given. */
  constructor(bytes = 4096, contents?: Uint8Array, readonly page = 32) {
    this.data = new Uint8Array(bytes).fill(0xff);
    if (contents) this.data.set(contents.subarray(0, bytes));
  }

  start(_read: boolean): boolean { this.addressBytes = 0; return true; }

  write(byte: number): boolean {
    if (this.addressBytes < 2) {
      this.pointer = (this.addressBytes === 0 ? (byte << 8) : (this.pointer | byte)) & (this.data.length - 1);
      this.addressBytes++;
      return true;
    }
    this.data[this.pointer] = byte & 0xff;
    const pageStart = this.pointer - (this.pointer % this.page);
    this.pointer = pageStart + ((this.pointer + 1) % this.page);
    return true;
  }

  read(): number {
    const b = this.data[this.pointer];
    this.pointer = (this.pointer + 1) % this.data.length;
    return b;
  }

  stop(): void { /* the pointer stays for the next read */ }
}
