// The simulator's device models (tools/sim/devices) against the datasheets'
// behaviour: reset values, write-1-to-clear, FIFO levels, edge and level
// detection, interrupt delivery; and the module rewrite (tools/sim/module.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SimState, W, C } from "../../tools/sim/state.js";
import { Clock } from "../../tools/sim/clock.js";
import { Machine, FREQUENCY, BusError, type BoardName } from "../../tools/sim/machine.js";
import { prepareModule, ModuleError } from "../../tools/sim/module.js";
import { Tmp105 } from "../../tools/sim/devices/tmp105.js";
import { Eeprom24c } from "../../tools/sim/devices/eeprom.js";
import { Spi, type SpiPart } from "../../tools/sim/devices/spi.js";
import { W25q80 } from "../../tools/sim/devices/w25q80.js";
import { RunningDs1338 } from "../../tools/sim/devices/ds1338.js";

function machine(board: BoardName, time: "manual" | "real" = "manual"): Machine {
  const s = SimState.create();
  Clock.start(s, FREQUENCY[board], time);
  const m = new Machine(s, board, true);
  Atomics.store(s.i32, W.RUNNING, 0xf);
  return m;
}
const GPIO = { pi3: 0x3f200000, pi4: 0xfe200000 }, UART = { pi3: 0x3f201000, pi4: 0xfe201000 };
const ST = { pi3: 0x3f003000, pi4: 0xfe003000 };
const pending = (m: Machine, c: number) => (BigInt(Atomics.load(m.s.i32, m.s.core(c) + C.PENDING_HI) >>> 0) << 32n) | BigInt(Atomics.load(m.s.i32, m.s.core(c) + C.PENDING_LO) >>> 0);

/** Routes interrupt `n` to core `c` and enables it, as drivers/irq.ts enable() does on each board. */
function enable(m: Machine, n: number, c: number): void {
  if (m.board === "pi3") { m.write(0x4000000c, c); m.write(0x3f00b210 + (n < 32 ? 0 : 4), 1 << (n & 31)); return; }
  const id = 96 + n, gicd = 0xff841000;
  const byte = (bank: number, v: number) => { const a = gicd + bank + (id & ~3), sh = (id & 3) * 8; m.write(a, (m.read(a) & ~(0xff << sh)) | (v << sh)); };
  byte(0x400, 0xa0);
  byte(0x800, 1 << c);
  m.write(gicd + 0x100 + (id >> 5) * 4, 1 << (id & 31));
}

