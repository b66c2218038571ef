// Reboot, power off and the watchdog (drivers/power.ts) against the fake
// host: the PM block's register sequences, which QEMU shows only by
// resetting (and its watchdog never counts).
import * as power from "../../assembly/drivers/power";
import { Board } from "../../assembly/board";
import { trace, since, machine, setReg } from "../../assembly/testing";

describe("power manager (PM)", () => {
  it("arm: WDOG gets the password and the ticks (65536 a second), then RSTC's reset configuration becomes 'full reset', its other bits kept", () => {
    machine(Board.Pi3);
    setReg(0x3f10001c, 0x00000102);
    const mark = trace().length;
    power.watchdog.arm(5000);
    expect(since(mark)).toBe(
      "mmio.write32 0x3f100024 0x5a050000\n" +          // 5 s = 0x50000 ticks
      "mmio.read32 0x3f10001c -> 0x102\n" +
      "mmio.write32 0x3f10001c 0x5a000122",
    );
  });

  it("feed rewrites the countdown; disarm writes RSTC's reset value; a timeout past 16 s is cut to the register's 20 bits", () => {
    machine(Board.Pi4);
    const mark = trace().length;
    power.watchdog.feed(1000);
    power.watchdog.disarm();
    expect(since(mark)).toBe("mmio.write32 0xfe100024 0x5a010000\nmmio.write32 0xfe10001c 0x5a000102");
    expect(power.watchdog.ticksOf(60_000)).toBe(0xfffff);
    setReg(0xfe100024, 0x8000);
    expect(power.watchdog.remainingMs()).toBe(500);
  });

  it("power off: RSTS's partition bits become 63 (0x555, the firmware's halt), its other bits kept, then a 10-tick reset", () => {
    machine(Board.Pi3);
    setReg(0x3f100020, 0x00001000);                    // HADPOR: the last reset was power-on
    setReg(0x3f10001c, 0);
    const mark = trace().length;
    power.requestPowerOff();
    expect(since(mark)).toBe(
      "mmio.read32 0x3f100020 -> 0x1000\nmmio.write32 0x3f100020 0x5a001555\n" +
      "mmio.write32 0x3f100024 0x5a00000a\nmmio.read32 0x3f10001c -> 0x0\nmmio.write32 0x3f10001c 0x5a000020",
    );
  });

  it("reboot: the same 10-tick reset, RSTS untouched (the firmware boots partition 0 again)", () => {
    machine(Board.Pi4);
    setReg(0xfe10001c, 0x30);                          // a configuration already set: replaced, not OR-ed
    const mark = trace().length;
    power.requestReboot();
    expect(since(mark)).toBe("mmio.write32 0xfe100024 0x5a00000a\nmmio.read32 0xfe10001c -> 0x30\nmmio.write32 0xfe10001c 0x5a000020");
  });
});
