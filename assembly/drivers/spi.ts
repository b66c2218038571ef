// SPI masters: SPI0 (BCM2835 ARM Peripherals section 10, the same block in
// BCM2711 ARM Peripherals section 9; the Pi 4's SPI3-6 are not described
// yet). Every transfer is full duplex: a byte goes out for each byte that
// comes in. A transfer is a future that fills the TX FIFO and drains the RX
// FIFO as CS allows, and otherwise sleeps until the SPI interrupt (DONE,
// RXR; VideoCore interrupt 54) or a fallback timer wakes it (bus.ts: QEMU's
// raspi4b never delivers the interrupt; docs/drivers/spi.md).
//
//   const spi = spi.open(0);                              // SPI0: GPIO 7-11
//   const flash = spi.device(0, 10_000_000, 0);           // mode 0, 10 MHz, the block's CE0
//   const id = new Uint8Array(3);
//   await flash.writeRead(JEDEC_ID, id);                  // the command, then 3 bytes, one chip select
//
// Chip select: by the block (cs 0 or 1: CE0 on GPIO 8, CE1 on GPIO 7,
// active low), or by any GPIO (csPin): the driver drives it low for the
// transfer and high after. QEMU's SPI0 drives no chip select of its own, so
// the tests use a GPIO linked to the device's (docs/drivers/spi.md).
// Long transfers (dmaMinBytes and up, 96 as Linux's) go by DMA where that
// can serve: two channels reserved from drivers/dma.ts feed the TX FIFO and
// empty the RX FIFO, paced by the block's DREQs (BCM2835 ARM Peripherals
// 10.6.3; the host builds the control blocks: module dma, spi), and the
// core sleeps until the RX channel's interrupt. Only where the engine
// honours DREQ (a board: dma.paced(); QEMU's DMA ignores it and its SPI has
// no DMA mode), only SPI0, with 4-byte aligned buffers and, for writeRead,
// a command of whole words (a flash's 0x03 and three address bytes); every
// other transfer goes through the FIFO as before. Verified on paper only
// (docs/drivers/spi.md).
//
// Errors are values: a transfer that does not end in time (Timeout), a
// length the caller cannot mean (Length), a DMA engine error (Dma). SPI has no acknowledge: a
// missing device reads as all ones or zeros, which only the device's own
// protocol can tell (a JEDEC id, a WHO_AM_I register).
import { read32, write32 } from "../arch/mmio";
import { currentBoard, spiBase, spiPins, spiPins2, Irq } from "../board";
import { coreId, timerFrequency } from "../arch/cpu";
import * as irq from "./irq";
import * as gpio from "./gpio";
import { onIrq } from "../kernel/irq";
import { SpinLock } from "../kernel/sync/spinlock";
import * as bus from "./bus";
import { Master, MasterTable, MAX_MASTERS } from "./bus";
import { dma as host } from "../arch/host";
import * as dma from "./dma";
import { Channel } from "./dma";

// Registers (BCM2835 ARM Peripherals 10.5).
export const CS: u32 = 0x00;
export const FIFO: u32 = 0x04;
export const CLK: u32 = 0x08;
export const DLEN: u32 = 0x0c;
// CS bits.
export const CS_CPHA: u32 = 1 << 2;
export const CS_CPOL: u32 = 1 << 3;
export const CS_CLEAR_TX: u32 = 1 << 4;
export const CS_CLEAR_RX: u32 = 1 << 5;
export const CS_TA: u32 = 1 << 7;
export const CS_DMAEN: u32 = 1 << 8;
export const CS_INTD: u32 = 1 << 9;
export const CS_INTR: u32 = 1 << 10;
export const CS_DONE: u32 = 1 << 16;
export const CS_RXD: u32 = 1 << 17;
export const CS_TXD: u32 = 1 << 18;
export const CS_RXR: u32 = 1 << 19;

/** What a transfer ended with. */
export const enum SpiError {
  None = 0,
  /** The transfer moved no byte for twice its time on the wire plus 10 ms. */
  Timeout = 1,
  /** Buffers of different lengths where one transfer needs them equal, or more than 65,535 bytes. */
  Length = 2,
  /** The DMA engine stopped on a bus error (a DMA transfer: SpiDmaTransfer.why holds the DEBUG register's error bits). */
  Dma = 3,
}

