// The hardware random number generators (in no datasheet: Linux's
// drivers/char/hw_random/bcm2835-rng.c and iproc-rng200.c are the
// reference, as for drivers/rng.ts), with a generator of the simulator's
// own behind them: xorshift32 from a seed, so that a test's run repeats
// (SimOptions.seed), where the silicon's noise never does.
//
// BCM2835 (Pi 3), base + 0x104000: CTRL 0x00 (bit 0: on), STATUS 0x04
//   (bits 31:24 words ready; a write sets the warm-up count), DATA 0x08,
//   INT_MASK 0x10. Here words are ready once it is on.
// RNG200 (Pi 4), base + 0x104000: CTRL 0x00 (bits 12:0; 1 in bit 0: on),
//   RNG_SOFT_RESET 0x04, RBG_SOFT_RESET 0x08, INT_STATUS 0x18 (never an
//   error here), FIFO_DATA 0x20, FIFO_COUNT 0x24 (bits 7:0 words ready).
import { Device, Regs } from "./device.js";
import type { SimState } from "../state.js";

const R = { CTRL: 0, STATUS: 1, MASK: 2, STATE: 3, WORDS: 4 } as const;

export class Rng implements Device {
  readonly name: string;
  readonly size = 0x28;
  private readonly r: Regs;
  constructor(s: SimState, readonly base: number, private readonly kind: "bcm2835" | "rng200", seed: number, init: boolean) {
    this.name = kind === "rng200" ? "RNG200" : "RNG";
    this.r = new Regs(s, R.WORDS);
    if (init) this.r.set(R.STATE, (seed >>> 0) || 0x2545f491);
  }
  private on(): boolean { return (this.r.get(R.CTRL) & 1) !== 0; }
  private word(): number {
    let x = this.r.get(R.STATE);
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.r.set(R.STATE, x);
    return x;
  }
  read(off: number): number {
    if (this.kind === "bcm2835") {
      if (off === 0x00) return this.r.get(R.CTRL);
      if (off === 0x04) return this.on() ? (4 << 24) | (this.r.get(R.STATUS) & 0xfffff) : this.r.get(R.STATUS) & 0xfffff;
      if (off === 0x08) return this.on() ? this.word() : 0;
      if (off === 0x10) return this.r.get(R.MASK);
      return 0;
    }
    if (off === 0x00) return this.r.get(R.CTRL);
    if (off === 0x18) return 0;
    if (off === 0x20) return this.on() ? this.word() : 0;
    if (off === 0x24) return this.on() ? 16 : 0;
    return 0;
  }
  write(off: number, v: number): void {
    if (off === 0x00) this.r.set(R.CTRL, v & (this.kind === "rng200" ? 0x1fff : 0xffffffff));
    else if (this.kind === "bcm2835" && off === 0x04) this.r.set(R.STATUS, v);
    else if (this.kind === "bcm2835" && off === 0x10) this.r.set(R.MASK, v);
  }
}
