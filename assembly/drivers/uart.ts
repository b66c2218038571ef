// The PL011 UART (UART0, peripheral base + 0x201000): baud rate from the
// UART clock the firmware reports, 8N1 with FIFOs, and interrupt-driven
// reads and writes for tasks.
//
//   uart.configure(115200);              // asks the mailbox for the clock
//   const port = uart.open(1);           // RX/TX interrupts, routed to core 1
//   ... this.line = port.readLine(); ... if (!this.line.poll(cx)) return false;
//   ... use this.line.line, then this.line.reset() for the next line
//   (readLine takes lines as terminals send them: see ReadLine)
//   ... this.out = port.write(bytes); ...
//
// The stub's console (println, boot messages) writes to the same UART by
// polling, a line at a time: do not mix it with port.write() on one line.
//
// Receive: the UART interrupt (57) fires when the RX FIFO is half full or
// when bytes sit in it unread for 32 bit periods (receive timeout). The
// bottom half (handle) clears the interrupt (UARTICR), drains the FIFO into
// a 1 KiB ring in shared memory, wakes the reader and enables the interrupt
// again at the controller. A byte that finds the ring full is counted in
// `overruns`, as are the FIFO's own overrun errors (UARTDR bit 11).
// Transmit: write() fills the TX FIFO until it is full, then enables the TX
// interrupt (FIFO at most half full) and waits for it.
//
// Registers (PrimeCell UART PL011 TRM, and BCM2835/BCM2711 ARM Peripherals):
// DR 0x00, FR 0x18 (RXFE bit 4, TXFF bit 5, BUSY bit 3), IBRD 0x24, FBRD
// 0x28, LCRH 0x2C (FEN bit 4, WLEN bits 5-6), CR 0x30 (UARTEN bit 0, TXE
// bit 8, RXE bit 9), IFLS 0x34, IMSC 0x38 (RXIM bit 4, TXIM bit 5, RTIM bit
// 6), MIS 0x40, ICR 0x44.
import { read32, write32 } from "../arch/mmio";
import { currentBoard, uart0Base, Irq } from "../board";
import * as irq from "./irq";
import * as mailbox from "./mailbox";
import { Clock } from "./mailbox";
import { IrqHandler, onIrq } from "../kernel/irq";
import { coreId, counter, timerFrequency } from "../arch/cpu";
import { echo as consoleEcho } from "../arch/console";
import { Queue, Waiter, Waiting } from "../kernel/exec/sync";
import { SpinLock } from "../kernel/sync/spinlock";
import { Context, Task } from "../kernel/exec/task";
import { dispose } from "../kernel/mem/lifetime";

export const DR: u32 = 0x00;
export const FR: u32 = 0x18;
export const IBRD: u32 = 0x24;
export const FBRD: u32 = 0x28;
export const LCRH: u32 = 0x2c;
export const CR: u32 = 0x30;
export const IFLS: u32 = 0x34;
export const IMSC: u32 = 0x38;
export const MIS: u32 = 0x40;
export const ICR: u32 = 0x44;
const FR_BUSY: u32 = 1 << 3, FR_RXFE: u32 = 1 << 4, FR_TXFF: u32 = 1 << 5;
const LCRH_FEN: u32 = 1 << 4, LCRH_WLEN8: u32 = 3 << 5;
const CR_UARTEN: u32 = 1, CR_TXE: u32 = 1 << 8, CR_RXE: u32 = 1 << 9;
const INT_RX: u32 = 1 << 4, INT_TX: u32 = 1 << 5, INT_RT: u32 = 1 << 6;
const DR_OE: u32 = 1 << 11;

// @ts-ignore: decorator
@inline function base(): u32 { return uart0Base(currentBoard()); }

/**
 * IBRD and FBRD for `baud` from a UART clock of `clockHz`: the divisor is
 * clock / (16 * baud), its integer part in IBRD (16 bits) and its fraction
 * in 64ths, rounded, in FBRD. Returned as (IBRD << 6) | FBRD; 0 if the rate
 * cannot be reached (IBRD would be 0 or above 65535).
 */
