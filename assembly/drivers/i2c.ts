// I2C masters: the Broadcom Serial Controllers (BSC; BCM2835 ARM
// Peripherals section 3, the same block in BCM2711 ARM Peripherals section
// 3). Each transfer is a future: it starts the controller, moves bytes
// through the 16-byte FIFO as the status register allows, and otherwise
// sleeps until the BSC interrupt (DONE, TXW, RXR; one line for every BSC,
// VideoCore interrupt 53) or a fallback timer wakes it, so `await` lets the
// core run other tasks or sleep. A bus is shared by tasks on any core: an
// async lock per bus keeps transfers whole.
//
//   const bus = i2c.open(1);                        // BSC1: GPIO 2/3, header pins 3 and 5
//   const temp = bus.device(0x48);                  // a TMP105 (its address, 100 kHz)
//   const err = await temp.readRegister(0, buf);    // write the pointer, then read buf.length bytes
//   if (err != i2c.I2cError.None) println("tmp105: " + i2c.errorName(err));
//
// Errors are values (I2cError), never panics: a NACK (no device at that
// address, or one that refused a byte), a clock-stretch timeout (S.CLKT),
// and a transfer that did not end in time.
//
// Repeated start: the block has no bit for one. BCM2835 ARM Peripherals
// 3.3 (its 10-bit read) makes one by writing ST again while a write is
// still on the wire: the block then sends a START instead of the STOP. So
// writeRead puts the write's last byte into the FIFO and at once sets up
// the read (A, DLEN, C with ST and READ, no CLEAR: the FIFO still holds the
// write's bytes), before the write can end. The write's bytes take at least
// 9 SCL clocks each (90 us at 100 kHz, 22.5 us at 400 kHz), the few
// register writes well under one. Should the write end first anyway (a
// long interrupt between), the read starts after a STOP, which every
// register-pointer part accepts: no error, the old behaviour. QEMU's model
// ends every write at its last FIFO byte, so in QEMU it is always that.
//
// 10-bit addresses (3.3; UM10204 3.1.11): A holds 11110XX (0x78 | the two
// high bits) and the write's first byte is the low eight; a read is that
// write of one byte, then a repeated start of 11110XX with READ. So a
// 10-bit read relies on the repeated start above; QEMU has no 10-bit part.
//
// No arbitration-lost status: the BSC is a single master.
//
// Interrupt or timer: a waiting transfer is woken by the BSC interrupt
// (through the GIC-400 as SPI 96 + 53 on a Pi 4) or by a fallback timer,
// because QEMU's raspi4b never delivers the interrupt (bus.ts, which SPI
// shares; Bus.byInterrupt and Bus.byTimer count which one did).
//
// QEMU 10.0's model (hw/i2c/bcm2835_i2c.c) differs from the silicon in ways
// this driver is written around: it has no FIFO (a byte written before ST
// is lost, so the FIFO is filled after ST, which the silicon allows too);
// any write of C with I2CEN starts a transfer (so C is written once per
// transfer, and with I2CEN clear otherwise); a NACKed write never reaches
// DONE (so ERR ends a transfer by itself).
import { read32, write32 } from "../arch/mmio";
import { currentBoard, i2cBase, i2cPins, Irq } from "../board";
import { coreId, timerFrequency } from "../arch/cpu";
import * as irq from "./irq";
import * as gpio from "./gpio";
import { onIrq } from "../kernel/irq";
import { SpinLock } from "../kernel/sync/spinlock";
import * as bus from "./bus";
import { Master, MasterTable, MAX_MASTERS } from "./bus";

// Registers (BCM2835 ARM Peripherals 3.2).
export const C: u32 = 0x00;
export const S: u32 = 0x04;
export const DLEN: u32 = 0x08;
export const A: u32 = 0x0c;
export const FIFO: u32 = 0x10;
export const DIV: u32 = 0x14;
export const CLKT: u32 = 0x1c;
// C: control.
export const C_I2CEN: u32 = 1 << 15;
export const C_INTR: u32 = 1 << 10;
export const C_INTT: u32 = 1 << 9;
export const C_INTD: u32 = 1 << 8;
export const C_ST: u32 = 1 << 7;
export const C_CLEAR: u32 = 1 << 5;      // CLEAR field (5:4): x1 or 1x clears the FIFO
export const C_READ: u32 = 1 << 0;
// S: status.
export const S_CLKT: u32 = 1 << 9;       // write 1 to clear
export const S_ERR: u32 = 1 << 8;        // write 1 to clear
export const S_RXD: u32 = 1 << 5;
export const S_TXD: u32 = 1 << 4;
export const S_RXR: u32 = 1 << 3;
export const S_TXW: u32 = 1 << 2;
export const S_DONE: u32 = 1 << 1;       // write 1 to clear
export const S_TA: u32 = 1 << 0;

