// What the bus drivers share (i2c.ts, spi.ts): a master that a transfer
// waits on, one interrupt line for every master of a kind, and a transfer
// future that moves bytes as the block allows and otherwise sleeps until the
// block's interrupt or a fallback timer wakes it.
//
// Why both: on a Pi 3 the BSC and SPI interrupts reach the cores; on a Pi 4
// they do through the GIC-400, but QEMU's raspi4b never delivers them. So
// every wait also arms a timer that looks at the status once a millisecond
// (or once a quarter of the transfer's time on the wire, if longer); on a
// board whose interrupt works it is a safety net. Master.byInterrupt and
// Master.byTimer count which one ended each wait.
import { counter, timerFrequency } from "../arch/cpu";
import * as atomic from "../arch/atomic";
import * as irq from "./irq";
import { IrqHandler } from "../kernel/irq";
import { Future } from "../kernel/exec/future";
import { Context, Task } from "../kernel/exec/task";
import { Sleep } from "../kernel/exec/timer";
import { Mutex } from "../kernel/exec/sync";
import { coreHz } from "./clocks";

/** Masters of one kind by number (BSC0-7, SPI0-7). */
export const MAX_MASTERS: u32 = 8;

/** One bus master: its registers, the lock that keeps transfers whole, and the transfer waiting for it. */
export abstract class Master {
  /** Held by each transfer from start to end (hold it yourself around several to keep them together). */
  lock: Mutex<u32> = new Mutex<u32>(0);
  /** The task of the transfer waiting now (0: none). */
  waiting: u32 = 0;
  /** Which wake ended a wait: the interrupt, or the fallback timer. */
  byInterrupt: u32 = 0;
  byTimer: u32 = 0;
  /** Transfers started, and those that ended in an error. */
  transfers: u32 = 0;
  errors: u32 = 0;

  /** The core clock the block divides, asked of the firmware once. */
  coreHz: u32 = 0;

  constructor(public n: u32, public base: u32, public source: u32) {}

  /**
   * The divider for a clock of at most `hz`: the core clock (the firmware's,
   * else `fallbackHz`) over CDIV, CDIV rounded up to even and at least 2 (both
   * blocks take even dividers: BCM2835 ARM Peripherals 3.2 DIV, 10.5 CLK and
   * its errata). The caller clamps it to its register.
   */
  evenDivider(hz: u32, fallbackHz: u32): u32 {
    if (!this.coreHz) { const c = coreHz(); this.coreHz = c ? c : fallbackHz; }
    const div = (((this.coreHz + hz - 1) / hz) + 1) & ~1;
    return div < 2 ? 2 : div;
  }

  /** Whether the block's status has something for the waiting transfer (a byte to move, the end, an error). */
  abstract attention(): bool;

  /** The interrupt: wake the waiting transfer if the block asks for it. */
  interrupt(): void {
    if (!this.attention()) return;
    const t = atomic.xchg32(changetype<usize>(this) + offsetof<Master>("waiting"), 0);
    if (t) { this.byInterrupt++; changetype<Task>(<usize>t).wake(); }
  }

  /** Registers `task` for the interrupt and lets the interrupt through again. */
  wait(task: Task): void {
    atomic.store32(changetype<usize>(this) + offsetof<Master>("waiting"), <u32>changetype<usize>(task));
    irq.unmask(this.source);
  }

  /** No longer waiting (the transfer ended or was cancelled). */
  unwait(): void { atomic.store32(changetype<usize>(this) + offsetof<Master>("waiting"), 0); }
}

/**
 * The bottom half of one interrupt line shared by every master of a kind:
 * each master whose status asks for attention wakes its transfer. The
 * source stays masked (the lines are levels, up until the transfer acts);
 * the woken transfer unmasks it when it waits again.
 */
export class MasterTable extends IrqHandler {
  masters: StaticArray<Master | null> = new StaticArray<Master | null>(MAX_MASTERS);
  handle(source: u32): void {
    for (let n: u32 = 0; n < MAX_MASTERS; n++) {
      const m = unchecked(this.masters[n]);
      if (m) m.interrupt();
    }
  }
}

