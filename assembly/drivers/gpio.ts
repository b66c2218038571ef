// GPIO (BCM2837 and BCM2711): function select, drive, read, pulls and edge
// and level detection, behind a typed pin API.
//
//   const led = gpio.output(17);          // claims pin 17, drives it low
//   led.high(); led.low(); led.toggle();
//   const button = gpio.input(4, Pull.Up);
//   ... this.press = button.waitForEdge(Edge.Falling); ... if (!this.press.poll(cx)) return false;
//   ... this.released = button.waitForLevel(true); ...
//
// An InputPin has no high()/low(): a pin configured as input cannot be
// driven, by construction. Claiming a pin that does not exist on this board,
// or one another part of the kernel holds, stops the core with a message that
// says which (claims are shared by all cores). release() gives a pin back
// (as an input, detection off).
//
// Registers: BCM2835 ARM Peripherals (2012) section 6.1 with its errata, and
// BCM2711 ARM Peripherals (2020) section 5.2; names as there. Offsets from
// the GPIO block, peripheral base + 0x200000:
//   GPFSEL0-5 0x00  3 bits per pin: function (000 input, 001 output, 100 ALT0,
//                   101 ALT1, 110 ALT2, 111 ALT3, 011 ALT4, 010 ALT5)
//   GPSET0-1  0x1c  write 1: drive high      GPCLR0-1  0x28  write 1: drive low
//   GPLEV0-1  0x34  pin levels               GPEDS0-1  0x40  event status, write 1 to clear
//   GPREN 0x4c, GPFEN 0x58, GPHEN 0x64, GPLEN 0x70, GPAREN 0x7c, GPAFEN 0x88:
//                   rising, falling, high, low, async rising, async falling detect
//   BCM2837 pulls:  GPPUD 0x94 (0 off, 1 down, 2 up), GPPUDCLK0-1 0x98: write
//                   GPPUD, wait 150 cycles, clock the pins, wait, clear both
//   BCM2711 pulls:  GPIO_PUP_PDN_CNTRL_REG0-3 0xe4, 2 bits per pin (0 none,
//                   1 up, 2 down: note the order differs from GPPUD)
//
// Read-modify-write registers (function select, detect enables, pulls) are
// changed under one SpinLock, so cores configuring neighbouring pins do not
// undo each other; GPSET/GPCLR need none.
import { read32, write32 } from "../arch/mmio";
import { counter, timerFrequency } from "../arch/cpu";
import * as atomic from "../arch/atomic";
import { Board, currentBoard, boardName, gpioBase, gpioPinCount, gpioPullScheme, PullScheme, Irq } from "../board";
import { SpinLock } from "../kernel/sync/spinlock";
import { msgBegin, msgText, msgDec, msgPanic } from "../arch/panic";
import { Future } from "../kernel/exec/future";
import { Context, Task } from "../kernel/exec/task";
import { IrqHandler, onIrq } from "../kernel/irq";
import * as irq from "./irq";

export const enum Function { Input = 0, Output = 1, Alt0 = 4, Alt1 = 5, Alt2 = 6, Alt3 = 7, Alt4 = 3, Alt5 = 2 }
/** The function code of alternate function `n` (0-5: the datasheet's ALT0-ALT5, whose codes are not in order). */
export function altFunction(n: u32): Function {
  switch (n) {
    case 0: return Function.Alt0;
    case 1: return Function.Alt1;
    case 2: return Function.Alt2;
    case 3: return Function.Alt3;
    case 4: return Function.Alt4;
    default: return Function.Alt5;
  }
}

export const enum Pull { None = 0, Up = 1, Down = 2 }
/** Detect kinds, or-able: GPREN, GPFEN, GPHEN, GPLEN, GPAREN, GPAFEN. */
export const enum Edge { Rising = 1, Falling = 2, High = 4, Low = 8, AsyncRising = 16, AsyncFalling = 32 }