/** What a transfer ended with. */
export const enum I2cError {
  None = 0,
  /** The device did not acknowledge its address or a byte (S.ERR): nothing at that address, or it refused. */
  Nack = 1,
  /** The device held SCL low longer than the controller's CLKT allows (S.CLKT). */
  ClockStretch = 2,
  /** The transfer moved no byte for twice its time on the wire plus 10 ms. */
  Timeout = 3,
  /** A length the block or the device cannot take: over 65,535 bytes in one transfer, or past a device's end. */
  Length = 4,
  /** A part answered, and its identity register names another part (the driver's `chipId` holds what it read). */
  WrongPart = 5,
}

/** A word for an error, for messages. */
export function errorName(e: I2cError): string {
  switch (e) {
    case I2cError.None: return "ok";
    case I2cError.Nack: return "no acknowledge (NACK)";
    case I2cError.ClockStretch: return "clock-stretch timeout";
    case I2cError.Timeout: return "timed out";
    case I2cError.Length: return "length out of range";
    case I2cError.WrongPart: return "not the part expected (its identity register names another)";
    default: return "unknown error";
  }
}

let table: MasterTable | null = null;
const OPEN_LOCK = memory.data(4, 4);

/**
 * BSC `n` as an I2C master, its pins set to their I2C function (the board
 * description's, tools/boards/spec.ts) and its interrupt routed to `core`
 * (on a Pi 3 every peripheral interrupt goes to one core). The same Bus for
 * the same n, from any core: open it where convenient and share it.
 */
export function open(n: u32, core: u32 = coreId()): Bus {
  const b = currentBoard();
  const base = n < MAX_MASTERS ? i2cBase(b, n) : 0;
  if (!base) throw new Error("i2c: this board has no BSC" + n.toString() + " (docs/boards.md lists each board's)");
  const lock = changetype<SpinLock>(OPEN_LOCK);
  lock.lock();
  if (!table) {
    table = new MasterTable();
    onIrq(Irq.I2C, table!);
  }
  let bus = changetype<Bus | null>(unchecked(table!.masters[n]));
  if (!bus) {
    bus = new Bus(n, base);
    const pins = i2cPins(b, n);
    const fn = gpio.altFunction((pins >> 16) & 0xff);
    gpio.setFunction(pins & 0xff, fn);
    gpio.setFunction((pins >> 8) & 0xff, fn);
    write32(base + C, C_CLEAR);                        // I2CEN clear: nothing starts (QEMU starts on any C write with I2CEN)
    write32(base + S, S_CLKT | S_ERR | S_DONE);
    unchecked(table!.masters[n] = bus);
    irq.enable(Irq.I2C, core);
  }
  lock.unlock();
  return bus;
}

/** One BSC: its registers, the lock that keeps transfers whole (`lock`), and the transfer waiting for it (bus.ts's Master). */
export class Bus extends Master {
  /** The speed the divider was last set for. */
  divHz: u32 = 0;

  constructor(n: u32, base: u32) { super(n, base, Irq.I2C); }

  /**
   * A device at `address` on this bus, at `hz` (100 kHz standard mode by
   * default). An address over 0x7f is a 10-bit one; `tenBit` makes a lower
   * one 10-bit too (0x050 is not 0x50).
   */
  device(address: u32, hz: u32 = 100_000, tenBit: bool = false): Device {
    if (address > 0x3ff) throw new Error("i2c: address 0x" + address.toString(16) + " is over 10 bits (7-bit addresses are 0x00-0x7f, 10-bit ones up to 0x3ff)");
    return new Device(this, address, hz, tenBit || address > 0x7f);
  }

