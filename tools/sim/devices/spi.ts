// The SPI master SPI0 (BCM2835 ARM Peripherals 10.5-10.6; the same block in
// BCM2711 ARM Peripherals 9.5) at the register level, and the parts on its
// chip selects. Like the I2C masters it lives in the controlling thread
// (devices/remote.ts): its parts are plain objects a test or the page
// attaches and looks into (a flash's bytes).
//
//   CS    0x00  1:0 CS, 2 CPHA, 3 CPOL, 5:4 CLEAR (write 1: empty the TX /
//               RX FIFO), 6 CSPOL, 7 TA, 8 DMAEN, 9 INTD, 10 INTR, 11 ADCS,
//               16 DONE, 17 RXD, 18 TXD, 19 RXR, 20 RXF (read only), 21-23
//               CSPOL0-2
//   FIFO  0x04  TA set: a write queues a byte to send, a read takes one received
//   CLK   0x08  CDIV (SCLK = core clock / CDIV; the wire takes no time here)
//   DLEN  0x0c  the DMA mode's length; LTOH 0x10, DC 0x14 kept as written
//
// A byte queued while TA is set goes out at once and the byte the part
// sends back is queued for reading; the TX FIFO holds what cannot go while
// the RX FIFO is full (64 bytes each, Linux's BCM2835_SPI_FIFO_SIZE). DONE
// says TA is set and nothing is left to send; RXR that the RX FIFO is at
// least three quarters full (48 bytes), RXF that it is full. The interrupt
// (VideoCore 54, one line for every SPI master) is high while INTD and DONE,
// or INTR and RXR, hold. Reset values: CS 0x00041000 as the datasheet's
// table gives it (TXD, and the reserved bit 12), LTOH 1.
//
// Chip selects. A part is wired to CE0 (GPIO 8) or CE1 (GPIO 7), the pins
// the block drives in their ALT0 function: low while TA is set and CS
// selects that line (CSPOL0 or CSPOL1 turns that line active high). A driver that
// makes the pin an output drives the line itself (drivers/spi.ts's csPin,
// as the tests wire QEMU's flash); an input's line is its level (a pull-up
// keeps it high). The GPIO model counts each pin's level changes
// (devices/gpio.ts: toggles), so changes between two accesses of the
// block's are not lost: the part is told of each (select, deselect) in
// order before the access. A change after the last access reaches the part
// at the next access, or when the test looks (pi.spi(n)).
//
// Not modelled: the wire's time (a transfer ends at once), the DMA mode
// (DMAEN, DLEN: module dma is the host's and is not simulated), LoSSI and
// bidirectional mode, LEN_LONG/DMA_LEN, CPOL/CPHA (the part sees bytes).
import type { Gpio } from "./gpio.js";

/** A part on an SPI bus: told when its chip select falls and rises, and given each byte the master sends. */
export interface SpiPart {
  /** Chip select went active: a new command begins. */
  select(): void;
  /** One byte each way: `out` from the master, the result to it. */
  exchange(out: number): number;
  /** Chip select went inactive: the command ends (a flash starts a program or an erase). */
  deselect(): void;
  /** Called when attached, with the board's clock in ms (virtual or real): for a part whose operations take time. */
  attached?(now: () => number): void;
}

const FIFO_BYTES = 64;
const CS_CLEAR_TX = 1 << 4, CS_CLEAR_RX = 1 << 5, CS_TA = 1 << 7, CS_INTD = 1 << 9, CS_INTR = 1 << 10;
const CS_DONE = 1 << 16, CS_RXD = 1 << 17, CS_TXD = 1 << 18, CS_RXR = 1 << 19, CS_RXF = 1 << 20;
/** The bits software writes (the rest are status, or CLEAR which acts and reads 0). */
const CS_WRITABLE = 0x00e0ffcf;
/** ALT0: the pin's function code in GPFSELn (BCM2835 ARM Peripherals 6.1, table 6-2: 100). */
const ALT0 = 4;

interface Wire { part: SpiPart; pin: number; line: number; active: boolean; seen: number }

export class Spi {
  private cs = 0x00041000 & CS_WRITABLE;
  private clk = 0;
  private dlen = 0;
  private ltoh = 1;
  private dc = 0x30201020;
  private tx: number[] = [];
  private rx: number[] = [];
  private readonly wires: Wire[] = [];

  /** `pins`: the GPIOs of CE0 and CE1 (tools/boards/spec.ts). */
  constructor(readonly base: number, private readonly gpio: Gpio, private readonly pins: [number, number]) {}

