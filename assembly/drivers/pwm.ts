// PWM: the Pulse Width Modulator (BCM2835 ARM Peripherals section 9; the
// same block in BCM2711 ARM Peripherals section 8, twice there: PWM0 and
// PWM1). A block has two channels; a channel repeats a period of RNGn ticks
// of the PWM clock and holds its pin high for DATn of them, on one of the
// pins the board description lists (docs/boards.md).
//
//   const ch = pwm.open(18, 50);                  // the channel GPIO 18 carries, 50 Hz, mark-space
//   ch.setPulseMicros(1500);                      // or ch.setDuty(0.075): a servo's centre
//   const led = pwm.open(13, 1000, pwm.Mode.Balanced);
//   led.setDuty(0.25);
//   const arm = pwm.servo(19);                    // 50 Hz, 1000-2000 us for 0-180 degrees
//   arm.setAngle(45);
//
// Errors are values, never panics: open() always gives a Channel, and when
// it could not open one, ch.ok is false, ch.error says why (PwmError; the
// words in errorName()) and its calls do nothing but return that error.
//
// The clock. Every channel of every block counts the same clock, the clock
// manager's PWM clock. Its registers, CM_PWMCTL and CM_PWMDIV (clock
// manager + 0xA0, + 0xA4), are in neither datasheet, only in the BCM2835
// errata and Linux's clk-bcm2835.c; their fields are those of the GPIO
// clocks that BCM2835 ARM Peripherals 6.3 describes (CM_GPnCTL, CM_GPnDIV).
// The first open() starts it, from the crystal oscillator (SRC 1: 19.2 MHz
// on a Pi 3, 54 MHz on a Pi 4) through the smallest integer divider that
// keeps it at or under 25 MHz, the PWM clock's limit ("BCM2835 Audio & PWM
// clocks", G.J. van Loo, 2013, 1.1): 19.2 MHz on a Pi 3 (DIVI 1), 18 MHz
// on a Pi 4 (DIVI 3). No MASH: an integer divider has no jitter. The clock
// then never changes, and a frequency is a channel's own range:
// RNGn = round(clock / hz). The fastest clock gives every channel the
// finest duty steps (1 / RNGn: 384,000 steps at 50 Hz on a Pi 3) and the
// nearest frequency, and channels never ask the shared clock for different
// things: any frequency from 0.005 Hz to half the clock, on any channel,
// whatever the other channels run at. ch.hz is the frequency the channel
// really makes (clock / RNGn), which may differ slightly from the one asked.
//
// The two algorithms (section 9.3): mark-space (MSENn set) holds the pin
// high for DATn ticks, then low for RNGn - DATn: a pulse of a width, what a
// servo or a motor driver reads. Balanced (MSENn clear) spreads the DATn
// high ticks evenly over the period: the same average, far less ripple
// after an RC filter (an LED's flicker, analog audio), but the pin then
// switches at up to half the clock, too fast for a MOSFET's gate or an
// optocoupler.
//
// QEMU 10 models no PWM: on raspi3b the block's addresses are plain
// memory, on raspi4b an access aborts. open() reads the block's CTL with
// mmio.probe32 first and gives PwmError.Absent where nothing answers, so
// one kernel runs on both. tests/spec/pwm.spec.ts checks the register
// sequences against the fake host; the signal on the pins is checked only
// on paper (docs/drivers/pwm.md).
import { read32, write32, probe32 } from "../arch/mmio";
import { counter, timerFrequency } from "../arch/cpu";
import * as atomic from "../arch/atomic";
import { Board, currentBoard, cmBase, oscillatorHz, pwmBase, pwmPin } from "../board";
import { SpinLock } from "../kernel/sync/spinlock";
import * as gpio from "./gpio";

