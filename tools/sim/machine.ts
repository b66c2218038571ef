// The board behind the host ABI: the device models at their addresses (from
// the one description, tools/boards/spec.ts), the bus that decodes an
// access, the interrupt lines and the top half that takes them for a core
// (as boot/board/irq.c does), and the firmware's answers to the mailbox.
//
// Every thread (each core's worker, the controlling thread) makes its own
// Machine over the same shared state, in the same order, so they all see
// one set of devices. Only the controlling thread passes `init`, which
// writes the reset values.
import { SOCS, type Soc } from "../boards/spec.js";
import { SimState, W, C, EVENT_IRQ, EVENT_TIMER, MAX_CORES } from "./state.js";
import { Clock } from "./clock.js";
import { Regs, type Device } from "./devices/device.js";
import { Gpio, Pull } from "./devices/gpio.js";
import { Pl011 } from "./devices/pl011.js";
import { SysTimer } from "./devices/systimer.js";
import { Bcm2835Intc, Gic400, type Controller } from "./devices/intc.js";
import { Rng } from "./devices/rng.js";
import { RemoteDevice } from "./devices/remote.js";
import { Framebuffer } from "./devices/framebuffer.js";
import { Dma, DMA_CHANNELS } from "./devices/dma.js";
import { ClockManager, Pwm, type PwmOutput } from "./devices/pwm.js";

export type BoardName = "pi3" | "pi4";

/** GPFSELn's code of each alternate function (BCM2835 ARM Peripherals 6.1, table 6-2): ALT0 100, ALT1 101, ALT2 110, ALT3 111, ALT4 011, ALT5 010. */
const ALT_CODE = [4, 5, 6, 7, 3, 2];

/** The board revision the simulated firmware reports: a Pi 3 Model B+ (ACT LED on GPIO 29), a Pi 4 Model B (GPIO 42). */
export const REVISION: Record<BoardName, number> = { pi3: 0xa020d3, pi4: 0xb03115 };
/** The generic timer's frequency on the board (docs/boards.md). */
export const FREQUENCY: Record<BoardName, number> = { pi3: 19_200_000, pi4: 54_000_000 };

/**
 * Each pin's pull at reset: BCM2835 ARM Peripherals 6.2 (the table of
 * alternate functions, column "Pull": 0-8 high, 9-27 low, 28-29 none,
 * 30-33 low, 34-36 high, 37-43 low, 44-45 none, 46-53 high); the BCM2711's
 * table (5.3) gives the same, with 46-57 high.
 */
export function resetPulls(pins: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < pins; p++) {
    const up = p <= 8 || (p >= 34 && p <= 36) || (p >= 46);
    const none = p === 28 || p === 29 || p === 44 || p === 45;
    out.push(none ? Pull.None : up ? Pull.Up : Pull.Down);
  }
  return out;
}

/** An access the bus refuses: the trap's message (as the stub's: docs/host-abi.md, mmio). */
export class BusError extends Error {}

export class Machine {
  readonly soc: Soc;
  readonly clock: Clock;
  readonly gpio: Gpio;
  readonly uart: Pl011;
  readonly systimer: SysTimer;
  readonly controller: Controller;
  readonly rng: Rng;
  /** The I2C masters (BSC), modelled by the controlling thread (sim/pi.ts). */
  readonly i2c: RemoteDevice[];
  /** The SPI masters, modelled by the controlling thread too (devices/spi.ts). */
  readonly spi: RemoteDevice[];
  /** The display the firmware's framebuffer tags set up (no registers: module fb reaches it). */
  readonly fb: Framebuffer;
  /** The DMA controller's channels, which module dma programs (the kernel only reads them). */
  readonly dma: Dma;
  /** The clock manager (the PWM clock) and the PWM blocks. */
  readonly cm: ClockManager;
  readonly pwm: Pwm[];
  readonly devices: Device[];
  private readonly withLines: Device[];
  /** The devices whose lines rise by themselves at a time (cpu.events asks at every poll boundary). */
  private readonly withDeadline: Device[];