export const GPFSEL0: u32 = 0x00;
export const GPSET0: u32 = 0x1c;
export const GPCLR0: u32 = 0x28;
export const GPLEV0: u32 = 0x34;
export const GPEDS0: u32 = 0x40;
export const GPREN0: u32 = 0x4c;
export const GPPUD: u32 = 0x94;
export const GPPUDCLK0: u32 = 0x98;
export const GPIO_PUP_PDN_CNTRL_REG0: u32 = 0xe4;
/** The six detect-enable registers, 12 bytes apart (two banks each), in Edge bit order. */
const DETECT_STRIDE: u32 = 12;

/**
 * The driver's shared state, in static memory (every core sees the same
 * words; changed with atomics, or under the lock). Each pin set is two
 * words, bits 0-31 and 32-63, read as CLAIMED + bank(pin); after the
 * class, a word per pin: the future waiting on it (WAITERS + pin * 4).
 */
@unmanaged
class GpioState {
  /** The lock of read-modify-writes of the function and pull registers (a SpinLock: LOCK). */
  lock: u32 = 0;
  private _pad: u32 = 0;
  /** Pins taken by claim(). */
  claimed: u32 = 0;
  claimedHigh: u32 = 0;
  /** Pins whose event the interrupt took while nobody waited. */
  latched: u32 = 0;
  latchedHigh: u32 = 0;
  /** Pins a future waits on for a level. */
  levelWaits: u32 = 0;
  levelWaitsHigh: u32 = 0;
}
const STATE = changetype<GpioState>(memory.data(offsetof<GpioState>() + 64 * 4, 8));
const LOCK = changetype<SpinLock>(STATE);
const CLAIMED = changetype<usize>(STATE) + offsetof<GpioState>("claimed");
const LATCHED = changetype<usize>(STATE) + offsetof<GpioState>("latched");
const LEVEL_WAITS = changetype<usize>(STATE) + offsetof<GpioState>("levelWaits");
const WAITERS = changetype<usize>(STATE) + offsetof<GpioState>();

// @ts-ignore: decorator
@inline function base(): u32 { return gpioBase(currentBoard()); }
// @ts-ignore: decorator
@inline function bank(pin: u32): u32 { return (pin >> 5) << 2; }     // byte offset of the pin's bank register
// @ts-ignore: decorator
@inline function bit(pin: u32): u32 { return 1 << (pin & 31); }

function checkPin(pin: u32): void {
  const count = gpioPinCount(currentBoard());
  if (pin < count) return;
  msgBegin(); msgText("gpio: pin "); msgDec(pin); msgText(" does not exist on the ");
  msgText(boardName(currentBoard())); msgText(": its pins are 0-"); msgDec(count - 1);
  msgPanic();
}

/** Takes `pin` for the caller; stops the core if it does not exist or is taken. */
export function claim(pin: u32): void {
  checkPin(pin);
  const word = CLAIMED + bank(pin);
  if (atomic.or32(word, bit(pin)) & bit(pin)) {
    msgBegin(); msgText("gpio: pin "); msgDec(pin);
    msgText(" is already claimed (release() it first, or use the pin object that holds it)");
    msgPanic();
  }
}

/** Gives `pin` back: input, detection off, no event pending. */
export function release(pin: u32): void {
  setFunction(pin, Function.Input);
  detect(pin, 0);
  atomic.and32(CLAIMED + bank(pin), ~bit(pin));
}

/**
 * Takes `pin` if it is free; false if another part of the kernel holds it,
 * or the board has no such pin. Never stops the core: for drivers that
 * report a taken pin as an error value (drivers/pwm.ts).
 */
export function tryClaim(pin: u32): bool {
  if (pin >= gpioPinCount(currentBoard())) return false;
  return (atomic.or32(CLAIMED + bank(pin), bit(pin)) & bit(pin)) == 0;
}

export function isClaimed(pin: u32): bool { return pin < 64 && (atomic.load32(CLAIMED + bank(pin)) & bit(pin)) != 0; }

