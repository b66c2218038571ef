// The system timer (BCM2835 ARM Peripherals section 12; BCM2711 section
// 10): a free-running 64-bit counter at 1 MHz and four compare channels.
//
//   CS 0x00   bit n: channel n matched (CLO reached Cn); write 1 to clear
//   CLO 0x04, CHI 0x08   the counter's low and high words
//   C0-C3 0x0c-0x18      compare values, matched against CLO
//
// Each channel's match is an interrupt line, VideoCore 0-3 (channels 0
// and 2 are the GPU's on a board). A compare written now matches when CLO
// next equals it: at most 2^32 us later. The counter is the generic
// timer's, scaled to 1 MHz.
import { Device, Regs } from "./device.js";
import type { SimState } from "../state.js";
import type { Clock } from "../clock.js";

const R = { C: 0, /* 4 words */ CS: 4, MATCH: 6 /* 4 x 64-bit: when each channel matches, in counter ticks; 0 none */, WORDS: 14 } as const;

export class SysTimer implements Device {
  readonly name = "system timer";
  readonly size = 0x1c;
  private readonly r: Regs;
  constructor(s: SimState, readonly base: number, private readonly clock: Clock) { this.r = new Regs(s, R.WORDS); }

  private us(): bigint { return this.clock.now() * 1_000_000n / BigInt(this.clock.frequency); }
  private ticks(us: bigint): bigint { return (us * BigInt(this.clock.frequency) + 999_999n) / 1_000_000n; }

  /** Latches the matches whose time has come. */
  private update(): void {
    const now = this.clock.now();
    for (let n = 0; n < 4; n++) {
      const m = this.r.get64(R.MATCH + 2 * n);
      if (m && now >= m) { this.r.set(R.CS, this.r.get(R.CS) | (1 << n)); this.r.set64(R.MATCH + 2 * n, 0n); }
    }
  }

  read(off: number): number {
    this.update();
    const us = this.us();
    if (off === 0x00) return this.r.get(R.CS);
    if (off === 0x04) return Number(us & 0xffffffffn);
    if (off === 0x08) return Number((us >> 32n) & 0xffffffffn);
    if (off >= 0x0c && off <= 0x18) return this.r.get(R.C + (off - 0x0c) / 4);
    return 0;
  }

  write(off: number, v: number): void {
    v >>>= 0;
    this.update();
    if (off === 0x00) this.r.set(R.CS, this.r.get(R.CS) & ~v & 0xf);
    else if (off >= 0x0c && off <= 0x18) {
      const n = (off - 0x0c) / 4, us = this.us();
      this.r.set(R.C + n, v);
      const ahead = (BigInt(v) - (us & 0xffffffffn)) & 0xffffffffn;
      this.r.set64(R.MATCH + 2 * n, this.ticks(us + (ahead === 0n ? 1n << 32n : ahead)));
    }
  }

  lines(): bigint { this.update(); return BigInt(this.r.get(R.CS) & 0xf); }

  deadline(): bigint {
    let d = 0n;
    for (let n = 0; n < 4; n++) { const m = this.r.get64(R.MATCH + 2 * n); if (m && (!d || m < d)) d = m; }
    return d;
  }
}
