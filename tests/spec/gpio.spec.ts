// The GPIO driver against the recording fake host's register file
// (tools/testing/fake-host.ts): the exact register sequences for function
// select, pulls on each board, edge detection and the event status, and the
// edge-wait future woken by the interrupt's bottom half.
import * as gpio from "../../assembly/drivers/gpio";
import { Pull, Edge, Function } from "../../assembly/drivers/gpio";
import { Board } from "../../assembly/board";
import { Task, Context, spawnOn, spawnJoin, runOnce } from "../../assembly/kernel/exec";
import { dispose } from "../../assembly/kernel/mem/lifetime";
import { println } from "../../assembly/arch/console";
import { trace, since, machine, setReg, getReg, writeOneToClear, autoAdvance, now } from "../../assembly/testing";


const PI3: u32 = 0x3f200000;
const PI4: u32 = 0xfe200000;

/** A fresh fake machine of the given board; the clock moves on by itself (pull timing). */
function fresh(board: Board): u32 {
  machine(board);
  autoAdvance(10);
  const base = board == Board.Pi4 ? PI4 : PI3;
  writeOneToClear(base + gpio.GPEDS0);
  writeOneToClear(base + gpio.GPEDS0 + 4);
  return base;
}

describe("gpio: function select and drive", () => {
  it("output() on a Pi 3: pull off (GPPUD sequence), level first, then the function", () => {
    fresh(Board.Pi3);
    const led = gpio.output(17);
    expect(trace()).toBe(
      "mmio.write32 0x3f200094 0x0\n" +          // GPPUD: off
      "mmio.write32 0x3f200098 0x20000\n" +      // GPPUDCLK0: clock pin 17
      "mmio.write32 0x3f200094 0x0\n" +
      "mmio.write32 0x3f200098 0x0\n" +
      "mmio.write32 0x3f200028 0x20000\n" +      // GPCLR0: low before it drives
      "mmio.read32 0x3f200004 -> 0x0\n" +        // GPFSEL1
      "mmio.write32 0x3f200004 0x200000",        // pin 17 = bits 21-23 = 001 output
    );
    led.release();
  });

  it("output() on a Pi 4: the pull is a 2-bit field of GPIO_PUP_PDN_CNTRL_REG1", () => {
    fresh(Board.Pi4);
    setReg(PI4 + 0xe8, 0xffffffff);               // every pull of pins 16-31 set
    const led = gpio.output(17, true);
    expect(trace()).toBe(
      "mmio.read32 0xfe2000e8 -> 0xffffffff\n" +
      "mmio.write32 0xfe2000e8 0xfffffff3\n" +   // pin 17: bits 2-3 = 00, none
      "mmio.write32 0xfe20001c 0x20000\n" +      // GPSET0: high before it drives
      "mmio.read32 0xfe200004 -> 0x0\n" +
      "mmio.write32 0xfe200004 0x200000",
    );
    led.release();
  });

  it("function select keeps the other pins of the register", () => {
    const base = fresh(Board.Pi3);
    setReg(base + 0x04, 0x9249249);                // GPFSEL1: pins 10-19 all outputs
    gpio.setFunction(14, Function.Alt0);
    expect(getReg(base + 0x04)).toBe(0x9249249 & ~(7 << 12) | (4 << 12));
    gpio.setFunction(53, Function.Alt5);           // GPFSEL5, pin 53: bits 9-11 = 010
    expect(getReg(base + 0x14)).toBe(2 << 9);
  });

  it("high, low and toggle write GPSET/GPCLR of the pin's bank; isHigh reads GPLEV", () => {
    const base = fresh(Board.Pi4);
    const p = gpio.output(40);
    const mark = trace().length;
    p.high();
    p.low();
    setReg(base + 0x38, 1 << 8);                   // GPLEV1: pin 40 high
    expect(p.isHigh).toBe(true);
    p.toggle();
    expect(since(mark)).toBe(
      "mmio.write32 0xfe200020 0x100\n" +        // GPSET1
      "mmio.write32 0xfe20002c 0x100\n" +        // GPCLR1
      "mmio.read32 0xfe200038 -> 0x100\n" +
      "mmio.read32 0xfe200038 -> 0x100\n" +
      "mmio.write32 0xfe20002c 0x100",           // high, so toggle drives low
    );
    p.release();
  });
});

