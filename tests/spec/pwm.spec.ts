// The PWM driver (drivers/pwm.ts) against the fake host's register file:
// QEMU models no PWM (raspi3b: plain memory; raspi4b: an abort), so only
// here are its register sequences checked. Every expected value is worked
// out below from the datasheets, not from the driver:
//   PWM clock = oscillator / DIVI, DIVI the smallest integer that keeps it
//     at or under 25 MHz ("BCM2835 Audio & PWM clocks" 1.1): 19.2 MHz / 1 on
//     a Pi 3, 54 MHz / 3 = 18 MHz on a Pi 4;
//   RNGn = clock / hz, DATn = duty * RNGn (BCM2835 ARM Peripherals 9.3-9.4);
//   CTL: PWEN bit 0, POLA bit 4, MSEN bit 7 of channel 1's byte, the same
//     8 bits up for channel 2 (9.6);
//   CM_PWMCTL/DIV (clock manager + 0xA0/0xA4): password 0x5A in 31:24, SRC
//     1 the oscillator, ENAB bit 4, KILL bit 5, BUSY bit 7, DIVI in 23:12 (6.3).
import * as pwm from "../../assembly/drivers/pwm";
import { PwmError, Mode, Polarity } from "../../assembly/drivers/pwm";
import * as gpio from "../../assembly/drivers/gpio";
import { Board } from "../../assembly/board";
import { trace, since, machine, setReg, getReg, refuse, autoAdvance } from "../../assembly/testing";

const PI3_PWM: u32 = 0x3f20c000, PI3_CM: u32 = 0x3f101000, PI3_GPIO: u32 = 0x3f200000;
const PI4_PWM0: u32 = 0xfe20c000, PI4_PWM1: u32 = 0xfe20c800, PI4_CM: u32 = 0xfe101000, PI4_GPIO: u32 = 0xfe200000;
const PI3_CLOCK: f64 = 19_200_000;           // 19.2 MHz oscillator, DIVI 1
const PI4_CLOCK: f64 = 54_000_000 / 3;       // 54 MHz oscillator, DIVI 3 (54 / 2 = 27 MHz is over 25)
const PASSWORD: u32 = 0x5a << 24;
const SRC_OSC: u32 = 1, ENAB: u32 = 1 << 4, KILL: u32 = 1 << 5, BUSY: u32 = 1 << 7, MASH1: u32 = 1 << 9, SRC_PLLD: u32 = 6;
const PWEN: u32 = 1 << 0, POLA: u32 = 1 << 4, MSEN: u32 = 1 << 7;
// Registers: CTL 0x00, RNG1 0x10, DAT1 0x14, RNG2 0x20, DAT2 0x24; CM_PWMCTL 0xA0, CM_PWMDIV 0xA4.
const CTL: u32 = 0x00, RNG1: u32 = 0x10, DAT1: u32 = 0x14, RNG2: u32 = 0x20, DAT2: u32 = 0x24, CMCTL: u32 = 0xa0, CMDIV: u32 = 0xa4;
// GPFSEL1 holds pins 10-19, 3 bits each: ALT0 is 100, ALT5 010, output 001.
const GPFSEL1: u32 = 0x04, ALT0: u32 = 4, ALT5: u32 = 2, OUTPUT: u32 = 1;

function hex(v: u32): string { return "0x" + v.toString(16); }
function w(addr: u32, v: u32): string { return "mmio.write32 " + hex(addr) + " " + hex(v) + "\n"; }
function r(addr: u32, v: u32): string { return "mmio.read32 " + hex(addr) + " -> " + hex(v) + "\n"; }
function ticks(x: f64): u32 { return <u32>Math.round(x); }
function lines(s: string): string { return s.endsWith("\n") ? s.substring(0, s.length - 1) : s; }
function count(text: string, what: string): i32 { return text.split(what).length - 1; }

/** The clock's start from nothing: divider, source, then ENAB (each with the password). */
function clockStart(cm: u32, divi: u32): string {
  return r(cm + CMCTL, 0) + w(cm + CMDIV, PASSWORD | (divi << 12)) + w(cm + CMCTL, PASSWORD | SRC_OSC) + w(cm + CMCTL, PASSWORD | SRC_OSC | ENAB);
}

