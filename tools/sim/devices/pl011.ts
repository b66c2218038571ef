// The PL011 UART (UART0; PrimeCell UART PL011 TRM, ARM DDI 0183, chapter 3;
// BCM2835 ARM Peripherals section 13): a 16-byte receive FIFO fed from the
// wire the controlling thread types on (state.ts), a transmit side that
// puts every byte on the wire at once, and the receive, receive-timeout and
// transmit interrupts (VideoCore interrupt 57).
//
//   DR 0x00  read: the oldest received byte (bits 8-11 error flags, none
//            here); write: a byte to send
//   FR 0x18  BUSY 3, RXFE 4, TXFF 5, RXFF 6, TXFE 7
//   IBRD 0x24, FBRD 0x28, LCRH 0x2c (FEN bit 4), CR 0x30 (UARTEN 0, TXE 8, RXE 9)
//   IFLS 0x34  RX trigger bits 5:3, TX bits 2:0: 0 1/8, 1 1/4, 2 1/2, 3 3/4, 4 7/8
//   IMSC 0x38, RIS 0x3c, MIS 0x40, ICR 0x44 (write 1 to clear)
//
// The model's timing: the wire has no baud rate here. A byte typed waits
// on the wire until the FIFO has room (no overrun: the typist waits, as
// with flow control), and moves in whenever the UART is touched. RXRIS is
// set when the FIFO reaches its trigger level, and cleared by ICR or by
// reads that take the FIFO below it (TRM 3.4.3: "UARTRXINTR"); RTRIS is
// set once the wire is empty with bytes left in the FIFO (the silicon
// waits 32 bit periods), cleared by ICR or when the FIFO empties; TXRIS is
// set while the TX FIFO is at or below its trigger level, which it always
// is, since sending takes no time.
import { Device, Regs } from "./device.js";
import type { SimState } from "../state.js";

const R = { FIFO: 0, /* 16 bytes in 4 words */ HEAD: 4, COUNT: 5, CR: 6, LCRH: 7, IBRD: 8, FBRD: 9, IFLS: 10, IMSC: 11, RIS: 12, WORDS: 13 } as const;
const RX = 1 << 4, TX = 1 << 5, RT = 1 << 6;
const FIFO = 16;
const LEVELS = [2, 4, 8, 12, 14];           // 1/8 ... 7/8 of 16

export class Pl011 implements Device {
  readonly name = "PL011 (UART0)";
  readonly size = 0x1000;
  private readonly r: Regs;
  constructor(private readonly s: SimState, readonly base: number, init: boolean) {
    this.r = new Regs(s, R.WORDS);
    if (init) {
      // Reset values (TRM 3.3): CR 0x300 (TXE, RXE; UARTEN off), IFLS 0x12 (both at 1/2).
      this.r.set(R.CR, 0x300);
      this.r.set(R.IFLS, 0x12);
    }
  }

  private fifoDepth(): number { return this.r.get(R.LCRH) & 0x10 ? FIFO : 1; }
  private rxTrigger(): number { return this.fifoDepth() === 1 ? 1 : LEVELS[Math.min((this.r.get(R.IFLS) >> 3) & 7, 4)]; }
  private byteAt(i: number): number { return (this.r.get(R.FIFO + (i >> 2)) >>> ((i & 3) * 8)) & 0xff; }
  private setByteAt(i: number, b: number): void {
    const w = R.FIFO + (i >> 2), sh = (i & 3) * 8;
    this.r.set(w, (this.r.get(w) & ~(0xff << sh)) | (b << sh));
  }
  get count(): number { return this.r.get(R.COUNT); }

  /** Moves bytes from the wire into the FIFO while it has room and the receiver is on. */
  fill(): void {
    const cr = this.r.get(R.CR);
    if (!(cr & 1) || !(cr & 0x200)) return;
    const depth = this.fifoDepth();
    let n = this.count, moved = false;
    while (n < depth && this.s.rxWaiting()) {
      this.setByteAt((this.r.get(R.HEAD) + n) % FIFO, this.s.rxTake());
      n++; moved = true;
    }
    this.r.set(R.COUNT, n);
    if (!moved) return;
    let ris = this.r.get(R.RIS);
    if (n >= this.rxTrigger()) ris |= RX;
    if (!this.s.rxWaiting() && n > 0) ris |= RT;
    this.r.set(R.RIS, ris);
  }

  read(off: number): number {
    this.fill();
    switch (off) {
      case 0x00: {
        const n = this.count;
        if (!n) return 0;
        const head = this.r.get(R.HEAD), b = this.byteAt(head);
        this.r.set(R.HEAD, (head + 1) % FIFO);
        this.r.set(R.COUNT, n - 1);
        let ris = this.r.get(R.RIS);
        if (n - 1 < this.rxTrigger()) ris &= ~RX;
        if (n - 1 === 0) ris &= ~RT;
        this.r.set(R.RIS, ris);
        this.fill();
        return b;
      }
      case 0x18: {
        const n = this.count;
        return (n === 0 ? 1 << 4 : 0) | (n >= this.fifoDepth() ? 1 << 6 : 0) | (1 << 7);   // RXFE, RXFF, TXFE (never BUSY, never TXFF)
      }
      case 0x24: return this.r.get(R.IBRD);
      case 0x28: return this.r.get(R.FBRD);
      case 0x2c: return this.r.get(R.LCRH);
      case 0x30: return this.r.get(R.CR);
      case 0x34: return this.r.get(R.IFLS);
      case 0x38: return this.r.get(R.IMSC);
      case 0x3c: return this.ris();
      case 0x40: return this.ris() & this.r.get(R.IMSC);
      // The PrimeCell identification registers (TRM 3.3.14-3.3.17).
      case 0xfe0: return 0x11;
      case 0xfe4: return 0x10;
      case 0xfe8: return 0x34;
      case 0xfec: return 0x00;
      case 0xff0: return 0x0d;
      case 0xff4: return 0xf0;
      case 0xff8: return 0x05;
      case 0xffc: return 0xb1;
      default: return 0;
    }
  }

  /** RIS with TXRIS, which is level-like here: the TX FIFO is always empty. */
  private ris(): number { return this.r.get(R.RIS) | ((this.r.get(R.CR) & 0x101) === 0x101 ? TX : 0); }

  write(off: number, v: number): void {
    v >>>= 0;
    switch (off) {
      case 0x00: {
        const cr = this.r.get(R.CR);
        if ((cr & 0x101) === 0x101) this.s.send([v & 0xff]);
        break;
      }
      case 0x24: this.r.set(R.IBRD, v & 0xffff); break;
      case 0x28: this.r.set(R.FBRD, v & 0x3f); break;
      case 0x2c:
        // Turning the FIFOs off or on empties them (TRM 3.3.7: FEN).
        if ((this.r.get(R.LCRH) ^ v) & 0x10) { this.r.set(R.COUNT, 0); this.r.set(R.RIS, this.r.get(R.RIS) & ~(RX | RT)); }
        this.r.set(R.LCRH, v & 0xff);
        break;
      case 0x30: this.r.set(R.CR, v & 0xff87); break;
      case 0x34: this.r.set(R.IFLS, v & 0x3f); break;
      case 0x38: this.r.set(R.IMSC, v & 0x7ff); break;
      case 0x44: this.r.set(R.RIS, this.r.get(R.RIS) & ~v); break;
    }
    this.fill();
  }

  lines(): bigint {
    this.fill();
    return this.ris() & this.r.get(R.IMSC) ? 1n << 57n : 0n;
  }
}