export function divisors(clockHz: u32, baud: u32): u32 {
  if (!baud) return 0;
  const x = (<u64>clockHz * 8 / baud + 1) / 2;   // 64 * clock / (16 * baud), rounded
  const ibrd = x >> 6;
  if (ibrd < 1 || ibrd > 0xffff) return 0;
  return <u32>x;
}

/** How long configure() lets the TX FIFO drain: 16 bytes take 17 ms at 9600 baud, 1.4 ms at 115200. */
const DRAIN_MS: u64 = 50;

/** Waits until FR.BUSY clears or `ms` milliseconds pass; true if it cleared. */
function waitNotBusy(b: u32, ms: u64): bool {
  const deadline = counter() + timerFrequency() * ms / 1000;
  while (read32(b + FR) & FR_BUSY) if (counter() >= deadline) return false;
  return true;
}

/**
 * Sets `baud`, 8 data bits, no parity, one stop bit, FIFOs on, from the UART
 * clock the firmware reports (mailbox), or `clockHz` when given. False if
 * the clock is unknown or the rate out of reach (the UART is then left as it
 * was).
 *
 * The order (PL011 TRM r1p5, 3.3.8 UARTCR): disable, wait for the end of
 * the current character, flush the FIFO (LCRH.FEN = 0), divisors, then LCRH
 * (which latches them), enable. But FR.BUSY stays set while the TX FIFO
 * holds data, and a disabled UART finishes only the character in progress
 * (TRM 3.3.3 UARTFR; BCM2835 ARM Peripherals, section 13), so with bytes
 * still queued (the stub prints by polling, and just did) BUSY would never
 * clear once the UART is off. So the FIFO drains first, while the UART is
 * still on, for at most DRAIN_MS (a transmitter that is off never drains);
 * then the UART is disabled and the character in progress gets 2 ms. QEMU
 * sends each byte at once and hides all this. A byte another core's
 * println writes while the UART is off is lost: configure before the other
 * cores print.
 */
export function configure(baud: u32, clockHz: u32 = 0): bool {
  const clock = clockHz ? clockHz : mailbox.clockRate(Clock.UART);
  const d = divisors(clock, baud);
  if (!d) return false;
  const b = base();
  waitNotBusy(b, DRAIN_MS);
  write32(b + CR, 0);
  waitNotBusy(b, 2);
  write32(b + LCRH, 0);                              // FEN = 0: flush
  write32(b + IBRD, d >> 6);
  write32(b + FBRD, d & 63);
  write32(b + LCRH, LCRH_WLEN8 | LCRH_FEN);
  write32(b + CR, CR_UARTEN | CR_TXE | CR_RXE);
  return true;
}

const RING: u32 = 1024;

/** The UART's interrupt-driven side: one per machine, made by open(). */
export class Port extends IrqHandler {
  lockWord: u32 = 0;
  ring: StaticArray<u8> = new StaticArray<u8>(RING);
  head: u32 = 0;                 // next byte to read
  count: u32 = 0;                // bytes in the ring
  readers: Queue = new Queue();
  writers: Queue = new Queue();
  /** Bytes lost: the ring was full, or the FIFO overran. */
  overruns: u32 = 0;
  /** UART interrupts handled, and bytes received. */
  interrupts: u32 = 0;
  received: u32 = 0;
  /** Bit c set: core c ran this handler (the interrupt's routing, seen from the kernel). */
  handledOn: u32 = 0;
  /**
   * readLine() echoes what it reads, as a terminal user expects (terminals
   * do not echo locally). Turn off for a program on the other end.
   */
  echo: bool = true;
  /** The last line ended with CR: a LF right after it is the same Enter. */
  afterCr: bool = false;

  /** What readLine echoes, gathered during one poll and sent in one go (flushEcho). */
  echoBuf: StaticArray<u8> = new StaticArray<u8>(64);
  echoLen: i32 = 0;

