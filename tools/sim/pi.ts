// The simulated board as the controlling thread sees it (docs/simulator.md):
// the shared state, the device models, the four cores' workers, and the
// API a test or the page drives it with. Platform-neutral: index.ts starts
// the cores in node's worker threads, web/page.ts in the browser's workers.
import { prepareModule, ModuleError } from "./module.js";
import { SimState, W, C, CORE_WORDS, MAX_CORES } from "./state.js";
import { Clock, type TimeMode } from "./clock.js";
import type { Picture } from "./devices/framebuffer.js";
import { FigureReader, type Figures } from "./figures.js";
import { Machine, FREQUENCY, type BoardName } from "./machine.js";
import type { PwmOutput } from "./devices/pwm.js";
import { asyncText, type CoreStart } from "./core.js";
import { ABI, ABI_VERSION } from "../abi/spec.js";
import { Bsc, type I2cPart } from "../testing/fake-i2c.js";
import { Spi, type SpiPart } from "./devices/spi.js";

export { ModuleError };
export type { BoardName, TimeMode };

/** A core's worker, as the platform gives it. */
export interface CoreWorker { terminate(): unknown }
/** Starts a core's worker with `start`; `failed` hears of an error the worker itself throws, `message` what the worker posts. */
export type SpawnCore = (start: CoreStart, failed: (e: Error) => void, message: (m: unknown) => void) => CoreWorker;

/** Atomics.waitAsync (ES2024; node 16+ and every browser with shared memory have it, TypeScript's ES2022 library does not declare it). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number, timeoutMs?: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

export interface SimOptions {
  /** "pi3" (BCM2837, the default) or "pi4" (BCM2711). */
  board?: BoardName;
  /**
   * "virtual" (the default): time moves on to the next deadline whenever
   * every core sleeps, and when the test calls advance(); "manual": only
   * when the test calls advance() (and a microsecond at each counter read),
   * so that a test decides what happens before a deadline; "real": the host's clock.
   */
  time?: TimeMode;
  /** Also write what the UART sends here as it comes (process.stdout for a console). */
  echo?: (text: string) => void;
  /** The seed of the simulated hardware random number generator: the same seed, the same numbers (default 1). */
  seed?: number;
  /** cpu.instructions() as the host's nanoseconds (make bench's simulator rows), instead of 0. */
  instructionsAsNs?: boolean;
  /** The display's size until the kernel sets one (the framebuffer's tags): default 640 x 480, as QEMU's. */
  screen?: { width: number; height: number };
  /** The address of kernel.wasm's source map, for a debugger (the page's: its sourceMappingURL section is made to say it). */
  sourceMapUrl?: string;
}

/** An input or output pin of the 40-pin header (or any GPIO). */
export interface Pin {
  /** Holds the pin low, as a button to ground does while pressed. */
  press(): void;
  /** Lets it go: the pull (or the last level, if none) decides again. */
  release(): void;
  /** Drives it to a level from outside (true high), or lets it go (undefined). */
  drive(level: boolean | undefined): void;
  /** Its level now (an output's too). */
  readonly level: boolean;
  /** Whether the kernel made it an output. */
  readonly isOutput: boolean;
}

export class SimError extends Error {}

/** A kernel.wasm compiled for the simulator: core 0's module, the other cores', its memory's pages, its size. */
interface Modules { first: WebAssembly.Module; others: WebAssembly.Module; pages: number; bytes: number }

export class Pi {
  private readonly s: SimState;
  private readonly m: Machine;
  private workers: CoreWorker[] = [];
  private memory!: WebAssembly.Memory;
  private readonly buses = new Map<number, Bsc>();
  private readonly spis = new Map<number, Spi>();
  private output = "";
  private cursor = 0;
  private readonly waiters = new Set<() => void>();
  private stopped = false;
  private reading: Promise<void> = Promise.resolve();
  /** Bumped by each push: the console's reader of the kernel before it ends without resolving `exited`. */
  private run = 0;
  /** Resolves with the code the kernel passed to exit(), or null when every core stopped without one (the kernel running now: a push starts another). */
  exited: Promise<number | null> = Promise.resolve(null);

  /**
   * Compiles `kernel` (off the page's main thread, which may not compile a
   * large module synchronously) and boots it. (In node: simulate().)
   */
  static async boot(board: BoardName, kernel: Uint8Array, options: SimOptions, spawn: SpawnCore): Promise<Pi> {
    const modules = await Pi.compile(kernel, options);
    const pi = new Pi(board, options, spawn);
    await pi.start(modules);
    return pi;
  }