// Registers (BCM2835 ARM Peripherals 9.6), offsets from the block.
export const CTL: u32 = 0x00;
export const STA: u32 = 0x04;
export const DMAC: u32 = 0x08;
export const RNG1: u32 = 0x10;
export const DAT1: u32 = 0x14;
export const FIF1: u32 = 0x18;
export const RNG2: u32 = 0x20;
export const DAT2: u32 = 0x24;
// CTL: channel 1's bits (7:0); channel 2's are the same 8 bits up (PWEN2 bit 8 ... MSEN2 bit 15).
export const CTL_PWEN: u32 = 1 << 0;     // the channel runs
export const CTL_MODE: u32 = 1 << 1;     // 1: serialiser; 0: PWM (the driver's)
export const CTL_RPTL: u32 = 1 << 2;     // FIFO: repeat the last word
export const CTL_SBIT: u32 = 1 << 3;     // the output while nothing is sent
export const CTL_POLA: u32 = 1 << 4;     // the output inverted
export const CTL_USEF: u32 = 1 << 5;     // the FIFO, not DATn (the driver leaves it clear)
export const CTL_CLRF1: u32 = 1 << 6;    // clears the FIFO (write only, and channel 1's byte only: never written here)
export const CTL_MSEN: u32 = 1 << 7;     // mark-space; clear: the balanced algorithm
/** A channel's own bits in its byte of CTL (CLRF1 is the FIFO's). */
export const CTL_CHANNEL_BITS: u32 = 0xbf;

// The PWM clock (clock manager + 0xA0/0xA4: see the file's head). Fields as
// BCM2835 ARM Peripherals 6.3's CM_GPnCTL and CM_GPnDIV.
export const CM_PWMCTL: u32 = 0xa0;
export const CM_PWMDIV: u32 = 0xa4;
/** Bits 31:24 of every write to the clock manager: one without it is ignored. */
export const CM_PASSWORD: u32 = 0x5a000000;
export const CM_SRC_MASK: u32 = 0xf;          // SRC (3:0): 1 is the oscillator
export const CM_SRC_OSCILLATOR: u32 = 1;
export const CM_ENAB: u32 = 1 << 4;
export const CM_KILL: u32 = 1 << 5;
export const CM_BUSY: u32 = 1 << 7;           // read only: the generator runs
export const CM_MASH_MASK: u32 = 3 << 9;      // 0: integer division
export const CM_DIVI_SHIFT: u32 = 12;         // DIV: DIVI (23:12), DIVF (11:0)
/** The most the PWM clock may run at ("BCM2835 Audio & PWM clocks" 1.1: 25 MHz at 1.2 V). */
export const MAX_CLOCK_HZ: u32 = 25_000_000;
/** RNGn is 32 bits; a period needs 2 ticks at least (one high, one low). */
const MIN_RANGE: f64 = 2;
const MAX_RANGE: f64 = 4294967295;

/** How a channel spreads its high ticks over the period (section 9.3). */
export const enum Mode {
  /** High for the duty, then low: a pulse of a width (servos, motor drivers, most LEDs). */
  MarkSpace = 0,
  /** The high ticks spread evenly over the period: less ripple after a filter, but fast edges. */
  Balanced = 1,
}

/** What open() and a channel's calls end with. */
export const enum PwmError {
  None = 0,
  /** The pin carries no PWM channel on this board (docs/boards.md lists those that do). */
  NotPwmPin = 1,
  /** A frequency the clock cannot be divided to: not above 0, above half the PWM clock, or below 0.005 Hz. */
  Frequency = 2,
  /** The channel is open already, through this pin or another that carries it: close() that one first. */
  ChannelBusy = 3,
  /** Another part of the kernel holds the pin (gpio). */
  PinTaken = 4,
  /** A duty outside 0..1, a pulse longer than the period, an angle outside the servo's, or a servo whose pulses do not fit its period. */
  Duty = 5,
  /** The PWM clock would not stop (BUSY stayed set, even after KILL): its source may be stopped. Nothing was changed. */
  ClockBusy = 6,
  /** Nothing answers at the block's address (QEMU's raspi4b has no PWM: the read aborts). */
  Absent = 7,
  /** The channel was closed. */
  Closed = 8,
}