export function errorName(e: SpiError): string {
  switch (e) {
    case SpiError.None: return "ok";
    case SpiError.Timeout: return "timed out";
    case SpiError.Length: return "length out of range";
    case SpiError.Dma: return "the DMA engine stopped on a bus error";
    default: return "unknown error";
  }
}

/** Bytes in flight at most: the FIFOs hold 64 (Linux: BCM2835_SPI_FIFO_SIZE); more would overrun RX. */
const FIFO_BYTES: i32 = 64;

/** Transfers of at least this many bytes go by DMA where it can serve (Linux's BCM2835_SPI_DMA_MIN_LENGTH; below it the two channels' set-up costs more than the FIFO). */
export let dmaMinBytes: i32 = 96;
/** The most one DMA transfer takes: DLEN is 16 bits, and the host moves whole words. */
const DMA_MAX_BYTES: i32 = 65532;

let table: MasterTable | null = null;
const OPEN_LOCK = memory.data(4, 4);

/**
 * SPI master `n` (0: SPI0), its pins set to their SPI function (the board
 * description's) and its interrupt routed to `core`. The same Spi for the
 * same n from any core.
 */
export function open(n: u32 = 0, core: u32 = coreId()): Spi {
  const b = currentBoard();
  const base = n < MAX_MASTERS ? spiBase(b, n) : 0;
  if (!base) throw new Error("spi: this board has no SPI" + n.toString() + " that the driver knows (docs/boards.md lists each board's)");
  const lock = changetype<SpinLock>(OPEN_LOCK);
  lock.lock();
  if (!table) {
    table = new MasterTable();
    onIrq(Irq.SPI, table!);
  }
  let m = changetype<Spi | null>(unchecked(table!.masters[n]));
  if (!m) {
    m = new Spi(n, base);
    const pins = spiPins(b, n), more = spiPins2(b, n);
    const fn = gpio.altFunction((more >> 8) & 0xff);
    for (let k: u32 = 0; k < 4; k++)                                                   // CE0, CE1 (its own function), MISO, MOSI
      gpio.setFunction((pins >> (k * 8)) & 0xff, k == 1 ? gpio.altFunction((more >> 16) & 0xff) : fn);
    gpio.setFunction(more & 0xff, fn);                                                 // SCLK
    write32(base + CS, CS_CLEAR_TX | CS_CLEAR_RX);
    unchecked(table!.masters[n] = m);
    irq.enable(Irq.SPI, core);
  }
  lock.unlock();
  return m;
}

/** One SPI master: its registers, the lock that keeps a device's transfer whole (`lock`), and the transfer waiting (bus.ts's Master). */
export class Spi extends Master {
  /** The TX and RX channels of DMA transfers, once asked for (null: DMA cannot serve here). */
  private dmaChannels: Array<Channel> | null = null;
  private dmaAsked: bool = false;
  /** Transfers that went by DMA. */
  dmaTransfers: u32 = 0;

  constructor(n: u32, base: u32) { super(n, base, Irq.SPI); }

  /**
   * The two DMA channels for long transfers (TX, RX), reserved at the first
   * call; null where DMA cannot serve: an engine that ignores DREQ (QEMU),
   * a block other than SPI0, fewer than three channels. Call it holding `lock`.
   */
  dma(): Array<Channel> | null {
    if (!this.dmaAsked) {
      this.dmaAsked = true;
      if (this.n == 0 && host.paced() != 0) this.dmaChannels = dma.reserve(2);
    }
    return this.dmaChannels;
  }

  /**
   * A device on this master: SPI `mode` 0-3 (CPOL = mode >> 1, CPHA = mode & 1),
   * clock `hz`, and its chip select: the block's line `cs` (0 or 1), or,
   * when `csPin` is a GPIO number, that pin (active low; the block's line is
   * then not used).
   */
  device(mode: u32 = 0, hz: u32 = 1_000_000, cs: u32 = 0, csPin: i32 = -1): SpiDevice {
    const pin = csPin >= 0 ? gpio.output(<u32>csPin, true) : null;   // deselected until a transfer
    return new SpiDevice(this, mode & 3, hz, cs & 1, pin);
  }

  /** The divider for `hz`: SCLK = core clock / CDIV (BCM2835 ARM Peripherals 10.5 CLK; 250 MHz if the firmware does not say). */
  divider(hz: u32): u32 {
    const div = this.evenDivider(hz, 250_000_000);
    return div > 0xfffe ? 0 : div;                     // 0: 65536, the slowest
  }

