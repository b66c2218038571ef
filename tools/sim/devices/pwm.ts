// The PWM blocks (BCM2835 ARM Peripherals 9; BCM2711 ARM Peripherals 8,
// PWM0 and PWM1 there) and the clock they count, the clock manager's PWM
// clock (CM_PWMCTL, CM_PWMDIV at clock manager + 0xA0, + 0xA4: in neither
// datasheet, only in the BCM2835 errata and Linux's clk-bcm2835.c, with the
// fields of the GPIO clocks, BCM2835 ARM Peripherals 6.3). QEMU has
// neither (drivers/pwm.ts): this is where a kernel's PWM is seen at all.
//
// Clock manager: a write whose top byte is not the password 0x5A is
// ignored; BUSY follows ENAB (the generator stops at once here, where a
// board finishes its cycle), KILL stops it; the PWM clock is the source
// (1: the crystal, 19.2 MHz on a Pi 3, 54 MHz on a Pi 4; others unknown
// here: no clock) divided by DIVI (MASH 0; DIVF is kept, not used). The
// GPIO clocks' registers (0x70-0x84) are kept as written.
//
// A PWM block: CTL (channel 1 in bits 0-7, channel 2 in 8-15: PWEN, MODE,
// RPTL, SBIT, POLA, USEF, CLRF1, MSEN), STA (write 1 to clear its error
// bits; STA1/STA2 say a channel runs), DMAC, RNG1/2 (reset 0x20), DAT1/2.
// What a channel makes is worked out, not clocked: its frequency (clock /
// RNGn), its duty (DATn / RNGn, whole at DATn >= RNGn), and in mark-space
// mode the pulse (DATn clock ticks); pi.pwm(pin) and the page show them.
// Not modelled: the serialiser mode, the FIFO (USEF) and its DMA.
import type { Device } from "./device.js";
import { Regs } from "./device.js";
import type { SimState } from "../state.js";

const PASSWORD = 0x5a;
const CM_ENAB = 1 << 4, CM_KILL = 1 << 5, CM_BUSY = 1 << 7;
// Clock manager words: PWMCTL, PWMDIV, then the GPIO clocks' six.
const CM_PWMCTL = 0, CM_PWMDIV = 1, CM_GP = 2;

export class ClockManager implements Device {
  readonly name = "clock manager";
  readonly size = 0x1000;
  private readonly r: Regs;
  constructor(s: SimState, readonly base: number, private readonly oscillatorHz: number) { this.r = new Regs(s, 8); }

  private index(off: number): number {
    if (off === 0xa0) return CM_PWMCTL;
    if (off === 0xa4) return CM_PWMDIV;
    if (off >= 0x70 && off <= 0x84) return CM_GP + (off - 0x70) / 4;
    return -1;
  }

  read(off: number): number {
    const i = this.index(off);
    if (i < 0) return 0;
    const v = this.r.get(i);
    // BUSY: the generator runs (it follows ENAB here).
    return (i === CM_PWMCTL || (i >= CM_GP && !((i - CM_GP) & 1))) && (v & CM_ENAB) ? (v | CM_BUSY) >>> 0 : v;
  }

  write(off: number, v: number): void {
    const i = this.index(off);
    if (i < 0 || v >>> 24 !== PASSWORD) return;           // without the password a write does nothing
    let x = v & 0xffffff & ~CM_BUSY;
    if (x & CM_KILL) x &= ~CM_ENAB;
    this.r.set(i, x);
  }

  /** The PWM clock now, Hz: 0 while stopped or from a source the model does not know. */
  pwmHz(): number {
    const ctl = this.r.get(CM_PWMCTL), divi = (this.r.get(CM_PWMDIV) >>> 12) & 0xfff;
    if (!(ctl & CM_ENAB) || (ctl & CM_KILL) || (ctl & 0xf) !== 1 || divi === 0) return 0;
    return this.oscillatorHz / divi;
  }
}