/** A fresh fake board, the driver's memory of clock, channels and probes forgotten, the PWM pins free. */
function fresh(b: Board): void {
  machine(b);
  pwm.forget();
  const pins: u32[] = [12, 13, 18, 19, 40, 41, 45];
  for (let i = 0; i < pins.length; i++) if (gpio.isClaimed(pins[i])) gpio.release(pins[i]);
  machine(b);                                          // (the releases' writes gone from the trace and registers)
}

describe("pwm: opening a channel", () => {
  it("Pi 3, GPIO 18 at 50 Hz: probe, clock from the oscillator (DIVI 1), RNG1/DAT1, CTL with MSEN1|PWEN1, then the pin to ALT5", () => {
    fresh(Board.Pi3);
    const ch = pwm.open(18, 50);
    expect(ch.ok).toBe(true);
    expect(lines(trace())).toBe(lines(
      "mmio.probe32 0x3f20c000 -> 0x0\n" +
      clockStart(PI3_CM, 1) +
      r(PI3_PWM + CTL, 0) +
      w(PI3_PWM + RNG1, ticks(PI3_CLOCK / 50)) +          // 384000 ticks a period
      w(PI3_PWM + DAT1, 0) +                              // low until setDuty
      w(PI3_PWM + CTL, MSEN | PWEN) +
      r(PI3_GPIO + GPFSEL1, 0) +
      w(PI3_GPIO + GPFSEL1, ALT5 << 24)));                // pin 18: bits 24-26
    expect(ch.hz).toBe(50);
    expect(ch.block).toBe(0);
    expect(ch.channel).toBe(1);
    expect(gpio.isClaimed(18)).toBe(true);

    let mark = trace().length;
    expect(ch.setDuty(0.075)).toBe(PwmError.None);
    expect(since(mark)).toBe(lines(w(PI3_PWM + DAT1, ticks(0.075 * PI3_CLOCK / 50))));   // 28800
    mark = trace().length;
    expect(ch.setPulseMicros(1500)).toBe(PwmError.None);
    expect(since(mark)).toBe(lines(w(PI3_PWM + DAT1, ticks(1500e-6 * PI3_CLOCK))));       // the same 28800 ticks
    expect(ch.duty).toBe(0.075);
    expect(ch.pulseMicros).toBe(1500);
    ch.close();
  });

  it("Pi 4, GPIO 12 at 1 kHz balanced with a duty of 1/4: DIVI 3 (18 MHz), RNG1/DAT1, CTL with PWEN1 only, ALT0", () => {
    fresh(Board.Pi4);
    const led = pwm.open(12, 1000, Mode.Balanced);
    expect(led.ok).toBe(true);
    led.setDuty(0.25);
    expect(lines(trace())).toBe(lines(
      "mmio.probe32 0xfe20c000 -> 0x0\n" +
      clockStart(PI4_CM, 3) +
      r(PI4_PWM0 + CTL, 0) +
      w(PI4_PWM0 + RNG1, ticks(PI4_CLOCK / 1000)) +        // 18000
      w(PI4_PWM0 + DAT1, 0) +
      w(PI4_PWM0 + CTL, PWEN) +                            // MSEN1 clear: the balanced algorithm
      r(PI4_GPIO + GPFSEL1, 0) +
      w(PI4_GPIO + GPFSEL1, ALT0 << 6) +                   // pin 12: bits 6-8
      w(PI4_PWM0 + DAT1, ticks(0.25 * PI4_CLOCK / 1000))));   // setDuty: 4500 of 18000
    expect(led.hz).toBe(1000);
    expect(led.clock).toBe(<u32>PI4_CLOCK);
    led.close();
  });

  it("channel 2, inverted: POLA2|MSEN2|PWEN2 in CTL's second byte, RNG2/DAT2; the frequency is the nearest the clock divides to, and ch.hz says which", () => {
    fresh(Board.Pi3);
    const ch = pwm.open(19, 7000, Mode.MarkSpace, Polarity.Inverted);
    ch.setDuty(0.5);
    const range = ticks(PI3_CLOCK / 7000);                 // 2742.857...: 2743 ticks
    expect(lines(trace())).toBe(lines(
      "mmio.probe32 0x3f20c000 -> 0x0\n" +
      clockStart(PI3_CM, 1) +
      r(PI3_PWM + CTL, 0) +
      w(PI3_PWM + RNG2, range) +
      w(PI3_PWM + DAT2, 0) +
      w(PI3_PWM + CTL, (POLA | MSEN | PWEN) << 8) +
      r(PI3_GPIO + GPFSEL1, 0) +
      w(PI3_GPIO + GPFSEL1, ALT5 << 27) +                  // pin 19: bits 27-29
      w(PI3_PWM + DAT2, ticks(0.5 * <f64>range))));        // setDuty: 1372 of 2743
    expect(ch.hz).toBe(PI3_CLOCK / <f64>range);            // 6999.6 Hz
    expect(ch.channel).toBe(2);
    ch.close();
  });

  it("two channels share the clock: the second open writes no clock register, keeps channel 1's CTL bits, and runs at its own frequency", () => {
    fresh(Board.Pi4);
    const servo = pwm.open(18, 50);
    const mark = trace().length;
    const led = pwm.open(13, 1000, Mode.Balanced);
    expect(lines(since(mark))).toBe(lines(
      r(PI4_PWM0 + CTL, MSEN | PWEN) +                     // (probed once per block: no probe)
      w(PI4_PWM0 + RNG2, ticks(PI4_CLOCK / 1000)) +
      w(PI4_PWM0 + DAT2, 0) +
      w(PI4_PWM0 + CTL, (MSEN | PWEN) | (PWEN << 8)) +
      r(PI4_GPIO + GPFSEL1, ALT5 << 24) +
      w(PI4_GPIO + GPFSEL1, (ALT5 << 24) | (ALT0 << 9))));  // pin 13: bits 9-11, pin 18's kept
    expect(servo.hz).toBe(50);
    expect(led.hz).toBe(1000);
    expect(count(trace(), hex(PI4_CM + CMCTL))).toBe(3);   // the first open's read and two writes only
    servo.close();
    led.close();
  });

  it("Pi 4's PWM1 (GPIO 40, 41: ALT0) is a block of its own at +0x800, probed on its first open; the clock is the same one", () => {
    fresh(Board.Pi4);
    const a = pwm.open(18, 50);
    const mark = trace().length;
    const b = pwm.open(40, 440);
    const range = ticks(PI4_CLOCK / 440);                  // 40909.09: 40909
    expect(lines(since(mark))).toBe(lines(
      "mmio.probe32 0xfe20c800 -> 0x0\n" +
      r(PI4_PWM1 + CTL, 0) +
      w(PI4_PWM1 + RNG1, range) +
      w(PI4_PWM1 + DAT1, 0) +
      w(PI4_PWM1 + CTL, MSEN | PWEN) +
      r(PI4_GPIO + 0x10, 0) +                              // GPFSEL4: pins 40-49
      w(PI4_GPIO + 0x10, ALT0)));                          // pin 40: bits 0-2
    expect(b.block).toBe(1);
    expect(b.channel).toBe(1);
    a.close();
    b.close();
  });

  it("a channel the firmware left running is stopped before its range and data change, the other channel's bits kept", () => {
    fresh(Board.Pi3);
    setReg(PI3_PWM + CTL, PWEN | (PWEN << 8));            // both channels on (the firmware's audio, balanced)
    const mark = trace().length;
    const ch = pwm.open(12, 100);
    const s = since(mark);
    expect(s.includes(lines(
      r(PI3_PWM + CTL, PWEN | (PWEN << 8)) +
      w(PI3_PWM + CTL, PWEN << 8) +                        // channel 1 off, channel 2 untouched
      w(PI3_PWM + RNG1, ticks(PI3_CLOCK / 100)) +
      w(PI3_PWM + DAT1, 0) +
      w(PI3_PWM + CTL, (PWEN << 8) | MSEN | PWEN)))).toBe(true);
    ch.close();
  });
});