/** Words for an error, for messages: what went wrong, and what the hardware can do instead. */
export function errorName(e: PwmError): string {
  switch (e) {
    case PwmError.None: return "ok";
    case PwmError.NotPwmPin: return "this pin carries no PWM channel on this board (on the header: GPIO 12 and 18 carry channel 1, 13 and 19 channel 2; docs/boards.md)";
    case PwmError.Frequency: {
      const clock = clockHz(currentBoard());
      return "frequency out of range: a channel makes 0.005 Hz to " + (clock / 2).toString() + " Hz (half the " + clock.toString() + " Hz PWM clock)";
    }
    case PwmError.ChannelBusy: return "the channel is open already (through this pin or another that carries it): close() it first";
    case PwmError.PinTaken: return "another part of the kernel holds this pin (gpio): release it first";
    case PwmError.Duty: return "duty out of range: a fraction from 0 to 1, a pulse no longer than the period, an angle within the servo's";
    case PwmError.ClockBusy: return "the PWM clock did not stop when told (CM_PWMCTL.BUSY stayed set, even after KILL): its source may be stopped; nothing was changed";
    case PwmError.Absent: return "no PWM block answers at its address (QEMU models none: on raspi4b the access aborts)";
    case PwmError.Closed: return "the channel is closed";
    default: return "unknown error";
  }
}

/** The output's sense (CTL.POLAn). */
export const enum Polarity {
  /** High for the duty, low for the rest. */
  Normal = 0,
  /** Low for the duty, high for the rest (a load switched by a P-channel MOSFET, an LED wired to 3.3 V). */
  Inverted = 1,
}

/**
 * The driver's shared state, in static memory (every core sees the same
 * words; module variables are per core): the lock of CTL's read-modify-
 * writes and of the clock's start, the clock once started, the open
 * channels and what the probe found at each block.
 */
@unmanaged
class PwmState {
  lock: u32 = 0;
  /** The PWM clock in Hz once open() has started it; 0 before. */
  clock: u32 = 0;
  /** Open channels: bit block * 2 + channel - 1. */
  open: u32 = 0;
  /** Per block, 2 bits: 0 not probed yet, 1 answers, 2 absent. */
  probed: u32 = 0;
}
const STATE = changetype<PwmState>(memory.data(offsetof<PwmState>(), 4));
const LOCK = changetype<SpinLock>(STATE);
const CLOCK = changetype<usize>(STATE) + offsetof<PwmState>("clock");
const OPEN = changetype<usize>(STATE) + offsetof<PwmState>("open");
const PROBED = changetype<usize>(STATE) + offsetof<PwmState>("probed");
const ANSWERS: u32 = 1, ABSENT: u32 = 2;

/** DIVI: the oscillator divided by the smallest integer that keeps the PWM clock at or under 25 MHz. */
export function divider(b: Board): u32 {
  const osc = oscillatorHz(b);
  return (osc + MAX_CLOCK_HZ - 1) / MAX_CLOCK_HZ;
}

/** The PWM clock the driver runs on this board, Hz: 19.2 MHz on a Pi 3, 18 MHz on a Pi 4. */
export function clockHz(b: Board = currentBoard()): u32 { return oscillatorHz(b) / divider(b); }

/** RNGn for `hz`, or 0 if the clock cannot be divided to it (NaN fails every compare). */
function rangeFor(hz: f64, clock: u32): u32 {
  if (!(hz > 0)) return 0;
  const r = Math.round(<f64>clock / hz);
  return r >= MIN_RANGE && r <= MAX_RANGE ? <u32>r : 0;
}

/** Forgets the clock, the open channels and the probes (for the specs, which change boards; a kernel never needs it). */
export function forget(): void {
  atomic.store32(CLOCK, 0);
  atomic.store32(OPEN, 0);
  atomic.store32(PROBED, 0);
}

/** Whether something answers at block `n` (probed once; under LOCK). */
function answers(base: u32, n: u32): bool {
  const shift = n * 2;
  let s = (atomic.load32(PROBED) >> shift) & 3;
  if (!s) {
    s = probe32(base + CTL) < 0 ? ABSENT : ANSWERS;
    atomic.or32(PROBED, s << shift);
  }
  return s == ANSWERS;
}