/** What a channel makes now. */
export interface PwmOutput {
  /** The channel runs (PWENn) with a clock. */
  running: boolean;
  /** Mark-space (a pulse each period) or balanced (the high ticks spread). */
  mode: "mark-space" | "balanced";
  /** Periods a second (clock / RNGn; in balanced mode how often the pattern repeats). */
  hz: number;
  /** The part of each period the pin is high (after POLA), 0 to 1. */
  duty: number;
  /** Mark-space: the pulse's width in microseconds (DATn ticks of the clock); balanced: the same high time a period. */
  pulseMicros: number;
  inverted: boolean;
}

// PWM words: CTL, STA, DMAC, RNG1, DAT1, RNG2, DAT2.
const CTL = 0, STA = 1, DMAC = 2, RNG1 = 3, DAT1 = 4, RNG2 = 5, DAT2 = 6;
const PWEN = 1, MODE = 2, USEF = 1 << 5, CLRF1 = 1 << 6, POLA = 1 << 4, MSEN = 1 << 7;

export class Pwm implements Device {
  readonly size = 0x28;
  private readonly r: Regs;
  constructor(s: SimState, readonly name: string, readonly base: number, private readonly cm: ClockManager, init: boolean) {
    this.r = new Regs(s, 7);
    if (init) { this.r.set(DMAC, 0x0707); this.r.set(RNG1, 0x20); this.r.set(RNG2, 0x20); }
  }

  read(off: number): number {
    switch (off) {
      case 0x00: return this.r.get(CTL);
      case 0x04: {
        // EMPT1 (bit 1): the FIFO is empty (it is never filled here); STA1/STA2 (9, 10): the channels run.
        const ctl = this.r.get(CTL);
        return (this.r.get(STA) | 2 | ((ctl & PWEN) ? 1 << 9 : 0) | ((ctl & (PWEN << 8)) ? 1 << 10 : 0)) >>> 0;
      }
      case 0x08: return this.r.get(DMAC);
      case 0x10: return this.r.get(RNG1);
      case 0x14: return this.r.get(DAT1);
      case 0x20: return this.r.get(RNG2);
      case 0x24: return this.r.get(DAT2);
      default: return 0;                                  // FIF1 is write only
    }
  }

  write(off: number, v: number): void {
    v >>>= 0;
    switch (off) {
      case 0x00: this.r.set(CTL, v & 0xbfbf & ~CLRF1); break;   // CLRF1 acts and reads 0; bits 14 and 16 up reserved
      case 0x04: this.r.set(STA, this.r.get(STA) & ~(v & 0x1fc)); break;
      case 0x08: this.r.set(DMAC, v & 0x8000ffff); break;
      case 0x10: this.r.set(RNG1, v); break;
      case 0x14: this.r.set(DAT1, v); break;
      case 0x20: this.r.set(RNG2, v); break;
      case 0x24: this.r.set(DAT2, v); break;
      default: break;                                     // FIF1: the FIFO is not modelled
    }
  }

  /** What channel `channel` (1 or 2) makes now. */
  output(channel: 1 | 2): PwmOutput {
    const ctl = (this.r.get(CTL) >>> ((channel - 1) * 8)) & 0xff;
    const range = this.r.get(channel === 1 ? RNG1 : RNG2), data = this.r.get(channel === 1 ? DAT1 : DAT2);
    const clock = this.cm.pwmHz();
    const running = (ctl & PWEN) !== 0 && !(ctl & MODE) && !(ctl & USEF) && clock > 0 && range > 0;
    const inverted = (ctl & POLA) !== 0;
    const high = running ? Math.min(data, range) / range : 0;
    return {
      running,
      mode: ctl & MSEN ? "mark-space" : "balanced",
      hz: running ? clock / range : 0,
      duty: running ? (inverted ? 1 - high : high) : 0,
      pulseMicros: running ? Math.min(data, range) / clock * 1e6 : 0,
      inverted,
    };
  }
}
