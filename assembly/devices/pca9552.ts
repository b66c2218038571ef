// The NXP (formerly Philips) PCA9552 16-LED driver on I2C, with two blink
// rates (PCA9552 product data sheet, rev. 05; section numbers below are
// its). Each of the 16 open-drain outputs is on (driven low: the LED lit),
// off (high impedance), or blinking at one of two programmable rates, and
// the pins can be read back, so an unused one is an input.
//
//   const leds = new Pca9552(i2c.open(1));           // address 0x60 (A2-A0 low; up to 0x67)
//   await leds.set(0, Pca9552Led.On);
//   await leds.blink(0, 2, 0.5);                     // BLINK0: 2 Hz, lit half of each period
//   await leds.set(1, Pca9552Led.Blink0);
//   await leds.setAll(Pca9552Led.Off, 0xff00);      // LEDs 8-15 off, in one transfer
//   const pins = await leds.read();                  // bit n: pin n high; -1 on a bus error (see leds.error)
//
// Registers (6.2, table "control register definition"): 0 INPUT0, 1 INPUT1
// (the pins, read only: 6.3.1), 2 PSC0 and 3 PWM0 (BLINK0's period and duty:
// 6.3.2, 6.3.3), 4 PSC1 and 5 PWM1 (BLINK1: 6.3.4, 6.3.5), 6-9 LS0-LS3 (the
// LED selectors, two bits an LED, LED 4n in LSn's bits 1:0: 6.3.6). The
// byte after the address is the control register (6.2): the register in
// bits 3:0, and AI (bit 4), which moves it on after each byte, rolling over
// after LS3 to 0; a read with AI must not start at register 0.
//
// QEMU models it (-device pca9552,bus=i2c-bus.1,address=0x60,id=leds0): its
// led0-led15 properties (qom-get) say what each selector holds, and INPUT
// follows the outputs that are on or off (not the blinking ones: the model
// has no blink oscillator).
import * as i2c from "../drivers/i2c";
import { I2cError } from "../drivers/i2c";

/** What an output does: the LED selector's two bits (6.3.6). */
export enum Pca9552Led {
  /** Output low: the LED (wired from VDD) lit. */
  On = 0,
  /** High impedance: the LED dark, the pin an input (the reset state). */
  Off = 1,
  /** Blinking at BLINK0 (PSC0, PWM0). */
  Blink0 = 2,
  /** Blinking at BLINK1 (PSC1, PWM1). */
  Blink1 = 3,
}

// Registers (6.2) and the auto-increment flag.
const INPUT0: u8 = 0, INPUT1: u8 = 1, PSC0: u8 = 2, LS0: u8 = 6;
const AI: u8 = 0x10;

export class Pca9552 {
  device: i2c.Device;
  /** The last call's bus error (None after a good one). */
  error: I2cError = I2cError.None;
  /** LS0-LS3 as last written or read: the selectors, two bits an LED. */
  private selectors: Uint8Array = new Uint8Array(4);
  /** Whether `selectors` holds what the part holds (read once, before the first change of one LED). */
  private known: bool = false;
  private one: Uint8Array = new Uint8Array(1);

  /** The part at `address` (0x60-0x67: 1100 A2 A1 A0, 6.1); 400 kHz, its fast mode. */
  constructor(bus: i2c.Bus, address: u32 = 0x60, hz: u32 = 400_000) { this.device = bus.device(address, hz); }

  /**
   * LED `led` (0-15) to `state`: the one selector register that holds it
   * rewritten. The first call reads LS0-LS3 (AI from LS0) so the other
   * LEDs keep what they were set to before this driver was made.
   */
  async set(led: i32, state: Pca9552Led): Promise<I2cError> {
    if (<u32>led > 15) { this.error = I2cError.Length; return this.error; }
    if (!this.known) {
      this.error = await this.device.readRegister(AI | LS0, this.selectors);
      if (this.error != I2cError.None) return this.error;
      this.known = true;
    }
    const reg: i32 = led >> 2, shift: i32 = (led & 3) << 1;
    const v: u8 = <u8>((<i32>this.selectors[reg] & ~(3 << shift)) | ((<i32>state & 3) << shift));
    this.one[0] = v;
    this.error = await this.device.writeRegister(LS0 + <u8>reg, this.one);
    if (this.error == I2cError.None) this.selectors[reg] = v;
    else this.known = false;                           // a write that failed part-way: read them again next time
    return this.error;
  }

