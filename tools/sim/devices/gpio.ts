// The GPIO block (BCM2835 ARM Peripherals section 6, BCM2711 ARM
// Peripherals section 5), with what QEMU lacks: input lines a test or the
// page drives, pull resistors, level and edge detection, event status and
// the four interrupt lines.
//
//   GPFSEL0-5 0x00-0x14   3 bits a pin: 000 input, 001 output, else ALT
//   GPSET0-1 0x1c, GPCLR0-1 0x28   write 1: the output latch high / low
//   GPLEV0-1 0x34          the pins' levels
//   GPEDS0-1 0x40          event status, write 1 to clear
//   GPREN 0x4c, GPFEN 0x58 synchronous rising / falling edge detect enables
//   GPHEN 0x64, GPLEN 0x70 high / low level detect enables
//   GPAREN 0x7c, GPAFEN 0x88  asynchronous rising / falling edge
//   BCM2835: GPPUD 0x94 (0 off, 1 down, 2 up), GPPUDCLK0-1 0x98: a pin
//     whose clock bit is written takes GPPUD's control (6.1, "GPIO
//     Pull-up/down Clock Registers"; the datasheet's sequence waits 150
//     cycles on each side, which a model need not)
//   BCM2711: GPIO_PUP_PDN_CNTRL_REG0-3 0xe4-0xf0, 2 bits a pin (00 none,
//     01 up, 10 down; BCM2711 ARM Peripherals 5.2)
//
// A pin's level: the output latch when it is an output; else what drives
// it from outside (a button, a wire: drive()); else its pull (up 1, down
// 0); a floating pin keeps its last level. An event is latched in GPEDS
// when an enabled edge happens, and, for a level detect, for as long as
// the level lasts: clearing the bit while the level is still there sets it
// again (6.1, GPHENn/GPLENn). Edges are taken as they happen; the
// synchronous detectors' sampling (they ignore a pulse shorter than two
// clocks) is not modelled.
//
// Interrupts (VideoCore numbers): gpio_int[0] 49 for pins 0-27,
// gpio_int[1] 50 for 28-45, gpio_int[2] 51 for 46 and up, gpio_int[3] 52
// for any pin (tools/boards/spec.ts IRQS). Each is high while a GPEDS bit
// of its pins is set.
import { Device, Regs } from "./device.js";
import type { SimState } from "../state.js";

const R = {
  FSEL: 0,          // 6 words
  OUT: 6,           // 2: output latch
  DRIVEN: 8,        // 2: pins driven from outside
  DRIVE: 10,        // 2: the level they are driven to
  LEVEL: 12,        // 2: each pin's level now
  EDS: 14,          // 2
  DETECT: 16,       // 6 kinds x 2 banks: REN, FEN, HEN, LEN, AREN, AFEN
  PUD: 28,          // BCM2835 GPPUD
  PULL: 29,         // 4 words, 2 bits a pin in the BCM2711's encoding (0 none, 1 up, 2 down)
  CLK: 33,          // 2: GPPUDCLK0-1 as last written
  TOGGLES: 35,      // 64: each pin's level changes, counted (devices/spi.ts: a chip select's changes between two accesses)
  WORDS: 99,
} as const;

export const Pull = { None: 0, Up: 1, Down: 2 } as const;
const REN = 0, FEN = 1, HEN = 2, LEN = 3, AREN = 4, AFEN = 5;

export interface GpioOptions {
  base: number;
  pins: number;
  pulls: "clocked" | "per-pin-field";
  /** Each pin's pull at reset (index: pin). */
  resetPulls: number[];
}

export class Gpio implements Device {
  readonly name = "GPIO";
  readonly size = 0x100;
  readonly base: number;
  private readonly r: Regs;
  constructor(s: SimState, readonly o: GpioOptions, init: boolean) {
    this.base = o.base;
    this.r = new Regs(s, R.WORDS);
    if (init) {
      for (let pin = 0; pin < o.pins; pin++) this.setPull(pin, o.resetPulls[pin] ?? Pull.None);
      for (let pin = 0; pin < o.pins; pin++) this.setBit(R.LEVEL, pin, this.resolve(pin));
    }
  }

  private bit(reg: number, pin: number): boolean { return ((this.r.get(reg + (pin >> 5)) >>> (pin & 31)) & 1) !== 0; }
  private setBit(reg: number, pin: number, on: boolean): void {
    const w = reg + (pin >> 5), m = 1 << (pin & 31);
    this.r.set(w, on ? this.r.get(w) | m : this.r.get(w) & ~m);
  }

  /** A pin's function code (GPFSELn): 0 input, 1 output, else an ALT. */
  fn(pin: number): number { return (this.r.get(R.FSEL + Math.floor(pin / 10)) >>> ((pin % 10) * 3)) & 7; }
  pull(pin: number): number { return (this.r.get(R.PULL + (pin >> 4)) >>> ((pin & 15) * 2)) & 3; }
  private setPull(pin: number, p: number): void {
    const w = R.PULL + (pin >> 4), sh = (pin & 15) * 2;
    this.r.set(w, (this.r.get(w) & ~(3 << sh)) | ((p & 3) << sh));
  }
  level(pin: number): boolean { return this.bit(R.LEVEL, pin); }
  isOutput(pin: number): boolean { return this.fn(pin) === 1; }
  isDriven(pin: number): boolean { return this.bit(R.DRIVEN, pin); }
  /** How many times the pin's level changed since reset (wraps at 2^32). */
  toggles(pin: number): number { return this.r.get(R.TOGGLES + pin); }