for (const board of ["pi3", "pi4"] as const) {
  describe(`simulator devices, ${board}: GPIO (${board === "pi3" ? "BCM2835 ARM Peripherals 6" : "BCM2711 ARM Peripherals 5"})`, () => {
    const g = GPIO[board];
    it("resets every pin to an input with the datasheet's pull: GPIO 0-8 high, 9-27 low", () => {
      const m = machine(board);
      for (let r = 0; r < 6; r++) assert.equal(m.read(g + 4 * r), 0);
      assert.equal(m.read(g + 0x34) & 0x0fffffff, 0x1ff);
    });
    it("an input follows what drives it, else its pull; an output its latch (GPSET/GPCLR)", () => {
      const m = machine(board);
      m.gpio.drive(17, true);
      assert.equal((m.read(g + 0x34) >>> 17) & 1, 1);
      m.gpio.drive(17, undefined);                      // let go: the pull-down at reset
      assert.equal((m.read(g + 0x34) >>> 17) & 1, 0);
      m.write(g + 0x04, 1 << 21);                        // GPFSEL1: pin 17 an output
      m.write(g + 0x1c, 1 << 17);
      assert.equal((m.read(g + 0x34) >>> 17) & 1, 1);
      m.write(g + 0x28, 1 << 17);
      assert.equal((m.read(g + 0x34) >>> 17) & 1, 0);
    });
    it("a pull set the board's way holds a pin the test lets go", () => {
      const m = machine(board);
      if (board === "pi3") {
        m.write(g + 0x94, 2);                             // GPPUD up
        m.write(g + 0x98, 1 << 17);                       // clock pin 17: it takes the control
        m.write(g + 0x94, 0);                             // the sequence's end: control off, then the clock
        m.write(g + 0x98, 0);
      } else {
        m.write(g + 0xe8, (m.read(g + 0xe8) & ~(3 << 2)) | (1 << 2));   // GPIO_PUP_PDN_CNTRL_REG1, pin 17: 01 up
      }
      assert.equal(m.gpio.pull(17), 1);
      m.gpio.drive(17, false);
      m.gpio.drive(17, undefined);
      assert.equal((m.read(g + 0x34) >>> 17) & 1, 1, "the pull-up takes the pin high again");
    });
    it("edge detection latches GPEDS, write 1 clears it; the bank's line and gpio_int[3] follow it", () => {
      const m = machine(board);
      m.gpio.drive(17, true);
      m.write(g + 0x58, 1 << 17);                         // GPFEN0
      assert.equal(m.read(g + 0x40), 0);
      m.gpio.drive(17, false);
      assert.equal(m.read(g + 0x40), 1 << 17);
      assert.equal(m.lines() & (0xfn << 49n), (1n << 49n) | (1n << 52n));
      m.gpio.drive(17, true);                              // a rising edge: not detected
      m.write(g + 0x40, 1 << 17);
      assert.equal(m.read(g + 0x40), 0);
      assert.equal(m.lines() & (0xfn << 49n), 0n);
      m.write(g + 0x4c + 4, 1 << (40 - 32));              // GPREN1, pin 40: gpio_int[1]
      m.gpio.drive(40, true);
      assert.equal(m.lines() & (0xfn << 49n), (1n << 50n) | (1n << 52n));
    });
    it("level detection sets GPEDS again after a clear for as long as the level lasts", () => {
      const m = machine(board);
      m.gpio.drive(5, true);
      m.write(g + 0x64, 1 << 5);                           // GPHEN0
      assert.equal(m.read(g + 0x40) & (1 << 5), 1 << 5);
      m.write(g + 0x40, 1 << 5);
      assert.equal(m.read(g + 0x40) & (1 << 5), 1 << 5, "set again: the level is still high");
      m.gpio.drive(5, false);
      m.write(g + 0x40, 1 << 5);
      assert.equal(m.read(g + 0x40) & (1 << 5), 0);
    });
    it("an enabled, routed GPIO interrupt is taken for its core: masked at the controller, recorded, the core woken", () => {
      const m = machine(board);
      enable(m, 52, 2);
      m.write(g + 0x58, 1 << 17);
      m.gpio.drive(17, false);                              // pulled low at reset: no edge
      m.gpio.drive(17, true);
      m.gpio.drive(17, false);
      m.deliver();
      assert.equal(pending(m, 2), 1n << 52n);
      assert.equal(pending(m, 0), 0n);
      assert.equal(Atomics.load(m.s.i32, m.s.core(2) + C.EVENTS), 2);
      Atomics.store(m.s.i32, m.s.core(2) + C.PENDING_HI, 0);
      m.deliver();                                          // masked now: taken once
      assert.equal(pending(m, 2), 0n);
    });
  });

  describe(`simulator devices, ${board}: PL011 (PrimeCell UART TRM 3.3-3.4)`, () => {
    const u = UART[board];
    it("resets CR to 0x300 and IFLS to 0x12; FR says both FIFOs empty", () => {
      const m = machine(board);
      assert.equal(m.read(u + 0x30), 0x300);
      assert.equal(m.read(u + 0x34), 0x12);
      assert.equal(m.read(u + 0x18), 0x90);
    });
    it("typed bytes fill the 16-byte FIFO; RXRIS at the trigger level until reads take it below; RTRIS until it is empty; ICR clears", () => {
      const m = machine(board);
      m.write(u + 0x2c, 0x70);                            // 8 bits, FIFOs on
      m.write(u + 0x30, 0x301);
      m.write(u + 0x38, (1 << 4) | (1 << 6));             // RXIM, RTIM
      m.s.type([1, 2, 3]);
      assert.equal(m.read(u + 0x3c) & 0x50, 1 << 6, "3 bytes: under the 1/2 trigger (8); the wire is empty: timeout");
      m.s.type([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
      assert.equal(m.read(u + 0x18) & (1 << 6), 1 << 6, "RXFF: 16 bytes in, the rest waits on the wire");
      assert.equal(m.read(u + 0x3c) & (1 << 4), 1 << 4);
      assert.equal(m.lines() & (1n << 57n), 1n << 57n);
      m.write(u + 0x44, 0x7ff);
      assert.equal(m.read(u + 0x40), 0, "ICR clears RIS");
      const got: number[] = [];
      while (!(m.read(u + 0x18) & (1 << 4))) got.push(m.read(u + 0x00));
      assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i + 1), "every byte, in order, nothing lost");
      assert.equal(m.read(u + 0x3c) & 0x50, 0, "empty: no RX, no timeout");
    });
    it("a byte written with UARTEN and TXE goes out on the wire; with the UART off it does not", () => {
      const m = machine(board);
      m.write(u + 0x00, 0x41);
      m.write(u + 0x30, 0x301);
      m.write(u + 0x00, 0x42);
      assert.deepEqual([...m.s.received()], [0x42]);
    });
  });

  describe(`simulator devices, ${board}: system timer (BCM2835 ARM Peripherals 12)`, () => {
    const t = ST[board];
    it("counts at 1 MHz; a compare matches when CLO reaches it, CS holds the match until written 1, and raises its line", () => {
      const m = machine(board);
      m.clock.advanceTo(m.clock.ticks(5));               // 5 ms
      assert.equal(m.read(t + 0x04), 5000);
      m.write(t + 0x0c + 4, 5000 + 300);                 // C1
      assert.equal(m.read(t + 0x00), 0);
      assert.equal(m.deadline(), m.clock.ticks(5.3));
      m.clock.advanceTo(m.clock.ticks(5.3));
      assert.equal(m.read(t + 0x00), 1 << 1);
      assert.equal(m.lines() & 0xfn, 2n);
      m.write(t + 0x00, 1 << 1);
      assert.equal(m.read(t + 0x00), 0);
      assert.equal(m.deadline(), 0n);
    });
  });

  describe(`simulator devices, ${board}: the random number generator (${board === "pi3" ? "BCM2835 RNG" : "RNG200"}, after Linux's drivers)`, () => {
    const rng = (board === "pi3" ? 0x3f000000 : 0xfe000000) + 0x104000;
    const words = (m: Machine) => board === "pi3"
      ? { ready: () => m.read(rng + 0x04) >>> 24, data: () => m.read(rng + 0x08) }
      : { ready: () => m.read(rng + 0x24) & 0xff, data: () => m.read(rng + 0x20) };
    it("has no words until it is on; then words, the same ones for the same seed", () => {
      const take = () => {
        const m = machine(board);
        const w = words(m);
        assert.equal(w.ready(), 0);
        m.write(rng, 1);
        assert.ok(w.ready() > 0);
        return Array.from({ length: 8 }, () => w.data());
      };
      const a = take(), b = take();
      assert.deepEqual(a, b);
      assert.ok(new Set(a).size === 8, "eight different words");
    });
  });

  describe(`simulator devices, ${board}: the bus and the firmware`, () => {
    it("refuses what the stub refuses: outside the windows, unaligned, the DMA controller; an absent block says what the simulator models", () => {
      const m = machine(board);
      assert.throws(() => m.read(0x80000), (e: Error) => e instanceof BusError && /outside the Raspberry Pi \d's peripheral windows/.test(e.message));
      assert.throws(() => m.read(GPIO[board] + 2), /not 4-byte aligned/);
      assert.throws(() => m.write(m.soc.peripheralBase + 0x7004, 1), /the DMA controller's, which the host drives/);
      assert.throws(() => m.read(m.soc.peripheralBase + 0x10001c), /no block answers at .* in the simulator: it models GPIO/);   // PM_RSTC, the watchdog
      assert.equal(m.probe(m.soc.peripheralBase + 0x10001c), -1n);
    });
    it("answers the property tags the kernel asks (revision, memory, clocks, temperature); an unknown tag keeps its response bit clear", () => {
      const m = machine(board);
      const w = new Uint32Array(64);
      w.set([26 * 4, 0, 0x00010002, 4, 0, 0, 0x00030002, 8, 0, 2, 0, 0x00030006, 8, 0, 0, 0, 0x00099999, 4, 0, 0, 0]);
      assert.equal(m.property(w, 0, 1 << 30), 0);
      assert.equal(w[1], 0x80000000);
      assert.equal(w[5], board === "pi3" ? 0xa020d3 : 0xb03115);
      assert.deepEqual([w[9], w[10]], [2, 48_000_000]);
      assert.equal(w[15], 45_000);
      assert.equal(w[18], 0, "unknown tag: no response bit");
    });
  });
}

describe("simulator parts: the TMP105 (TI SBOS336 7.5)", () => {
  const read2 = (t: Tmp105, pointer: number) => { t.start(false); t.write(pointer); t.stop(); t.start(true); const v = [t.read(), t.read()]; t.stop(); return v; };
  it("reads its temperature at the configured resolution (9 bits at reset), its limits at reset, a configuration written", () => {
    const t = new Tmp105();
    t.celsius = 25.3;
    assert.deepEqual(read2(t, 0), [0x19, 0x00], "9 bits: 25.0");
    t.start(false); t.write(1); t.write(0x60); t.stop();           // R1:R0 = 11: 12 bits
    assert.deepEqual(read2(t, 1).slice(0, 1), [0x60]);
    t.celsius = 42.5;
    assert.deepEqual(read2(t, 0), [0x2a, 0x80], "what QEMU's tmp105 reads back for 42.5");
    t.celsius = -21.5;
    assert.deepEqual(read2(t, 0), [0xea, 0x80], "two's complement");
    assert.deepEqual(read2(t, 2), [0x4b, 0x00], "T_LOW 75 C at reset");
    assert.deepEqual(read2(t, 3), [0x50, 0x00], "T_HIGH 80 C at reset");
  });
});

describe("simulator parts: the 24C32 EEPROM (Microchip DS21713 6.0, 8.0)", () => {
  it("takes a 2-byte address, writes wrapping within its 32-byte page, reads on across pages", () => {
    const e = new Eeprom24c(4096);
    const write = (addr: number, bytes: number[]) => { e.start(false); e.write(addr >> 8); e.write(addr & 0xff); bytes.forEach((b) => e.write(b)); e.stop(); };
    write(30, [1, 2, 3, 4]);                                      // 30, 31, then back to 0 and 1 of the same page
    assert.deepEqual([...e.data.subarray(30, 32)], [1, 2]);
    assert.deepEqual([...e.data.subarray(0, 2)], [3, 4]);
    assert.equal(e.data[32], 0xff, "the next page is untouched");
    write(31, []);                                                 // a random read: the address, then a read
    e.start(true);
    assert.deepEqual([e.read(), e.read(), e.read()], [2, 0xff, 0xff], "a read goes on past the page");
    e.stop();
    write(0x1fff, [9]);                                            // high address bits beyond 4 KiB are ignored
    assert.equal(e.data[0xfff], 9);
  });
});

describe("simulator devices: SPI0 (BCM2835 ARM Peripherals 10.5-10.6)", () => {
  /** A part that records what it is told and answers each byte with its complement. */
  class Probe implements SpiPart {
    log: string[] = [];
    select(): void { this.log.push("select"); }
    exchange(out: number): number { this.log.push(out.toString(16)); return ~out & 0xff; }
    deselect(): void { this.log.push("deselect"); }
  }
  const setup = () => {
    const m = machine("pi3");
    const spi = new Spi(0x3f204000, m.gpio, [8, 7]);
    return { m, spi, gpio: (off: number, v: number) => m.write(0x3f200000 + off, v) };
  };

  it("resets CS to 0x00041000 (TXD); with TA, each byte written goes out and its answer fills RX; RXR at 48 bytes, RXF at 64, the rest waits in TX", () => {
    const { spi } = setup();
    const probe = new Probe();
    spi.attach(probe, 0);                                   // GPIO 8 an input pulled high: deselected
    assert.equal(spi.read(0x00), 0x00041000);
    spi.write(0x04, 0x12);                                  // no TA: queued, not sent
    assert.deepEqual(probe.log, []);
    spi.write(0x00, 0x80);                                  // TA: sent (the line is the GPIO's: still high, so nobody answers)
    assert.equal(spi.read(0x00) & 0x1f0000, 0x070000, "DONE, RXD, TXD");
    assert.equal(spi.read(0x04), 0);
    assert.equal(spi.read(0x00) & (1 << 17), 0, "RX empty again");
    for (let i = 0; i < 70; i++) spi.write(0x04, i);
    const cs = spi.read(0x00);
    assert.ok(cs & (1 << 19) && cs & (1 << 20), "RXR and RXF with 64 received");
    assert.equal(cs & (1 << 16), 0, "not DONE: 6 bytes wait in TX");
    spi.read(0x04);
    assert.ok(spi.read(0x00) & (1 << 20), "a read makes room: the next byte goes, and fills it again");
    for (let i = 0; i < 5; i++) spi.read(0x04);
    assert.ok(spi.read(0x00) & (1 << 16), "DONE once the last waiting byte went");
    spi.write(0x00, 0x30);                                  // CLEAR both, TA off
    assert.equal(spi.read(0x00) & 0x1f0000, 0x040000, "both FIFOs empty, not DONE without TA");
  });

  it("the block's own chip select (GPIO 8 in ALT0): active while TA is set and CS names CE0, inverted by CSPOL0; the interrupt follows INTD and DONE", () => {
    const { spi, gpio } = setup();
    const probe = new Probe();
    spi.attach(probe, 0);
    gpio(0x00, 4 << 24);                                    // GPFSEL0: GPIO 8 ALT0
    spi.write(0x00, 0x80 | 0x200);                          // TA, CS 0, INTD
    spi.write(0x04, 0x9f);
    assert.deepEqual(probe.log, ["select", "9f"]);
    assert.equal(spi.line, true, "INTD and DONE");
    assert.equal(spi.read(0x04), 0x60, "the part's answer");
    spi.write(0x00, 0x200);                                 // TA off: deselected, no DONE
    assert.deepEqual(probe.log, ["select", "9f", "deselect"]);
    assert.equal(spi.line, false);
    spi.write(0x00, 0x81);                                  // TA with CS 1: CE0 stays high
    spi.write(0x04, 0x01);
    assert.equal(probe.log.length, 3);
    spi.write(0x00, 1 << 21);                               // CSPOL0, no TA: CE0 driven low (active high polarity, idle)
    assert.equal(probe.log.at(-1), "select");
  });

  it("a GPIO chip select: every change between two accesses reaches the part in order (a deselect and a select are not lost)", () => {
    const { spi, gpio } = setup();
    const probe = new Probe();
    gpio(0x00, 1 << 24);                                    // GPIO 8 an output
    gpio(0x1c, 1 << 8);                                     // high
    spi.attach(probe, 0);
    spi.write(0x00, 0x80);
    gpio(0x28, 1 << 8);                                     // low
    spi.write(0x04, 0x06);
    gpio(0x1c, 1 << 8); gpio(0x28, 1 << 8);                 // a whole pulse between two accesses
    spi.write(0x04, 0x05);
    gpio(0x1c, 1 << 8);
    spi.read(0x00);
    assert.deepEqual(probe.log, ["select", "6", "deselect", "select", "5", "deselect"]);
  });
});

describe("simulator devices: the DMA controller's channels as module dma programs them (BCM2835 ARM Peripherals 4.2.1)", () => {
  it("a copy takes the engine's time: ACTIVE, then END and INT with the channel's line, the bytes moved only then; status clears them; a stop moves the part copied", () => {
    const m = machine("pi3");
    const mem = new Uint8Array(1 << 20);
    m.dma.memory = mem;
    mem.fill(7, 0x1000, 0x1000 + 250_000);
    const cs = (ch: number) => m.read(0x3f007000 + ch * 0x100);
    m.dma.start(2, 0x80000, 0x1000, 250_000);               // 1 ms at 250 MB/s
    assert.equal(cs(2) & 7, 1, "ACTIVE");
    assert.equal(m.dma.status(2), 0);
    assert.equal(mem[0x80000], 0, "nothing moved yet");
    assert.ok(m.dma.deadline() > 0n);
    m.clock.advanceTo(m.clock.now() + m.clock.ticks(1.01));
    assert.equal(cs(2) & 7, 6, "END and INT");
    assert.equal(m.lines() & (1n << 18n), 1n << 18n, "VideoCore 16 + 2");
    assert.equal(m.read(0x3f007fe0), 1 << 2, "INT_STATUS");
    assert.ok(mem.subarray(0x80000, 0x80000 + 250_000).every((b) => b === 7));
    assert.equal(m.dma.status(2), 1);
    assert.equal(cs(2) & 7, 0, "END and INT cleared");
    assert.equal(m.lines() & (1n << 18n), 0n);
    m.dma.start(4, 0xc0000, 0x1000, 250_000);
    m.clock.advanceTo(m.clock.now() + m.clock.ticks(0.5));
    m.dma.stop(4);
    const moved = mem.subarray(0xc0000, 0xc0000 + 250_000).findIndex((b) => b !== 7);
    assert.ok(moved > 100_000 && moved < 150_000, `a stop half way moved ${moved} bytes`);
    assert.equal(m.dma.status(4), 1, "the channel is free");
    assert.throws(() => m.write(0x3f007000, 1), /the DMA controller's, which the host drives/);
  });
});

describe("simulator devices: the PWM clock (CM_PWMCTL/DIV: BCM2835 ARM Peripherals 6.3's fields) and the PWM block (9.6)", () => {
  for (const board of ["pi3", "pi4"] as const) {
    it(`${board}: writes without the password do nothing; BUSY follows ENAB; RNG1/2 reset to 0x20; a channel's frequency, duty and pulse from CTL, RNGn and DATn`, () => {
      const m = machine(board);
      const p = m.soc.peripheralBase, cm = p + 0x101000, pwm = p + 0x20c000, osc = m.soc.oscillatorHz;
      assert.equal(m.read(pwm + 0x10), 0x20);
      assert.equal(m.read(pwm + 0x20), 0x20);
      assert.equal(m.read(pwm + 0x08), 0x0707, "DMAC");
      m.write(cm + 0xa4, 1 << 12);                             // no password
      assert.equal(m.read(cm + 0xa4), 0);
      m.write(cm + 0xa4, 0x5a000000 | (2 << 12));
      m.write(cm + 0xa0, 0x5a000000 | 1);
      assert.equal(m.read(cm + 0xa0) & 0x80, 0, "not BUSY before ENAB");
      m.write(cm + 0xa0, 0x5a000000 | 1 | 0x10);
      assert.equal(m.read(cm + 0xa0) & 0x90, 0x90, "ENAB and BUSY");
      m.write(pwm + 0x10, osc / 2 / 100);                      // RNG1: 100 Hz
      m.write(pwm + 0x14, osc / 2 / 400);                      // DAT1: a quarter
      m.write(pwm + 0x00, 0x81);                               // PWEN1, MSEN1
      m.write(GPIO[board] + 0x04, 2 << 24);                    // GPIO 18 ALT5: PWM0 channel 1
      const out = m.pwmOn(18)!;
      assert.deepEqual([out.running, out.mode, out.hz, out.duty], [true, "mark-space", 100, 0.25]);
      assert.ok(Math.abs(out.pulseMicros - 2500) < 1e-6);
      assert.equal(m.read(pwm + 0x04) & (1 << 9), 1 << 9, "STA1: channel 1 runs");
      m.write(pwm + 0x00, 0x91);                               // POLA1: inverted
      assert.equal(m.pwmOn(18)!.duty, 0.75);
      m.write(pwm + 0x14, osc);                                // DAT past RNG: always high (then inverted: low)
      assert.equal(m.pwmOn(18)!.duty, 0);
      m.write(cm + 0xa0, 0x5a000000 | 1 | 0x10 | 0x20);        // KILL: no clock, no signal
      assert.equal(m.pwmOn(18)!.running, false);
      m.write(GPIO[board] + 0x04, 0);                          // GPIO 18 an input again
      assert.equal(m.pwmOn(18), null);
    });
  }
});

describe("simulator parts: the DS1338 clock, running (Maxim DS1338: Table 2, Clock and Calendar)", () => {
  const read = (rtc: RunningDs1338) => { rtc.start(false); rtc.write(0); rtc.stop(); rtc.start(true); const r = Array.from({ length: 7 }, () => rtc.read()); rtc.stop(); return r.map((b) => b.toString(16).padStart(2, "0")).join(" "); };
  it("counts whole seconds of the board's clock in BCD across a year's end; CH stops it; a time written sets it", () => {
    let now = 0;
    const rtc = new RunningDs1338(new Date(Date.UTC(2029, 11, 31, 23, 59, 58)));
    rtc.attached(() => now);
    assert.equal(read(rtc), "58 59 23 02 31 12 29");
    now = 1_999;
    assert.equal(read(rtc), "59 59 23 02 31 12 29", "one whole second");
    now = 62_500;
    assert.equal(read(rtc), "00 01 00 03 01 01 30", "past midnight into 2030");
    rtc.start(false); rtc.write(0); rtc.write(0x80 | 0x15); rtc.stop();   // CH set, seconds 15
    now = 200_000;
    assert.equal(read(rtc).slice(0, 2), "95", "halted: CH and 15 s, still");
    rtc.start(false); rtc.write(0); rtc.write(0x15); rtc.write(0x30); rtc.stop();   // CH cleared: 00:30:15
    now = 205_000;
    assert.equal(read(rtc).slice(0, 8), "20 30 00", "five seconds on from the time written");
  });
});

describe("simulator parts: the W25Q80 flash (Winbond W25Q80DV 8, 9.6)", () => {
  const run = (f: W25q80, bytes: number[]) => { f.select(); const out = bytes.map((b) => f.exchange(b)); f.deselect(); return out; };
  it("its ids; a program needs write enable, only clears bits and wraps within its page; BUSY for tPP, WEL cleared after", () => {
    const f = new W25q80();
    let now = 0;
    f.attached(() => now);
    assert.deepEqual(run(f, [0x9f, 0, 0, 0]).slice(1), [0xef, 0x40, 0x14]);
    assert.deepEqual(run(f, [0x90, 0, 0, 0, 0, 0]).slice(4), [0xef, 0x13]);
    run(f, [0x02, 0x00, 0x10, 0x00, 0x12]);                 // no write enable: ignored
    assert.equal(f.bytes[0x1000], 0xff);
    run(f, [0x06]);
    assert.equal(run(f, [0x05, 0])[1], 0x02, "WEL");
    run(f, [0x02, 0x00, 0x10, 0xfe, 0xf0, 0x0f, 0x33]);     // 3 bytes from 0x10fe: the third wraps to 0x1000
    assert.deepEqual([f.bytes[0x10fe], f.bytes[0x10ff], f.bytes[0x1000]], [0xf0, 0x0f, 0x33]);
    assert.equal(run(f, [0x05, 0])[1], 0x01, "BUSY, WEL cleared");
    assert.deepEqual(run(f, [0x03, 0x00, 0x10, 0xfe, 0]).slice(4), [0], "nothing but the status while BUSY");
    now = 1;                                                // past tPP (0.7 ms)
    assert.equal(run(f, [0x05, 0])[1], 0);
    assert.deepEqual(run(f, [0x03, 0x00, 0x10, 0xfe, 0, 0, 0]).slice(4), [0xf0, 0x0f, 0xff], "a read goes on past the page");
    assert.deepEqual(run(f, [0x0b, 0x00, 0x10, 0x00, 0, 0]).slice(5), [0x33], "fast read: a dummy byte first");
    run(f, [0x06]); run(f, [0x02, 0x00, 0x10, 0xfe, 0x0f]); now = 2;
    assert.equal(f.bytes[0x10fe], 0x00, "a program only clears bits (0xf0 & 0x0f)");
    run(f, [0x06]); run(f, [0x20, 0x00, 0x10, 0x80]);      // the 4 KiB sector of 0x1080
    assert.equal(run(f, [0x05, 0])[1] & 1, 1);
    now = 50;                                               // past tSE (45 ms)
    assert.ok(f.bytes.subarray(0x1000, 0x2000).every((b) => b === 0xff));
    assert.equal(run(f, [0x05, 0])[1], 0);
  });
});

describe("simulator: the display (the firmware's framebuffer tags, Raspberry Pi firmware wiki)", () => {
  it("a physical and a virtual size, 32 bits, a pitch, one buffer in the VideoCore's RAM; an offset only within the virtual size; release closes the window", () => {
    const m = machine("pi3");
    const fb = m.fb;
    assert.deepEqual(fb.answer(0x00040003, 0, 0), [640, 480]);
    assert.deepEqual(fb.answer(0x00048004, 640, 960), [640, 960]);
    assert.deepEqual(fb.answer(0x00048005, 16, 0), [32], "32 bits whatever is asked");
    assert.deepEqual(fb.answer(0x00040008, 0, 0), [2560]);
    assert.equal(fb.bytes, 0);
    assert.deepEqual(fb.answer(0x00040001, 16, 0), [0xfc100000, 2560 * 960]);
    assert.equal(fb.bytes, 2560 * 960);
    assert.deepEqual(fb.answer(0x00048004, 800, 600), [640, 960], "no new size while a buffer is allocated");
    assert.deepEqual(fb.answer(0x00048009, 0, 480), [0, 480]);
    assert.deepEqual(fb.answer(0x00048009, 0, 481), [0, 480], "past the virtual size: kept");
    assert.equal(fb.answer(0x00010001, 0, 0), null, "not a framebuffer tag");
    fb.answer(0x00048001, 0, 0);
    assert.equal(fb.bytes, 0);
    const refused = () => fb.host(new Uint8Array(64), (msg) => new Error(msg)).write(0, 2560, 0, 0, 4, 1);
    assert.throws(refused, /fb\.write: no framebuffer: the firmware has not allocated one/);
  });
});

describe("simulator: kernel.wasm made to share its memory (tools/sim/module.ts)", () => {
  it("imports a shared memory of the module's own size; the other cores' copy has no active data", () => {
    const p = prepareModule(readFileSync("build/kernel.wasm"));
    const first = new WebAssembly.Module(p.first), others = new WebAssembly.Module(p.others);
    assert.deepEqual(WebAssembly.Module.imports(first).filter((i) => i.kind === "memory"), [{ module: "env", name: "memory", kind: "memory" }]);
    assert.equal(p.pages, 1024);
    const memory = new WebAssembly.Memory({ initial: p.pages, maximum: p.pages, shared: true });
    const stub: Record<string, Record<string, () => number>> = {};
    for (const i of WebAssembly.Module.imports(first)) if (i.kind === "function") (stub[i.module] ??= {})[i.name] = () => 0;
    const fresh = () => new Uint8Array(memory.buffer).reduce((n, b) => n + (b ? 1 : 0), 0);
    new WebAssembly.Instance(others, { ...stub, env: { memory } });
    assert.equal(fresh(), 0, "no data written by the other cores' instances");
    new WebAssembly.Instance(first, { ...stub, env: { memory } });
    assert.ok(fresh() > 1000, "core 0's instance writes the static data");
  });
  it("refuses a module that is not one, or whose memory can grow", () => {
    assert.throws(() => prepareModule(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), (e: Error) => e instanceof ModuleError && /not a WebAssembly module/.test(e.message));
    // (module (memory 1 2)): a memory that can grow
    const growable = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 1, 1, 2]);
    assert.throws(() => prepareModule(growable), /1 to 2 pages: the cores share a memory of a fixed size/);
    assert.throws(() => prepareModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), /has no memory/);
    // A section size whose LEB128 never ends: the shared reader's error, said as the simulator's.
    assert.throws(() => prepareModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f])),
      (e: Error) => e instanceof ModuleError && /kernel\.wasm is malformed: LEB128 number too long .*build it again/.test(e.message));
  });
});