/** Reads CM_PWMCTL until BUSY clears, for 1 ms at most; whether it did. */
function waitWhileBusy(cm: u32): bool {
  const limit = counter() + max<u64>(1, timerFrequency() / 1000);
  while (read32(cm + CM_PWMCTL) & CM_BUSY) {
    if (counter() >= limit) return false;
  }
  return true;
}

/**
 * Runs the PWM clock from the oscillator through DIVI (under LOCK). The
 * sequence of BCM2835 ARM Peripherals 6.3: a running generator is first
 * stopped (ENAB cleared, its source and MASH kept: neither may change
 * together with ENAB, nor while BUSY) and BUSY waited out; then the
 * divider, the source, and ENAB last. Every write carries the password.
 */
function startClock(b: Board): PwmError {
  const cm = cmBase(b);
  const divi = divider(b);
  const ctl = read32(cm + CM_PWMCTL);
  const ours = CM_SRC_OSCILLATOR | CM_ENAB;
  if ((ctl & (CM_SRC_MASK | CM_ENAB | CM_MASH_MASK)) == ours && (read32(cm + CM_PWMDIV) & 0xffffff) == divi << CM_DIVI_SHIFT) {
    return PwmError.None;       // already so (a kernel pushed over one that used PWM): left running, no glitch
  }
  if (ctl & (CM_ENAB | CM_BUSY)) {
    const off = CM_PASSWORD | (ctl & 0xffffff & ~CM_ENAB);       // (BUSY is read only: writing back what was read is harmless)
    write32(cm + CM_PWMCTL, off);
    if (!waitWhileBusy(cm)) {
      // A generator whose source has stopped never finishes its cycle.
      // KILL ("stop and reset the clock generator", 6.3) is a test control
      // that may glitch the output; nothing of ours runs from it yet.
      write32(cm + CM_PWMCTL, off | CM_KILL);
      const stopped = waitWhileBusy(cm);
      write32(cm + CM_PWMCTL, off);
      if (!stopped) return PwmError.ClockBusy;
    }
  }
  write32(cm + CM_PWMDIV, CM_PASSWORD | (divi << CM_DIVI_SHIFT));
  write32(cm + CM_PWMCTL, CM_PASSWORD | CM_SRC_OSCILLATOR);
  write32(cm + CM_PWMCTL, CM_PASSWORD | CM_SRC_OSCILLATOR | CM_ENAB);
  return PwmError.None;
}

/**
 * The channel GPIO `pin` carries, running at `hz` periods a second (in
 * balanced mode: how often the pattern repeats) in `mode`, its pin
 * switched to PWM. The duty starts at 0: the pin stays low (high if
 * inverted) until setDuty. Never panics: when it cannot open the channel,
 * the Channel it gives has ok == false and error says why (an unknown pin,
 * a frequency out of range, a channel or pin in use, no PWM block: QEMU's
 * raspi4b).
 */
export function open(pin: u32, hz: f64 = 1000, mode: Mode = Mode.MarkSpace, polarity: Polarity = Polarity.Normal): Channel {
  const b = currentBoard();
  const where = pwmPin(b, pin);
  if (!where) return new Channel(pin, PwmError.NotPwmPin);
  const block = (where >> 8) & 0xf, channel = (where >> 4) & 0xf, alt = where & 0xf;
  const clock = clockHz(b);
  const range = rangeFor(hz, clock);
  if (!range) return new Channel(pin, PwmError.Frequency);
  const base = pwmBase(b, block);
  const mine: u32 = 1 << (block * 2 + channel - 1);
  let err = PwmError.None;
  LOCK.lock();
  if (!answers(base, block)) err = PwmError.Absent;
  else if (atomic.load32(OPEN) & mine) err = PwmError.ChannelBusy;
  else if (gpio.isClaimed(pin)) err = PwmError.PinTaken;
  else {
    // The clock first: if it will not start, nothing else has changed.
    if (!atomic.load32(CLOCK)) {
      err = startClock(b);
      if (!err) atomic.store32(CLOCK, clock);
    }
    if (!err && !gpio.tryClaim(pin)) err = PwmError.PinTaken;     // (taken by another core meanwhile)
    if (!err) {
      atomic.or32(OPEN, mine);
      const shift = (channel - 1) * 8;
      let bits = CTL_PWEN;
      if (mode == Mode.MarkSpace) bits |= CTL_MSEN;
      if (polarity == Polarity.Inverted) bits |= CTL_POLA;
      // Off while its range and data change (section 9.6: CTL), then on,
      // and only then the pin to PWM, so it never shows a stale pattern.
      const ctl = read32(base + CTL) & ~CTL_CLRF1;
      const others = ctl & ~(CTL_CHANNEL_BITS << shift);
      if (ctl != others) write32(base + CTL, others);
      const rng = channel == 1 ? RNG1 : RNG2, dat = channel == 1 ? DAT1 : DAT2;
      write32(base + rng, range);
      write32(base + dat, 0);
      write32(base + CTL, others | (bits << shift));
      gpio.setFunction(pin, gpio.altFunction(alt));
    }
  }
  LOCK.unlock();
  if (err) return new Channel(pin, err);
  const ch = new Channel(pin, PwmError.None);
  ch.setUp(block, channel, base, clock, range, mode);
  return ch;
}