  /**
   * A future for one transfer (see Device for the usual calls; hold `lock`
   * around it): a write of `write`, a read into `read`, or, with both, the
   * write then the read after a repeated start. `tenBit`: `address` is a
   * 10-bit one.
   */
  transfer(address: u32, hz: u32, write: Uint8Array | null, read: Uint8Array | null, tenBit: bool = false): Transfer {
    return new Transfer(this, address, hz, write, read, tenBit);
  }

  /** Sets the clock divider for `hz` (SCL = core clock / CDIV, BCM2835 ARM Peripherals 3.2 DIV; 150 MHz, the datasheet's nominal, if the firmware does not say). */
  setSpeed(hz: u32): void {
    if (hz == this.divHz) return;
    write32(this.base + DIV, min<u32>(this.evenDivider(hz, 150_000_000), 0xfffe));
    this.divHz = hz;
  }

  /** The block has something for the waiting transfer: the end, an error, room in the FIFO, bytes in it. */
  attention(): bool { return (read32(this.base + S) & (S_DONE | S_ERR | S_CLKT | S_TXW | S_RXR)) != 0; }

  /**
   * Which 7-bit addresses answer (0x08-0x77, the ones not reserved): a
   * zero-length write to each, as i2cdetect's quick mode does. Devices that
   * act on a write (some EEPROMs latch an address) are unaffected by one
   * with no data.
   */
  async scan(hz: u32 = 100_000): Promise<Array<u32>> {
    const found = new Array<u32>();
    const guard = await this.lock.lock();
    for (let a: u32 = 0x08; a <= 0x77; a++) {
      const err = await this.transfer(a, hz, null, null);
      if (err == I2cError.None) found.push(a);
    }
    guard.unlock();
    return found;
  }
}

/**
 * A device on a bus: its address and speed. Each call takes the bus's lock
 * for its transfers, so tasks on different cores can share the bus.
 */
export class Device {
  constructor(public bus: Bus, public address: u32, public hz: u32 = 100_000, public tenBit: bool = false) {}

  /** Writes `data` in one transfer. */
  async write(data: Uint8Array): Promise<I2cError> {
    const guard = await this.bus.lock.lock();
    const err = await this.bus.transfer(this.address, this.hz, data, null, this.tenBit);
    guard.unlock();
    return err;
  }

  /** Reads `into.length` bytes in one transfer (at a 10-bit address: the address's write, a repeated start, the read). */
  async read(into: Uint8Array): Promise<I2cError> {
    const guard = await this.bus.lock.lock();
    const err = await this.bus.transfer(this.address, this.hz, null, into, this.tenBit);
    guard.unlock();
    return err;
  }

  /** Writes `data`, then reads `into.length` bytes after a repeated start (see the file's head), no other task's transfer between. */
  async writeRead(data: Uint8Array, into: Uint8Array): Promise<I2cError> {
    const guard = await this.bus.lock.lock();
    const err = await this.bus.transfer(this.address, this.hz, data, into, this.tenBit);
    guard.unlock();
    return err;
  }

  /** Reads `into.length` bytes from register `reg` (a one-byte pointer write, then the read). */
  async readRegister(reg: u8, into: Uint8Array): Promise<I2cError> {
    const pointer = new Uint8Array(1);
    pointer[0] = reg;
    return await this.writeRead(pointer, into);
  }

  /** Writes `data` to register `reg` (the pointer byte, then the data, in one transfer). */
  async writeRegister(reg: u8, data: Uint8Array): Promise<I2cError> {
    const bytes = new Uint8Array(data.length + 1);
    bytes[0] = reg;
    for (let i = 0; i < data.length; i++) bytes[i + 1] = data[i];
    return await this.write(bytes);
  }
}

const FIFO_BYTES: i32 = 16;

