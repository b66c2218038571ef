// What every device model is: a block of registers at an address, whose
// state lives in the simulator's shared state (state.ts), touched only
// under the bus lock, so that any core's worker and the controlling thread
// see one device.
import type { SimState } from "../state.js";

export interface Device {
  /** For messages: "GPIO", "PL011 (UART0)", ... */
  readonly name: string;
  readonly base: number;
  readonly size: number;
  /** A 32-bit read at `offset` bytes into the block (bus lock held). */
  read(offset: number): number;
  /** A 32-bit write (bus lock held). */
  write(offset: number, value: number): void;
  /** The interrupt lines it raises now (bit n = VideoCore interrupt n). */
  lines?(): bigint;
  /** The next time (counter ticks) a line of its may rise by itself, or 0n. */
  deadline?(): bigint;
  /** Modelled by the controlling thread: a core asks it (devices/remote.ts). */
  readonly remote?: boolean;
}

/** Registers of a model: `count` words of shared state from `state.allocate`. */
export class Regs {
  readonly at: number;
  constructor(readonly state: SimState, count: number) { this.at = state.allocate(count); }
  get(i: number): number { return this.state.i32[this.at + i] >>> 0; }
  set(i: number, v: number): void { this.state.i32[this.at + i] = v | 0; }
  /** A 64-bit value at word i (i even). */
  get64(i: number): bigint { return this.state.i64[(this.at + i) >> 1]; }
  set64(i: number, v: bigint): void { this.state.i64[(this.at + i) >> 1] = v; }
}