/**
 * One transfer on a master. A subclass starts the block (begin), moves
 * bytes and notices the end (serve, which calls finish), and stops it
 * (stop); this class waits between. `error` is the subclass's error enum;
 * `timeoutError` the value a transfer that never ends gets.
 */
export abstract class Transfer extends Future {
  started: bool = false;
  finished: bool = false;
  error: i32 = 0;
  deadline: u64 = 0;
  /** How long it may go without moving a byte: twice its time on the wire, plus 10 ms. */
  allowance: u64 = 0;
  /** What progress() said last. */
  lastProgress: i32 = 0;
  period: u64 = 0;
  /** The fallback timer, made at the first wait: a transfer that ends in its first poll never needs one (an allocation is most of its cost under wasm3). */
  fallback: Sleep | null = null;

  constructor(public master: Master, public timeoutError: i32) { super(); }

  /** Starts the block; gives the transfer's time on the wire in counter ticks (for the timeout and the polling period). */
  protected abstract begin(): u64;
  /** Moves what the block allows; calls finish() on the end or an error. */
  protected abstract serve(): void;
  /** Stops the block after an error, a timeout or a cancel (the next transfer starts clean). */
  protected abstract stop(): void;
  /** A length the block cannot take: the error to end with at once, or 0. */
  protected refuse(): i32 { return 0; }
  /** A new round of moving bytes (the first of a poll, or one after the fallback's time had already passed): what one round may move starts again. */
  protected round(): void {}
  /**
   * Bytes moved so far, for the deadline: each change pushes it back by the
   * allowance, so a transfer times out when it stops moving, not when a
   * long one waited on late timers (QEMU's raspi4b moves the FIFO's 16 bytes
   * a fallback tick, and a loaded host's ticks come up to 12 ms late).
   */
  protected progress(): i32 { return 0; }

  protected pollOnce(cx: Context): bool {
    if (this.finished) return true;
    if (!this.started) {
      const bad = this.refuse();
      if (bad) return this.finish(bad);
      this.started = true;
      this.master.transfers++;
      const wire = this.begin();
      const freq = timerFrequency();
      this.allowance = 2 * wire + freq / 100;                // twice the time on the wire, plus 10 ms
      this.deadline = counter() + this.allowance;
      this.lastProgress = 0;
      this.period = max<u64>(freq / 1000, wire / 4);
    } else if (this.fallback && this.fallback!.fired) {
      this.master.byTimer++;                                 // the timer woke this poll, not the interrupt
    }
    while (true) {
      // Each round serves with a fresh allowance before the deadline is
      // looked at: a round that found the deadline passed after a delay (a
      // collection's pause, a slow host) with its allowance spent ended in a
      // timeout the block had not earned.
      this.round();
      this.serve();
      if (this.finished) return true;
      const now = counter(), moved = this.progress();
      if (moved != this.lastProgress) { this.lastProgress = moved; this.deadline = now + this.allowance; }
      if (now >= this.deadline) { this.stop(); return this.finish(this.timeoutError); }
      this.master.wait(cx.waker);
      this.serve();                                          // the interrupt may have come before wait()
      if (this.finished) return true;
      let fallback = this.fallback;
      if (!fallback) { fallback = new Sleep(0); this.fallback = fallback; }
      fallback.deadline = min(counter() + this.period, this.deadline);
      fallback.reset();
      if (!fallback.poll(cx)) return false;
    }
  }

  /** Ends the transfer with `err` (0: none). */
  protected finish(err: i32): bool {
    if (err) this.master.errors++;
    this.error = err;
    this.finished = true;
    this.master.unwait();
    const fallback = this.fallback;
    if (fallback) fallback.cancel();
    return true;
  }

  /** Cancelled while it ran: the block stops, and nothing is left waiting. */
  protected withdraw(): void {
    if (this.started && !this.finished) { this.stop(); this.finish(this.timeoutError); }
    const fallback = this.fallback;
    if (fallback) fallback.cancel();
  }

  /** The same transfer again (with what its buffers hold now). */
  protected rearm(): void { this.started = false; this.finished = false; this.error = 0; }

  dispose(): void { this.cancel(); }
}
