// The ARM's clock and the SoC's temperature (drivers/clocks.ts) against the
// fake firmware: the boot's fullSpeed() asks for the maximum only when the
// ARM is below it, and reports what the firmware then says. QEMU's
// firmware answers fixed values, so only here does a rate change.
import * as clocks from "../../assembly/drivers/clocks";
import { Tag } from "../../assembly/drivers/mailbox";
import { Board } from "../../assembly/board";
import { trace, since, machine, setProperty } from "../../assembly/testing";
import { startKept, tick } from "./run";
import { ticksFromMillis } from "../../assembly/kernel/exec";

function count(text: string, what: string): i32 { return text.split(what).length - 1; }

describe("ARM clock and temperature", () => {
  it("fullSpeed(): below the maximum, asks for it, and the firmware's new rate is what it returns", () => {
    machine(Board.Pi4);
    setProperty(Tag.MAX_CLOCK_RATE, 3, 1_500_000_000);
    setProperty(Tag.CLOCK_RATE, 3, 600_000_000);
    setProperty(Tag.SET_CLOCK_RATE, 3, 0);                 // the firmware takes sets
    expect(clocks.armHz()).toBe(600_000_000);
    const mark = trace().length;
    expect(clocks.fullSpeed()).toBe(1_500_000_000);
    expect(count(since(mark), "mailbox.call")).toBe(4);      // max, now, set, now again
    expect(clocks.armHz()).toBe(1_500_000_000);
  });

  it("fullSpeed(): at the maximum already, no set; a firmware that refuses sets leaves the rate, and says so by it", () => {
    machine(Board.Pi3);
    setProperty(Tag.MAX_CLOCK_RATE, 3, 1_200_000_000);
    setProperty(Tag.CLOCK_RATE, 3, 1_200_000_000);
    const mark = trace().length;
    expect(clocks.fullSpeed()).toBe(1_200_000_000);
    expect(count(since(mark), "mailbox.call")).toBe(3);      // max, now, now: no set
    machine(Board.Pi3);
    setProperty(Tag.MAX_CLOCK_RATE, 3, 1_200_000_000);
    setProperty(Tag.CLOCK_RATE, 3, 600_000_000);        // and no answer to the set
    expect(clocks.fullSpeed()).toBe(600_000_000);
    expect(clocks.setArmHz(1_200_000_000)).toBe(0);
  });

  it("without a firmware answer: 0 rates, 0 degrees, throttling unknown (0xFFFFFFFF), and fullSpeed() does nothing", () => {
    machine(Board.Pi4);
    expect(clocks.armHz()).toBe(0);
    expect(clocks.fullSpeed()).toBe(0);
    expect(clocks.milliCelsius()).toBe(0);
    expect(clocks.throttled()).toBe(0xffffffff);
    setProperty(Tag.TEMPERATURE, 0, 47_230);
    setProperty(Tag.THROTTLED, 0x50005, 0);
    expect(clocks.milliCelsius()).toBe(47_230);
    expect(clocks.throttled() & clocks.Throttled.UNDER_VOLTAGE).toBe(clocks.Throttled.UNDER_VOLTAGE);
  });

  it("lowSpeed() asks for the model's least clock; keepCool() slows down at the limit and speeds up below it by the hysteresis", () => {
    machine(Board.Pi3);
    setProperty(Tag.MAX_CLOCK_RATE, 3, 1_200_000_000);
    setProperty(Tag.MIN_CLOCK_RATE, 3, 600_000_000);
    setProperty(Tag.CLOCK_RATE, 3, 1_200_000_000);
    setProperty(Tag.SET_CLOCK_RATE, 3, 0);
    setProperty(Tag.TEMPERATURE, 0, 60_000);
    expect(clocks.lowSpeed()).toBe(600_000_000);
    expect(clocks.fullSpeed()).toBe(1_200_000_000);
    const guard = startKept(clocks.keepCool(75_000, 5_000, 1000));
    expect(clocks.cooling.slowed).toBe(false);
    setProperty(Tag.TEMPERATURE, 0, 76_000);
    tick(ticksFromMillis(1000));
    expect(clocks.cooling.slowed).toBe(true);
    expect(clocks.armHz()).toBe(600_000_000);
    setProperty(Tag.TEMPERATURE, 0, 72_000);                 // cooler, not by the hysteresis yet
    tick(ticksFromMillis(1000));
    expect(clocks.armHz()).toBe(600_000_000);
    setProperty(Tag.TEMPERATURE, 0, 70_000);
    tick(ticksFromMillis(1000));
    expect(clocks.cooling.slowed).toBe(false);
    expect(clocks.armHz()).toBe(1_200_000_000);
    expect(clocks.cooling.slowDowns).toBe(1);
    expect(clocks.cooling.speedUps).toBe(1);
    guard.f.cancel();
  });
});
