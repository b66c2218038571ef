// The simulator's shared state: one SharedArrayBuffer that the four core
// workers and the controlling thread (the node API or the page) all see,
// beside the kernel's own shared memory. Everything the stub keeps for the
// machine lives here: each core's events, wake word, timer deadline and
// peripheral sources taken (boot/board/irq.c), the clock, the exit code,
// the UART's wire both ways, and the register state of every device model
// (devices/), which is only touched under the bus lock.

import { MAX_CORES } from "../abi/spec.js";

// Words (Int32 indices) of the machine.
export const W = {
  BUS_LOCK: 0,
  /** 0 while the kernel runs; 1 once sys.exit ended it (EXIT_CODE holds the code); 2 once every core stopped. */
  ENDED: 1,
  EXIT_CODE: 2,
  /** 1: virtual time (moves only when the kernel waits or the test advances it); 0: the host's monotonic clock. */
  VIRTUAL: 3,
  /** Bit n: core n is in its kernel (cpu.running). */
  RUNNING: 4,
  /** Cores asleep in cpu.wfi (virtual time jumps when every running core is). */
  SLEEPERS: 5,
  /** Core 0's top-level code: 0 not yet run, 1 done, 2 it trapped. */
  INIT: 6,
  /** Cores started (cpu.count). */
  CORES: 7,
  /** Bumped (and notified) whenever the console's wire gets bytes, or the kernel ends. */
  TX_SIGNAL: 8,
  /** The wire's write count (bytes ever written) and the reader's count. */
  TX_WRITTEN: 9,
  TX_READ: 10,
  RX_WRITTEN: 11,
  RX_READ: 12,
  /** The time (virtual, counter ticks) as two words: see clock.ts. */
  NOW: 14,            // 14, 15 (BigInt64 index 7)
  /** Counter ticks per second. */
  FREQUENCY: 16,
  /** The board: 1 Pi 3, 2 Pi 4 (sys.board). */
  BOARD: 17,
  /** The host's clock at the start (ms, as a float64 at bytes 80-87) for real time. */
  ORIGIN: 20,         // 20, 21 (Float64 index 10)
  /** Bumped by every device change that may raise an interrupt (the controlling thread's wait). */
  DEVICE_SIGNAL: 22,
  /** 1: cpu.instructions() gives the host's nanoseconds instead of 0 (the simulator's make bench rows: time, not instructions). */
  INSTRUCTIONS_NS: 23,
  /** The seed of the simulated random number generator (devices/rng.ts). */
  SEED: 24,
  /** The interrupt lines the controlling thread's models raise (bit n: VideoCore 32 + n). */
  REMOTE_LINES_HI: 25,
  /** The run: a push bumps it, and a core started for an older run stops at its next host call (sim/host.ts Halted). */
  RUN: 26,
  /** Per core blocks start here. */
  CORE_BASE: 32,
} as const;

/** A core's block: CORE_BASE + core * CORE_WORDS. */
export const CORE_WORDS = 24;
export const C = {
  /** The futex a sleeping core waits on; a wake bumps it. */
  WAKE: 0,
  /** cpu.events bits (1 timer, 2 peripheral interrupt, 4 adopt). */
  EVENTS: 1,
  /** 1 while the core sleeps in wfi (for the virtual clock's jump). */
  ASLEEP: 2,
  RECOVERABLE: 3,
  /** 1: where the core is (0 not started, 1 in its kernel, 2 stopped: trapped or returned, 3 parked by exit). */
  STATE: 4,
  /** Peripheral sources taken and not yet handed to irq.take: low, high word. */
  PENDING_LO: 6,
  PENDING_HI: 7,
  /** cpu.setTimer's deadline (BigInt64 at this even word); 0: off. */
  TIMER: 8,
  /** Where the core's executor keeps the task it polls and its poll count (cpu.watch), for the page. */
  TASK_AT: 10,
  POLLS_AT: 11,
  /** Polls: bumped each time the core goes to sleep (the page's activity). */
  SLEEPS: 12,
  /**
   * An access to a block the controlling thread models (devices/remote.ts):
   * 0 none, 1 asked, 2 answered; the operation (0 read, 1 write), the
   * address, the value written, the value read, and 1 if the model failed.
   */
  REQ_STATE: 16,
  REQ_OP: 17,
  REQ_ADDR: 18,
  REQ_VALUE: 19,
  REQ_RESULT: 20,
  REQ_FAILED: 21,
  /** The kernel's __async_name (the address of the string naming the async function and its place) as this core last made a host call inside a poll: the page's "last polled". */
  ASYNC_AT: 22,
} as const;

export const EVENT_TIMER = 1;
export const EVENT_IRQ = 2;

/** Where the device models' register state starts (words). */
export const DEVICE_BASE = 256;
const DEVICE_WORDS = 16 * 1024;
/** The UART's wire: bytes sent (TX) and typed (RX), as rings. */
export const RING_BYTES = 1 << 18;
/** The framebuffer's pixels (devices/framebuffer.ts): 8 MiB, the largest buffer it allocates. */
export const FB_BYTES = 8 << 20;