  /** Wires `part`'s chip select to CE `line` (0: GPIO 8, 1: GPIO 7 on SPI0). */
  attach(part: SpiPart, line: number): void {
    if (line !== 0 && line !== 1) throw new Error(`spi: chip select ${line}: SPI0 has CE0 and CE1`);
    if (this.wires.some((w) => w.line === line)) throw new Error(`spi: CE${line} has a part already`);
    const pin = this.pins[line];
    const w: Wire = { part, pin, line, active: false, seen: this.gpio.toggles(pin) };
    w.active = this.active(w);
    if (w.active) part.select();
    this.wires.push(w);
  }

  /**
   * Whether the block drives `line` low now (the parts' chip selects are
   * active low): selected (TA set, CS naming it) unless CSPOLn makes the
   * line active high, the other way round then. (CSPOL, bit 6, is the
   * polarity LoSSI mode uses; CSPOL0/1 are each line's, 10.5.)
   */
  private blockSelects(line: number): boolean {
    const selected = (this.cs & CS_TA) !== 0 && (this.cs & 3) === line;
    const activeHigh = (this.cs & (1 << (21 + line))) !== 0;
    return selected !== activeHigh;
  }

  /** `w`'s line active (low, or high where CSPOL says so) now. */
  private active(w: Wire): boolean {
    if (this.gpio.fn(w.pin) === ALT0) return this.blockSelects(w.line);
    return !this.gpio.level(w.pin);
  }

  /**
   * Tells each part of its chip select's changes since the last look: each
   * GPIO level change in order, then the line as it is now. (Bus lock held.)
   */
  sync(): void {
    for (const w of this.wires) {
      if (this.gpio.fn(w.pin) !== ALT0) {
        const n = this.gpio.toggles(w.pin), changes = (n - w.seen) >>> 0;
        w.seen = n;
        // An even number of changes that leave the line as it was: a whole pulse (a deselect and a select, or the other way).
        for (let i = 0; i < changes; i++) this.edge(w, !w.active);
      }
      const now = this.active(w);
      if (now !== w.active) this.edge(w, now);
    }
  }

  private edge(w: Wire, active: boolean): void {
    w.active = active;
    if (active) w.part.select(); else w.part.deselect();
  }

  /** Sends what the RX FIFO has room for. */
  private pump(): void {
    if (!(this.cs & CS_TA)) return;
    while (this.tx.length && this.rx.length < FIFO_BYTES) {
      const out = this.tx.shift()!;
      let back = 0;                                       // MISO, GPIO 9, is pulled down at reset: no part answers 0
      for (const w of this.wires) if (w.active) back |= w.part.exchange(out) & 0xff;
      this.rx.push(back);
    }
  }

  read(off: number): number {
    this.sync();
    switch (off) {
      case 0x00: return this.status();
      case 0x04: {
        const b = this.rx.shift() ?? 0;
        this.pump();
        return b;
      }
      case 0x08: return this.clk;
      case 0x0c: return this.dlen;
      case 0x10: return this.ltoh;
      case 0x14: return this.dc;
      default: return 0;
    }
  }

  write(off: number, v: number): void {
    this.sync();
    switch (off) {
      case 0x00:
        if (v & CS_CLEAR_TX) this.tx = [];
        if (v & CS_CLEAR_RX) this.rx = [];
        this.cs = v & CS_WRITABLE;
        this.sync();                                      // the block's own chip select may have changed
        this.pump();
        break;
      case 0x04:
        if (this.tx.length < FIFO_BYTES) this.tx.push(v & 0xff);   // a full FIFO drops the write, as a full FIFO does
        this.pump();
        break;
      case 0x08: this.clk = v & 0xffff; break;
      case 0x0c: this.dlen = v & 0xffff; break;
      case 0x10: this.ltoh = v & 0xf; break;
      case 0x14: this.dc = v >>> 0; break;
    }
  }

  private status(): number {
    let s = this.cs;
    if ((this.cs & CS_TA) && this.tx.length === 0) s |= CS_DONE;
    if (this.rx.length) s |= CS_RXD;
    if (this.tx.length < FIFO_BYTES) s |= CS_TXD;
    if (this.rx.length >= (FIFO_BYTES * 3) / 4) s |= CS_RXR;
    if (this.rx.length >= FIFO_BYTES) s |= CS_RXF;
    return s >>> 0;
  }

  /** The interrupt line (VideoCore 54): INTD and DONE, or INTR and RXR. */
  get line(): boolean {
    const s = this.status();
    return ((s & CS_INTD) !== 0 && (s & CS_DONE) !== 0) || ((s & CS_INTR) !== 0 && (s & CS_RXR) !== 0);
  }
}
