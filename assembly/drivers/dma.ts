// DMA: copies the DMA controller makes while the core does something else.
//
//   const err = await dma.copy(into, from);        // from.length bytes; a DmaError
//   if (err != DmaError.None) println("dma: " + dma.errorName(err));
//
// The host programs the engine (module dma, boot/wasm/host_dma.c): a kernel
// could otherwise make it write anywhere, past the MMU, so mmio.write32
// refuses the controller's registers and the host builds each control
// block from ranges it checks against linear memory. It also does the cache
// maintenance the engine needs (it does not look in the ARM's caches) and
// copies the destination's partial first and last cache lines itself
// (docs/drivers/dma.md).
//
// The channels are the full ones (0-6) the firmware leaves the ARM (its
// property tag 0x00060001; QEMU's answers 2-5). A copy takes one in turn and
// holds its lock while it runs, so copies on different channels run at
// once and copies on one channel queue. A copy waits like a bus transfer
// (bus.ts): for the channel's interrupt (VideoCore interrupt 16 + n, BCM2835
// ARM Peripherals 7.5; SPI 112 + n on the Pi 4's GIC) or a fallback timer.
// QEMU runs a memory-to-memory transfer at once, within the write that
// starts it: the first look at the status finds it ended.
//
// The SPI driver reserves two channels for its long transfers (reserve(),
// spi.ts): those leave the copies' rotation.
//
// Buffers: the copy holds both arrays until it ends, so the collector keeps
// them (it never moves an object). Cancelling a copy (dropping its future)
// stops the channel before the buffers can be freed; the destination then
// holds part of the copy.
import { dma as host } from "../arch/host";
import { read32 } from "../arch/mmio";
import { coreId, timerFrequency } from "../arch/cpu";
import * as atomic from "../arch/atomic";
import { currentBoard, peripheralBase, Irq } from "../board";
import { onIrq } from "../kernel/irq";
import { SpinLock } from "../kernel/sync/spinlock";
import * as irq from "./irq";
import * as bus from "./bus";
import { Master, MasterTable } from "./bus";

/** What a copy gives. */
export const enum DmaError {
  None = 0,
  /** The firmware leaves the ARM no DMA channel. */
  NoChannel = 1,
  /** The engine stopped on a bus error (`Copy.why` holds the DEBUG register's error bits). */
  Engine = 2,
  /** The copy did not end in twice its expected time plus 10 ms: the channel was stopped. */
  Timeout = 3,
  /** The destination is shorter than the source, or the copy is over 1 GiB. */
  Length = 4,
  /** The two buffers overlap (the engine copies in bursts: use memory.copy). */
  Overlap = 5,
}

/** A word for an error, for messages. */
export function errorName(e: DmaError): string {
  switch (e) {
    case DmaError.None: return "no error";
    case DmaError.NoChannel: return "no DMA channel: the firmware leaves the ARM none";
    case DmaError.Engine: return "the DMA engine stopped on a bus error";
    case DmaError.Timeout: return "timed out (the channel was stopped)";
    case DmaError.Length: return "the destination is shorter than the source, or the copy is over 1 GiB";
    case DmaError.Overlap: return "the buffers overlap (use memory.copy)";
    default: return "unknown error";
  }
}

// A channel's CS register (BCM2835 ARM Peripherals 4.2.1.2): the bits the interrupt looks at.
const CS_END: u32 = 1 << 1;
const CS_ERROR: u32 = 1 << 8;
/** The engine's pace this driver plans with (for the time-out only): 100 MB/s, well under a board's. */
const PLAN_BYTES_PER_S: u64 = 100_000_000;

/** One DMA channel: its registers (read only: the host writes them) and the copy waiting for it. */
export class Channel extends Master {
  constructor(n: u32) { super(n, <u32>peripheralBase(currentBoard()) + 0x7000 + n * 0x100, Irq.DMA_0 + n); }
  /** The transfer has ended, or stopped on an error. */
  attention(): bool { return (read32(this.base) & (CS_END | CS_ERROR)) != 0; }
}