  /** Queues one byte to echo (if `echo` is on). */
  echoByte(c: u8): void {
    if (!this.echo) return;
    if (this.echoLen == this.echoBuf.length) this.flushEcho();
    unchecked(this.echoBuf[this.echoLen++] = c);
  }

  /**
   * Sends the queued echo through the stub's console (console.echo): at
   * once, and between the other cores' whole lines, never inside one; a
   * burst typed or pasted goes out whole.
   */
  flushEcho(): void {
    if (!this.echoLen) return;
    consoleEcho(changetype<usize>(this.echoBuf), this.echoLen);
    this.echoLen = 0;
  }

  private enter(): void { changetype<SpinLock>(changetype<usize>(this) + offsetof<Port>("lockWord")).lock(); }
  private leave(): void { changetype<SpinLock>(changetype<usize>(this) + offsetof<Port>("lockWord")).unlock(); }

  /**
   * The bottom half: clear, then drain the RX FIFO, wake, re-enable. Clear
   * first: a byte that arrives after the last read of the FIFO raises the
   * interrupt again; cleared after the drain, that byte would wait in the
   * FIFO with no interrupt to announce it (and QEMU's PL011, which raises
   * RX only when the FIFO goes from empty to one byte, would then stall).
   */
  handle(source: u32): void {
    const b = base();
    const status = read32(b + MIS);
    write32(b + ICR, status & (INT_RX | INT_RT | INT_TX));
    this.enter();
    this.interrupts++;
    this.handledOn |= 1 << coreId();
    while (!(read32(b + FR) & FR_RXFE)) {
      const d = read32(b + DR);
      if (d & DR_OE) this.overruns++;
      if (this.count == RING) { this.overruns++; continue; }
      unchecked(this.ring[(this.head + this.count) % RING] = <u8>d);
      this.count++;
      this.received++;
    }
    if (status & INT_TX) write32(b + IMSC, read32(b + IMSC) & ~INT_TX);   // the writer turns it on again if it must
    let w = this.readers.pop();
    while (w) { w.granted = true; if (w.task) w.task!.wake(); w = this.readers.pop(); }
    if (status & INT_TX) {
      w = this.writers.pop();
      while (w) { w.granted = true; if (w.task) w.task!.wake(); w = this.writers.pop(); }
    }
    this.leave();
    irq.unmask(source);
  }

  /** Takes up to `max` bytes from the ring into `out` at `at`; how many. */
  take(out: StaticArray<u8>, at: i32, max: i32): i32 {
    this.enter();
    let n = 0;
    while (n < max && this.count > 0) {
      unchecked(out[at + n] = this.ring[this.head]);
      this.head = (this.head + 1) % RING;
      this.count--;
      n++;
    }
    this.leave();
    return n;
  }

  /** A future that reads at least one byte (up to `out.length`) into `out`: `length` says how many. */
  read(out: StaticArray<u8>): UartRead { return new UartRead(this, out); }
  /** A future that reads one line as a terminal user types it (see ReadLine: Enter, Backspace, echo; at most `max` bytes). */
  readLine(max: i32 = 256): ReadLine { return new ReadLine(this, max); }
  /** A future that sends `bytes[0, length)`, waiting on the TX interrupt when the FIFO is full. */
  write(bytes: StaticArray<u8>, length: i32 = -1): UartWrite { return new UartWrite(this, bytes, length < 0 ? bytes.length : length); }

  /** Registers `w` for the next interrupt (reader or writer) unless there is something already; true if there is. */
  waitForData(w: Waiter, task: Task): bool {
    this.enter();
    const ready = this.count > 0;
    if (!ready) this.readers.push(w, task);
    this.leave();
    return ready;
  }

  /** The TX FIFO is full: turn on the TX interrupt and wait for it. */
  waitForRoom(w: Waiter, task: Task): void {
    this.enter();
    this.writers.push(w, task);
    const b = base();
    write32(b + IMSC, read32(b + IMSC) | INT_TX);
    this.leave();
  }

