// The interrupt controllers the kernel's drivers program (drivers/irq.ts):
// which peripheral interrupts are enabled, and which core takes them. The
// stub's part of each (acknowledging, the timers' and the wake
// interrupts: boot/board/irq.c) is the simulator's host (sim/host.ts),
// as it is the stub's on a board.
import { Device, Regs } from "./device.js";
import type { SimState } from "../state.js";

/** What the machine asks of a controller. */
export interface Controller {
  /** Of the interrupt lines `lines` (bit n = VideoCore n), those the controller delivers to `core` now. */
  deliverable(core: number, lines: bigint): bigint;
  /** Masks `sources` (the top half's step before it records them, irq.c). */
  mask(sources: bigint): void;
  readonly devices: Device[];
}

/**
 * Pi 3: the BCM2835 ARM interrupt controller (BCM2835 ARM Peripherals
 * section 7.5, base + 0xB200) and the GPU interrupt routing register of
 * the BCM2836 local controller ("Quad-A7 control", QA7 rev 3.4, 0x0C:
 * bits 1:0 the core that takes the GPU's IRQ).
 *
 *   0x00 IRQ basic pending: bit 8 pending 1 has a bit set, bit 9 pending 2
 *   0x04 / 0x08 IRQ pending 1 / 2: sources 0-31 / 32-63 that are asserted
 *   0x10 / 0x14 enable 1 / 2: write 1 to enable (0 has no effect)
 *   0x1c / 0x20 disable 1 / 2: write 1 to disable
 *   (the basic sources, 0x18 and 0x24, and FIQ are not modelled)
 */
export class Bcm2835Intc implements Controller {
  readonly devices: Device[];
  private readonly r: Regs;
  private lines: () => bigint = () => 0n;
  constructor(s: SimState, armBase: number, localBase: number) {
    this.r = new Regs(s, 4);            // 0: enabled low, 1: enabled high, 2: GPU routing
    const self = this;
    this.devices = [
      {
        name: "ARM interrupt controller", base: armBase, size: 0x28,
        read(off) {
          const l = self.lines(), p1 = Number(l & 0xffffffffn) >>> 0, p2 = Number(l >> 32n) >>> 0;
          if (off === 0x00) return (p1 ? 1 << 8 : 0) | (p2 ? 1 << 9 : 0);
          if (off === 0x04) return p1;
          if (off === 0x08) return p2;
          if (off === 0x10 || off === 0x1c) return self.r.get(0);
          if (off === 0x14 || off === 0x20) return self.r.get(1);
          return 0;
        },
        write(off, v) {
          if (off === 0x10 || off === 0x14) self.r.set((off - 0x10) / 4, self.r.get((off - 0x10) / 4) | v);
          if (off === 0x1c || off === 0x20) self.r.set((off - 0x1c) / 4, self.r.get((off - 0x1c) / 4) & ~v);
        },
      },
      {
        name: "BCM2836 local interrupt controller", base: localBase, size: 0x100,
        read(off) { return off === 0x0c ? self.r.get(2) : 0; },
        // The rest of the block (the cores' timers, mailboxes and sources) is the stub's: the host's here.
        write(off, v) { if (off === 0x0c) self.r.set(2, v & 7); },
      },
    ];
  }
  /** The machine gives the asserted lines (for the pending registers). */
  source(lines: () => bigint): void { this.lines = lines; }
  private enabled(): bigint { return BigInt(this.r.get(0)) | (BigInt(this.r.get(1)) << 32n); }
  deliverable(core: number, lines: bigint): bigint {
    return (this.r.get(2) & 3) === core ? lines & this.enabled() : 0n;
  }
  mask(sources: bigint): void {
    this.r.set(0, this.r.get(0) & ~Number(sources & 0xffffffffn));
    this.r.set(1, this.r.get(1) & ~Number(sources >> 32n));
  }
}

/**
 * Pi 4: the GIC-400's distributor (ARM GIC-400 TRM, and the GICv2
 * Architecture Specification 4.3), for the shared peripheral interrupts:
 * VideoCore interrupt n is ID spiBase + n (BCM2711 ARM Peripherals 6.3).
 *
 *   GICD_CTLR 0x000 (bit 0: forward group 0; the stub writes 3)
 *   GICD_TYPER 0x004 (read only: 256 IDs, 4 CPU interfaces)
 *   GICD_ISENABLERn 0x100, GICD_ICENABLERn 0x180 (write 1: enable / disable)
 *   GICD_ISPENDRn 0x200 (read: the IDs pending)
 *   GICD_IPRIORITYRn 0x400 (a byte an ID), GICD_ITARGETSRn 0x800 (a byte
 *   an ID: bit n, CPU interface n), GICD_ICFGRn 0xc00
 *
 * An ID reaches a core when the distributor is on, the ID enabled and
 * targeted at that core, and its priority above the CPU interface's mask
 * (0xF0: the stub's GICC_PMR). IDs 0-31 (the cores' own: timers and
 * wakes) are the host's; their registers here only keep what is written.
 */