  /** The module rewritten for the simulator and compiled, with the stub's checks: a ModuleError says why not. */
  private static async compile(kernel: Uint8Array, options: SimOptions): Promise<Modules> {
    const prepared = prepareModule(kernel, options.sourceMapUrl);
    let first: WebAssembly.Module, others: WebAssembly.Module;
    try {
      [first, others] = await Promise.all([WebAssembly.compile(prepared.first), WebAssembly.compile(prepared.others)]);
    } catch (e) {
      throw new ModuleError(`kernel.wasm does not compile: ${e instanceof Error ? e.message : String(e)}: build it again with make`);
    }
    // Every import must be the host ABI's (as the stub's link refuses one it lacks: boot/wasm/host.c).
    for (const imp of WebAssembly.Module.imports(first)) {
      if (imp.kind === "memory" && imp.module === "env") continue;
      const mod = ABI.find((x) => x.module === imp.module);
      if (imp.kind !== "function" || !mod?.functions.some((f) => f.name === imp.name))
        throw new ModuleError(`kernel.wasm imports ${imp.module}.${imp.name}, which host ABI ${ABI_VERSION} does not have (docs/host-abi.md): it was built for another host ABI; build it again with this tspi (make)`);
    }
    return { first, others, pages: prepared.pages, bytes: kernel.length };
  }

  /**
   * A push, as a board takes one (docs/push.md): the new kernel.wasm is
   * checked first, and one that is refused (a ModuleError saying why)
   * leaves the running kernel running; else every core's kernel is
   * stopped and the new one starts on all four, on the same board: the
   * devices keep their state (a pin's level, the display, the parts
   * attached, a flash's bytes), the clock goes on, the console's output
   * goes on after a line that says so.
   */
  async push(kernel: Uint8Array): Promise<void> {
    if (this.stopped) throw new SimError("push: the simulator was stopped");
    const modules = await Pi.compile(kernel, this.options);
    await this.halt();
    this.take(`push: accepted: ${modules.bytes} bytes (the simulator starts it on every core)\n`);
    await this.start(modules);
  }

  /** Stops every core's kernel (a push): the workers end, the per-core state and the run's words start afresh; the devices keep theirs. */
  private async halt(): Promise<void> {
    const a = this.s.i32;
    // The run first: from here an old core stops at its next host call (host.ts Halted), touching nothing of the next run's.
    this.run++;
    Atomics.store(a, W.RUN, this.run);
    for (let c = 0; c < MAX_CORES; c++) this.m.wake(c);
    Atomics.add(a, W.TX_SIGNAL, 1);
    Atomics.notify(a, W.TX_SIGNAL);
    // node's terminate() resolves once the thread is gone; a page's returns at once, so its workers get a moment to stop.
    const ends = this.workers.map((w) => w.terminate());
    if (ends.some((e) => e instanceof Promise)) await Promise.all(ends);
    else await new Promise((r) => setTimeout(r, 50));
    await this.reading;
    this.take(new TextDecoder().decode(this.s.received()));
    this.workers = [];
    // A core's worker ended where it was: the bus lock it may have held, its requests, its words.
    Atomics.store(a, W.BUS_LOCK, 0);
    for (const w of [W.ENDED, W.EXIT_CODE, W.RUNNING, W.SLEEPERS, W.INIT]) Atomics.store(a, w, 0);
    a.fill(0, W.CORE_BASE, W.CORE_BASE + MAX_CORES * CORE_WORDS);
    this.m.dma.memory = null;                                // a copy under way goes nowhere: the old memory is gone
    this.bus(() => {
      for (let ch = 0; ch < 7; ch++) this.m.dma.stop(ch);
      // As the stub between two kernels (boot/board/irq.c irq_reset_peripherals): every VideoCore source disabled at the
      // controller and, on the GIC, its pending state cleared; the new kernel gets only what its drivers enable.
      const soc = this.m.soc;
      if (soc.irqController === "gic400") {
        for (let id = soc.gic!.spiBase; id < soc.gic!.spiBase + 64; id += 32) {
          this.m.write(soc.gic!.distributor + 0x180 + 4 * (id >> 5), 0xffffffff);   // GICD_ICENABLERn
          this.m.write(soc.gic!.distributor + 0x280 + 4 * (id >> 5), 0xffffffff);   // GICD_ICPENDRn
        }
      } else {
        const armc = soc.peripheralBase + soc.blocks.armIrq.offset;
        this.m.write(armc + 0x1c, 0xffffffff);                                      // Disable IRQs 1
        this.m.write(armc + 0x20, 0xffffffff);                                      // Disable IRQs 2
      }
    });
  }