/** Selects the pin's function (GPFSELn). */
export function setFunction(pin: u32, fn: Function): void {
  checkPin(pin);
  const reg = base() + GPFSEL0 + (pin / 10) * 4;
  const shift = (pin % 10) * 3;
  LOCK.lock();
  write32(reg, (read32(reg) & ~(7 << shift)) | (<u32>fn << shift));
  LOCK.unlock();
}

/** The function the pin has now. */
export function getFunction(pin: u32): Function {
  checkPin(pin);
  return <Function>((read32(base() + GPFSEL0 + (pin / 10) * 4) >> ((pin % 10) * 3)) & 7);
}

/** Drives an output pin high (GPSETn) or low (GPCLRn). */
// @ts-ignore: decorator
@inline export function write(pin: u32, high: bool): void {
  write32(base() + (high ? GPSET0 : GPCLR0) + bank(pin), bit(pin));
}

/** The pin's level (GPLEVn). */
// @ts-ignore: decorator
@inline export function level(pin: u32): bool {
  return (read32(base() + GPLEV0 + bank(pin)) & bit(pin)) != 0;
}

/** Waits at least `ticks` of the generic timer. */
function delayTicks(ticks: u64): void {
  const until = counter() + ticks;
  while (counter() < until) {}
}

/** Sets the pin's pull-up/down, the way this SoC does it. */
export function setPull(pin: u32, pull: Pull): void {
  checkPin(pin);
  const b = base();
  LOCK.lock();
  if (gpioPullScheme(currentBoard()) == PullScheme.PerPinField) {
    const reg = b + GPIO_PUP_PDN_CNTRL_REG0 + (pin >> 4) * 4;
    const shift = (pin & 15) * 2;
    write32(reg, (read32(reg) & ~(3 << shift)) | (<u32>pull << shift));
  } else {
    // 150 cycles of the core clock at the most 1.4 GHz: a microsecond is plenty.
    const wait = max<u64>(1, timerFrequency() / 1_000_000);
    write32(b + GPPUD, pull == Pull.Up ? 2 : pull == Pull.Down ? 1 : 0);
    delayTicks(wait);
    write32(b + GPPUDCLK0 + bank(pin), bit(pin));
    delayTicks(wait);
    write32(b + GPPUD, 0);
    write32(b + GPPUDCLK0 + bank(pin), 0);
  }
  LOCK.unlock();
}

/**
 * Turns the detect kinds in `edges` (Edge bits) on for the pin and the
 * others off. Clears an event already latched, so only events after this
 * call count.
 */
export function detect(pin: u32, edges: u32): void {
  checkPin(pin);
  const b = base();
  LOCK.lock();
  for (let k: u32 = 0; k < 6; k++) {
    const reg = b + GPREN0 + k * DETECT_STRIDE + bank(pin);
    const v = read32(reg);
    write32(reg, (edges & (1 << k)) ? v | bit(pin) : v & ~bit(pin));
  }
  write32(b + GPEDS0 + bank(pin), bit(pin));          // write 1 to clear a stale event
  LOCK.unlock();
  atomic.and32(LATCHED + bank(pin), ~bit(pin));
}

/**
 * Turns level detection (GPHEN or GPLEN) on for the pin, or both off,
 * leaving its edge detection as detect() set it. A level wait's own: the
 * edges the pin waits for between level waits stay armed (issue 26: the
 * simulator showed that detect(High) for a level wait turned the button
 * example's falling edge off, so its second press was never seen).
 */
function levelDetect(pin: u32, high: bool, on: bool): void {
  const b = base();
  LOCK.lock();
  for (let k: u32 = 2; k < 4; k++) {                  // GPHEN, GPLEN
    const reg = b + GPREN0 + k * DETECT_STRIDE + bank(pin);
    const v = read32(reg);
    write32(reg, on && (k == 2) == high ? v | bit(pin) : v & ~bit(pin));
  }
  LOCK.unlock();
}

/**
 * True once if the pin saw one of its detected events since the last call:
 * the status bit (GPEDSn) is read, then cleared by writing 1 to it; or the
 * interrupt took it while nobody waited.
 */