  /** What the pin's level is now, from its function, drive and pull. */
  private resolve(pin: number): boolean {
    if (this.fn(pin) === 1) return this.bit(R.OUT, pin);
    if (this.bit(R.DRIVEN, pin)) return this.bit(R.DRIVE, pin);
    const p = this.pull(pin);
    return p === Pull.Up ? true : p === Pull.Down ? false : this.bit(R.LEVEL, pin);
  }

  /** Takes every pin's new level, latching the events its changes and levels make. */
  private settle(): void {
    for (let pin = 0; pin < this.o.pins; pin++) {
      const was = this.bit(R.LEVEL, pin), now = this.resolve(pin);
      if (was !== now) {
        this.setBit(R.LEVEL, pin, now);
        this.r.set(R.TOGGLES + pin, this.r.get(R.TOGGLES + pin) + 1);
        const kinds = now ? [REN, AREN] : [FEN, AFEN];
        if (kinds.some((k) => this.bit(R.DETECT + 2 * k, pin))) this.setBit(R.EDS, pin, true);
      }
    }
    this.levels();
  }

  /** Level detection: the status bit stays set for as long as the level lasts. */
  private levels(): void {
    for (let b = 0; b < 2; b++) {
      const level = this.r.get(R.LEVEL + b);
      const set = (this.r.get(R.DETECT + 2 * HEN + b) & level) | (this.r.get(R.DETECT + 2 * LEN + b) & ~level);
      if (set) this.r.set(R.EDS + b, this.r.get(R.EDS + b) | set);
    }
  }

  /** From outside: drive the pin to a level (a button, a wire), or let it go (undefined). */
  drive(pin: number, level: boolean | undefined): void {
    this.setBit(R.DRIVEN, pin, level !== undefined);
    this.setBit(R.DRIVE, pin, level === true);
    this.settle();
  }

  read(off: number): number {
    if (off <= 0x14) return this.r.get(R.FSEL + off / 4);
    if (off === 0x34 || off === 0x38) return this.r.get(R.LEVEL + (off - 0x34) / 4);
    if (off === 0x40 || off === 0x44) return this.r.get(R.EDS + (off - 0x40) / 4);
    if (off >= 0x4c && off < 0x94) {
      const k = Math.floor((off - 0x4c) / 12), b = ((off - 0x4c) % 12) / 4;
      return b < 2 ? this.r.get(R.DETECT + 2 * k + b) : 0;
    }
    if (this.o.pulls === "clocked" && off === 0x94) return this.r.get(R.PUD);
    if (this.o.pulls === "per-pin-field" && off >= 0xe4 && off <= 0xf0) return this.r.get(R.PULL + (off - 0xe4) / 4);
    return 0;                          // GPSET/GPCLR/GPPUDCLK are write-only; reserved words read 0
  }

  write(off: number, v: number): void {
    v >>>= 0;
    if (off <= 0x14) this.r.set(R.FSEL + off / 4, v & 0x3fffffff);
    else if (off === 0x1c || off === 0x20) { const w = R.OUT + (off - 0x1c) / 4; this.r.set(w, this.r.get(w) | v); }
    else if (off === 0x28 || off === 0x2c) { const w = R.OUT + (off - 0x28) / 4; this.r.set(w, this.r.get(w) & ~v); }
    else if (off === 0x40 || off === 0x44) { const w = R.EDS + (off - 0x40) / 4; this.r.set(w, this.r.get(w) & ~v); }
    else if (off >= 0x4c && off < 0x94) {
      const k = Math.floor((off - 0x4c) / 12), b = ((off - 0x4c) % 12) / 4;
      if (b < 2) this.r.set(R.DETECT + 2 * k + b, v);
    } else if (this.o.pulls === "clocked" && off === 0x94) this.r.set(R.PUD, v & 3);
    else if (this.o.pulls === "clocked" && (off === 0x98 || off === 0x9c)) {
      // A pin takes GPPUD's control when its clock bit rises (0 to 1): the
      // datasheet's sequence clears GPPUD before it takes the clock away,
      // which must not undo the pull. GPPUD's 0 off, 1 down, 2 up, kept in
      // the BCM2711's encoding here.
      const w = R.CLK + (off - 0x98) / 4, rising = v & ~this.r.get(w);
      this.r.set(w, v);
      const pud = this.r.get(R.PUD), p = pud === 1 ? Pull.Down : pud === 2 ? Pull.Up : Pull.None;
      for (let i = 0; i < 32; i++) if (rising & (1 << i)) { const pin = (off - 0x98) * 8 + i; if (pin < this.o.pins) this.setPull(pin, p); }
    } else if (this.o.pulls === "per-pin-field" && off >= 0xe4 && off <= 0xf0) this.r.set(R.PULL + (off - 0xe4) / 4, v);
    this.settle();
  }

  lines(): bigint {
    const eds = BigInt(this.r.get(R.EDS)) | (BigInt(this.r.get(R.EDS + 1)) << 32n);
    let l = 0n;
    if (eds & 0x0fffffffn) l |= 1n << 49n;
    if (eds & (0x3ffffn << 28n)) l |= 1n << 50n;
    if (eds >> 46n) l |= 1n << 51n;
    if (eds) l |= 1n << 52n;
    return l;
  }
}