export class Gic400 implements Controller {
  readonly devices: Device[];
  private readonly r: Regs;
  private lines: () => bigint = () => 0n;
  // words: 0 CTLR; 1-8 enables (256 IDs); 9-72 priorities (bytes); 73-136 targets; 137-152 ICFGR
  constructor(s: SimState, gicd: number, private readonly spiBase: number, init: boolean) {
    this.r = new Regs(s, 153);
    // What the stub's irq_init_core does before the kernel runs (boot/board/irq.c): the distributor on, both groups.
    if (init) this.r.set(0, 3);
    const self = this;
    const bytes = (word0: number, off: number, at: number) => ({ word: word0 + ((off - at) >> 2) });
    this.devices = [{
      name: "GIC-400 distributor", base: gicd, size: 0x1000,
      read(off) {
        if (off === 0x000) return self.r.get(0);
        if (off === 0x004) return 0xfc66;                            // ITLinesNumber 6 (224 IDs), CPUNumber 3 (4 interfaces), LSPI 31, SecurityExtn (GIC-400 TRM 3.2: derived from its formula and QEMU's 192 SPIs, not read from a board)
        if (off === 0x008) return 0x0200143b;                        // GICD_IIDR of the GIC-400 (TRM 3.2)
        if (off >= 0x100 && off < 0x120) return self.r.get(1 + ((off - 0x100) >> 2));
        if (off >= 0x180 && off < 0x1a0) return self.r.get(1 + ((off - 0x180) >> 2));
        if (off >= 0x200 && off < 0x220) return self.pendingWord((off - 0x200) >> 2);
        if (off >= 0x400 && off < 0x500) return self.r.get(bytes(9, off, 0x400).word);
        if (off >= 0x800 && off < 0x900) {
          // ITARGETSR0-7 (IDs 0-31) read as the reading core's own bit; the simulator's reads come from no core in particular: core 0.
          return off < 0x820 ? 0x01010101 : self.r.get(bytes(73, off, 0x800).word);
        }
        if (off >= 0xc00 && off < 0xc40) return self.r.get(137 + ((off - 0xc00) >> 2));
        return 0;
      },
      write(off, v) {
        if (off === 0x000) self.r.set(0, v & 3);
        else if (off >= 0x100 && off < 0x120) { const w = 1 + ((off - 0x100) >> 2); self.r.set(w, self.r.get(w) | v); }
        else if (off >= 0x180 && off < 0x1a0) { const w = 1 + ((off - 0x180) >> 2); self.r.set(w, self.r.get(w) & ~v); }
        else if (off >= 0x400 && off < 0x500) self.r.set(bytes(9, off, 0x400).word, v);
        else if (off >= 0x820 && off < 0x900) self.r.set(bytes(73, off, 0x800).word, v);
        else if (off >= 0xc00 && off < 0xc40) self.r.set(137 + ((off - 0xc00) >> 2), v);
      },
    }];
  }
  source(lines: () => bigint): void { this.lines = lines; }
  private byte(word0: number, id: number): number { return (this.r.get(word0 + (id >> 2)) >>> ((id & 3) * 8)) & 0xff; }
  private enabledId(id: number): boolean { return ((this.r.get(1 + (id >> 5)) >>> (id & 31)) & 1) !== 0; }
  private pendingWord(w: number): number {
    const l = this.lines();
    let v = 0;
    for (let b = 0; b < 32; b++) { const n = w * 32 + b - this.spiBase; if (n >= 0 && n < 64 && (l >> BigInt(n)) & 1n) v |= 1 << b; }
    return v >>> 0;
  }
  deliverable(core: number, lines: bigint): bigint {
    if (!(this.r.get(0) & 1) || !lines) return 0n;
    let out = 0n;
    for (let n = 0; n < 64; n++) {
      if (!((lines >> BigInt(n)) & 1n)) continue;
      const id = this.spiBase + n;
      if (this.enabledId(id) && (this.byte(73, id) & (1 << core)) && this.byte(9, id) < 0xf0) out |= 1n << BigInt(n);
    }
    return out;
  }
  mask(sources: bigint): void {
    for (let n = 0; n < 64; n++) if ((sources >> BigInt(n)) & 1n) {
      const id = this.spiBase + n, w = 1 + (id >> 5);
      this.r.set(w, this.r.get(w) & ~(1 << (id & 31)));
    }
  }
}