describe("pwm: the clock manager", () => {
  it("a clock that runs from another source is stopped first (ENAB cleared, source and MASH kept), BUSY waited out, then divider, source, ENAB", () => {
    fresh(Board.Pi3);
    const before = ENAB | MASH1 | SRC_PLLD;              // running from PLLD with MASH 1, BUSY already clear
    setReg(PI3_CM + CMCTL, before);
    const ch = pwm.open(18, 50);
    expect(ch.ok).toBe(true);
    expect(trace().startsWith(lines(
      "mmio.probe32 0x3f20c000 -> 0x0\n" +
      r(PI3_CM + CMCTL, before) +
      w(PI3_CM + CMCTL, PASSWORD | MASH1 | SRC_PLLD) +     // ENAB off alone
      r(PI3_CM + CMCTL, PASSWORD | MASH1 | SRC_PLLD) +     // BUSY clear: stopped
      w(PI3_CM + CMDIV, PASSWORD | (1 << 12)) +
      w(PI3_CM + CMCTL, PASSWORD | SRC_OSC) +              // the source (MASH 0) while stopped
      w(PI3_CM + CMCTL, PASSWORD | SRC_OSC | ENAB)))).toBe(true);
    ch.close();
  });

  it("a clock that stays BUSY: the wait gives up after 1 ms, KILL is tried, and when BUSY still holds open() gives ClockBusy and touches nothing else", () => {
    fresh(Board.Pi3);
    setReg(PI3_CM + CMCTL, BUSY | ENAB | SRC_PLLD);       // (the fake reads back what was written: BUSY stays)
    autoAdvance(25_000);                                   // each counter() read: 0.4 ms of the fake's 62.5 MHz
    const ch = pwm.open(18, 50);
    autoAdvance(0);
    expect(ch.ok).toBe(false);
    expect(ch.error).toBe(PwmError.ClockBusy);
    const t = trace();
    const off = PASSWORD | BUSY | SRC_PLLD;
    expect(t.includes(w(PI3_CM + CMCTL, off))).toBe(true);
    expect(t.includes(w(PI3_CM + CMCTL, off | KILL))).toBe(true);
    expect(t.endsWith(lines(w(PI3_CM + CMCTL, off)))).toBe(true);             // KILL released last
    expect(count(t, "mmio.read32 " + hex(PI3_CM + CMCTL))).toBeGreaterThan(4);    // the first read, then two waits of 1 ms reading BUSY
    expect(count(t, hex(PI3_CM + CMDIV))).toBe(0);
    expect(count(t, hex(PI3_PWM + RNG1))).toBe(0);
    expect(gpio.isClaimed(18)).toBe(false);
    expect(pwm.errorName(ch.error).includes("BUSY")).toBe(true);
    // Once the clock stops, the same channel opens.
    setReg(PI3_CM + CMCTL, 0);
    const again = pwm.open(18, 50);
    expect(again.ok).toBe(true);
    again.close();
  });

  it("a clock already running from the oscillator at our divider (a kernel pushed over one that used PWM) is left alone", () => {
    fresh(Board.Pi4);
    setReg(PI4_CM + CMCTL, BUSY | ENAB | SRC_OSC);
    setReg(PI4_CM + CMDIV, 3 << 12);
    const ch = pwm.open(18, 50);
    expect(ch.ok).toBe(true);
    const t = trace();
    expect(t.startsWith(lines("mmio.probe32 0xfe20c000 -> 0x0\n" + r(PI4_CM + CMCTL, BUSY | ENAB | SRC_OSC) + r(PI4_CM + CMDIV, 3 << 12)))).toBe(true);
    expect(count(t, "mmio.write32 " + hex(PI4_CM))).toBe(0);
    ch.close();
  });
});