  /**
   * Every LED whose bit is set in `mask` (bit n: LED n; all 16 unless
   * given) to `state`, the others as they were: LS0-LS3 in one transfer
   * (AI from LS0). With the whole mask nothing is read first.
   */
  async setAll(state: Pca9552Led, mask: u32 = 0xffff): Promise<I2cError> {
    mask &= 0xffff;
    if (mask != 0xffff && !this.known) {
      this.error = await this.device.readRegister(AI | LS0, this.selectors);
      if (this.error != I2cError.None) return this.error;
      this.known = true;
    }
    const next: Uint8Array = new Uint8Array(4);
    for (let led = 0; led < 16; led++) {
      const reg = led >> 2, shift = (led & 3) << 1;
      const bits = (mask & (<u32>1 << <u32>led)) ? <i32>state & 3 : (<i32>this.selectors[reg] >> shift) & 3;
      next[reg] = <u8>(<i32>next[reg] | (bits << shift));
    }
    this.error = await this.device.writeRegister(AI | LS0, next);
    if (this.error == I2cError.None) { this.selectors.set(next); this.known = true; }
    else this.known = false;
    return this.error;
  }

  /** What LED `led` (0-15) was last set to (or read as) by this driver; Off before it knows. */
  state(led: i32): Pca9552Led {
    if (<u32>led > 15 || !this.known) return Pca9552Led.Off;
    return <Pca9552Led>((<i32>this.selectors[led >> 2] >> ((led & 3) << 1)) & 3);
  }

  /**
   * Blink rate `which` (0: BLINK0, 1: BLINK1) to `hz` times a second, the
   * LED lit `duty` (0-1) of each period: PSCn and PWMn in one transfer (AI).
   * The period is (PSC + 1) / 44 s (6.3.2), so 44 Hz down to 0.172 Hz (a
   * rate outside is the nearest of those); PSC = round(44 / hz) - 1. The
   * LED is lit while the PWM counter is at or above PWMn, (256 - PWM) / 256
   * of the period (6.3.3), so PWM = round(256 (1 - duty)), at most 255: a
   * duty of 1 is always lit, the least one 1/256. Which LEDs blink at it is
   * set() with Blink0 or Blink1.
   */
  async blink(which: i32, hz: f64, duty: f64): Promise<I2cError> {
    if (<u32>which > 1 || !(hz > 0) || isNaN(duty)) { this.error = I2cError.Length; return this.error; }
    const b: Uint8Array = new Uint8Array(2);
    b[0] = Pca9552.prescaler(hz);
    b[1] = Pca9552.pwm(duty);
    this.error = await this.device.writeRegister(AI | (PSC0 + <u8>(which << 1)), b);
    return this.error;
  }

  /** The PSC value for a blink of `hz` (period (PSC + 1) / 44 s, 6.3.2), 0-255. */
  static prescaler(hz: f64): u8 {
    const p: f64 = Math.round(44 / hz) - 1;
    return <u8>(p < 0 ? 0 : p > 255 ? 255 : p);
  }

  /** The PWM value for an LED lit `duty` (0-1) of each period ((256 - PWM) / 256, 6.3.3), 0-255. */
  static pwm(duty: f64): u8 {
    const p: f64 = Math.round(256 * (1 - duty));
    return <u8>(p < 0 ? 0 : p > 255 ? 255 : p);
  }

  /**
   * The 16 pins as the part sees them (INPUT0, INPUT1: 6.3.1): bit n set
   * when pin n is high (its LED off, or an input pulled up), clear when low
   * (its LED on, or an input pulled down). -1 on a bus error (see `error`).
   * Two register reads, without AI: a read with AI may not start at INPUT0
   * (6.2).
   */
  async read(): Promise<i32> {
    this.error = await this.device.readRegister(INPUT0, this.one);
    if (this.error != I2cError.None) return -1;
    const low: i32 = <i32>this.one[0];
    this.error = await this.device.readRegister(INPUT1, this.one);
    if (this.error != I2cError.None) return -1;
    return low | (<i32>this.one[0] << 8);
  }

  /** The part's registers from `from` (0-9) into `into`, with AI (not from 0: 6.2): for checking what it holds. */
  async registers(from: u8, into: Uint8Array): Promise<I2cError> {
    if (from == 0 || from > 9) { this.error = I2cError.Length; return this.error; }
    this.error = await this.device.readRegister(AI | from, into);
    return this.error;
  }
}