/**
 * One PWM channel, opened on a pin. `ok` says whether it runs; its calls
 * return a PwmError (None when done). Owned by one task at a time: the
 * calls of two tasks on one channel would interleave their writes.
 */
export class Channel {
  /** PWM block (0, or 1 on a Pi 4) and channel (1 or 2, the datasheet's numbering); 0 when not open. */
  block: u32 = 0;
  channel: u32 = 0;
  /** The PWM clock, Hz. */
  clock: u32 = 0;
  /** Ticks of the clock per period (RNGn): the duty's steps are 1 / range. */
  range: u32 = 0;
  /** Ticks high per period (DATn). */
  data: u32 = 0;
  mode: Mode = Mode.MarkSpace;
  private base: u32 = 0;

  constructor(public readonly pin: u32, public error: PwmError) {}

  /** (open()'s: the registers of a channel it opened.) */
  setUp(block: u32, channel: u32, base: u32, clock: u32, range: u32, mode: Mode): void {
    this.block = block; this.channel = channel; this.base = base;
    this.clock = clock; this.range = range; this.mode = mode;
  }

  /** Whether the channel runs (open() succeeded, close() not called). */
  get ok(): bool { return this.error == PwmError.None; }

  /** The frequency it really makes, Hz: the clock / range, the nearest to what was asked (0 when not open). */
  get hz(): f64 { return this.range ? <f64>this.clock / <f64>this.range : 0; }

  /** The fraction of each period spent high, 0..1. */
  get duty(): f64 { return this.range ? <f64>this.data / <f64>this.range : 0; }

  /** The time high per period, microseconds (in balanced mode spread over the period). */
  get pulseMicros(): f64 { return this.clock ? <f64>this.data * 1e6 / <f64>this.clock : 0; }

  /** The period, microseconds. */
  get periodMicros(): f64 { return this.clock ? <f64>this.range * 1e6 / <f64>this.clock : 0; }

  private get rngReg(): u32 { return this.base + (this.channel == 1 ? RNG1 : RNG2); }
  private get datReg(): u32 { return this.base + (this.channel == 1 ? DAT1 : DAT2); }

  /** High for `fraction` of each period (0: always low, 1: always high; steps of 1 / range). */
  setDuty(fraction: f64): PwmError {
    if (this.error) return this.error;
    if (!(fraction >= 0 && fraction <= 1)) return PwmError.Duty;
    return this.setData(<u32>Math.round(fraction * <f64>this.range));
  }

  /** High for `us` microseconds of each period (a servo's pulse), to the nearest tick of the clock. */
  setPulseMicros(us: f64): PwmError {
    if (this.error) return this.error;
    if (!(us >= 0)) return PwmError.Duty;
    const ticks = Math.round(us * <f64>this.clock / 1e6);
    if (ticks > <f64>this.range) return PwmError.Duty;
    return this.setData(<u32>ticks);
  }

  /** DATn: the hardware takes it for the next period. */
  private setData(ticks: u32): PwmError {
    write32(this.datReg, ticks);
    this.data = ticks;
    return PwmError.None;
  }