describe("gpio: pulls", () => {
  it("Pi 3: up is GPPUD 2, down is GPPUD 1, clocked into the pin's bank", () => {
    fresh(Board.Pi3);
    gpio.setPull(4, Pull.Up);
    gpio.setPull(35, Pull.Down);
    expect(trace()).toBe(
      "mmio.write32 0x3f200094 0x2\nmmio.write32 0x3f200098 0x10\nmmio.write32 0x3f200094 0x0\nmmio.write32 0x3f200098 0x0\n" +
      "mmio.write32 0x3f200094 0x1\nmmio.write32 0x3f20009c 0x8\nmmio.write32 0x3f200094 0x0\nmmio.write32 0x3f20009c 0x0",
    );
  });

  it("Pi 4: up is 01, down is 10, in the pin's two bits", () => {
    const base = fresh(Board.Pi4);
    gpio.setPull(4, Pull.Up);
    expect(getReg(base + 0xe4)).toBe(1 << 8);
    gpio.setPull(4, Pull.Down);
    expect(getReg(base + 0xe4)).toBe(2 << 8);
    gpio.setPull(57, Pull.Up);                     // REG3, pin 57: bits 18-19
    expect(getReg(base + 0xf0)).toBe(1 << 18);
  });

  it("Pi 3: waits a microsecond of the generic timer after setting GPPUD and after clocking", () => {
    fresh(Board.Pi3);
    autoAdvance(1);                               // one tick per read of the counter
    const before = now();
    gpio.setPull(2, Pull.Up);
    // 62,500,000 ticks a second: 62 ticks a microsecond, twice.
    expect(now() - before).toBeGreaterThanOrEqual(2 * 62);
    expect(getReg(PI3 + 0x94)).toBe(0);
  });
});

describe("gpio: edge detection and events", () => {
  it("detect() sets exactly the chosen enables and clears a stale event", () => {
    const base = fresh(Board.Pi3);
    setReg(base + gpio.GPEDS0, 1 << 4);           // an old event on pin 4
    setReg(base + 0x58, 1 << 9);                  // GPFEN0: pin 9's falling edge stays
    const b = gpio.input(4, Pull.Up);
    const mark = trace().length;
    b.detect(Edge.Rising | Edge.Falling);
    expect(since(mark)).toBe(
      "mmio.read32 0x3f20004c -> 0x0\nmmio.write32 0x3f20004c 0x10\n" +      // GPREN0
      "mmio.read32 0x3f200058 -> 0x200\nmmio.write32 0x3f200058 0x210\n" +   // GPFEN0
      "mmio.read32 0x3f200064 -> 0x0\nmmio.write32 0x3f200064 0x0\n" +       // GPHEN0
      "mmio.read32 0x3f200070 -> 0x0\nmmio.write32 0x3f200070 0x0\n" +       // GPLEN0
      "mmio.read32 0x3f20007c -> 0x0\nmmio.write32 0x3f20007c 0x0\n" +       // GPAREN0
      "mmio.read32 0x3f200088 -> 0x0\nmmio.write32 0x3f200088 0x0\n" +       // GPAFEN0
      "mmio.write32 0x3f200040 0x10",                                          // GPEDS0: write 1 clears
    );
    expect(getReg(base + gpio.GPEDS0)).toBe(0);
    expect(b.takeEvent()).toBe(false);
    b.release();
    expect(getReg(base + 0x58)).toBe(1 << 9);     // release turned pin 4's off, left pin 9's
  });

  it("takeEvent reads the status bit, then clears it by writing 1: true once", () => {
    const base = fresh(Board.Pi4);
    const b = gpio.input(33);
    setReg(base + gpio.GPEDS0 + 4, (1 << 1) | (1 << 7));   // pins 33 and 39
    const mark = trace().length;
    expect(b.takeEvent()).toBe(true);
    expect(b.takeEvent()).toBe(false);
    expect(since(mark)).toBe(
      "mmio.read32 0xfe200044 -> 0x82\nmmio.write32 0xfe200044 0x2\nmmio.read32 0xfe200044 -> 0x80",
    );
    expect(getReg(base + gpio.GPEDS0 + 4)).toBe(1 << 7);   // pin 39's event is not ours to clear
    b.release();
  });

  it("the edge future is pending until the interrupt's bottom half sees the event, then ready", () => {
    const base = fresh(Board.Pi3);
    const b = gpio.input(4);
    b.detect(Edge.Falling);
    const t = new WaitEdge(b);
    spawnOn(0, t);
    while (runOnce()) {}
    expect(t.presses).toBe(0);
    setReg(base + gpio.GPEDS0, 1 << 4);           // the edge: the status bit, and the interrupt
    const found = gpio.serviceGpioInterrupt();
    expect(found).toBe(1 << 4);
    expect(getReg(base + gpio.GPEDS0)).toBe(0);   // cleared, so the level interrupt drops
    while (runOnce()) {}
    expect(t.presses).toBe(1);
    dispose(t);
    b.release();
  });
});

