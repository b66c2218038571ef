// A Winbond W25Q80 serial flash (8 Mbit, 1 MiB) on an SPI bus, from the
// W25Q80DV datasheet (section 8, "Instructions"; section 9.6, AC
// characteristics): QEMU's m25p80 model offers the same part (`-device
// w25q80`), which tests/qemu/spi.test.ts wires to SPI0.
//
//   const flash = new W25q80();
//   pi.spi(0).attach(flash, 0);            // its /CS on CE0 (GPIO 8)
//   flash.bytes.subarray(0x1000, 0x1100);  // what the kernel programmed
//
// Instructions: 06 write enable, 04 write disable, 05 and 35 status
// registers 1 and 2, 9F JEDEC id (EF 40 14), 90 manufacturer and device id
// (EF 13), AB release from power-down and device id (13), 4B unique id,
// 03 read, 0B fast read (a dummy byte), 02 page program (up to 256 bytes,
// wrapping within the page, and only clearing bits), 20 sector erase
// (4 KiB), 52 and D8 block erase (32 and 64 KiB), C7 and 60 chip erase,
// B9 power-down. A program or an erase needs the write enable latch (WEL),
// starts when /CS rises after a whole command, and keeps BUSY set for the
// datasheet's typical time (tPP 0.7 ms, tSE 45 ms, tBE1 120 ms, tBE2
// 150 ms, tCE 2 s) of the board's clock, virtual or real; while BUSY only
// the status registers answer. The block-protect bits and the second
// status register's settings are kept as written (01) but protect nothing.
import type { SpiPart } from "./spi.js";

const SIZE = 1 << 20;
const BUSY = 1, WEL = 2;
/** Typical times (W25Q80DV datasheet, 9.6): ms. */
const T = { pp: 0.7, se: 45, be32: 120, be64: 150, ce: 2000, sr: 10 };

export class W25q80 implements SpiPart {
  /** The flash's bytes (erased: 0xff). */
  readonly bytes = new Uint8Array(SIZE).fill(0xff);
  /** The 64-bit unique id (4B). */
  uniqueId = [0xd2, 0x64, 0x30, 0x3a, 0x1b, 0x2c, 0x3d, 0x4e];
  private status1 = 0;
  private status2 = 0;
  private busyUntil = 0;
  private poweredDown = false;
  private cmd: number[] = [];
  private selected = false;
  private now: () => number = () => 0;

  /** The board's clock in ms (pi.spi(n).attach gives it): BUSY lasts a program's or an erase's time on it. */
  attached(now: () => number): void { this.now = now; }

  private get busy(): boolean { return this.now() < this.busyUntil; }
  private get status(): number { return (this.status1 & ~BUSY) | (this.busy ? BUSY : 0); }

  select(): void { this.selected = true; this.cmd = []; }

  exchange(out: number): number {
    if (!this.selected) return 0;
    const c = this.cmd;
    c.push(out);
    const op = c[0], n = c.length - 1;            // n: bytes after the instruction, this one included
    if (n === 0) return 0;
    if (op === 0x05) return this.status;
    if (op === 0x35) return this.status2;
    if (this.busy) return 0;                      // while BUSY only the status registers answer (8.2.4)
    if (this.poweredDown && op !== 0xab) return 0;
    const address = () => ((c[1] << 16) | (c[2] << 8) | c[3]) & (SIZE - 1);
    switch (op) {
      case 0x9f: return [0xef, 0x40, 0x14][(n - 1) % 3];
      case 0x90: return n <= 3 ? 0 : [0xef, 0x13][(n - 4 + (c[3] & 1)) % 2];
      case 0xab: return n <= 3 ? 0 : 0x13;
      case 0x4b: return n <= 4 ? 0 : this.uniqueId[(n - 5) % 8];
      case 0x03: return n <= 3 ? 0 : this.bytes[(address() + n - 4) & (SIZE - 1)];
      case 0x0b: return n <= 4 ? 0 : this.bytes[(address() + n - 5) & (SIZE - 1)];
      default: return 0;                          // instructions that send nothing back (the data of 02, the address of 20...)
    }
  }

  deselect(): void {
    if (!this.selected) return;
    this.selected = false;
    const c = this.cmd;
    this.cmd = [];
    if (!c.length || this.busy) return;
    const op = c[0];
    if (this.poweredDown) { if (op === 0xab) this.poweredDown = false; return; }
    const address = ((c[1] << 16) | (c[2] << 8) | c[3]) & (SIZE - 1);
    const write = (ms: number, what: () => void) => {
      if (!(this.status1 & WEL)) return;          // no write enable: the instruction is ignored (8.2.1)
      what();
      this.status1 &= ~WEL;                        // the latch clears when the write ends (here: it ends for the part at once, BUSY tells the time)
      this.busyUntil = this.now() + ms;
    };
    switch (op) {
      case 0x06: if (c.length === 1) this.status1 |= WEL; break;
      case 0x04: if (c.length === 1) this.status1 &= ~WEL; break;
      case 0x01:
        if (c.length >= 2) write(T.sr, () => { this.status1 = c[1] & 0xfc; if (c.length >= 3) this.status2 = c[2]; });
        break;
      case 0x02:
        if (c.length >= 5) write(T.pp, () => {
          // Up to 256 bytes; past the page's end the address wraps to its start, and of more than 256 the last 256 count (8.2.13).
          const data = c.slice(4).slice(-256), page = address & ~0xff;
          data.forEach((b, i) => { const at = page | ((address + i) & 0xff); this.bytes[at] &= b; });
        });
        break;
      case 0x20: if (c.length === 4) write(T.se, () => this.erase(address, 4 << 10)); break;
      case 0x52: if (c.length === 4) write(T.be32, () => this.erase(address, 32 << 10)); break;
      case 0xd8: if (c.length === 4) write(T.be64, () => this.erase(address, 64 << 10)); break;
      case 0xc7: case 0x60: if (c.length === 1) write(T.ce, () => this.bytes.fill(0xff)); break;
      case 0xb9: if (c.length === 1) this.poweredDown = true; break;
    }
  }

  private erase(address: number, size: number): void {
    const start = address & ~(size - 1);
    this.bytes.fill(0xff, start, start + size);
  }
}