  /**
   * Another frequency, the duty (the fraction) kept. Of RNGn and DATn the
   * one that shrinks is written first, so no period sees DATn > RNGn.
   */
  setHz(hz: f64): PwmError {
    if (this.error) return this.error;
    const range = rangeFor(hz, this.clock);
    if (!range) return PwmError.Frequency;
    const data = <u32>Math.round(this.duty * <f64>range);
    if (range < this.range) { write32(this.datReg, data); write32(this.rngReg, range); }
    else { write32(this.rngReg, range); write32(this.datReg, data); }
    this.range = range;
    this.data = data;
    return PwmError.None;
  }

  /** Stops the channel (PWENn and its other bits cleared) and frees it. */
  private stop(): void {
    const shift = (this.channel - 1) * 8;
    LOCK.lock();
    write32(this.base + CTL, read32(this.base + CTL) & ~CTL_CLRF1 & ~(CTL_CHANNEL_BITS << shift));
    atomic.and32(OPEN, ~(<u32>1 << (this.block * 2 + this.channel - 1)));
    LOCK.unlock();
    this.error = PwmError.Closed;
  }

  /** Closes the channel: the pin goes back to an input (released), then the channel stops. Later calls give Closed. */
  close(): void {
    if (this.error) return;
    gpio.release(this.pin);
    this.stop();
  }

  /**
   * Closes the channel but keeps the pin driven, as an output at `high`
   * (the level set before the function switches: no glitch), for a line
   * that must not float (a servo's input, a motor driver's enable): the
   * OutputPin is the caller's. Null if the channel was not open.
   */
  closeToOutput(high: bool = false): gpio.OutputPin | null {
    if (this.error) return null;
    gpio.write(this.pin, high);
    gpio.setFunction(this.pin, gpio.Function.Output);
    this.stop();
    return new gpio.OutputPin(this.pin);
  }
}

/**
 * A hobby servo on a channel: an angle becomes a pulse between minMicros
 * and maxMicros, `hz` times a second. No pulse goes out until the first
 * setAngle (the servo holds no position until then).
 */
export class Servo {
  /** The last angle set, degrees (NaN before the first). */
  angle: f64 = NaN;

  constructor(public readonly channel: Channel, public readonly minMicros: f64, public readonly maxMicros: f64, public readonly degrees: f64) {}

  /** Whether its channel runs. */
  get ok(): bool { return this.channel.ok; }
  /** Why not (its channel's error). */
  get error(): PwmError { return this.channel.error; }

  /** Turns to `degrees` (0 .. the servo's degrees). */
  setAngle(degrees: f64): PwmError {
    if (!this.channel.ok) return this.channel.error;
    if (!(degrees >= 0 && degrees <= this.degrees)) return PwmError.Duty;
    const err = this.channel.setPulseMicros(this.minMicros + (this.maxMicros - this.minMicros) * degrees / this.degrees);
    if (!err) this.angle = degrees;
    return err;
  }

  /** Stops the pulses: the channel closes and the pin goes back to an input. */
  close(): void { this.channel.close(); }
}

/**
 * A servo on the channel `pin` carries: pulses from `minMicros` (at 0
 * degrees) to `maxMicros` (at `degrees`), `hz` times a second, mark-space.
 * The defaults are the common hobby servo's (1000-2000 us for 180 degrees,
 * 50 Hz); many turn 180 degrees over 500-2500 us: check the servo's
 * datasheet. Ends that do not fit the period give a servo whose error is
 * Duty (or Frequency, for hz).
 */
export function servo(pin: u32, minMicros: f64 = 1000, maxMicros: f64 = 2000, degrees: f64 = 180, hz: f64 = 50): Servo {
  let ch: Channel;
  if (!(hz > 0)) ch = new Channel(pin, PwmError.Frequency);
  else if (!(minMicros >= 0 && minMicros < maxMicros && maxMicros <= 1e6 / hz && degrees > 0)) ch = new Channel(pin, PwmError.Duty);
  else ch = open(pin, hz, Mode.MarkSpace);
  return new Servo(ch, minMicros, maxMicros, degrees);
}