  constructor(readonly s: SimState, readonly board: BoardName, init = false) {
    const soc = SOCS.find((x) => x.name === board);
    if (!soc) throw new Error(`unknown board '${board}': the simulator has ${SOCS.map((x) => x.name).join(" and ")}`);
    this.soc = soc;
    this.clock = new Clock(s);
    const p = soc.peripheralBase;
    this.gpio = new Gpio(s, { base: p + soc.blocks.gpio.offset, pins: soc.gpio.pins, pulls: soc.gpio.pulls, resetPulls: resetPulls(soc.gpio.pins) }, init);
    this.uart = new Pl011(s, p + soc.blocks.uart0.offset, init);
    this.systimer = new SysTimer(s, p + soc.blocks.systimer.offset, this.clock);
    if (soc.irqController === "gic400") {
      const gic = new Gic400(s, soc.gic!.distributor, soc.gic!.spiBase, init);
      gic.source(() => this.lines());
      this.controller = gic;
    } else {
      const intc = new Bcm2835Intc(s, p + soc.blocks.armIrq.offset, soc.localIntc!);
      intc.source(() => this.lines());
      this.controller = intc;
    }
    this.firmware = new Regs(s, 18);
    this.rng = new Rng(s, p + soc.blocks.rng.offset, soc.rngKind, s.i32[W.SEED], init);
    this.i2c = soc.i2c.map((b) => new RemoteDevice(`I2C (BSC${b.n})`, p + b.offset, 0x20, s));
    this.spi = soc.spi.map((b) => new RemoteDevice(`SPI${b.n}`, p + b.offset, 0x18, s));
    this.fb = new Framebuffer(s, init);
    this.dma = new Dma(s, p + 0x7000, this.clock);
    this.cm = new ClockManager(s, p + soc.blocks.cm.offset, soc.oscillatorHz);
    this.pwm = soc.pwm.map((b) => new Pwm(s, soc.pwm.length > 1 ? `PWM${b.n}` : "PWM", p + b.offset, this.cm, init));
    this.devices = [this.gpio, this.uart, this.systimer, ...this.controller.devices, this.rng, this.dma, this.cm, ...this.pwm, ...this.i2c, ...this.spi];
    this.withLines = this.devices.filter((d) => d.lines);
    this.withDeadline = this.devices.filter((d) => d.deadline);
  }

  /**
   * What GPIO `pin` carries from a PWM channel now (bus lock held): null
   * unless the pin is in the alternate function that connects it to one
   * (tools/boards/spec.ts pwmPins).
   */
  pwmOn(pin: number): PwmOutput | null {
    const at = this.soc.pwmPins.find((x) => x.pin === pin && this.gpio.fn(pin) === ALT_CODE[x.alt]);
    return at ? this.pwm[at.block].output(at.channel) : null;
  }

  /** The block the controlling thread models at `addr` (after the stub's checks), or null. */
  remoteAt(what: string, addr: number): Device | null {
    this.check(what, addr);
    const d = this.find(addr);
    return d?.remote ? d : null;
  }

  /** The device at `addr`, or null. */
  find(addr: number): Device | null {
    for (const d of this.devices) if (addr >= d.base && addr < d.base + d.size) return d;
    return null;
  }

  private inWindow(addr: number): boolean {
    for (const w of this.soc.windows) if (addr >= w.base && addr < w.base + w.size) return true;
    return false;
  }
  private isDma(what: string, addr: number): boolean {
    const dma = this.soc.peripheralBase + 0x7000;
    return what === "mmio.write32" && ((addr >= dma && addr < dma + 0x1000) || addr === this.soc.peripheralBase + 0xe05000);
  }

  /** Refuses what the stub refuses (host_mmio.c): unaligned, outside the windows, the DMA controller. */
  check(what: string, addr: number): void {
    if (!(addr & 3) && this.inWindow(addr) && !this.isDma(what, addr)) return;        // (the messages only when refused: this is every access's path)
    const hex = `0x${addr.toString(16).padStart(8, "0")}`;
    if (addr & 3) throw new BusError(`${what}: address ${hex} is not 4-byte aligned`);
    if (!this.soc.windows.some((w) => addr >= w.base && addr < w.base + w.size))
      throw new BusError(`${what}: address ${hex} is outside the Raspberry Pi ${this.soc.name.slice(2)}'s peripheral windows`);
    const dma = this.soc.peripheralBase + 0x7000;
    if (what === "mmio.write32" && ((addr >= dma && addr < dma + 0x1000) || addr === this.soc.peripheralBase + 0xe05000))
      throw new BusError(`${what}: address ${hex} is the DMA controller's, which the host drives: use module dma (drivers/dma.ts)`);
  }