describe("gpio: misuse", () => {
  it("a pin that does not exist on the board stops the core and says so", () => {
    fresh(Board.Pi3);
    expect(() => { gpio.output(54); }).toThrow();
    expect(trace()).toBe("sys.panic gpio: pin 54 does not exist on the Raspberry Pi 3 (BCM2837): its pins are 0-53");
    fresh(Board.Pi4);
    expect(() => { gpio.output(57).release(); }).not.toThrow();
  });

  it("claiming a pin twice stops the core and says so", () => {
    fresh(Board.Pi3);
    const a = gpio.output(21);
    expect(() => { gpio.input(21); }).toThrow();
    expect(trace().endsWith("\nsys.panic gpio: pin 21 is already claimed (release() it first, or use the pin object that holds it)")).toBe(true);
    a.release();
    expect(gpio.isClaimed(21)).toBe(false);
    gpio.input(21).release();                      // free again
  });
});

/** Counts edges: each one wakes it (it never finishes). */
class WaitEdge extends Task {
  presses: i32 = 0;
  wait: gpio.EdgeWait;
  constructor(pin: gpio.InputPin) { super(); this.wait = pin.edge(); }
  poll(cx: Context): bool {
    while (this.wait.poll(cx)) { this.presses++; println("press"); this.wait.reset(); }
    return false;
  }
  dispose(): void { dispose(this.wait); }
}

/** Waits for the pin to go high, once. */
class WaitHigh extends Task {
  wait: gpio.LevelWait;
  ready: bool = false;
  constructor(pin: gpio.InputPin) { super(); this.wait = pin.waitForLevel(true); }
  poll(cx: Context): bool {
    if (!this.wait.poll(cx)) return false;
    this.ready = true;
    return true;
  }
}

describe("gpio: waiting for a level", () => {
  it("is ready at once when the pin is already at the level, without touching detection", () => {
    const base = fresh(Board.Pi3);
    const p = gpio.input(5);
    setReg(base + gpio.GPLEV0, 1 << 5);
    const t = new WaitHigh(p);
    const h = spawnJoin(t);
    while (runOnce()) {}
    expect(t.ready).toBe(true);
    expect(getReg(base + 0x64)).toBe(0);          // GPHEN0 untouched
    dispose(t);
    dispose(h);
    p.release();
  });

  it("turns on high detection while it waits, and the interrupt turns it off again (no storm)", () => {
    const base = fresh(Board.Pi4);
    const p = gpio.input(5);
    const t = new WaitHigh(p);
    const h = spawnJoin(t);
    while (runOnce()) {}
    expect(getReg(base + 0x64)).toBe(1 << 5);     // GPHEN0: pin 5
    expect(t.ready).toBe(false);
    setReg(base + gpio.GPLEV0, 1 << 5);           // the level comes: status bit, interrupt
    setReg(base + gpio.GPEDS0, 1 << 5);
    gpio.serviceGpioInterrupt();
    expect(getReg(base + 0x64)).toBe(0);          // high detection off: the status cannot re-assert
    expect(getReg(base + gpio.GPEDS0)).toBe(0);
    while (runOnce()) {}
    expect(t.ready).toBe(true);
    dispose(t);
    dispose(h);
    p.release();
  });

  it("waitForEdge sets the detection and waits for it", () => {
    const base = fresh(Board.Pi3);
    const p = gpio.input(6);
    const w = p.waitForEdge(Edge.Rising);
    expect(getReg(base + gpio.GPREN0)).toBe(1 << 6);
    dispose(w);
    p.release();
  });
});