  /** The block has something for the waiting transfer: the end, or RX three quarters full. */
  attention(): bool { return (read32(this.base + CS) & (CS_DONE | CS_RXR)) != 0; }
}

/** A device on a master: its mode, speed and chip select. Each call holds the master's lock. */
export class SpiDevice {
  constructor(public spi: Spi, public mode: u32, public hz: u32, public cs: u32, public csPin: gpio.OutputPin | null) {}

  /** CS's chip-select line and clock mode for this device (BCM2835 ARM Peripherals 10.5 CS: CS 1:0, CPHA, CPOL). */
  modeBits(): u32 { return this.cs | ((this.mode & 1) ? CS_CPHA : 0) | ((this.mode & 2) ? CS_CPOL : 0); }

  /** The start of a chip-select period, either kind: its clock, its mode with both FIFOs cleared, a GPIO chip select low. */
  select(): void {
    const b = this.spi.base;
    write32(b + CLK, this.spi.divider(this.hz));
    write32(b + CS, this.modeBits() | CS_CLEAR_TX | CS_CLEAR_RX);
    const pin = this.csPin;
    if (pin) pin.low();
  }

  /** Sends `out` while receiving into `into` (the same length). */
  async transfer(out: Uint8Array, into: Uint8Array): Promise<SpiError> {
    if (out.length != into.length) return SpiError.Length;
    return await this.run(out, into, 0, out.length);
  }

  /** Sends `data` (what comes back is dropped). */
  async write(data: Uint8Array): Promise<SpiError> {
    return await this.run(data, null, 0, data.length);
  }

  /** Reads `into.length` bytes, sending zeros. */
  async read(into: Uint8Array): Promise<SpiError> {
    return await this.run(null, into, 0, into.length);
  }

  /** Sends `command`, then reads `into.length` bytes, under one chip select (a flash's read, a sensor's register read). */
  async writeRead(command: Uint8Array, into: Uint8Array): Promise<SpiError> {
    return await this.run(command, into, command.length, command.length + into.length);
  }

  /** One chip-select period under the master's lock: by DMA where it fits and can serve (the file's head), else through the FIFO. */
  private async run(out: Uint8Array | null, into: Uint8Array | null, skip: i32, total: i32): Promise<SpiError> {
    const guard = await this.spi.lock.lock();
    const channels: Array<Channel> | null = dmaFits(out, into, skip, total) ? this.spi.dma() : null;
    let err = SpiError.None;
    if (channels) {
      const tx = unchecked(channels![0]), rx = unchecked(channels![1]);     // (the lowered state machine does not narrow: the `!`)
      const txGuard = await tx.lock.lock();                 // a copy begun before the reservation may still hold one
      const rxGuard = await rx.lock.lock();
      err = await new SpiDmaTransfer(this, tx, rx, out, into, skip, total);
      rxGuard.unlock();
      txGuard.unlock();
    } else {
      err = await new SpiTransfer(this, out, into, skip, total);
    }
    guard.unlock();
    return err;
  }
}

/** Whether a transfer fits the DMA path: long enough, not too long, word-aligned buffers, a command of whole words. */
function dmaFits(out: Uint8Array | null, into: Uint8Array | null, skip: i32, total: i32): bool {
  if (total < dmaMinBytes || total > DMA_MAX_BYTES || (skip & 3) != 0) return false;
  if (out && ((out.dataStart & 3) != 0 || ((out.length & 3) != 0 && out.length != total))) return false;
  if (into && (into.dataStart & 3) != 0) return false;
  return true;
}