/**
 * One transfer: a write of `writing`, a read into `reading`, or both: the
 * write, a repeated start, the read (neither: a zero-length write, which
 * only asks whether the address answers). At a 10-bit address the write
 * begins with the address's low byte, and a read always has that write
 * before it. What `await` gives is the I2cError.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class Transfer extends bus.Transfer {
  /** Bytes of the current phase moved (into the FIFO while writing, out of it while reading). */
  moved: i32 = 0;
  /** Bytes this round may still put into the FIFO (16: what it holds; bus.ts: a round). */
  budget: i32 = 0;
  /** In the read phase (after a write phase, if there is one). */
  readPhase: bool = false;

  constructor(public bus: Bus, public address: u32, public hz: u32, public writing: Uint8Array | null, public reading: Uint8Array | null, public tenBit: bool = false) {
    super(bus, I2cError.Timeout);
  }

  /** The bytes of the write phase: the low address byte at a 10-bit address, then `writing`'s; 0 when the transfer only reads. */
  get writeLength(): i32 {
    const w = this.writing;
    return (this.tenBit ? 1 : 0) + (w ? w.length : 0);
  }

  get readLength(): i32 {
    const r = this.reading;
    return r ? r.length : 0;
  }

  /** What `await` gives. */
  get output(): I2cError { return this.error; }

  protected refuse(): i32 { return this.writeLength > 0xffff || this.readLength > 0xffff ? I2cError.Length : 0; }

  /** A (the 7-bit address, or 11110XX for a 10-bit one). */
  private addressField(): u32 { return this.tenBit ? 0x78 | ((this.address >> 8) & 3) : this.address & 0x7f; }

  /** Clears what the last transfer left, sets the address, length and speed, and starts (C written once: see the file's head). */
  protected begin(): u64 {
    const b = this.bus.base;
    this.bus.setSpeed(this.hz);
    const w = this.writeLength;
    this.readPhase = w == 0 && this.reading != null;
    write32(b + S, S_CLKT | S_ERR | S_DONE);
    write32(b + A, this.addressField());
    write32(b + DLEN, this.readPhase ? this.readLength : w);
    write32(b + C, C_I2CEN | C_ST | C_CLEAR | C_INTD | (this.readPhase ? C_READ | C_INTR : C_INTT));
    // Time on the wire: 9 clocks a byte, and an address's for each START.
    const bytes = w + this.readLength + (w > 0 && this.reading != null ? 2 : 1);
    return (<u64>bytes * 9 * timerFrequency()) / max<u64>(1, <u64>this.hz);
  }

  /**
   * The repeated start: the read set up while the write's last bytes are
   * still on the wire (no S read before it, no CLEAR: see the file's head).
   */
  private restart(): void {
    const b = this.bus.base;
    write32(b + S, S_DONE);                                  // QEMU's write has ended already; the silicon's has not
    write32(b + DLEN, this.readLength);
    write32(b + A, this.addressField());
    write32(b + C, C_I2CEN | C_ST | C_INTD | C_READ | C_INTR);
    this.readPhase = true;
    this.moved = 0;
  }

  /** Moves what the FIFO allows, and ends the transfer on DONE, ERR or CLKT. */
  protected serve(): void {
    const b = this.bus.base;
    let s = read32(b + S);
    if (!this.readPhase) {
      const n = this.writeLength, w = this.writing, lead = this.tenBit ? 1 : 0;
      const restartAt = this.reading != null ? n : -1;
      while (this.moved < n && (s & S_TXD) && !(s & (S_ERR | S_CLKT)) && this.budget > 0) {
        this.budget--;
        const i = this.moved;
        write32(b + FIFO, i >= lead ? unchecked(w![i - lead]) : this.address & 0xff);   // a 10-bit address's low byte first
        this.moved = i + 1;
        if (i + 1 == restartAt) { this.restart(); s = read32(b + S); break; }
        s = read32(b + S);
      }
    }
    if (this.readPhase) {
      const r = this.reading!, n = r.length;
      while (this.moved < n && (s & S_RXD)) {
        unchecked(r[this.moved] = <u8>read32(b + FIFO));
        this.moved++;
        s = read32(b + S);
      }
    }
    if (s & S_CLKT) { this.stop(); this.finish(I2cError.ClockStretch); return; }
    if (s & S_ERR) { this.stop(); this.finish(I2cError.Nack); return; }
    const n = this.readPhase ? this.readLength : this.writeLength;
    if ((s & S_DONE) && this.moved >= n) { write32(b + S, S_DONE); this.finish(I2cError.None); }
  }

  /** Stops the controller: I2CEN clear, the FIFO cleared, the status's sticky bits too. */
  protected stop(): void {
    const b = this.bus.base;
    write32(b + C, C_CLEAR);
    write32(b + S, S_CLKT | S_ERR | S_DONE);
  }

  protected round(): void { this.budget = FIFO_BYTES; }

  protected progress(): i32 { return this.readPhase ? this.writeLength + this.moved : this.moved; }

  protected rearm(): void { super.rearm(); this.moved = 0; this.readPhase = false; }
}