  withdraw(w: Waiter): void {
    this.enter();
    this.readers.remove(w);
    this.writers.remove(w);
    this.leave();
  }
}

/**
 * Turns on the UART's receive and transmit interrupts, handled on `core`
 * (on a Pi 3 every peripheral interrupt goes to that core), and returns the
 * port. Call it once; keep the port (shared: pass it to tasks on any core).
 */
export function open(core: u32): Port {
  const port = new Port();
  const b = base();
  onIrq(Irq.UART0, port);
  write32(b + IFLS, (2 << 3) | 2);            // RX and TX at half full
  write32(b + ICR, 0x7ff);
  write32(b + IMSC, INT_RX | INT_RT);
  irq.enable(Irq.UART0, core);
  return port;
}

/** @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic) */
export class UartRead extends Waiting {
  length: i32 = 0;
  constructor(public port: Port, public out: StaticArray<u8>) { super(); }
  protected pollOnce(cx: Context): bool {
    if (this.length) return true;
    while (true) {
      if (!this.port.waitForData(this.waiter, cx.waker)) return false;   // registered: the interrupt wakes us
      this.length = this.port.take(this.out, 0, this.out.length);
      if (this.length) { this.port.withdraw(this.waiter); return true; }
    }
  }
  protected withdraw(): void { this.port.withdraw(this.waiter); }
  /** Ready for the next read. */
  protected rearm(): void { super.rearm(); this.length = 0; }
  /** What `await` gives: how many bytes were read. */
  get output(): i32 { return this.length; }
}

const CR_: u8 = 0x0d, LF: u8 = 0x0a, BS: u8 = 0x08, DEL: u8 = 0x7f, ESC: u8 = 0x1b, TAB: u8 = 0x09;
const CTRL_C: u8 = 0x03, CTRL_U: u8 = 0x15, BEL: u8 = 0x07;

