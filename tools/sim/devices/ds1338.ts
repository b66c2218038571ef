// The DS1338 clock part (tools/testing/fake-i2c.ts's model, whose time does
// not run): its timekeeping registers set to a moment, as QEMU's starts at
// the host's time. Maxim DS1338 datasheet, Table 2: 00h-06h are seconds,
// minutes, hours (24-hour), day of the week (1-7), date, month and year
// (00-99), each in BCD.
import type { Ds1338 } from "../../testing/fake-i2c.js";

export function setTime(rtc: Ds1338, t: Date): void {
  const bcd = (n: number) => ((Math.floor(n / 10)) << 4) | (n % 10);
  rtc.regs.set([bcd(t.getUTCSeconds()), bcd(t.getUTCMinutes()), bcd(t.getUTCHours()), t.getUTCDay() + 1,
    bcd(t.getUTCDate()), bcd(t.getUTCMonth() + 1), bcd(t.getUTCFullYear() % 100)], 0);
}