export function takeEvent(pin: u32): bool {
  const reg = base() + GPEDS0 + bank(pin);
  if (read32(reg) & bit(pin)) {
    write32(reg, bit(pin));
    return true;
  }
  return (atomic.and32(LATCHED + bank(pin), ~bit(pin)) & bit(pin)) != 0;
}

/**
 * The bottom half of the GPIO interrupt (any bank): takes every pending
 * event of both banks (reading GPEDSn, then writing the same bits back to
 * clear them, so the level interrupt drops), and wakes the future waiting
 * on each pin, or latches the event for the next takeEvent(). Returns the
 * pins it found (bank 0 in the low word).
 */
export function serviceGpioInterrupt(): u64 {
  const b = base();
  let found: u64 = 0;
  for (let k: u32 = 0; k < 2; k++) {
    const status = read32(b + GPEDS0 + k * 4);
    if (!status) continue;
    write32(b + GPEDS0 + k * 4, status);
    // A level detection sets the status again as long as the level lasts: an
    // interrupt storm. Turn it off for the pins that waited for a level; the
    // next waitForLevel() turns it on again.
    const levels = atomic.and32(LEVEL_WAITS + k * 4, ~status) & status;
    if (levels) {
      LOCK.lock();
      for (let r: u32 = 2; r < 4; r++) {             // GPHEN, GPLEN
        const reg = b + GPREN0 + r * DETECT_STRIDE + k * 4;
        write32(reg, read32(reg) & ~levels);
      }
      LOCK.unlock();
    }
    found |= <u64>status << (k * 32);
    atomic.or32(LATCHED + k * 4, status);
    let s = status;
    while (s) {
      const pin = k * 32 + <u32>ctz(s);
      s &= s - 1;
      const w = atomic.xchg32(WAITERS + pin * 4, 0);
      if (w) changetype<Task>(<usize>w).wake();
    }
  }
  return found;
}

/** The GPIO interrupt's bottom half, registered by enableInterrupts(). */
class GpioInterrupt extends IrqHandler {
  handle(source: u32): void {
    serviceGpioInterrupt();
    irq.unmask(source);
  }
}

/**
 * Takes the GPIO interrupt (gpio_int[3], any pin of any bank) on `core`,
 * so that EdgeWait futures are woken by it. Call once, before awaiting edges.
 */
export function enableInterrupts(core: u32): void {
  onIrq(Irq.GPIO_ANY, new GpioInterrupt());
  irq.enable(Irq.GPIO_ANY, core);
}

/**
 * Ready once the pin has seen one of its detected events (see InputPin.detect).
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class EdgeWait extends Future {
  done: bool = false;
  constructor(public pin: u32) { super(); }
  protected pollOnce(cx: Context): bool {
    if (this.done) return true;
    const slot = WAITERS + this.pin * 4;
    atomic.storeUnchecked32(slot, <u32>changetype<usize>(cx.waker));   // a task: not done, so a root
    if (takeEvent(this.pin)) {                 // after registering: an event cannot slip between
      atomic.casUnchecked32(slot, <u32>changetype<usize>(cx.waker), 0);
      this.done = true;
    }
    return this.done;
  }
  protected withdraw(): void { atomic.store32(WAITERS + this.pin * 4, 0); }
  /** Ready for the next event. */
  protected rearm(): void { this.done = false; }
}

/** A pin driven by the kernel. Its register addresses are worked out once. */
export class OutputPin {
  private setAddr: u32;
  private clearAddr: u32;
  private levelAddr: u32;
  private mask: u32;
  constructor(public readonly pin: u32) {
    const b = base() + bank(pin);
    this.setAddr = b + GPSET0;
    this.clearAddr = b + GPCLR0;
    this.levelAddr = b + GPLEV0;
    this.mask = bit(pin);
  }
  high(): void { write32(this.setAddr, this.mask); }
  low(): void { write32(this.clearAddr, this.mask); }
  set(high: bool): void { write32(high ? this.setAddr : this.clearAddr, this.mask); }
  /** Drives the opposite of the level read back (one core per pin: not atomic). */
  toggle(): void { this.set(!this.isHigh); }
  /** The level on the pin (read back through GPLEVn). */
  get isHigh(): bool { return (read32(this.levelAddr) & this.mask) != 0; }
  release(): void { release(this.pin); }
}