  /** Starts `modules` on every core over a fresh memory. */
  private async start(modules: Modules): Promise<void> {
    const { first, others, pages } = modules;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.memory = memory;
    this.m.dma.memory = new Uint8Array(memory.buffer);      // a copy may end while this thread delivers the interrupts
    const run = this.run;
    let resolveExit!: (code: number | null) => void;
    this.exited = new Promise((r) => { resolveExit = r; });
    for (let core = 0; core < MAX_CORES; core++) {
      const start: CoreStart = { core, board: this.board, state: this.s.buffer, memory, module: core === 0 ? first : others, run };
      this.workers.push(this.spawn(start, (e) => { if (run === this.run) this.take(`panic: core ${core}: the simulator's worker failed: ${e.stack ?? e.message}\n`); },
        (msg) => { if (msg && typeof msg === "object" && "remote" in msg && run === this.run) this.answer((msg as { remote: number }).remote); }));
    }
    this.reading = this.read(resolveExit, run);
    this.reader = null;
    this.readerFailed = "";
    try { this.reader = await FigureReader.create(others, memory, FREQUENCY[this.board]); } catch (e) { this.readerFailed = e instanceof Error ? e.message : String(e); }
  }

  private reader: FigureReader | null = null;
  private readerFailed = "";

  /**
   * The heap's and the collector's figures now (bytes in use, live blocks,
   * collections, the longest pause...), read from the running kernel's
   * memory; null for a kernel built without them (the export __figures,
   * which make's entry adds: the test kernels have none).
   */
  figures(): Figures | null {
    if (this.readerFailed) throw new SimError(`the kernel's figures cannot be read: ${this.readerFailed}`);
    return this.reader?.figures() ?? null;
  }

  private constructor(readonly board: BoardName, private readonly options: SimOptions, private readonly spawn: SpawnCore) {
    this.s = SimState.create();
    Clock.start(this.s, FREQUENCY[board], options.time ?? "virtual");
    this.s.i32[W.CORES] = MAX_CORES;
    this.s.i32[W.BOARD] = board === "pi4" ? 2 : 1;
    this.s.i32[W.INSTRUCTIONS_NS] = options.instructionsAsNs ? 1 : 0;
    this.s.i32[W.SEED] = options.seed ?? 1;
    this.m = new Machine(this.s, board, true);
    if (options.screen) {
      try { this.m.fb.setDisplay(options.screen.width, options.screen.height); } catch (e) { throw new SimError((e as Error).message); }
    }
    // The I2C masters, here (devices/remote.ts): the BSC at the register level (tools/testing/fake-i2c.ts), parts attached by pi.i2c(n).
    const clock = { now: () => this.m.clock.now(), frequency: BigInt(this.m.clock.frequency) };
    for (const d of this.m.i2c) this.buses.set(d.base, new Bsc(d.base, clock, () => {}, () => false));
    // The SPI masters likewise (devices/spi.ts), with their chip selects on the GPIO model's pins; parts attached by pi.spi(n).
    this.m.soc.spi.forEach((b, k) => this.spis.set(this.m.spi[k].base, new Spi(this.m.spi[k].base, this.m.gpio, [b.ce0, b.ce1])));
  }

  /** Takes the wire's bytes into the output until the kernel ends or stop(). */
  private async read(resolveExit: (code: number | null) => void, run: number): Promise<void> {
    const a = this.s.i32;
    const decoder = new TextDecoder();
    for (;;) {
      const seen = Atomics.load(a, W.TX_SIGNAL);
      const bytes = this.s.received();
      if (bytes.length) this.take(decoder.decode(bytes, { stream: true }));
      if (run !== this.run) return;                             // a push: this kernel's end is no exit
      const ended = Atomics.load(a, W.ENDED);
      if (ended || this.stopped) {
        resolveExit(ended === 1 ? Atomics.load(a, W.EXIT_CODE) : null);
        if (ended) this.wakeWaiters();
        return;
      }
      const r = waitAsync(a, W.TX_SIGNAL, seen, 200);
      if (r.async) await r.value;
    }
  }