  private absent(what: string, addr: number): BusError {
    return new BusError(`${what}: no block answers at 0x${addr.toString(16).padStart(8, "0")} in the simulator: it models ${this.devices.map((d) => d.name).join(", ")} (docs/simulator.md)`);
  }

  /** mmio.read32 (the caller holds the bus lock). */
  read(addr: number): number {
    this.check("mmio.read32", addr);
    const d = this.find(addr);
    if (!d) throw this.absent("mmio.read32", addr);
    return d.read(addr - d.base) >>> 0;
  }

  /** mmio.write32 (the caller holds the bus lock): then the interrupts it may have raised. */
  write(addr: number, v: number): void {
    this.check("mmio.write32", addr);
    const d = this.find(addr);
    if (!d) throw this.absent("mmio.write32", addr);
    d.write(addr - d.base, v >>> 0);
    this.deliver();
  }

  /** mmio.probe32: -1 where no block answers, as a board's bus refusing the read. */
  probe(addr: number): bigint {
    this.check("mmio.probe32", addr);
    const d = this.find(addr);
    return d ? BigInt(d.read(addr - d.base) >>> 0) : -1n;
  }

  /** The interrupt lines every device raises now (bit n = VideoCore n). */
  lines(): bigint {
    let l = 0n;
    for (const d of this.withLines) l |= d.lines!();
    return l;
  }

  /** The earliest time a device's line may rise by itself (the system timer's matches), or 0n. */
  deadline(): bigint {
    let t = 0n;
    for (const d of this.withDeadline) { const x = d.deadline!(); if (x && (!t || x < t)) t = x; }
    return t;
  }

  /**
   * The top half (boot/board/irq.c irq_handle): for each core whose kernel
   * runs, the sources its controller delivers to it are masked there,
   * recorded for irq.take, and EVENT_IRQ wakes it. Bus lock held.
   */
  deliver(): void {
    const l = this.lines();
    if (!l) return;
    const running = Atomics.load(this.s.i32, W.RUNNING);
    for (let c = 0; c < MAX_CORES; c++) {
      if (!(running & (1 << c))) continue;
      const taken = this.controller.deliverable(c, l);
      if (!taken) continue;
      this.controller.mask(taken);
      const at = this.s.core(c);
      Atomics.or(this.s.i32, at + C.PENDING_LO, Number(taken & 0xffffffffn) | 0);
      Atomics.or(this.s.i32, at + C.PENDING_HI, Number(taken >> 32n) | 0);
      this.raise(c, EVENT_IRQ);
    }
    Atomics.add(this.s.i32, W.DEVICE_SIGNAL, 1);
  }

  /** Every core whose timer deadline has passed takes its timer interrupt (irq.c timer_fired). */
  fireTimers(): void {
    const now = this.clock.now();
    for (let c = 0; c < MAX_CORES; c++) {
      const i = (this.s.core(c) + C.TIMER) / 2, d = Atomics.load(this.s.i64, i);
      if (d && now >= d && Atomics.compareExchange(this.s.i64, i, d, 0n) === d) this.raise(c, EVENT_TIMER);
    }
  }

  /** Records `events` for core `c` and wakes it (an interrupt ends a WFI). */
  raise(c: number, events: number): void {
    const at = this.s.core(c);
    Atomics.or(this.s.i32, at + C.EVENTS, events);
    this.wake(c);
  }

  /** Wakes core `c` if it sleeps (the wake interrupt of boot/board/wake.c). */
  wake(c: number): void {
    const at = this.s.core(c);
    if (Atomics.compareExchange(this.s.i32, at + C.ASLEEP, 1, 0) === 1) Atomics.sub(this.s.i32, W.SLEEPERS, 1);
    Atomics.add(this.s.i32, at + C.WAKE, 1);
    Atomics.notify(this.s.i32, at + C.WAKE);
  }