/**
 * Ready once the pin is at `high` (GPHEN/GPLEN: level detection, turned on
 * beside the pin's edge detection while it waits, and off by the interrupt
 * that ends the wait, or by the wait itself when the level came while it
 * armed or it is cancelled).
 * @leaf its poll runs no other future's code (tools/async: an await of it keeps the async function's place for a panic)
 */
export class LevelWait extends Future {
  done: bool = false;
  constructor(public pin: u32, public high: bool) { super(); }
  protected pollOnce(cx: Context): bool {
    if (this.done) return true;
    if (level(this.pin) == this.high) { this.done = true; return true; }
    const slot = WAITERS + this.pin * 4;
    atomic.storeUnchecked32(slot, <u32>changetype<usize>(cx.waker));   // a task: not done, so a root
    atomic.or32(LEVEL_WAITS + bank(this.pin), bit(this.pin));
    levelDetect(this.pin, this.high, true);
    if (level(this.pin) == this.high) {          // it got there while we armed: no event will say so
      this.withdraw();
      this.done = true;
    }
    return this.done;
  }
  protected withdraw(): void {
    atomic.store32(WAITERS + this.pin * 4, 0);
    // Its level detection goes with it: left on with the level there (the
    // level came while the wait armed, or the wait was cancelled), it would
    // set the status bit again after every clear, an interrupt storm that
    // the interrupt's own switch-off (serviceGpioInterrupt) no longer sees.
    if (atomic.and32(LEVEL_WAITS + bank(this.pin), ~bit(this.pin)) & bit(this.pin)) levelDetect(this.pin, this.high, false);
  }
  /** Ready to wait again. */
  protected rearm(): void { this.done = false; }
}

/** A pin the kernel reads; it cannot be driven. */
export class InputPin {
  constructor(public readonly pin: u32) {}
  get isHigh(): bool { return level(this.pin); }
  /** Detects the Edge kinds given (or-ed), and only those. */
  detect(edges: u32): void { detect(this.pin, edges); }
  /** True once per detected event (polled; see edge() for waiting). */
  takeEvent(): bool { return takeEvent(this.pin); }
  /** A future ready at the next event of the kinds detect() chose; the GPIO interrupt wakes it. */
  edge(): EdgeWait { return new EdgeWait(this.pin); }
  /** detect(edges), then edge(): a future ready at the next such edge. */
  waitForEdge(edges: u32): EdgeWait { detect(this.pin, edges); return new EdgeWait(this.pin); }
  /** A future ready once the pin is high (or low): at once if it already is. */
  waitForLevel(high: bool): LevelWait { return new LevelWait(this.pin, high); }
  release(): void { release(this.pin); }
}

/** A pin handed to a peripheral (UART, SPI, ...) through an ALT function. */
export class AltPin {
  constructor(public readonly pin: u32, public readonly fn: Function) {}
  release(): void { release(this.pin); }
}

/** Claims `pin` as an output, driven to `initial` first (no glitch when it switches). */
export function output(pin: u32, initial: bool = false): OutputPin {
  claim(pin);
  setPull(pin, Pull.None);
  write(pin, initial);
  setFunction(pin, Function.Output);
  return new OutputPin(pin);
}

/** Claims `pin` as an input with the given pull. */
export function input(pin: u32, pull: Pull = Pull.None): InputPin {
  claim(pin);
  setFunction(pin, Function.Input);
  setPull(pin, pull);
  return new InputPin(pin);
}

/** Claims `pin` for an ALT function of a peripheral. */
export function alternate(pin: u32, fn: Function, pull: Pull = Pull.None): AltPin {
  claim(pin);
  setPull(pin, pull);
  setFunction(pin, fn);
  return new AltPin(pin, fn);
}