  private take(text: string): void {
    const clean = text.replace(/\r\n/g, "\n");
    this.output += clean;
    this.options.echo?.(clean);
    this.wakeWaiters();
  }
  private wakeWaiters(): void { for (const w of [...this.waiters]) w(); }

  /** Everything the UART sent so far (CR LF as LF). */
  get console(): string { return this.output; }

  /** The UART (the PL011): what the kernel sends, and a keyboard. */
  readonly uart = {
    /**
     * Waits until the output after the last expect's match shows `pattern`
     * (a string or a RegExp); resolves with the text matched. Fails after
     * `timeoutMs` of the host's time, or when the kernel ends first.
     */
    expect: (pattern: string | RegExp, timeoutMs = 10_000): Promise<string> => new Promise((resolve, reject) => {
      const check = (): boolean => {
        const rest = this.output.slice(this.cursor);
        let at = -1, text = "";
        if (typeof pattern === "string") { at = rest.indexOf(pattern); text = pattern; } else {
          const m = pattern.exec(rest);
          if (m) { at = m.index; text = m[0]; }
        }
        if (at < 0) return false;
        this.cursor += at + text.length;
        done();
        resolve(text);
        return true;
      };
      const waiter = () => {
        if (check()) return;
        if (Atomics.load(this.s.i32, W.ENDED) || this.stopped) { done(); reject(new SimError(`the kernel ended before the console showed ${pattern}; it showed:\n${this.output.slice(this.cursor)}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new SimError(`the console did not show ${pattern} within ${timeoutMs} ms; after the last match it showed:\n${this.output.slice(this.cursor)}`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); this.waiters.delete(waiter); };
      this.waiters.add(waiter);
      waiter();
    }),
    /** Types `text` on the UART's receive line (UTF-8). */
    type: (text: string): void => this.bus(() => this.s.type(new TextEncoder().encode(text))),
  };

  /** Does `f` under the bus lock, then delivers the interrupts it raised. */
  private bus<T>(f: () => T): T {
    this.s.lock();
    try { const r = f(); this.m.deliver(); return r; } finally { this.s.unlock(); }
  }

  /**
   * A core's access to a block modelled here (devices/remote.ts): done under
   * the bus lock, the interrupt lines it leaves written to the shared state
   * and delivered, the answer in the core's REQ_ words.
   */
  private answer(core: number): void {
    const a = this.s.i32, at = this.s.core(core);
    if (Atomics.load(a, at + C.REQ_STATE) !== 1) return;
    const addr = Atomics.load(a, at + C.REQ_ADDR) >>> 0;
    let result = 0, failed = 0, what = "a block";
    this.s.lock();
    try {
      const d = this.m.find(addr), model = d && (this.buses.get(d.base) ?? this.spis.get(d.base));
      if (!d || !model) throw new Error(`no model of the block at 0x${addr.toString(16)}`);
      what = d.name;
      if (Atomics.load(a, at + C.REQ_OP) === 1) model.write(addr - d.base, Atomics.load(a, at + C.REQ_VALUE) >>> 0);
      else result = model.read(addr - d.base) >>> 0;
      this.remoteLines();
      this.m.deliver();
    } catch (e) {
      failed = 1;
      this.take(`sim: the model of ${what} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    } finally { this.s.unlock(); }
    Atomics.store(a, at + C.REQ_RESULT, result | 0);
    Atomics.store(a, at + C.REQ_FAILED, failed);
    Atomics.store(a, at + C.REQ_STATE, 2);
    Atomics.notify(a, at + C.REQ_STATE);
  }

  /**
   * The lines of the blocks modelled here, into the shared state (bus lock
   * held): one for every BSC, VideoCore 53, and one for every SPI master,
   * 54 (tools/boards/spec.ts IRQS), bits 21 and 22 of the high word.
   */
  private remoteLines(): void {
    const i2c = [...this.buses.values()].some((b) => b.line), spi = [...this.spis.values()].some((b) => b.line);
    Atomics.store(this.s.i32, W.REMOTE_LINES_HI, (i2c ? 1 << (53 - 32) : 0) | (spi ? 1 << (54 - 32) : 0));
  }

  /**
   * SPI master `n` (0: SPI0, the header's pins 19, 21, 23 and CE0 24, CE1
   * 26): attach a part to chip select `cs` (0: CE0, GPIO 8; 1: CE1, GPIO 7),
   * e.g. pi.spi(0).attach(new W25q80(), 0). Looking at it also brings the
   * parts up to date with their chip selects (a rise after the kernel's
   * last access: a flash's program).
   */
  spi(n: number): { attach(part: SpiPart, cs?: number): void } {
    const bus = this.m.soc.spi.find((b) => b.n === n);
    if (!bus) throw new SimError(`spi(${n}): the ${this.m.soc.soc} has SPI ${this.m.soc.spi.map((b) => b.n).join(", ")} for the kernel`);
    const spi = this.spis.get(this.m.soc.peripheralBase + bus.offset)!;
    this.bus(() => spi.sync());
    return {
      attach: (part, cs = 0) => this.bus(() => {
        try { spi.attach(part, cs); } catch (e) { throw new SimError((e as Error).message); }
        part.attached?.(() => this.now);
      }),
    };
  }

  /**
   * I2C bus `n` (BSC n: 1 is the header's pins 3 and 5): attach a part at
   * its 7-bit address, e.g. pi.i2c(1).attach(0x48, new Tmp105()); then
   * change the part's state (tmp.celsius = 42.5) as the test goes on.
   */
  i2c(n: number): { attach(address: number, part: I2cPart): void } {
    const bus = this.m.soc.i2c.find((b) => b.n === n);
    if (!bus) throw new SimError(`i2c(${n}): the ${this.m.soc.soc} has BSC ${this.m.soc.i2c.map((b) => b.n).join(", ")} for the kernel`);
    const bsc = this.buses.get(this.m.soc.peripheralBase + bus.offset)!;
    return {
      attach: (address, part) => this.bus(() => {
        bsc.attach(address & 0x7f, part);
        (part as { attached?: (now: () => number) => void }).attached?.(() => this.now);   // a part whose state runs with time (RunningDs1338)
      }),
    };
  }

  /** GPIO `n` (BCM numbering). */
  gpio(n: number): Pin {
    if (!Number.isInteger(n) || n < 0 || n >= this.m.soc.gpio.pins) throw new SimError(`gpio(${n}): the ${this.m.soc.soc} has GPIO 0 to ${this.m.soc.gpio.pins - 1}`);
    const g = this.m.gpio, bus = this.bus.bind(this);
    return {
      press: () => bus(() => g.drive(n, false)),
      release: () => bus(() => g.drive(n, undefined)),
      drive: (level) => bus(() => g.drive(n, level)),
      get level() { return bus(() => g.level(n)); },
      get isOutput() { return bus(() => g.isOutput(n)); },
    };
  }

  /**
   * The display (the framebuffer the kernel asked the firmware for):
   * its size, what it shows as a picture (red, green, blue bytes; black
   * before the kernel allocated a buffer), one pixel as 0xRRGGBB, and a
   * count that moves whenever what it shows may have changed.
   */
  get screen(): { width: number; height: number; allocated: boolean; frame: number; picture(): Picture; pixel(x: number, y: number): number } {
    const fb = this.m.fb, bus = this.bus.bind(this);
    return {
      get width() { return bus(() => fb.width); },
      get height() { return bus(() => fb.height); },
      get allocated() { return fb.bytes !== 0; },
      get frame() { return fb.frame; },
      picture: () => bus(() => fb.picture()),
      pixel: (x, y) => {
        const p = bus(() => fb.picture());
        if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= p.width || y >= p.height) throw new SimError(`screen.pixel(${x}, ${y}): the display is ${p.width} x ${p.height}`);
        const o = (y * p.width + x) * 3;
        return (p.rgb[o] << 16) | (p.rgb[o + 1] << 8) | p.rgb[o + 2];
      },
    };
  }

  /**
   * What GPIO `pin` carries from a PWM channel (the kernel put it in the
   * channel's alternate function): its frequency, duty, pulse and mode;
   * null if the pin is not a PWM output now.
   */
  pwm(pin: number): PwmOutput | null {
    if (!Number.isInteger(pin) || pin < 0 || pin >= this.m.soc.gpio.pins) throw new SimError(`pwm(${pin}): the ${this.m.soc.soc} has GPIO 0 to ${this.m.soc.gpio.pins - 1}`);
    return this.bus(() => this.m.pwmOn(pin));
  }

  /** The green activity LED: on the Pi 3 B+ GPIO 29, on the Pi 4 B GPIO 42 (the board the simulated firmware reports). */
  get led(): boolean { return this.gpio(this.board === "pi4" ? 42 : 29).level; }

  /** Virtual time: moves the clock on by `ms` and delivers the timers and matches that fall due. */
  advance(ms: number): void {
    if (!this.m.clock.virtual) throw new SimError("advance(): the simulator runs on real time (simulate(..., { time: \"virtual\" }) to move time yourself)");
    this.bus(() => { this.m.clock.advanceTo(this.m.clock.now() + this.m.clock.ticks(ms)); });
    this.m.fireTimers();
  }

  /**
   * Resolves once every running core sleeps with no event left to take:
   * what the kernel had to do about the last input is done (virtual time).
   */
  async idle(timeoutMs = 10_000): Promise<void> {
    const a = this.s.i32, until = Date.now() + timeoutMs;
    for (;;) {
      const running = Atomics.load(a, W.RUNNING);
      let asleep = 0, events = 0, n = 0;
      for (let c = 0; c < MAX_CORES; c++) if (running & (1 << c)) {
        n++;
        asleep += Atomics.load(a, this.s.core(c) + C.ASLEEP);
        events |= Atomics.load(a, this.s.core(c) + C.EVENTS);
      }
      if (asleep === n && !events) return;
      if (Date.now() > until) throw new SimError(`idle(): the cores did not all sleep within ${timeoutMs} ms (${asleep} of ${n} asleep): ${this.describe()}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Each core's state, for a message: in its kernel or not, asleep, events waiting, its timer. */
  describe(): string {
    const a = this.s.i32, now = this.m.clock.now();
    return [0, 1, 2, 3].map((c) => {
      const at = this.s.core(c), t = Atomics.load(this.s.i64, (at + C.TIMER) / 2);
      const state = ["not started", "running", "stopped"][Atomics.load(a, at + C.STATE)] ?? "?";
      return `core ${c} ${state}${Atomics.load(a, at + C.ASLEEP) ? ", asleep" : ""}${Atomics.load(a, at + C.EVENTS) ? `, events ${Atomics.load(a, at + C.EVENTS)}` : ""}${t ? `, timer in ${(Number(t - now) * 1000 / this.m.clock.frequency).toFixed(3)} ms` : ""}`;
    }).join("; ");
  }

  /** The counter's time in ms. */
  get now(): number { return Number(this.m.clock.now()) * 1000 / this.m.clock.frequency; }

  /** Each core now: in its kernel or not, asleep, the task it polls (its address, 0 between polls), its poll count, and the async function it last ran. */
  cores(): { state: "not started" | "running" | "stopped"; asleep: boolean; task: number; polls: number; sleeps: number; lastAsync: string }[] {
    const a = this.s.i32, mem = new Int32Array(this.memory.buffer);
    return [0, 1, 2, 3].map((c) => {
      const at = this.s.core(c), t = Atomics.load(a, at + C.TASK_AT) >>> 0, p = Atomics.load(a, at + C.POLLS_AT) >>> 0;
      return {
        state: (["not started", "running", "stopped"] as const)[Atomics.load(a, at + C.STATE)] ?? "stopped",
        asleep: Atomics.load(a, at + C.ASLEEP) === 1,
        task: t ? Atomics.load(mem, t / 4) >>> 0 : 0,
        polls: p ? Atomics.load(mem, p / 4) >>> 0 : 0,
        sleeps: Atomics.load(a, at + C.SLEEPS),
        /** The async function (and its file:line) the core last ran a poll of that made a host call; "" if none yet, or the kernel names none. */
        lastAsync: asyncText(this.memory, Atomics.load(a, at + C.ASYNC_AT) >>> 0),
      };
    });
  }

  /** Which cores run their kernel (bit n: core n). */
  get running(): number { return Atomics.load(this.s.i32, W.RUNNING); }

  /** Times core `c` went to sleep (cpu.wfi). */
  sleeps(c: number): number { return Atomics.load(this.s.i32, this.s.core(c) + C.SLEEPS); }

  /** Stops the four workers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.add(this.s.i32, W.TX_SIGNAL, 1);
    Atomics.notify(this.s.i32, W.TX_SIGNAL);
    await Promise.all(this.workers.map(async (w) => { await w.terminate(); }));
    await this.reading;
    this.take(new TextDecoder().decode(this.s.received()));
  }

  /** Waits for the kernel to exit (sys.exit) and stops the workers: its code, or null if every core stopped without one. */
  async finished(timeoutMs = 30_000): Promise<number | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new SimError(`the kernel did not end within ${timeoutMs} ms; the console showed:\n${this.output}`)), timeoutMs); });
    try { return await Promise.race([this.exited, timeout]); } finally { clearTimeout(timer); await this.stop(); }
  }
}

