// The ARM's clock, the SoC's temperature and the firmware's throttling, all
// through the firmware's mailbox (Raspberry Pi firmware wiki, "Mailbox
// property interface": get clock rate 0x00030002, get max 0x00030004, get
// min 0x00030007, set clock rate 0x00038002, get temperature 0x00030006,
// get max temperature 0x0003000A; get throttled 0x00030046 is the tag
// vcgencmd get_throttled uses, documented with that command).
//
// On a board the ARM starts at its low clock (600 MHz on a Pi 3, 600-700 on
// a Pi 4) until someone asks the firmware for more, as Linux's cpufreq and
// Circle's CPU throttle class do: kernel/boot.ts asks for the model's
// maximum on core 0 before main(), and the banner says what it got. The
// firmware lowers it again by itself when the SoC is too hot or the supply
// too weak (throttled() says so).
//
//   clocks.armHz();                 // now
//   clocks.lowSpeed();              // slow down on request (less heat, less power)
//   clocks.milliCelsius();          // 47230: 47.23 degrees
//   spawn(clocks.keepCool(75_000)); // at 75 degrees the lowest clock, at 70 full speed again
//
// QEMU answers fixed values and sets nothing: tests/spec/clocks.spec.ts
// checks the messages against the fake firmware; a board's answers are
// checked only on paper.
import { request, answer, clockRate, temperature, Clock, Tag } from "./mailbox";
import { sleep } from "../kernel/exec/timer";

/** get_throttled's bits: now (0-3) and since boot (16-19). */
export namespace Throttled {
  export const UNDER_VOLTAGE: u32 = 1 << 0;
  export const FREQUENCY_CAPPED: u32 = 1 << 1;
  export const THROTTLED: u32 = 1 << 2;
  export const SOFT_TEMPERATURE_LIMIT: u32 = 1 << 3;
  export const SINCE_BOOT: u32 = 16;          // shift: the same four bits, latched since boot
}

/** The rate of `clock` the firmware answers `tag` with (its second word), 0 if it did not answer. */
function rate(tag: u32, clock: u32): u32 { return request(tag, 2, clock) ? answer(1) : 0; }

/** The ARM's clock now, in Hz (0: the firmware did not say). */
export function armHz(): u32 { return clockRate(Clock.ARM); }
/** The most the firmware allows the ARM on this model (arm_freq). */
export function armMaxHz(): u32 { return rate(Tag.MAX_CLOCK_RATE, Clock.ARM); }
/** The least (arm_freq_min). */
export function armMinHz(): u32 { return rate(Tag.MIN_CLOCK_RATE, Clock.ARM); }
/** The VideoCore's core clock, which the I2C and SPI blocks divide (0: the firmware did not say). */
export function coreHz(): u32 { return clockRate(Clock.CORE); }

/** Asks the firmware for `hz` on the ARM (turbo settings left alone); the rate it set, 0 if it refused. */
export function setArmHz(hz: u32): u32 {
  return request(Tag.SET_CLOCK_RATE, 2, Clock.ARM, hz, 0) ? answer(1) : 0;
}

/** The ARM at the model's maximum; the rate now (what the firmware answers afterwards), 0 if it did not answer. */
export function fullSpeed(): u32 { return moveTo(armMaxHz()); }

/** The ARM at the model's least clock (slower: less heat and power); the rate now, 0 if the firmware did not answer. */
export function lowSpeed(): u32 { return moveTo(armMinHz()); }

/** Asks for `hz` unless the ARM is there (0: the firmware gave no rate to ask for); the rate the firmware answers after. */
function moveTo(hz: u32): u32 {
  if (!hz) return 0;
  if (armHz() != hz) setArmHz(hz);
  return armHz();
}

/** What keepCool() did: whether it holds the ARM at its least clock now, and how often it changed it. */
export class Cooling {
  slowed: bool = false;
  slowDowns: u32 = 0;
  speedUps: u32 = 0;
}
/** keepCool()'s state (one for every core: module variables are shared). */
export const cooling = new Cooling();

/**
 * A task that keeps the SoC under `limitMilliC`: every `everyMs` it reads
 * the temperature; at the limit it asks for the least ARM clock, and once
 * the SoC is `hysteresisMilliC` below the limit again, for the most. Below
 * the firmware's own limit (maxMilliCelsius(), where it throttles by itself
 * and marks the throttling bits), this is a kernel's choice: a cooler
 * board at a slower clock. Runs until cancelled; a temperature of 0 (no
 * answer, as QEMU's raspi4b gives) changes nothing.
 */
export async function keepCool(limitMilliC: u32 = 75_000, hysteresisMilliC: u32 = 5_000, everyMs: u32 = 1000): Promise<void> {
  while (true) {
    const t = milliCelsius();
    if (t != 0 && !cooling.slowed && t >= limitMilliC) {
      lowSpeed();
      cooling.slowed = true;
      cooling.slowDowns++;
    } else if (t != 0 && cooling.slowed && t + hysteresisMilliC <= limitMilliC) {
      fullSpeed();
      cooling.slowed = false;
      cooling.speedUps++;
    }
    await sleep(everyMs);
  }
}

/** The SoC's temperature in thousandths of a degree Celsius (0: no answer). */
export function milliCelsius(): u32 { return temperature(); }
/** Where the firmware starts to throttle, in thousandths of a degree. */
export function maxMilliCelsius(): u32 { return request(Tag.MAX_TEMPERATURE, 2, 0) ? answer(1) : 0; }

/** The firmware's throttling bits (Throttled.*), or 0xFFFFFFFF if it did not answer (QEMU does not). */
export function throttled(): u32 { return request(Tag.THROTTLED, 1, 0) ? answer(0) : 0xffffffff; }