export class SimState {
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
  readonly f64: Float64Array;
  readonly tx: Uint8Array;
  readonly rx: Uint8Array;
  /** The framebuffer's pixels (devices/framebuffer.ts). */
  readonly fb: Uint8Array;
  private nextDevice = DEVICE_BASE;
  /** Whether this thread may sleep in Atomics.wait: every one but a page's main thread. */
  readonly mayWait = typeof (globalThis as { document?: unknown }).document === "undefined";

  constructor(readonly buffer: SharedArrayBuffer) {
    const words = DEVICE_BASE + DEVICE_WORDS;
    this.i32 = new Int32Array(buffer, 0, words);
    this.i64 = new BigInt64Array(buffer, 0, words / 2);
    this.f64 = new Float64Array(buffer, 0, words / 2);
    this.tx = new Uint8Array(buffer, words * 4, RING_BYTES);
    this.rx = new Uint8Array(buffer, words * 4 + RING_BYTES, RING_BYTES);
    this.fb = new Uint8Array(buffer, words * 4 + 2 * RING_BYTES, FB_BYTES);
  }

  static create(): SimState {
    return new SimState(new SharedArrayBuffer((DEVICE_BASE + DEVICE_WORDS) * 4 + 2 * RING_BYTES + FB_BYTES));
  }

  /** The first word of core `c`'s block. */
  core(c: number): number { return W.CORE_BASE + c * CORE_WORDS; }

  /**
   * Words for a device model's registers, in the order the models are made
   * (the same order in every thread: devices/machine.ts makes them).
   */
  allocate(words: number): number {
    const at = this.nextDevice;
    this.nextDevice += words + (words & 1);          // even: a model's 64-bit words stay aligned
    if (this.nextDevice > DEVICE_BASE + DEVICE_WORDS) throw new Error("simulator: the device models need more state than SimState holds");
    return at;
  }

  /**
   * The bus lock: every device access, and every change of the wire, holds
   * it. A spin on compare-exchange that then sleeps on the word; the page's
   * main thread, which may not sleep, only spins (it holds it briefly).
   */
  lock(): void {
    const a = this.i32;
    if (Atomics.compareExchange(a, W.BUS_LOCK, 0, 1) === 0) return;
    // Contended: the word says 2 (someone may sleep on it), so the unlock knows to wake one.
    for (let spins = 0; ; spins++) {
      if (Atomics.exchange(a, W.BUS_LOCK, 2) === 0) return;
      if (this.mayWait && spins > 100) Atomics.wait(a, W.BUS_LOCK, 2, 1);
    }
  }

  unlock(): void {
    if (Atomics.exchange(this.i32, W.BUS_LOCK, 0) === 2) Atomics.notify(this.i32, W.BUS_LOCK, 1);
  }

  /** Appends bytes to the TX wire (the caller holds the bus lock). Bytes the reader left unread for a whole ring are lost, oldest first. */
  send(bytes: ArrayLike<number>): void {
    const a = this.i32;
    let w = a[W.TX_WRITTEN] >>> 0;
    for (let i = 0; i < bytes.length; i++) { this.tx[w % RING_BYTES] = bytes[i]; w = (w + 1) >>> 0; }
    Atomics.store(a, W.TX_WRITTEN, w | 0);
    Atomics.add(a, W.TX_SIGNAL, 1);
    Atomics.notify(a, W.TX_SIGNAL);
  }

  /** Takes what the wire carried since the last call (the controlling thread). */
  received(): Uint8Array {
    const a = this.i32;
    const w = Atomics.load(a, W.TX_WRITTEN) >>> 0;
    let r = a[W.TX_READ] >>> 0;
    if (((w - r) >>> 0) > RING_BYTES) r = (w - RING_BYTES) >>> 0;
    const out = new Uint8Array((w - r) >>> 0);
    for (let i = 0; i < out.length; i++) out[i] = this.tx[(r + i) % RING_BYTES];
    Atomics.store(a, W.TX_READ, w | 0);
    return out;
  }

  /** Puts bytes on the RX wire (the caller holds the bus lock); the PL011 model takes them into its FIFO. */
  type(bytes: ArrayLike<number>): void {
    const a = this.i32;
    let w = a[W.RX_WRITTEN] >>> 0;
    for (let i = 0; i < bytes.length; i++) { this.rx[w % RING_BYTES] = bytes[i]; w = (w + 1) >>> 0; }
    a[W.RX_WRITTEN] = w | 0;
  }

  /** Bytes waiting on the RX wire (bus lock held). */
  rxWaiting(): number { return (this.i32[W.RX_WRITTEN] - this.i32[W.RX_READ]) >>> 0; }

  /** The next byte off the RX wire, or -1 (bus lock held). */
  rxTake(): number {
    if (!this.rxWaiting()) return -1;
    const r = this.i32[W.RX_READ] >>> 0;
    this.i32[W.RX_READ] = (r + 1) | 0;
    return this.rx[r % RING_BYTES];
  }
}

export { MAX_CORES };