describe("pwm: changing a running channel", () => {
  it("setHz keeps the duty; of RNG and DAT the one that shrinks is written first", () => {
    fresh(Board.Pi3);
    const ch = pwm.open(18, 50);
    ch.setDuty(0.075);
    let mark = trace().length;
    expect(ch.setHz(100)).toBe(PwmError.None);            // shorter period: DAT first
    expect(since(mark)).toBe(lines(w(PI3_PWM + DAT1, ticks(0.075 * PI3_CLOCK / 100)) + w(PI3_PWM + RNG1, ticks(PI3_CLOCK / 100))));
    mark = trace().length;
    expect(ch.setHz(50)).toBe(PwmError.None);             // longer: RNG first
    expect(since(mark)).toBe(lines(w(PI3_PWM + RNG1, ticks(PI3_CLOCK / 50)) + w(PI3_PWM + DAT1, ticks(0.075 * PI3_CLOCK / 50))));
    expect(ch.hz).toBe(50);
    expect(ch.duty).toBe(0.075);
    ch.close();
  });

  it("close: the pin back to an input, then the channel's CTL bits cleared, the other channel's kept; calls after it give Closed", () => {
    fresh(Board.Pi3);
    const a = pwm.open(18, 50);
    const b = pwm.open(19, 50);
    const mark = trace().length;
    a.close();
    const s = since(mark);
    expect(s.startsWith(lines(r(PI3_GPIO + GPFSEL1, (ALT5 << 24) | (ALT5 << 27)) + w(PI3_GPIO + GPFSEL1, ALT5 << 27)))).toBe(true);   // pin 18 input
    expect(s.endsWith(lines(r(PI3_PWM + CTL, ((MSEN | PWEN) << 8) | MSEN | PWEN) + w(PI3_PWM + CTL, (MSEN | PWEN) << 8)))).toBe(true);
    expect(gpio.isClaimed(18)).toBe(false);
    expect(a.ok).toBe(false);
    expect(a.setDuty(0.5)).toBe(PwmError.Closed);
    b.close();
  });

  it("closeToOutput: the level first (GPCLR0), then the pin an output, then the channel off; the OutputPin is the caller's", () => {
    fresh(Board.Pi4);
    const ch = pwm.open(18, 50);
    const mark = trace().length;
    const pin = ch.closeToOutput(false);
    expect(lines(since(mark))).toBe(lines(
      w(PI4_GPIO + 0x28, 1 << 18) +                        // GPCLR0: low before it drives
      r(PI4_GPIO + GPFSEL1, ALT5 << 24) +
      w(PI4_GPIO + GPFSEL1, OUTPUT << 24) +
      r(PI4_PWM0 + CTL, MSEN | PWEN) +
      w(PI4_PWM0 + CTL, 0)));
    expect(pin != null).toBe(true);
    expect(gpio.isClaimed(18)).toBe(true);
    pin!.release();
  });
});