let table: MasterTable | null = null;
/** The channels copies take in turn (reserve() takes its own out). */
let channelList: Array<Channel> = new Array<Channel>();
const OPEN_LOCK = memory.data(4, 4);
const TURN = memory.data(4, 4);

/**
 * The channels this kernel may use, each ready for copies; the first call
 * sets them up and routes their interrupts to `core`. Empty when the
 * firmware leaves the ARM none.
 */
export function channels(core: u32 = coreId()): Array<Channel> {
  const lock = changetype<SpinLock>(OPEN_LOCK);
  lock.lock();
  if (!table) {
    const t = new MasterTable();
    const mask = host.channels();
    for (let n: u32 = 0; n < 7; n++) {
      if (!(mask & (1 << n))) continue;
      const ch = new Channel(n);
      unchecked(t.masters[n] = ch);
      channelList.push(ch);
      onIrq(ch.source, t);
      irq.enable(ch.source, core);
    }
    table = t;
  }
  lock.unlock();
  return channelList;
}

/**
 * Copies `from` into the start of `into` (from.length bytes) with the DMA
 * engine. What `await` gives is the DmaError. The buffers must not change
 * (from) or be read (into) until it ends.
 */
/**
 * Takes the `n` highest channels out of the copies' rotation for a
 * driver's own use (the SPI driver's TX and RX), lowest first; null when
 * that would leave copies none. A driver that reserves still takes a
 * channel's lock around each transfer: a copy that began on it before the
 * reservation may still run.
 */
export function reserve(n: i32): Array<Channel> | null {
  const list = channels();
  const lock = changetype<SpinLock>(OPEN_LOCK);
  lock.lock();
  let taken: Array<Channel> | null = null;
  if (list.length > n) {
    taken = new Array<Channel>();
    const first = list.length - n;
    for (let i = first; i < list.length; i++) taken.push(unchecked(list[i]));
    list.length = first;
  }
  lock.unlock();
  return taken;
}

export async function copy(into: Uint8Array, from: Uint8Array): Promise<DmaError> {
  const list = channels();
  if (list.length == 0) return DmaError.NoChannel;
  const ch = unchecked(list[<i32>(atomic.add32(TURN, 1) % <u32>list.length)]);
  const guard = await ch.lock.lock();
  const err = await new Copy(ch, into, from);
  guard.unlock();
  return err;
}

/**
 * One copy on a channel (hold the channel's lock around it: copy() does).
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class Copy extends bus.Transfer {
  /** After DmaError.Engine: the DEBUG register's error bits (1 read-last-not-set, 2 FIFO, 4 read error). */
  why: u32 = 0;

  constructor(public channel: Channel, public into: Uint8Array, public from: Uint8Array) {
    super(channel, DmaError.Timeout);
  }

  /** What `await` gives. */
  get output(): DmaError { return this.error; }

  protected refuse(): i32 {
    const n = this.from.length;
    if (n > this.into.length || n > (1 << 30)) return DmaError.Length;
    const d = this.into.dataStart, s = this.from.dataStart;
    if (n > 0 && d < s + <usize>n && s < d + <usize>n) return DmaError.Overlap;
    return 0;
  }

  protected begin(): u64 {
    const n = this.from.length;
    if (n == 0) return 0;
    host.start(this.channel.n, this.into.dataStart, this.from.dataStart, <u32>n);
    return (<u64>n * timerFrequency()) / PLAN_BYTES_PER_S;
  }

  protected serve(): void {
    if (this.from.length == 0) { this.finish(0); return; }
    const st = host.status(this.channel.n);
    if (st == 0) return;
    if ((st & 0xff) == 1) { this.finish(0); return; }
    this.why = st >> 8;
    this.finish(DmaError.Engine);
  }

  protected stop(): void { host.stop(this.channel.n); }
}
