// The time of day (kernel/clock.ts) against the fake host's clock, and
// `Date.now()` itself: the spec runner applies the transform a kernel build
// does (tools/async/std-date.ts), so std's Date.now() reaches the kernel's
// clock here too. Before the time is set it is the uptime; set, it runs on
// with the fake counter; synced from a DS1338 (the fake bus's model,
// tools/testing/fake-i2c.ts), it is the clock's time; and each error is a
// value that leaves the time as it was.
import * as clock from "../../assembly/kernel/clock";
import { ClockError } from "../../assembly/kernel/clock";
import * as i2c from "../../assembly/drivers/i2c";
import { I2cError } from "../../assembly/drivers/i2c";
import { Ds1338 } from "../../assembly/devices/ds1338";
import { timerFrequency } from "../../assembly/arch/cpu";
import { Board } from "../../assembly/board";
import { machine, advance, i2cController, i2cAttach, i2cSetRegister, i2cFailAfter, i2cLog, FakePart, FakeFailure } from "../../assembly/testing";
import { startKept, drain } from "./run";
import { serviceEvents } from "../../assembly/kernel/exec";

const BSC1: u32 = 0x3f804000;
const RTC: u32 = 0x68;

/** Moves the fake clock on by `ms` milliseconds. */
function pass(ms: u64): void { advance(ms * timerFrequency() / 1000); }

/** A Pi 3 with a DS1338 model on BSC1 at 0x68 holding `regs` (00h-06h, BCD). */
function rtcWith(regs: u8[]): Ds1338 {
  machine(Board.Pi3);
  i2cController(BSC1);
  i2cAttach(BSC1, RTC, FakePart.Ds1338);
  for (let i = 0; i < regs.length; i++) i2cSetRegister(BSC1, RTC, i, regs[i]);
  return new Ds1338(i2c.open(1, 0));
}

/** syncFromRtc run to its end: the model's wire takes no time, so its interrupts are all it waits for (the clock does not move). */
function sync(rtc: Ds1338): ClockError {
  const d = startKept(clock.syncFromRtc(rtc));
  for (let rounds = 0; !d.f.isReady && rounds < 1000; rounds++) { serviceEvents(); drain(); }
  expect(d.f.isReady).toBe(true, "the sync ends without the clock moving");
  return d.f.output;
}

/** An RTC holding `regs`, the time set to `ms` first: the sync must say BadTime and leave the time. */
function refused(regs: u8[], ms: i64): void {
  const rtc = rtcWith(regs);
  clock.setTime(ms);
  expect(sync(rtc)).toBe(ClockError.BadTime);
  expect(Date.now()).toBe(ms);
}

describe("the time of day", () => {
  it("before any setting, Date.now() is the time since boot: 1970-01-01 plus the uptime", () => {
    machine(Board.Pi3);                                  // the fake counter at 0
    expect(clock.isSet()).toBe(false);
    expect(Date.now()).toBe(0);
    pass(1500);
    expect(Date.now()).toBe(1500);
    expect(clock.now()).toBe(1500);
    expect(clock.uptime()).toBe(1500);
    expect(new Date(Date.now()).toISOString()).toBe("1970-01-01T00:00:01.500Z");
  });

  it("the uptime is exact to the millisecond from the counter, 100 days in (no overflow in the conversion)", () => {
    machine(Board.Pi3);
    advance(<u64>100 * 86400 * timerFrequency() + timerFrequency() / 1000 * 7 + 1);   // 100 days, 7 ms and a tick
    expect(clock.uptime()).toBe(<u64>100 * 86400 * 1000 + 7);
  });

  it("setTime: Date.now() is the time set, and runs on with the counter; a later setting replaces it (backwards too)", () => {
    machine(Board.Pi3);
    pass(12_345);                                        // set after some uptime: the offset takes it out
    clock.setTime(1_800_000_000_000);
    expect(clock.isSet()).toBe(true);
    expect(Date.now()).toBe(1_800_000_000_000);
    pass(2500);
    expect(Date.now()).toBe(1_800_000_002_500);
    expect(clock.now()).toBe(Date.now());
    expect(new Date(Date.now()).toISOString()).toBe("2027-01-15T08:00:02.500Z");
    clock.setTime(1_000_000_000_000);
    expect(Date.now()).toBe(1_000_000_000_000);
    pass(1);
    expect(Date.now()).toBe(1_000_000_000_001);
    expect(clock.uptime()).toBe(12_345 + 2500 + 1);      // the uptime is not the wall clock's business
  });

  it("syncFromRtc: the DS1338's time (2026-12-06 05:18:14) read in one transfer from register 0, set to the middle of its second", () => {
    const rtc = rtcWith([0x14, 0x18, 0x05, 0x07, 0x06, 0x12, 0x26]);
    pass(3000);
    expect(sync(rtc)).toBe(ClockError.None);
    expect(Date.now()).toBe(1_796_534_294_500);         // Date.UTC(2026, 11, 6, 5, 18, 14) + 500
    expect(new Date(Date.now()).toISOString()).toBe("2026-12-06T05:18:14.500Z");
    const log = i2cLog(BSC1);
    expect(log.length).toBe(2);                          // the pointer, then the seven time registers
    expect(log[0].read).toBe(false);
    expect(log[0].bytes[0]).toBe(0);
    expect(log[1].read).toBe(true);
    expect(log[1].bytes.length).toBe(7);
    pass(60_000);
    expect(new Date(Date.now()).toISOString()).toBe("2026-12-06T05:19:14.500Z");
  });

  it("syncFromRtc: a clock in 12-hour mode (5 PM) is read as 17:00", () => {
    const rtc = rtcWith([0x00, 0x00, 0x65, 0x01, 0x29, 0x02, 0x28]);   // 2028-02-29 05 PM
    expect(sync(rtc)).toBe(ClockError.None);
    expect(new Date(Date.now()).toISOString()).toBe("2028-02-29T17:00:00.500Z");
  });

  it("syncFromRtc: a time that cannot be (month 13, Feb 30, second 60) is BadTime, and the time stays", () => {
    refused([0x00, 0x00, 0x00, 0x01, 0x01, 0x13, 0x26], 1_234_567_890_000);
    refused([0x00, 0x00, 0x00, 0x01, 0x30, 0x02, 0x26], 1_234_567_891_000);
    refused([0x60, 0x00, 0x00, 0x01, 0x01, 0x01, 0x26], 1_234_567_892_000);
  });

  it("syncFromRtc: a clock that does not answer is Bus, its error says NACK, and the time stays", () => {
    const rtc = rtcWith([0x14, 0x18, 0x05, 0x07, 0x06, 0x12, 0x26]);
    clock.setTime(1_500_000_000_000);
    i2cFailAfter(BSC1, RTC, 0, FakeFailure.Nack);
    expect(sync(rtc)).toBe(ClockError.Bus);
    expect(rtc.error).toBe(I2cError.Nack);
    expect(Date.now()).toBe(1_500_000_000_000);
    expect(clock.errorName(ClockError.Bus)).toBe("the clock did not answer on the bus");
  });
});