  // ---- the firmware: the mailbox's property channel ----------------------

  /** The firmware's state, shared: words 0-15 the clock rates set (by clock id), 16 its GPIO expander's pins 128-159. */
  private readonly firmware: Regs;
  /** What the firmware's GPIO expander drives on `pin` (128-159; tag 0x00038041: the Pi 3 B's ACT LED is 130). */
  expander(pin: number): boolean { return ((this.firmware.get(16) >>> ((pin - 128) & 31)) & 1) !== 0; }

  /**
   * Answers a property message (the Raspberry Pi firmware wiki, "Mailbox
   * property interface") in `words` at word `at`; a tag it does not know
   * keeps its response bit clear, as the firmware does. Returns 0 (an
   * answer came), as mailbox.call.
   */
  property(words: Uint32Array, at: number, memoryBytes: number): number {
    const size = words[at];
    let i = at + 2;
    const end = at + size / 4;
    while (i < end && words[i] !== 0) {
      const tag = words[i], space = words[i + 1], v = (k: number) => words[i + 3 + k];
      const answer = this.answer(tag, v(0), v(1), memoryBytes);
      if (answer && answer.length * 4 <= space) {
        answer.forEach((x, k) => { words[i + 3 + k] = x >>> 0; });
        words[i + 2] = (0x80000000 | (answer.length * 4)) >>> 0;
      }
      i += 3 + space / 4;
    }
    words[at + 1] = 0x80000000;
    return 0;
  }

  private answer(tag: number, a: number, b: number, memoryBytes: number): number[] | null {
    const armMax = this.board === "pi4" ? 1_500_000_000 : 1_400_000_000;
    const max: Record<number, number> = { 1: 250_000_000, 2: 48_000_000, 3: armMax, 4: 400_000_000, 5: 500_000_000, 7: 500_000_000, 10: 500_000_000, 11: 54_000_000 };
    const min: Record<number, number> = { 3: 600_000_000, 4: 250_000_000 };
    const fw = this.firmware;
    const rate = (id: number) => (id < 16 && fw.get(id)) || (id === 3 ? min[3] : max[id] ?? 0);
    const screen = this.fb.answer(tag, a, b);
    if (screen) return screen;
    switch (tag) {
      case 0x00000001: return [0x53494d00];                     // firmware revision: "SIM\0", neither a real build time nor QEMU's 346337
      case 0x00010001: return [0];                              // board model
      case 0x00010002: return [REVISION[this.board]];           // board revision
      case 0x00010004: return [0x5349_4d00, 0];                 // serial
      case 0x00010005: return [0, memoryBytes];                 // ARM memory: base, size
      case 0x00010006: return [0x3c000000, 0x04000000];         // VideoCore memory
      case 0x00030002: return max[a] ? [a, rate(a)] : [a, 0];   // get clock rate
      case 0x00030004: return [a, max[a] ?? 0];                 // max clock rate
      case 0x00030007: return [a, min[a] ?? max[a] ?? 0];       // min clock rate
      case 0x00038002:                                          // set clock rate: taken within the clock's range
        if (!max[a]) return [a, 0];
        fw.set(a & 15, Math.min(Math.max(b >>> 0, min[a] ?? 0), max[a]));
        return [a, rate(a)];
      case 0x00030006: return [0, 45_000];                      // temperature, millidegrees
      case 0x0003000a: return [0, 85_000];                      // max temperature
      case 0x00030046: return [0];                              // throttled: never
      case 0x00038041:                                          // set GPIO state (the expander)
        if (a >= 128 && a < 160) fw.set(16, b ? fw.get(16) | (1 << (a - 128)) : fw.get(16) & ~(1 << (a - 128)));
        return [a, b];
      case 0x00060001: return [0x7f00 | DMA_CHANNELS];          // DMA channels the ARM may use: a board's answer (full ones 0, 2, 4, 5; lite 8-14)
      default: return null;
    }
  }
}
