// The activity LED per model: which pin (or the firmware's expander) and
// which polarity, chosen from the board revision the mailbox gives.
import * as led from "../../assembly/drivers/led";
import { Kind } from "../../assembly/drivers/led";
import * as gpio from "../../assembly/drivers/gpio";
import { Tag } from "../../assembly/drivers/mailbox";
import { Board } from "../../assembly/board";
import { trace, machine, setProperty, autoAdvance } from "../../assembly/testing";

/** A board whose firmware answers revision `rev`, with the LED driver fresh. */
function model(b: Board, rev: u32): void {
  if (gpio.isClaimed(29)) gpio.release(29);       // what an earlier model claimed
  if (gpio.isClaimed(42)) gpio.release(42);
  machine(b);
  autoAdvance(100);                                // the Pi 3's pull sequence waits on the generic timer
  if (rev) setProperty(Tag.BOARD_REVISION, rev, 0);
  led.rescan();
}

describe("activity LED", () => {
  it("each model's LED from its revision type", () => {
    expect(led.kindFor(0xa02082, Board.Pi3)).toBe(Kind.Expander);   // 3 B
    expect(led.kindFor(0xa020d3, Board.Pi3)).toBe(Kind.PinHigh);    // 3 B+
    expect(led.kindFor(0x9020e0, Board.Pi3)).toBe(Kind.PinHigh);    // 3 A+
    expect(led.kindFor(0x902120, Board.Pi3)).toBe(Kind.PinLow);     // Zero 2 W
    expect(led.kindFor(0xc03111, Board.Pi4)).toBe(Kind.PinHigh);    // 4 B
    expect(led.kindFor(0xa03140, Board.Pi4)).toBe(Kind.PinHigh);    // CM4
    expect(led.kindFor(0xc03130, Board.Pi4)).toBe(Kind.None);       // Pi 400
    expect(led.kindFor(0xa02100, Board.Pi3)).toBe(Kind.None);       // CM3+
    expect(led.pinFor(0xa020d3, Board.Pi3)).toBe(29);
    expect(led.pinFor(0x902120, Board.Pi3)).toBe(29);
    expect(led.pinFor(0xc03111, Board.Pi4)).toBe(42);
    expect(led.pinFor(0xa03140, Board.Pi4)).toBe(42);
    expect(led.kindFor(0, Board.Pi4)).toBe(Kind.PinHigh);           // no revision: by SoC
    expect(led.kindFor(0, Board.Pi3)).toBe(Kind.Expander);
  });

  it("Pi 3 B+: on() drives GPIO 29 high (GPSET0 bit 29), not the expander's power LED", () => {
    model(Board.Pi3, 0xa020d3);
    expect(led.on()).toBe(true);
    const t = trace();
    expect(t.includes("mmio.write32 0x3f20001c 0x20000000")).toBe(true);   // GPSET0
    expect(t.includes("0x38041")).toBe(false);                             // no expander tag
    expect(led.describe()).toBe("GPIO 29, active high");
  });

  it("Pi Zero 2 W: the LED is active low: on() clears GPIO 29 (GPCLR0)", () => {
    model(Board.Pi3, 0x902120);
    expect(led.on()).toBe(true);
    expect(trace().endsWith("mmio.write32 0x3f200028 0x20000000")).toBe(true);   // GPCLR0
    expect(led.off()).toBe(true);
    expect(trace().endsWith("mmio.write32 0x3f20001c 0x20000000")).toBe(true);   // GPSET0
  });

  it("Pi 400 has no activity LED: on() is false and says so", () => {
    model(Board.Pi4, 0xc03130);
    expect(led.on()).toBe(false);
    expect(led.lastError()).toBe("led: this model has no activity LED this driver knows (docs/drivers/led.md)");
  });

  it("Pi 4 B: GPIO 42 high", () => {
    model(Board.Pi4, 0xc03111);
    expect(led.on()).toBe(true);
    expect(trace().endsWith("mmio.write32 0xfe200020 0x400")).toBe(true);   // GPSET1 bit 10
  });
});
