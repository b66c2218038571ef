// The DS1338 clock: tools/testing/fake-i2c.ts's register model (the specs'),
// whose time the simulator makes run on the board's clock (RunningDs1338),
// and setTime(), which sets its timekeeping registers to a moment, as
// QEMU's starts at the host's. Maxim DS1338 datasheet: Table 2 (00h-06h
// are seconds, minutes, hours, day of the week 1-7, date, month and year
// 00-99, in BCD; bit 7 of 00h is CH, the clock halt), "Clock and Calendar"
// (the registers a read sees are latched at its START; writing the time
// sets the clock, and the countdown chain restarts at a write to the
// seconds register). Only the 24-hour mode is kept: a 12-hour setting
// (bit 6 of 02h) is read as 24-hour.
import { Ds1338 } from "../../testing/fake-i2c.js";

const bcd = (n: number) => ((Math.floor(n / 10)) << 4) | (n % 10);
const unbcd = (b: number) => (b >> 4) * 10 + (b & 15);

export function setTime(rtc: Ds1338, t: Date): void {
  rtc.regs.set([bcd(t.getUTCSeconds()), bcd(t.getUTCMinutes()), bcd(t.getUTCHours()), t.getUTCDay() + 1,
    bcd(t.getUTCDate()), bcd(t.getUTCMonth() + 1), bcd(t.getUTCFullYear() % 100)], 0);
}

/** The moment the timekeeping registers hold (years 2000-2099), in ms since the epoch. */
function timeOf(r: Uint8Array): number {
  return Date.UTC(2000 + unbcd(r[6]), unbcd(r[5] & 0x1f) - 1, unbcd(r[4] & 0x3f), unbcd(r[2] & 0x3f), unbcd(r[1] & 0x7f), unbcd(r[0] & 0x7f));
}

/**
 * A DS1338 whose time runs on the board's clock (virtual or real: a test's
 * advance(60_000) moves it a minute) while CH is clear. pi.i2c(n).attach()
 * gives it the clock; setTime() or the kernel's write sets it.
 */
export class RunningDs1338 extends Ds1338 {
  private now: () => number = () => 0;
  /** The board's time (ms) at which the registers last held `base`, and that moment (epoch ms). */
  private at = 0;
  private base = 0;
  /** What the registers held after the last update: a change by another hand (setTime) sets the clock. */
  private seen = new Uint8Array(7);
  private first = false;
  private register = 0;
  private timeWritten = false;

  constructor(t?: Date) { super(); if (t) setTime(this, t); }

  /** The board's clock in ms (pi.i2c(n).attach gives it). */
  attached(now: () => number): void { this.now = now; this.rebase(); }

  private rebase(): void {
    this.at = this.now();
    this.base = timeOf(this.regs);
    this.seen.set(this.regs.subarray(0, 7));
  }

  /** The registers brought to now, unless the clock is halted (CH). */
  private update(): void {
    if (this.regs.subarray(0, 7).some((b, i) => b !== this.seen[i])) this.rebase();
    if (this.regs[0] & 0x80) { this.rebase(); return; }            // halted: time stands; it goes on from here when CH clears
    const whole = Math.floor((this.now() - this.at) / 1000);
    if (whole <= 0) return;
    this.at += whole * 1000;
    this.base += whole * 1000;
    setTime(this, new Date(this.base));
    this.seen.set(this.regs.subarray(0, 7));
  }

  override start(read: boolean): boolean {
    this.update();                                                   // the user buffer latches the time at START
    this.first = !read;
    return super.start(read);
  }

  override write(b: number): boolean {
    if (this.first) { this.register = b & 0x3f; this.first = false; }
    else { if (this.register <= 6) this.timeWritten = true; this.register = (this.register + 1) & 0x3f; }
    return super.write(b);
  }

  override stop(): void {
    super.stop();
    if (this.timeWritten) { this.timeWritten = false; this.rebase(); }   // the time written: the clock counts from it
  }
}