/**
 * Reads one line the way a terminal user expects (picocom, minicom,
 * screen, PuTTY, `make qemu`):
 *  - Enter ends the line whichever way the terminal sends it: CR (most
 *    terminals, and QEMU's stdio), LF, or CR LF (the LF after a CR is
 *    dropped, even when it arrives with the next line's read);
 *  - what you type is echoed (terminals do not echo locally) when the
 *    port's `echo` is on (the default), and Enter echoes CR LF;
 *  - Backspace (BS or DEL, whichever the terminal sends) erases the last
 *    character (a whole UTF-8 character), Ctrl-U the whole line, Ctrl-C
 *    abandons it and starts a new one;
 *  - escape sequences (arrow keys, function keys: ESC [ ... or ESC O x) and
 *    other control characters are ignored; Tab is kept;
 *  - at most `max` bytes (256 by default): what is typed past that is not
 *    stored (the terminal beeps) and `truncated` is set.
 * `line` is the line as a string, made once and owned by the future: it
 * stays valid until reset() or dispose(). To keep it longer, takeLine()
 * hands it over (then dispose it yourself). `length` and `byteAt(i)` read
 * the bytes without making a string.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class ReadLine extends Waiting {
  buf: StaticArray<u8>;
  /** Bytes in the line so far. */
  length: i32 = 0;
  /** More was typed than the line holds; the rest was dropped. */
  truncated: bool = false;
  private escape: u8 = 0;            // 1: after ESC, 2: inside ESC [ ... or ESC O
  private text: string | null = null;
  private one: StaticArray<u8> = new StaticArray<u8>(1);
  constructor(public port: Port, max: i32) { super(); this.buf = new StaticArray<u8>(max > 0 ? max : 1); }

  protected pollOnce(cx: Context): bool {
    if (this.done) return true;
    while (true) {
      if (!this.port.waitForData(this.waiter, cx.waker)) { this.port.flushEcho(); return false; }
      if (!this.port.take(this.one, 0, 1)) continue;
      if (this.feed(unchecked(this.one[0]))) {
        this.done = true;
        this.port.withdraw(this.waiter);
        this.port.flushEcho();
        return true;
      }
    }
  }

  /** One received byte; true when it ended the line. */
  private feed(c: u8): bool {
    const port = this.port;
    if (port.afterCr) {
      port.afterCr = false;
      if (c == LF) return false;                   // the LF of a CR LF
    }
    if (this.escape == 1) { this.escape = c == 0x5b || c == 0x4f ? 2 : 0; return false; }
    if (this.escape == 2) { if (c >= 0x40 && c <= 0x7e) this.escape = 0; return false; }
    if (c == CR_ || c == LF) {
      port.afterCr = c == CR_;
      port.echoByte(LF);                           // goes out as CR LF
      return true;
    }
    if (c == BS || c == DEL) { if (this.length > 0) { this.erase(); } return false; }
    if (c == CTRL_U) { while (this.length > 0) this.erase(); this.truncated = false; return false; }
    if (c == CTRL_C) {
      port.echoByte(0x5e); port.echoByte(0x43); port.echoByte(LF);   // "^C", CR LF
      this.length = 0; this.truncated = false;
      return false;
    }
    if (c == ESC) { this.escape = 1; return false; }
    if (c < 0x20 && c != TAB) return false;
    if (this.length == this.buf.length) { this.truncated = true; port.echoByte(BEL); return false; }
    unchecked(this.buf[this.length++] = c);
    port.echoByte(c);
    return false;
  }

  /** Drops the last character (all its UTF-8 bytes) and rubs it out on the terminal. */
  private erase(): void {
    while (this.length > 0 && (unchecked(this.buf[this.length - 1]) & 0xc0) == 0x80) this.length--;
    if (this.length > 0) this.length--;
    this.port.echoByte(BS); this.port.echoByte(0x20); this.port.echoByte(BS);
  }

  /** Byte `i` of the line (0 <= i < length). */
  byteAt(i: i32): u8 { return this.buf[i]; }

  /** The line, without what ended it; owned by this future until reset() or dispose(). */
  get line(): string {
    let t = this.text;
    if (t === null) { t = String.UTF8.decodeUnsafe(changetype<usize>(this.buf), this.length); this.text = t; }
    return t;
  }

  /** What `await port.readLine()` gives: the line, yours to keep (takeLine()). */
  get output(): string { return this.takeLine(); }

  /** The line, now yours to keep (dispose it when done). */
  takeLine(): string {
    const t = this.line;
    this.text = null;
    return t;
  }

  protected withdraw(): void { this.port.withdraw(this.waiter); }
  dispose(): void { super.dispose(); dispose(this.buf); dispose(this.one); this.freeText(); }
  /** Ready for the next line: frees `line` (unless taken). */
  protected rearm(): void { super.rearm(); this.freeText(); this.length = 0; this.truncated = false; this.escape = 0; }
  private freeText(): void { const t = this.text; if (t !== null) { dispose(t); this.text = null; } }
}

/** @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic) */
export class UartWrite extends Waiting {
  sent: i32 = 0;
  constructor(public port: Port, public bytes: StaticArray<u8>, public length: i32) { super(); }
  protected pollOnce(cx: Context): bool {
    const b = base();
    while (this.sent < this.length) {
      if (read32(b + FR) & FR_TXFF) {
        this.port.waitForRoom(this.waiter, cx.waker);
        if (read32(b + FR) & FR_TXFF) return false;     // still full: the TX interrupt will wake us
        this.port.withdraw(this.waiter);
        continue;
      }
      write32(b + DR, unchecked(this.bytes[this.sent]));
      this.sent++;
    }
    return true;
  }
  protected withdraw(): void { this.port.withdraw(this.waiter); }
  /** Ready to send again: `length` bytes of `bytes` as they are now (set them first). */
  protected rearm(): void { super.rearm(); this.sent = 0; }
}