describe("pwm: errors are values", () => {
  it("a pin that carries no channel: NotPwmPin, nothing touched (GPIO 40 is PWM0's on a Pi 3, PWM1's on a Pi 4; 17 carries none)", () => {
    fresh(Board.Pi3);
    const ch = pwm.open(17, 50);
    expect(ch.ok).toBe(false);
    expect(ch.error).toBe(PwmError.NotPwmPin);
    expect(ch.setDuty(0.5)).toBe(PwmError.NotPwmPin);
    expect(trace()).toBe("");
    expect(gpio.isClaimed(17)).toBe(false);
  });

  it("frequencies the clock cannot be divided to: Frequency; half the clock is the most (RNG 2)", () => {
    fresh(Board.Pi3);
    expect(pwm.open(18, 0).error).toBe(PwmError.Frequency);
    expect(pwm.open(18, -50).error).toBe(PwmError.Frequency);
    expect(pwm.open(18, NaN).error).toBe(PwmError.Frequency);
    expect(pwm.open(18, 20_000_000).error).toBe(PwmError.Frequency);   // 19.2 / 20: less than one tick
    expect(pwm.open(18, 0.001).error).toBe(PwmError.Frequency);        // 19.2e9 ticks: past RNG's 32 bits
    expect(trace()).toBe("");
    expect(pwm.errorName(PwmError.Frequency).includes("9600000 Hz (half the 19200000 Hz PWM clock)")).toBe(true);
    const fast = pwm.open(18, PI3_CLOCK / 2);
    expect(fast.ok).toBe(true);
    expect(fast.range).toBe(2);
    expect(fast.setHz(PI3_CLOCK)).toBe(PwmError.Frequency);
    expect(fast.setHz(0.005)).toBe(PwmError.None);                             // 3.84e9 ticks: fits
    fast.close();
  });

  it("duties outside 0..1, NaN, and pulses longer than the period: Duty, nothing written", () => {
    fresh(Board.Pi3);
    const ch = pwm.open(18, 50);
    const mark = trace().length;
    expect(ch.setDuty(-0.1)).toBe(PwmError.Duty);
    expect(ch.setDuty(1.01)).toBe(PwmError.Duty);
    expect(ch.setDuty(NaN)).toBe(PwmError.Duty);
    expect(ch.setPulseMicros(20_001)).toBe(PwmError.Duty);                  // the period is 20,000 us
    expect(ch.setPulseMicros(-1)).toBe(PwmError.Duty);
    expect(since(mark)).toBe("");
    expect(ch.setPulseMicros(20_000)).toBe(PwmError.None);                  // all of it: always high
    expect(ch.setDuty(1)).toBe(PwmError.None);
    ch.close();
  });

  it("a channel already open (through the same pin or its twin: 12 and 18 both carry channel 1): ChannelBusy; a pin another driver holds: PinTaken", () => {
    fresh(Board.Pi3);
    const a = pwm.open(18, 50);
    const mark = trace().length;
    expect(pwm.open(12, 50).error).toBe(PwmError.ChannelBusy);
    expect(pwm.open(18, 50).error).toBe(PwmError.ChannelBusy);
    expect(since(mark)).toBe("");
    expect(gpio.isClaimed(12)).toBe(false);
    a.close();
    const b = pwm.open(12, 50);
    expect(b.ok).toBe(true);
    b.close();
    gpio.claim(13);                                       // (as gpio.output(13) would)
    expect(pwm.open(13, 50).error).toBe(PwmError.PinTaken);
    gpio.release(13);
    const c = pwm.open(13, 50);
    expect(c.ok).toBe(true);                              // the refused open left the channel free
    c.close();
  });

  it("no block at the address (QEMU's raspi4b): the probe is refused, Absent, and nothing else is touched", () => {
    fresh(Board.Pi4);
    refuse(PI4_PWM0 + CTL);
    const ch = pwm.open(18, 50);
    expect(ch.error).toBe(PwmError.Absent);
    expect(trace()).toBe("mmio.probe32 0xfe20c000 -> refused");
    expect(pwm.open(19, 50).error).toBe(PwmError.Absent);           // decided once per block
    expect(trace()).toBe("mmio.probe32 0xfe20c000 -> refused");
    expect(gpio.isClaimed(18)).toBe(false);
    expect(pwm.errorName(PwmError.Absent).includes("QEMU")).toBe(true);
  });
});

