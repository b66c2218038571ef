// The BCM system timer (BCM2835 ARM Peripherals section 12; the same block
// on the BCM2711): a free-running 64-bit counter at 1 MHz, shared by all
// cores, and four compare channels, of which the ARM may use 1 and 3 (the
// VideoCore uses 0 and 2). A second clock beside the generic timer: the
// same rate on every board and under QEMU, and an interrupt (1 and 3)
// that goes through the interrupt controller like any peripheral's.
//
//   systimer.enableInterrupts(core);
//   ... this.alarm = new Alarm(3, systimer.now() + 2000); ... poll it ...
//
// Registers, from peripheral base + 0x3000: CS 0x00 (bit n: channel n
// matched; write 1 to clear), CLO 0x04 and CHI 0x08 (the counter), C0-C3
// 0x0C-0x18 (compare values, matched against CLO).
import { read32, write32 } from "../arch/mmio";
import { currentBoard, systimerBase } from "../board";
import * as irq from "./irq";
import { IrqHandler, onIrq } from "../kernel/irq";
import { Future } from "../kernel/exec/future";
import { Context, Task } from "../kernel/exec/task";
import * as atomic from "../arch/atomic";
import { coreId } from "../arch/cpu";

export const CS: u32 = 0x00;
export const CLO: u32 = 0x04;
export const CHI: u32 = 0x08;
export const C0: u32 = 0x0c;

// @ts-ignore: decorator
@inline function base(): u32 { return systimerBase(currentBoard()); }

/** Microseconds since the timer started (CHI:CLO, read so that a carry between the halves cannot tear it). */
export function now(): u64 {
  const b = base();
  let hi = read32(b + CHI);
  let lo = read32(b + CLO);
  const again = read32(b + CHI);
  if (again != hi) { hi = again; lo = read32(b + CLO); }
  return (<u64>hi << 32) | lo;
}

// Per channel (1 and 3): the task waiting, and whether the match came.
const WAITING = memory.data(4 * 4, 4);
const FIRED = memory.data(4 * 4, 4);
const HANDLED_ON = memory.data(4, 4);

/** Bit c set: core c handled a system timer interrupt (the routing, seen from the kernel). */
export function handledOn(): u32 { return atomic.load32(HANDLED_ON); }

function checkChannel(channel: u32): void {
  if (channel != 1 && channel != 3) {
    throw new Error("systimer: channels 0 and 2 belong to the VideoCore: use 1 or 3");
  }
}

/** The system timer's interrupt bottom half: clears the match, wakes the alarm's task. */
class SystemTimerInterrupt extends IrqHandler {
  handle(source: u32): void {
    const b = base();
    const matched = read32(b + CS) & (1 << source);
    if (matched) {
      atomic.or32(HANDLED_ON, 1 << coreId());
      write32(b + CS, matched);                  // write 1 to clear: the interrupt drops
      atomic.store32(FIRED + source * 4, 1);
      const t = atomic.xchg32(WAITING + source * 4, 0);
      if (t) changetype<Task>(<usize>t).wake();
    }
    irq.unmask(source);
  }
}

/** Takes the system timer's interrupts (channels 1 and 3) on `core`. Call once. */
export function enableInterrupts(core: u32): void {
  const h = new SystemTimerInterrupt();
  onIrq(1, h);
  onIrq(3, h);
  irq.enable(1, core);
  irq.enable(3, core);
}

/**
 * Ready when the counter passes `deadline` (microseconds, as now() counts)
 * on compare `channel` (1 or 3; one alarm per channel at a time). The
 * match interrupt wakes it. A deadline more than 2^32 us (71 minutes) ahead
 * matches early, when CLO first equals its low word: check now() if so.
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class Alarm extends Future {
  armed: bool = false;
  /** Whether the match interrupt ended the wait (false: a poll found the deadline passed). */
  byInterrupt: bool = false;
  constructor(public channel: u32, public deadline: u64) { super(); checkChannel(channel); }
  protected pollOnce(cx: Context): bool {
    const slot = this.channel * 4;
    if (this.armed && atomic.load32(FIRED + slot)) { this.byInterrupt = true; return true; }
    if (now() >= this.deadline) return true;
    if (!this.armed) {
      this.armed = true;
      atomic.store32(FIRED + slot, 0);
      atomic.storeUnchecked32(WAITING + slot, <u32>changetype<usize>(cx.waker));   // a task: not done, so a root
      write32(base() + C0 + this.channel * 4, <u32>this.deadline);
      if (now() >= this.deadline) return true;     // passed while we armed it: the match may be missed
    } else {
      atomic.storeUnchecked32(WAITING + slot, <u32>changetype<usize>(cx.waker));   // a task: not done, so a root
    }
    return false;
  }
  protected withdraw(): void { atomic.store32(WAITING + this.channel * 4, 0); }
}
