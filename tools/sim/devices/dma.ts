// The DMA controller's full channels (BCM2835 ARM Peripherals 4; the
// BCM2711's legacy channels, BCM2711 ARM Peripherals 4), as the kernel sees
// them through the host: module dma programs a channel (the stub's
// boot/wasm/host_dma.c builds the control block; here the model takes the
// copy as the host would hand it over), and the kernel reads each
// channel's CS register and takes its interrupt (VideoCore 16 + n) to learn
// that a copy ended. mmio.write32 refuses the controller's registers on a
// board and here alike (machine.ts check).
//
//   CS at 0x000 + 0x100 n: 0 ACTIVE, 1 END (write 1 to clear), 2 INT
//   (write 1 to clear), 8 ERROR; INT_STATUS 0xfe0 (bit n: channel n's INT),
//   ENABLE 0xff0 (bit n: channel n on; the firmware's reset value, 0x7fff).
//
// A copy takes time, as on a board (where QEMU ends it within the write
// that starts it): `bytes / RATE` on the board's clock, virtual or real.
// The bytes move when it ends, so a kernel that reads the destination
// early sees what was there; a stop moves the part the engine had copied.
// Then END, and INT with the interrupt. Engine errors (bus errors, a FIFO
// error) do not happen here. dma.spi (SPI paced by DREQ) is not modelled:
// dma.paced() answers 0, as under QEMU, so the SPI driver uses its FIFO.
import type { Device } from "./device.js";
import { Regs } from "./device.js";
import type { SimState } from "../state.js";
import type { Clock } from "../clock.js";

/** The full channels the firmware leaves the ARM: a board's firmware answers 0x7f35 to tag 0x00060001, of which 0, 2, 4 and 5 are full channels. */
export const DMA_CHANNELS = 0x35;
/** The engine's pace for a memory-to-memory copy: 250 MB/s (a board's is of that order; the time only has to pass). */
const RATE = 250e6;
const CS_ACTIVE = 1, CS_END = 1 << 1, CS_INT = 1 << 2;
// Per channel: CS, then the copy's dst, src, bytes, and its start and end (counter ticks, 64-bit words).
const W = 8, CS = 0, DST = 1, SRC = 2, BYTES = 3, START = 4, END_AT = 6;

export class Dma implements Device {
  readonly name = "DMA controller";
  readonly size = 0x1000;
  private readonly r: Regs;
  /** The kernel's memory, for the copies (each thread's host gives its view; the controlling thread's Pi too). */
  memory: Uint8Array | null = null;

  constructor(s: SimState, readonly base: number, private readonly clock: Clock) {
    this.r = new Regs(s, 7 * W);
  }

  private get(ch: number, i: number): number { return this.r.get(ch * W + i); }
  private set(ch: number, i: number, v: number): void { this.r.set(ch * W + i, v); }

  read(off: number): number {
    this.settle();
    const ch = off >> 8;
    if (off === 0xfe0) { let m = 0; for (let c = 0; c < 7; c++) if (this.get(c, CS) & CS_INT) m |= 1 << c; return m; }
    if (off === 0xff0) return 0x7fff;
    if (ch < 7 && (off & 0xff) === 0) return this.get(ch, CS);
    return 0;                              // the control block's registers: the host's business
  }

  write(): void { throw new Error("DMA controller: the host drives it (module dma)"); }

  /** Whether channel `ch` runs a copy. */
  busy(ch: number): boolean { this.settle(); return (this.get(ch, CS) & CS_ACTIVE) !== 0; }

  /** dma.start: the copy begins now (the caller checked it). */
  start(ch: number, dst: number, src: number, bytes: number): void {
    const now = this.clock.now();
    this.set(ch, DST, dst); this.set(ch, SRC, src); this.set(ch, BYTES, bytes);
    this.r.set64(ch * W + START, now);
    this.r.set64(ch * W + END_AT, now + BigInt(Math.max(1, Math.ceil(bytes / RATE * this.clock.frequency))));
    this.set(ch, CS, CS_ACTIVE);
  }

  /** dma.status: 0 while it runs; 1 once it ended, which it then clears (END and INT, write 1 to clear). */
  status(ch: number): number {
    this.settle();
    const cs = this.get(ch, CS);
    if (cs & CS_ACTIVE) return 0;
    if (cs & CS_END) this.set(ch, CS, cs & ~(CS_END | CS_INT));
    return 1;
  }

  /** dma.stop: CS.RESET; the part copied so far is in the destination. */
  stop(ch: number): void {
    this.settle();
    if (this.get(ch, CS) & CS_ACTIVE) {
      const start = this.r.get64(ch * W + START), end = this.r.get64(ch * W + END_AT), now = this.clock.now();
      const part = Math.floor(this.get(ch, BYTES) * Number(now - start) / Number(end - start));
      this.move(ch, Math.max(0, Math.min(part, this.get(ch, BYTES))));
    }
    this.set(ch, CS, 0);
  }

  /** The copies whose time has come end: their bytes move, END and INT rise. */
  private settle(): void {
    const now = this.clock.now();
    for (let ch = 0; ch < 7; ch++) {
      if (!(this.get(ch, CS) & CS_ACTIVE) || now < this.r.get64(ch * W + END_AT)) continue;
      this.move(ch, this.get(ch, BYTES));
      this.set(ch, CS, CS_END | CS_INT);
    }
  }

  private move(ch: number, bytes: number): void {
    const m = this.memory;
    if (!m || !bytes) return;
    const src = this.get(ch, SRC) >>> 0, dst = this.get(ch, DST) >>> 0;
    m.copyWithin(dst, src, src + bytes);
  }

  lines(): bigint {
    this.settle();
    let l = 0n;
    for (let ch = 0; ch < 7; ch++) if (this.get(ch, CS) & CS_INT) l |= 1n << BigInt(16 + ch);
    return l;
  }

  /** The earliest end of a running copy (its line rises then), or 0n. */
  deadline(): bigint {
    let t = 0n;
    for (let ch = 0; ch < 7; ch++) {
      if (!(this.get(ch, CS) & CS_ACTIVE)) continue;
      const e = this.r.get64(ch * W + END_AT);
      if (!t || e < t) t = e;
    }
    return t;
  }
}
