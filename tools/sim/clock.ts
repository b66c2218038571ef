// The generic timer's counter (cpu.counter), shared by every thread.
//
// Real time: ticks of the board's frequency since the machine started, from
// the host's monotonic clock (performance.timeOrigin + performance.now():
// the same in every worker, where performance.now() alone is not).
//
// Virtual time: a counter in the shared state that moves only when the
// kernel waits (every running core asleep: it jumps to the earliest
// deadline, sim/core.ts), when the controlling thread advances it
// (pi.advance), and by STEP ticks at each read, so that a loop that polls
// the counter for a deadline ends. A test's timing then does not depend on
// the host's load, and a sleep of a second takes no second.
import { SimState, W } from "./state.js";

/** Ticks each counter read moves virtual time on: 1 us at the board's frequency. */
export function virtualStep(frequency: number): bigint { return BigInt(Math.max(1, Math.round(frequency / 1e6))); }

/**
 * "virtual": time moves when every core sleeps (to the next deadline), when
 * the test advances it, and a step at each read; "manual": only by advance()
 * and the reads' steps, so a test decides when a deadline comes; "real":
 * the host's clock.
 */
export type TimeMode = "virtual" | "manual" | "real";

const hostMs = (): number => performance.timeOrigin + performance.now();

export class Clock {
  readonly frequency: number;
  readonly virtual: boolean;
  /** Virtual time that jumps by itself when every core sleeps (not "manual", where only advance() and reads move it). */
  readonly jumps: boolean;
  private readonly step: bigint;
  constructor(private readonly s: SimState) {
    this.frequency = s.i32[W.FREQUENCY];
    this.virtual = s.i32[W.VIRTUAL] !== 0;
    this.jumps = s.i32[W.VIRTUAL] === 1;
    this.step = virtualStep(this.frequency);
  }

  /** Sets the clock up (the controlling thread, before any core starts). */
  static start(s: SimState, frequency: number, time: TimeMode): void {
    s.i32[W.FREQUENCY] = frequency;
    s.i32[W.VIRTUAL] = time === "real" ? 0 : time === "virtual" ? 1 : 2;
    s.f64[W.ORIGIN / 2] = hostMs();
    s.i64[W.NOW / 2] = 0n;
  }

  /** The counter now, without moving virtual time. */
  now(): bigint {
    if (this.virtual) return Atomics.load(this.s.i64, W.NOW / 2);
    return BigInt(Math.floor((hostMs() - this.s.f64[W.ORIGIN / 2]) * this.frequency / 1000));
  }

  /** The counter as cpu.counter reads it: virtual time moves on by a step. */
  read(): bigint {
    if (this.virtual) return Atomics.add(this.s.i64, W.NOW / 2, this.step) + this.step;
    return this.now();
  }

  /** Virtual time: moves the clock on to `t` if it is behind (never back). */
  advanceTo(t: bigint): void {
    const a = this.s.i64;
    for (let was = Atomics.load(a, W.NOW / 2); was < t; was = Atomics.load(a, W.NOW / 2))
      if (Atomics.compareExchange(a, W.NOW / 2, was, t) === was) return;
  }

  /** Milliseconds of host time until counter value `t` (real time), at least 0. */
  msUntil(t: bigint): number {
    const d = t - this.now();
    return d <= 0n ? 0 : Number(d) * 1000 / this.frequency;
  }

  ticks(ms: number): bigint { return BigInt(Math.round(ms * this.frequency / 1000)); }
}