/**
 * One chip-select period: `total` bytes out (`out`'s, then zeros) and in
 * (the first `skip` dropped, the rest into `into`). What `await` gives is
 * the SpiError.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class SpiTransfer extends bus.Transfer {
  sent: i32 = 0;
  received: i32 = 0;

  constructor(public device: SpiDevice, public out: Uint8Array | null, public into: Uint8Array | null, public skip: i32, public total: i32) {
    super(device.spi, SpiError.Timeout);
  }

  get output(): SpiError { return this.error; }

  protected refuse(): i32 { return this.total > 0xffff ? SpiError.Length : 0; }

  /** Speed, mode and line with both FIFOs cleared, the chip selected, then TA with the interrupts (BCM2835 ARM Peripherals 10.6.2, interrupt mode). */
  protected begin(): u64 {
    const spi = this.device.spi, d = this.device;
    d.select();
    write32(spi.base + CS, d.modeBits() | CS_TA | CS_INTD | CS_INTR);
    return (<u64>this.total * 8 * timerFrequency()) / max<u64>(1, <u64>d.hz);
  }

  /** Keeps the TX FIFO fed (never more than the FIFO's worth ahead of RX) and the RX FIFO drained. */
  protected serve(): void {
    const b = this.device.spi.base;
    let cs = read32(b + CS);
    while (true) {
      let moved = false;
      const out = this.out;
      while (this.sent < this.total && (cs & CS_TXD) && this.sent - this.received < FIFO_BYTES) {
        write32(b + FIFO, out && this.sent < out.length ? unchecked(out[this.sent]) : 0);
        this.sent++;
        moved = true;
        cs = read32(b + CS);
      }
      const into = this.into;
      while (this.received < this.total && (cs & CS_RXD)) {
        const v = <u8>read32(b + FIFO);
        if (into && this.received >= this.skip) unchecked(into[this.received - this.skip] = v);
        this.received++;
        moved = true;
        cs = read32(b + CS);
      }
      if (!moved) break;
    }
    if (this.received >= this.total && (cs & CS_DONE)) this.finish(SpiError.None);
  }

  /** Nothing more goes out: both FIFOs cleared (finish() deselects). */
  protected stop(): void { write32(this.device.spi.base + CS, this.device.modeBits() | CS_CLEAR_TX | CS_CLEAR_RX); }

  /** Ends the chip-select period (TA off: the block's line rises; a GPIO chip select is raised), then the transfer. */
  protected finish(err: i32): bool {
    if (this.started) {
      this.stop();
      const pin = this.device.csPin;
      if (pin) pin.high();
    }
    return super.finish(err);
  }

  protected progress(): i32 { return this.sent + this.received; }

  protected rearm(): void { super.rearm(); this.sent = 0; this.received = 0; }
}

/**
 * One chip-select period by DMA (SpiDevice.run picks it): the block in DMA
 * mode (DLEN, then TA and DMAEN: as Linux's spi-bcm2835, not 10.6.3's
 * header word), the host's two channels paced by its DREQs, the wait on the
 * RX channel's interrupt (or the fallback timer), and the block back in
 * FIFO mode at the end (TA and DMAEN off, the FIFOs and DONE cleared, DLEN
 * 0: a DLEN left set changes FIFO transfers after). What `await` gives is
 * the SpiError.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class SpiDmaTransfer extends bus.Transfer {
  /** After SpiError.Dma: the DEBUG register's error bits of the channel that stopped. */
  why: u32 = 0;

  constructor(public device: SpiDevice, public tx: Channel, public rx: Channel, public out: Uint8Array | null, public into: Uint8Array | null, public skip: i32, public total: i32) {
    super(rx, SpiError.Timeout);
  }

  get output(): SpiError { return this.error; }

  protected refuse(): i32 { return this.total > DMA_MAX_BYTES ? SpiError.Length : 0; }

  protected begin(): u64 {
    const spi = this.device.spi, d = this.device;
    spi.dmaTransfers++;
    d.select();
    write32(spi.base + DLEN, <u32>this.total);
    write32(spi.base + CS, d.modeBits() | CS_TA | CS_DMAEN);
    const out = this.out, into = this.into;
    host.spi(this.tx.n, this.rx.n, spi.n, out ? out.dataStart : 0, out ? <u32>out.length : 0, into ? into.dataStart : 0, <u32>this.skip, <u32>this.total);
    return (<u64>this.total * 8 * timerFrequency()) / max<u64>(1, <u64>d.hz);
  }

  protected serve(): void {
    const st = host.status(this.rx.n);
    if (st == 0) return;
    if ((st & 0xff) == 1) { this.finish(SpiError.None); return; }
    this.why = st >> 8;
    this.finish(SpiError.Dma);
  }

  /** Both channels stopped (a timeout or a cancel; finish() puts the block back). */
  protected stop(): void { host.stop(this.rx.n); }

  protected finish(err: i32): bool {
    if (this.started) {
      const b = this.device.spi.base;
      write32(b + CS, this.device.modeBits() | CS_DONE | CS_CLEAR_TX | CS_CLEAR_RX);   // DONE written as Linux does after a DMA transfer
      write32(b + DLEN, 0);
      const pin = this.device.csPin;
      if (pin) pin.high();
    }
    return super.finish(err);
  }
}