describe("pwm: servo", () => {
  it("50 Hz mark-space, no pulse until the first angle; 0, 90 and 180 degrees are 1000, 1500 and 2000 us", () => {
    fresh(Board.Pi3);
    const arm = pwm.servo(18);
    expect(arm.ok).toBe(true);
    expect(arm.channel.hz).toBe(50);
    expect(getReg(PI3_PWM + DAT1)).toBe(0);
    expect(isNaN(arm.angle)).toBe(true);
    expect(arm.setAngle(90)).toBe(PwmError.None);
    expect(getReg(PI3_PWM + DAT1)).toBe(ticks(1500e-6 * PI3_CLOCK));
    expect(arm.setAngle(0)).toBe(PwmError.None);
    expect(getReg(PI3_PWM + DAT1)).toBe(ticks(1000e-6 * PI3_CLOCK));
    expect(arm.setAngle(180)).toBe(PwmError.None);
    expect(getReg(PI3_PWM + DAT1)).toBe(ticks(2000e-6 * PI3_CLOCK));
    expect(arm.angle).toBe(180);
    expect(arm.setAngle(181)).toBe(PwmError.Duty);
    expect(arm.setAngle(-1)).toBe(PwmError.Duty);
    expect(arm.angle).toBe(180);
    arm.close();
    expect(arm.setAngle(10)).toBe(PwmError.Closed);
  });

  it("other ends (500-2500 us) on a Pi 4; ends that do not fit the period, or the wrong way round, give Duty without touching a register", () => {
    fresh(Board.Pi4);
    const arm = pwm.servo(19, 500, 2500);
    expect(arm.setAngle(45)).toBe(PwmError.None);
    expect(getReg(PI4_PWM0 + DAT2)).toBe(ticks(1000e-6 * PI4_CLOCK));      // 500 + 2000 * 45 / 180 us
    arm.close();
    const mark = trace().length;
    expect(pwm.servo(18, 1000, 30_000).error).toBe(PwmError.Duty);      // past the 20 ms period
    expect(pwm.servo(18, 2000, 1000).error).toBe(PwmError.Duty);
    expect(pwm.servo(18, 1000, 2000, 0).error).toBe(PwmError.Duty);
    expect(pwm.servo(18, 1000, 2000, 180, 0).error).toBe(PwmError.Frequency);
    expect(since(mark)).toBe("");
  });
});
