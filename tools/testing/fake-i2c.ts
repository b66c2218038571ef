// An I2C master and five parts for the recording fake host
// (fake-host.ts), so a spec can run a device driver against what the
// datasheets say rather than script each status bit: QEMU has none of the
// first three, so these models are their tests; the DS1338 (which QEMU
// has) is here for specs of what reads a clock (kernel/clock.ts).
//
// The master is the Broadcom Serial Controller at the register level
// (BCM2835 ARM Peripherals 3.2: C, S, DLEN, A, FIFO, DIV, DEL, CLKT). Its
// wire takes no time: a byte written to the FIFO during a write goes to the
// part at once, and a read fills the FIFO from the part as the driver
// empties it. A transfer starts when C is written with I2CEN and ST (the
// FIFO cleared first when CLEAR is in the same write, as 3.2 C says); it
// ends with S.DONE, or with S.ERR (and DONE) when nothing acknowledges the
// address or a part refuses a byte, or with S.CLKT when a part (told to by
// the spec) stretches the clock past CLKT.TOUT periods of SCL. The BSC interrupt (53) is raised on
// each rising edge of what the driver enabled: INTD and DONE, INTT and TXW,
// INTR and RXR.
//
// The wire takes no time unless a spec asks for it (fake.i2cWireTime): then
// a write holds the bus (S.TA) until its address and bytes would have gone
// at SCL = 150 MHz / CDIV, 9 clocks each, and a C write with ST before that
// is a repeated start (3.3: a new ST while a transfer is active is one):
// the part gets no STOP, and the log marks the transfer `restart`. An ST
// while the write has bytes to go (a part stretching the clock) starts
// after its last byte, or not at all if the write ends in an error.
//
// 10-bit addresses (UM10204 3.1.11; BCM2835 ARM Peripherals 3.3): a part
// attached at TEN_BIT | address answers a write to 11110XX (A = 0x78 | the
// two high bits) whose first byte is the address's low eight bits, and a
// read of 11110XX after a repeated start that follows such a write.
//
// Parts (each from its datasheet; section numbers in the class comments):
//   Bme280   Bosch BST-BME280-DS002: id, reset, calibration, ctrl_hum,
//            status, ctrl_meas, config, forced/normal measurements with
//            their duration, shadowed data registers
//   Ssd1306  Solomon Systech SSD1306 rev 1.1: control bytes, the command
//            set the driver uses, GDDRAM with its three addressing modes
//   Mpu6050  InvenSense RM-MPU-6000A / PS-MPU-6000A: WHO_AM_I, PWR_MGMT_1
//            (sleep at reset, DEVICE_RESET), full-scale ranges, the 14
//            data bytes
//   Ds1338   Maxim DS1338: 64 registers (the BCD timekeeper at 00h-07h,
//            RAM at 08h-3Fh), one pointer for reads and writes that wraps
//            from 3Fh to 00h; its time does not run (a spec sets it)
//   Pca9552  NXP PCA9552: the control register with auto-increment, the
//            LED selectors, blink registers, INPUT following the outputs
//
// A spec reaches them through the "fake" import module (i2cController,
// i2cAttach, ..., assembly/testing/i2c.ts) that `imports` below provides.

/** One part on the bus, as the master sees it: a START with its address, bytes, a STOP. */
export interface I2cPart {
  /** A START (or the address after one) for this part: whether it acknowledges. */
  start(read: boolean): boolean;
  /** A byte written to it: whether it acknowledges. */
  write(byte: number): boolean;
  /** The next byte it sends. */
  read(): number;
  /** The STOP that ends the transfer. */
  stop(): void;
}

/** What the fake clock says, and how fast it counts. */
export interface Clock {
  now(): bigint;
  frequency: bigint;
}

/** How a part fails, from a given transfer on (fake.i2cFailAfter). */
export const enum Failure { None = 0, Nack = 1, ClockStretch = 2 }

/** One transfer as it went on the wire: for specs to read back. */
export interface LoggedTransfer {
  address: number;
  read: boolean;
  bytes: number[];
  /** 0 acknowledged, 1 NACK, 2 clock-stretch timeout. */
  result: number;
  /** Begun by a repeated start: no STOP before it. */
  restart: boolean;
}

/** The key of a part at a 10-bit address (TEN_BIT | address; 7-bit parts are keyed by their address). */
export const TEN_BIT = 0x400;

// BSC registers and bits (BCM2835 ARM Peripherals 3.2).
const C = 0x00, S = 0x04, DLEN = 0x08, A = 0x0c, FIFO = 0x10, DIV = 0x14, DEL = 0x18, CLKT = 0x1c;
const C_I2CEN = 1 << 15, C_INTR = 1 << 10, C_INTT = 1 << 9, C_INTD = 1 << 8, C_ST = 1 << 7, C_CLEAR = 3 << 4, C_READ = 1;
const S_CLKT = 1 << 9, S_ERR = 1 << 8, S_RXF = 1 << 7, S_TXE = 1 << 6, S_RXD = 1 << 5, S_TXD = 1 << 4;
const S_RXR = 1 << 3, S_TXW = 1 << 2, S_DONE = 1 << 1, S_TA = 1;
const FIFO_BYTES = 16;

interface Attached {
  part: I2cPart;
  /** Transfers addressed to it so far. */
  transfers: number;
  /** From which transfer (counting from 0) it fails, and how; -1: never. */
  failFrom: number;
  failure: Failure;
}

/** The BSC at `base`, its wire instant, parts attached by address. */
export class Bsc {
  readonly size = 0x20;
  private c = 0;
  /** DONE, ERR, CLKT: set by the block, cleared by writing 1. */
  private sticky = 0;
  private dlen = 0;
  private a = 0;
  private div = 0x5dc;
  private del = 0x00300030;
  private clkt = 0x40;
  private fifo: number[] = [];
  private active = false;
  private reading = false;
  /** Bytes of the transfer still to go on the wire. */
  private remaining = 0;
  private part: I2cPart | null = null;
  private entry: LoggedTransfer | null = null;
  /** While a part holds SCL low: when the block gives up (S.CLKT), in ticks of the fake clock; 0 otherwise. */
  private stretchUntil = 0n;
  private level = false;
  /** Writes take their time on the wire (fake.i2cWireTime): a write's bytes all sent, it ends when the clock passes `wireEnd`. */
  timed = false;
  private wireEnd = 0n;
  /** During a 10-bit write, the first byte still picks the part. */
  private selecting = false;
  /** An ST that came while a write had bytes to go: the repeated start after its last. */
  private pendingStart = false;
  /** The part the last 10-bit write addressed (a repeated-start read of 11110XX goes to it). */
  private tenBitPart: Attached | null = null;
  readonly parts = new Map<number, Attached>();
  readonly log: LoggedTransfer[] = [];

  constructor(readonly base: number, private clock: Clock, private raise: () => void, private pending: () => boolean) {}

  /** The block's interrupt line now (what interrupt() last worked out): for a host that takes levels (tools/sim). */
  get line(): boolean { return this.level; }

  attach(address: number, part: I2cPart): void {
    this.parts.set(address, { part, transfers: 0, failFrom: -1, failure: Failure.None });
  }

  read(off: number): number {
    let v = 0;
    switch (off) {
      case C: v = this.c; break;
      case S: v = this.status(); break;
      // 3.2 DLEN: while TA or DONE, the bytes still to go; otherwise what was written.
      case DLEN: v = this.active || (this.sticky & S_DONE) ? this.remaining : this.dlen; break;
      case A: v = this.a; break;
      case FIFO: v = this.pop(); break;
      case DIV: v = this.div; break;
      case DEL: v = this.del; break;
      case CLKT: v = this.clkt; break;
    }
    this.interrupt();
    return v;
  }

  write(off: number, v: number): void {
    switch (off) {
      case C: this.control(v); break;
      case S: this.sticky &= ~(v & (S_CLKT | S_ERR | S_DONE)); break;
      case DLEN: this.dlen = v & 0xffff; break;
      case A: this.a = v & 0x7f; break;
      case FIFO: this.push(v & 0xff); break;
      case DIV: this.div = v & 0xffff; break;
      case DEL: this.del = v >>> 0; break;
      case CLKT: this.clkt = v & 0xffff; break;
    }
    this.interrupt();
  }

  private status(): number {
    if (this.active && !this.reading && this.remaining === 0 && this.timed && this.clock.now() >= this.wireEnd) this.end(S_DONE);
    if (this.stretchUntil && this.clock.now() >= this.stretchUntil) {
      this.stretchUntil = 0n;
      this.sticky |= S_CLKT;
      this.end(0);
    }
    const n = this.fifo.length;
    let s = this.sticky;
    if (this.active) s |= S_TA;
    if (n === 0) s |= S_TXE;
    if (n < FIFO_BYTES) s |= S_TXD;
    if (n > 0) s |= S_RXD;
    if (n === FIFO_BYTES) s |= S_RXF;
    // TXW: a write underway and the FIFO under a quarter full; RXR: a read underway and it at least three quarters full.
    if (this.active && !this.reading && n < FIFO_BYTES / 4) s |= S_TXW;
    if (this.active && this.reading && n >= (FIFO_BYTES * 3) / 4) s |= S_RXR;
    return s;
  }

  /**
   * The interrupt line is a level; the fake host's interrupts are events.
   * So one is raised at each rising edge, and again at the next access to
   * the block after the kernel took it while the line stays high: a level
   * asks again once the driver unmasks it (which the fake host does not
   * model), and the driver reads the block right after it unmasks.
   */
  private interrupt(): void {
    const s = this.status();
    const c = this.c;
    const level = ((c & C_INTD) !== 0 && (s & S_DONE) !== 0) || ((c & C_INTT) !== 0 && (s & S_TXW) !== 0) || ((c & C_INTR) !== 0 && (s & S_RXR) !== 0);
    if (level && (!this.level || !this.pending())) this.raise();
    this.level = level;
  }

  private control(v: number): void {
    if (v & C_CLEAR) this.fifo = [];            // before a new frame, if ST is in the same write (3.2 C.CLEAR)
    this.c = v & ~(C_ST | C_CLEAR);             // ST and CLEAR read back as 0
    if (!(v & C_I2CEN)) {                       // the controller off: a transfer under way ends with a STOP
      if (this.active) this.end(0);
      return;
    }
    if (v & C_ST) this.begin();
  }

  private begin(): void {
    this.status();                               // a write whose time is up ends first
    const restart = this.active;
    if (restart && this.reading)
      throw new Error(`fake BSC at 0x${this.base.toString(16)}: ST during a read (a repeated start follows a write)`);
    if (restart && this.remaining > 0) { this.pendingStart = true; return; }   // taken after the write's last byte
    this.reading = (this.c & C_READ) !== 0;
    this.remaining = this.dlen;
    this.selecting = false;
    const entry: LoggedTransfer = { address: this.a, read: this.reading, bytes: [], result: 0, restart };
    this.log.push(entry);
    this.entry = entry;
    this.wireEnd = this.clock.now() + (BigInt(9 * (1 + this.dlen)) * BigInt(this.div || 0x10000) * this.clock.frequency) / 150_000_000n + 1n;
    if (restart) { this.active = false; this.part = null; }     // no STOP: the part hears a new START
    let at: Attached | undefined;
    if ((this.a & 0x7c) === 0x78) {              // 11110XX: the first part of a 10-bit address
      const high = (this.a & 3) << 8;
      if (this.reading) {
        const last = this.tenBitPart;
        at = restart && last !== null && (this.keyOf(last) & 0x300) === high ? last : undefined;
      } else if ([...this.parts.keys()].some((k) => (k & (TEN_BIT | 0x300)) === (TEN_BIT | high))) {
        this.active = true;                      // acknowledged by every part with those high bits; the next byte picks one
        this.selecting = true;
        while (this.active && this.remaining > 0 && this.fifo.length > 0) this.send(this.fifo.shift()!);
        if (this.active && this.remaining === 0) this.wrote();
        return;
      }
    } else at = this.parts.get(this.a);
    this.open(at);
  }

  private keyOf(at: Attached): number {
    for (const [k, v] of this.parts) if (v === at) return k;
    return -1;
  }

  /** The address phase for the part `at` (undefined: nothing acknowledges), then what the FIFO holds. */
  private open(at: Attached | undefined): void {
    const entry = this.entry!;
    const failing = at !== undefined && at.failFrom >= 0 && at.transfers >= at.failFrom ? at.failure : Failure.None;
    if (at) at.transfers++;
    if (failing === Failure.ClockStretch) {
      // The part holds SCL low: after CLKT.TOUT periods of SCL (CDIV over the nominal 150 MHz
      // core clock of 3.2 DIV), S.CLKT, and the transfer is over. Whether the silicon sets DONE
      // too the datasheet does not say; the model leaves it clear, so no INTD interrupt comes
      // and the driver finds the error by looking (its fallback timer).
      entry.result = 2;
      this.active = true;
      const periods = BigInt(Math.max(this.clkt, 1)) * BigInt(this.div || 0x10000);
      this.stretchUntil = this.clock.now() + (periods * this.clock.frequency) / 150_000_000n + 1n;
      return;
    }
    if (!at || failing === Failure.Nack || !at.part.start(this.reading)) {
      this.sticky |= S_ERR | S_DONE;             // the address was not acknowledged; the master sends STOP
      entry.result = 1;
      return;
    }
    this.active = true;
    this.part = at.part;
    if (this.reading) this.fill();
    else while (this.active && this.remaining > 0 && this.fifo.length > 0) this.send(this.fifo.shift()!);
    if (this.active && this.remaining === 0) this.wrote();
  }

  /** A write's bytes are all out: it ends now, or (timed) when its time on the wire is up. */
  private wrote(): void {
    if (this.pendingStart) { this.pendingStart = false; this.begin(); return; }
    if (!this.reading && this.timed) return;
    this.end(S_DONE);
  }

  /** A byte for the FIFO: on the wire at once during a write; kept for the next write otherwise. */
  private push(b: number): void {
    if (this.active && !this.reading && !this.stretchUntil) {
      this.send(b);
      if (this.active && this.remaining === 0) this.wrote();
    } else if ((!this.active || !this.reading) && this.fifo.length < FIFO_BYTES) {
      this.fifo.push(b);                         // (during a stretch too: nothing leaves the FIFO)
    }
  }

  private send(b: number): void {
    if (this.selecting) {                        // the low eight bits of a 10-bit address pick the part
      this.selecting = false;
      this.entry!.bytes.push(b);
      this.remaining--;
      const at = this.parts.get(TEN_BIT | ((this.a & 3) << 8) | b);
      this.active = false;
      this.open(at);
      this.tenBitPart = this.entry!.result === 0 ? at! : null;
      return;
    }
    this.entry!.bytes.push(b);
    this.remaining--;
    if (!this.part!.write(b)) {
      this.entry!.result = 1;
      this.end(S_ERR | S_DONE);
    }
  }

  private pop(): number {
    const b = this.fifo.shift() ?? 0;
    if (this.active && this.reading && !this.stretchUntil) this.fill();
    return b;
  }

  /** Bytes from the part into the FIFO, as far as it has room; DONE with the last. */
  private fill(): void {
    while (this.active && this.remaining > 0 && this.fifo.length < FIFO_BYTES) {
      const b = this.part!.read() & 0xff;
      this.entry!.bytes.push(b);
      this.fifo.push(b);
      this.remaining--;
    }
    if (this.active && this.remaining === 0) this.end(S_DONE);
  }

  private end(bits: number): void {
    this.active = false;
    this.pendingStart = false;
    this.stretchUntil = 0n;
    this.sticky |= bits;
    this.part?.stop();
    this.part = null;
  }
}

// ---- BME280 ------------------------------------------------------------------

/**
 * Calibration words (BST-BME280-DS002 4.2.2, table 16). The temperature and
 * pressure ones are the worked example of the BMP280 data sheet
 * (BST-BMP280-DS001 3.12, whose compensation is the BME280's: DS002 5.2),
 * where adc_T 519888 gives 25.08 °C and adc_P 415148 100653.27 Pa; the
 * humidity ones are plausible values of a real part.
 */
export const BME280_CALIBRATION = {
  T1: 27504, T2: 26435, T3: -1000,
  P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
  H1: 75, H2: 362, H3: 0, H4: 313, H5: 50, H6: 30,
};

/**
 * A BME280 on I2C (BST-BME280-DS002). Registers (5.3, 5.4): id 0xD0 = 0x60;
 * reset 0xE0 (0xB6 resets, 2 ms of NVM copy: status.im_update); calibration
 * 0x88-0xA1 and 0xE1-0xE7; ctrl_hum 0xF2 (effective at the next ctrl_meas
 * write, 5.4.3); status 0xF3 (measuring, bit 3; im_update, bit 0);
 * ctrl_meas 0xF4 (osrs_t 7:5, osrs_p 4:2, mode 1:0: 00 sleep, 01/10
 * forced, 11 normal); config 0xF5; data 0xF7-0xFE, shadowed: a read during
 * a measurement gives the previous one (3.10, 4). A forced measurement
 * takes the typical time of 9.1 (1 + 2 T + 2 P + 0.5 + 2 H + 0.5 ms) and
 * returns the part to sleep. Writes are register/data pairs (6.2.1, no
 * auto-increment); reads auto-increment (6.2.2). A skipped measurement
 * reads 0x80000 (0x8000 for humidity). Without the IIR filter, temperature
 * and pressure have 16 + (oversampling step - 1) bits (3.4.2, 3.4.3); the
 * filter itself is not modelled (its output is taken as the input).
 *
 * The spec sets what it measures as raw ADC values, or as °C, Pa and %RH,
 * which the model turns into the raw values the double-precision formulas
 * of 8.1 map back to them (by bisection: each is monotonic), so a driver's
 * integer compensation (4.2.3) is checked against an independent one.
 */
export class Bme280 implements I2cPart {
  readonly regs = new Uint8Array(256);
  private pointer = 0;
  private expectRegister = true;
  /** osrs_h as it takes effect (at a ctrl_meas write). */
  private humidityOversampling = 0;
  private measuringUntil = 0n;
  private nvmUntil = 0n;
  /** The next measurement's raw values (20, 20 and 16 bits). */
  adcT = 519888;
  adcP = 415148;
  adcH = 0x6000;

  constructor(private clock: Clock) {
    this.reset();
    const k = BME280_CALIBRATION;
    const le16 = (at: number, v: number) => { this.regs[at] = v & 0xff; this.regs[at + 1] = (v >> 8) & 0xff; };
    le16(0x88, k.T1); le16(0x8a, k.T2); le16(0x8c, k.T3);
    [k.P1, k.P2, k.P3, k.P4, k.P5, k.P6, k.P7, k.P8, k.P9].forEach((v, i) => le16(0x8e + 2 * i, v));
    this.regs[0xa1] = k.H1;
    le16(0xe1, k.H2);
    this.regs[0xe3] = k.H3;
    this.regs[0xe4] = (k.H4 >> 4) & 0xff;                             // dig_H4 [11:4] / [3:0] in 0xE5's low nibble
    this.regs[0xe5] = (k.H4 & 0x0f) | ((k.H5 & 0x0f) << 4);           // dig_H5 [3:0] in 0xE5's high nibble / [11:4]
    this.regs[0xe6] = (k.H5 >> 4) & 0xff;
    this.regs[0xe7] = k.H6 & 0xff;
    this.nvmUntil = 0n;                                               // powered up long ago
  }

  private ms(t: number): bigint { return BigInt(Math.ceil((t * Number(this.clock.frequency)) / 1000)); }

  private reset(): void {
    this.regs[0xd0] = 0x60;
    for (const r of [0xf2, 0xf3, 0xf4, 0xf5]) this.regs[r] = 0;
    this.regs.set([0x80, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x00], 0xf7);   // data reset values (5.3)
    this.humidityOversampling = 0;
    this.measuringUntil = 0n;
    this.nvmUntil = this.clock.now() + this.ms(2);                    // start-up time, 2 ms (1.1 table 1)
  }

  /** Sets what the next measurement reads from °C, Pa and %RH (through the inverse of 8.1's formulas). */
  setPhysical(celsius: number, pascals: number, humidity: number): void {
    const bisect = (f: (x: number) => number, target: number, lo: number, hi: number, rising: boolean) => {
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if ((f(mid) <= target) === rising) lo = mid; else hi = mid;
      }
      return Math.abs(f(lo) - target) <= Math.abs(f(hi) - target) ? lo : hi;
    };
    this.adcT = bisect((x) => bme280Double(x, 0, 0).temperature, celsius, 0, (1 << 20) - 1, true);
    this.adcP = bisect((x) => bme280Double(this.adcT, x, 0).pressure, pascals, 0, (1 << 20) - 1, false);
    this.adcH = bisect((x) => bme280Double(this.adcT, 0, x).humidity, humidity, 0, 0xffff, true);
  }

  private sync(): void {
    const now = this.clock.now();
    const mode = this.regs[0xf4] & 3;
    if (this.measuringUntil && now >= this.measuringUntil) {
      this.latch();
      this.measuringUntil = 0n;
      if (mode === 1 || mode === 2) this.regs[0xf4] &= ~3;           // a forced measurement ends in sleep mode (3.3.3)
    } else if (mode === 3) {
      this.latch();                                                  // normal mode: a fresh measurement at each look (t_standby not modelled)
    }
  }

  private latch(): void {
    const m = this.regs[0xf4];
    const filtered = (this.regs[0xf5] >> 2) & 7;
    const bits = (osrs: number) => (filtered ? 20 : 15 + Math.min(osrs, 5));
    const quantise = (adc: number, osrs: number) => (osrs === 0 ? 0x80000 : adc & ~((1 << (20 - bits(osrs))) - 1) & 0xfffff);
    const p = quantise(this.adcP, (m >> 2) & 7), t = quantise(this.adcT, (m >> 5) & 7);
    const h = this.humidityOversampling === 0 ? 0x8000 : this.adcH & 0xffff;
    this.regs.set([p >> 12, (p >> 4) & 0xff, (p & 0xf) << 4, t >> 12, (t >> 4) & 0xff, (t & 0xf) << 4, h >> 8, h & 0xff], 0xf7);
  }

  private status(): number {
    const now = this.clock.now();
    return (this.measuringUntil && now < this.measuringUntil ? 1 << 3 : 0) | (now < this.nvmUntil ? 1 : 0);
  }

  private store(r: number, v: number): void {
    if (r === 0xe0) { if (v === 0xb6) this.reset(); return; }
    if (r === 0xf2) { this.regs[r] = v & 7; return; }
    if (r === 0xf5) { this.regs[r] = v & 0xfd; return; }
    if (r !== 0xf4) return;                                          // the rest is read-only (or reserved)
    this.regs[r] = v;
    this.humidityOversampling = this.regs[0xf2] & 7;
    const mode = v & 3;
    if (mode === 1 || mode === 2) {
      const step = (o: number) => (o === 0 ? 0 : 1 << (Math.min(o, 5) - 1));
      const t = step((v >> 5) & 7), p = step((v >> 2) & 7), h = step(this.humidityOversampling);
      const typical = 1 + 2 * t + (p ? 2 * p + 0.5 : 0) + (h ? 2 * h + 0.5 : 0);   // 9.1, typical
      this.measuringUntil = this.clock.now() + this.ms(typical);
    }
  }

  start(read: boolean): boolean { this.sync(); this.expectRegister = !read; return true; }
  write(b: number): boolean {
    if (this.expectRegister) this.pointer = b; else this.store(this.pointer, b);
    this.expectRegister = !this.expectRegister;
    return true;
  }
  read(): number {
    const r = this.pointer;
    this.pointer = (this.pointer + 1) & 0xff;
    return r === 0xf3 ? this.status() : this.regs[r];
  }
  stop(): void {}
}

/** The double-precision compensation of BST-BME280-DS002 8.1 with the model's calibration: °C, Pa, %RH. */
export function bme280Double(adcT: number, adcP: number, adcH: number): { temperature: number; pressure: number; humidity: number } {
  const k = BME280_CALIBRATION;
  let v1 = (adcT / 16384 - k.T1 / 1024) * k.T2;
  let v2 = (adcT / 131072 - k.T1 / 8192) * (adcT / 131072 - k.T1 / 8192) * k.T3;
  const tFine = Math.trunc(v1 + v2);
  const temperature = (v1 + v2) / 5120;
  v1 = tFine / 2 - 64000;
  v2 = (v1 * v1 * k.P6) / 32768;
  v2 = v2 + v1 * k.P5 * 2;
  v2 = v2 / 4 + k.P4 * 65536;
  v1 = ((k.P3 * v1 * v1) / 524288 + k.P2 * v1) / 524288;
  v1 = (1 + v1 / 32768) * k.P1;
  let pressure = 0;
  if (v1 !== 0) {
    pressure = 1048576 - adcP;
    pressure = ((pressure - v2 / 4096) * 6250) / v1;
    const w1 = (k.P9 * pressure * pressure) / 2147483648;
    const w2 = (pressure * k.P8) / 32768;
    pressure = pressure + (w1 + w2 + k.P7) / 16;
  }
  let h = tFine - 76800;
  h = (adcH - (k.H4 * 64 + (k.H5 / 16384) * h)) * ((k.H2 / 65536) * (1 + (k.H6 / 67108864) * h * (1 + (k.H3 / 67108864) * h)));
  h = h * (1 - (k.H1 * h) / 524288);
  const humidity = Math.min(100, Math.max(0, h));
  return { temperature, pressure, humidity };
}

// ---- SSD1306 -----------------------------------------------------------------

/** Parameter bytes after each command (SSD1306 rev 1.1, 9 command table); others take none. */
const SSD1306_PARAMETERS = new Map<number, number>([
  [0x81, 1], [0x20, 1], [0x21, 2], [0x22, 2], [0xa8, 1], [0xd3, 1], [0xd5, 1], [0xd9, 1], [0xda, 1], [0xdb, 1], [0x8d, 1],
  [0x26, 6], [0x27, 6], [0x29, 5], [0x2a, 5], [0xa3, 2],
]);

/**
 * An SSD1306 on I2C (Solomon Systech SSD1306 rev 1.1). After its address
 * each transfer carries a control byte (8.1.5.2): Co (bit 7) clear means
 * every byte after it is of the kind D/C# (bit 6) says, commands (0x00) or
 * GDDRAM data (0x40); Co set means one byte of that kind, then another
 * control byte. GDDRAM (8.7) is 8 pages of 128 columns, a byte a column of
 * 8 rows, D0 on top. Addressing (10.1.3): page mode (the reset one) moves
 * the column and wraps it in the page; horizontal mode moves the column,
 * then the page, wrapping both in the window of 0x21/0x22 (10.1.4,
 * 10.1.5); vertical mode the page first. The model takes writes only (the
 * driver never reads; a read is not acknowledged).
 */
export class Ssd1306 implements I2cPart {
  readonly ram = new Uint8Array(128 * 8);
  on = false;
  contrast = 0x7f;
  inverse = false;
  entireOn = false;
  chargePump = false;
  mode = 2;
  multiplex = 63;
  segmentRemap = false;
  comReversed = false;
  comPins = 0x12;
  startLine = 0;
  offset = 0;
  private colStart = 0; private colEnd = 127; private pageStart = 0; private pageEnd = 7;
  private col = 0; private page = 0;
  // The transfer's parsing: a control byte next?, its kind, a command waiting for parameters.
  private expectControl = true;
  private continuation = false;
  private data = false;
  private command: number[] = [];
  private wanted = 0;

  start(read: boolean): boolean {
    this.expectControl = true;
    return !read;
  }

  write(b: number): boolean {
    if (this.expectControl) {
      this.continuation = (b & 0x80) !== 0;
      this.data = (b & 0x40) !== 0;
      this.expectControl = false;
      return true;
    }
    if (this.data) this.ramWrite(b); else this.commandByte(b);
    if (this.continuation) this.expectControl = true;
    return true;
  }

  read(): number { return 0xff; }
  stop(): void {}

  private ramWrite(b: number): void {
    this.ram[this.page * 128 + this.col] = b;
    if (this.mode === 1) {                                        // vertical
      if (++this.page > this.pageEnd) { this.page = this.pageStart; if (++this.col > this.colEnd) this.col = this.colStart; }
    } else if (this.mode === 0) {                                 // horizontal
      if (++this.col > this.colEnd) { this.col = this.colStart; if (++this.page > this.pageEnd) this.page = this.pageStart; }
    } else if (++this.col > this.colEnd) {                        // page mode: the page stays
      this.col = this.colStart;
    }
  }

  private commandByte(b: number): void {
    if (this.command.length === 0) {
      this.command.push(b);
      this.wanted = SSD1306_PARAMETERS.get(b) ?? 0;
    } else {
      this.command.push(b);
    }
    if (this.command.length - 1 < this.wanted) return;
    const [op, p1, p2] = this.command;
    this.command = [];
    switch (op) {
      case 0xae: this.on = false; return;
      case 0xaf: this.on = true; return;
      case 0x81: this.contrast = p1; return;
      case 0xa4: this.entireOn = false; return;
      case 0xa5: this.entireOn = true; return;
      case 0xa6: this.inverse = false; return;
      case 0xa7: this.inverse = true; return;
      case 0x20: this.mode = p1 & 3; return;
      case 0x21: this.colStart = p1 & 0x7f; this.colEnd = p2 & 0x7f; this.col = this.colStart; return;
      case 0x22: this.pageStart = p1 & 7; this.pageEnd = p2 & 7; this.page = this.pageStart; return;
      case 0x8d: this.chargePump = (p1 & 0x04) !== 0; return;        // 14h on, 10h off (charge pump appendix)
      case 0xa8: this.multiplex = p1 & 0x3f; return;
      case 0xa0: this.segmentRemap = false; return;
      case 0xa1: this.segmentRemap = true; return;
      case 0xc0: this.comReversed = false; return;
      case 0xc8: this.comReversed = true; return;
      case 0xda: this.comPins = p1; return;
      case 0xd3: this.offset = p1 & 0x3f; return;
    }
    if (op >= 0x40 && op <= 0x7f) this.startLine = op & 0x3f;
    else if (op <= 0x0f) this.col = (this.col & 0xf0) | op;           // page mode: lower column nibble
    else if (op <= 0x1f) this.col = (this.col & 0x0f) | ((op & 7) << 4);
    else if (op >= 0xb0 && op <= 0xb7) this.page = op & 7;
    // The rest (clock, pre-charge, VCOMH, scrolling, NOP) changes nothing the model shows.
  }

  /** Named state for fake.ssd1306State: 0 on, 1 charge pump, 2 contrast, 3 inverse, 4 addressing mode, 5 multiplex, 6 segment remap, 7 COM scan reversed, 8 COM pins, 9 entire display on. */
  state(what: number): number {
    const values = [this.on, this.chargePump, this.contrast, this.inverse, this.mode, this.multiplex, this.segmentRemap, this.comReversed, this.comPins, this.entireOn];
    const v = values[what];
    return v === undefined ? -1 : Number(v);
  }
}

// ---- MPU6050 -----------------------------------------------------------------

/** LSB per g at AFS_SEL 0-3 (RM-MPU-6000A 4.17) and per °/s at FS_SEL 0-3 (4.19). */
const ACCEL_LSB = [16384, 8192, 4096, 2048];
const GYRO_LSB = [131, 65.5, 32.8, 16.4];

/**
 * An MPU-6050 on I2C (InvenSense RM-MPU-6000A rev 4.2, PS-MPU-6000A rev
 * 3.4). Registers reset to 0 but PWR_MGMT_1 (0x6B: 0x40, SLEEP) and
 * WHO_AM_I (0x75: 0x68) (RM 3); DEVICE_RESET (0x6B bit 7) resets them all
 * and clears itself (RM 4.28). GYRO_CONFIG 0x1B and ACCEL_CONFIG 0x1C hold
 * FS_SEL and AFS_SEL in bits 4:3 (RM 4.4, 4.5). The 14 bytes at 0x3B-0x48
 * are the accelerometer's X, Y, Z, the temperature and the gyroscope's X,
 * Y, Z, each big-endian two's complement (RM 4.17-4.19); they are taken
 * when a read starts, so one burst is consistent (PS 9.3: the registers
 * are shadowed while the serial interface reads them), and only while the
 * part is awake: asleep, they keep what they last held. Reads and writes
 * auto-increment the register address (PS 9.3).
 */
export class Mpu6050 implements I2cPart {
  readonly regs = new Uint8Array(128);
  private pointer = 0;
  private expectRegister = true;
  /** What the part senses: g, °/s, °C. */
  accel = [0, 0, 0];
  gyro = [0, 0, 0];
  celsius = 25;

  constructor() { this.reset(); }

  private reset(): void {
    this.regs.fill(0);
    this.regs[0x6b] = 0x40;
    this.regs[0x75] = 0x68;
  }

  private latch(): void {
    if (this.regs[0x6b] & 0x40) return;                            // asleep: the last values stay
    const put = (at: number, v: number) => {
      const raw = Math.max(-32768, Math.min(32767, Math.round(v)));
      this.regs[at] = (raw >> 8) & 0xff;
      this.regs[at + 1] = raw & 0xff;
    };
    const a = ACCEL_LSB[(this.regs[0x1c] >> 3) & 3], g = GYRO_LSB[(this.regs[0x1b] >> 3) & 3];
    for (let i = 0; i < 3; i++) put(0x3b + 2 * i, this.accel[i] * a);
    put(0x41, (this.celsius - 36.53) * 340);                         // RM 4.18: °C = TEMP_OUT / 340 + 36.53
    for (let i = 0; i < 3; i++) put(0x43 + 2 * i, this.gyro[i] * g);
  }

  start(read: boolean): boolean {
    if (read) this.latch();
    this.expectRegister = !read;
    return true;
  }

  write(b: number): boolean {
    if (this.expectRegister) { this.pointer = b & 0x7f; this.expectRegister = false; return true; }
    const r = this.pointer;
    this.pointer = (this.pointer + 1) & 0x7f;
    if (r === 0x6b && (b & 0x80)) { this.reset(); return true; }
    if (r === 0x75 || (r >= 0x3b && r <= 0x60)) return true;        // read-only: WHO_AM_I, the sensor data
    this.regs[r] = b;
    return true;
  }

  read(): number {
    const v = this.regs[this.pointer];
    this.pointer = (this.pointer + 1) & 0x7f;
    return v;
  }

  stop(): void {}
}

/**
 * A DS1338 (or DS1307) real-time clock (Maxim DS1338 datasheet: figure 3,
 * table 2, "I2C serial data bus"). 64 registers: the timekeeper at 00h-06h
 * in BCD (seconds with CH in bit 7, minutes, hours with the 12/24 bit,
 * day, date, month, year), control at 07h, RAM at 08h-3Fh. The first byte
 * of a write sets the register pointer; reads and writes go on from it,
 * wrapping from 3Fh to 00h. The model's time stands still: a spec sets
 * the registers (fake.i2cSetRegister) and reads what a driver wrote.
 */
export class Ds1338 implements I2cPart {
  readonly regs = new Uint8Array(64);
  private pointer = 0;
  private expectRegister = true;

  start(read: boolean): boolean {
    this.expectRegister = !read;
    return true;
  }

  write(b: number): boolean {
    if (this.expectRegister) { this.pointer = b & 0x3f; this.expectRegister = false; return true; }
    this.regs[this.pointer] = b;
    this.pointer = (this.pointer + 1) & 0x3f;
    return true;
  }

  read(): number {
    const v = this.regs[this.pointer];
    this.pointer = (this.pointer + 1) & 0x3f;
    return v;
  }

  stop(): void {}
}

/**
 * A PCA9552 16-LED driver (NXP PCA9552 product data sheet rev. 05). Ten
 * registers (6.2): INPUT0/1 (read only: the pins), PSC0, PWM0, PSC1, PWM1,
 * LS0-LS3 (two bits an LED: 00 on, the pin low; 01 off, high impedance,
 * the pin pulled high; 10/11 blinking: the pin is taken as it was, there
 * is no blink oscillator here). The byte after the address is the control
 * register: the register in bits 3:0, auto-increment in bit 4, rolling
 * over from LS3 to INPUT0 (6.2); without it the register stays. A write to
 * INPUT0/1 is acknowledged and does nothing (6.3.1). Reset values (6.3):
 * PSC 0xFF, PWM 0x80, LS 0x55 (all off).
 */
export class Pca9552 implements I2cPart {
  readonly regs = new Uint8Array([0xff, 0xff, 0xff, 0x80, 0xff, 0x80, 0x55, 0x55, 0x55, 0x55]);
  private control = 0;
  private expectControl = true;

  private pins(): void {
    for (let led = 0; led < 16; led++) {
      const sel = (this.regs[6 + (led >> 2)] >> ((led & 3) * 2)) & 3, bit = 1 << (led & 7), at = led >> 3;
      if (sel === 0) this.regs[at] &= ~bit; else if (sel === 1) this.regs[at] |= bit;
    }
  }

  private next(): void {
    if (this.control & 0x10) this.control = 0x10 | (((this.control & 0x0f) + 1) % 10);
  }

  start(read: boolean): boolean { this.expectControl = !read; return true; }
  write(b: number): boolean {
    if (this.expectControl) { this.control = b & 0x1f; this.expectControl = false; return true; }
    const r = this.control & 0x0f;
    if (r >= 2 && r <= 9) { this.regs[r] = b; this.pins(); }
    this.next();
    return true;
  }
  read(): number {
    const r = this.control & 0x0f;
    this.next();
    return r <= 9 ? this.regs[r] : 0xff;
  }
  stop(): void {}
}

// ---- the "fake" imports ------------------------------------------------------

/** Which part fake.i2cAttach makes (assembly/testing/i2c.ts's FakePart). */
export const enum PartKind { Bme280 = 1, Ssd1306 = 2, Mpu6050 = 3, Ds1338 = 4, Pca9552 = 5 }

/**
 * The I2C side of the fake host: BSC models by base address, the functions
 * of the "fake" module that reach them, and a reset. `add` puts a model on
 * the host's MMIO; `raise` raises a peripheral interrupt, `pending` says
 * whether one is raised and not yet taken.
 */
export function fakeI2c(clock: Clock, add: (bsc: Bsc) => void, raise: (source: number) => void, pending: (source: number) => boolean) {
  const controllers = new Map<number, Bsc>();
  const bsc = (base: number): Bsc => {
    const b = controllers.get(base >>> 0);
    if (!b) throw new Error(`fake I2C: no controller at 0x${(base >>> 0).toString(16)} (fake.i2cController first)`);
    return b;
  };
  const part = <T>(base: number, address: number, kind: new (...args: never[]) => T): T => {
    const at = bsc(base).parts.get(address);
    if (!at || !(at.part instanceof kind)) throw new Error(`fake I2C: no ${kind.name} at 0x${address.toString(16)} on 0x${(base >>> 0).toString(16)}`);
    return at.part as T;
  };
  const entry = (base: number, i: number): LoggedTransfer => {
    const e = bsc(base).log[i];
    if (!e) throw new Error(`fake I2C: no transfer ${i} in the log`);
    return e;
  };
  /** A part's key: TEN_BIT | a 10-bit address, or a 7-bit address. */
  const key = (address: number): number => (address & TEN_BIT ? TEN_BIT | (address & 0x3ff) : address & 0x7f);
  const registers = (base: number, address: number): Uint8Array => {
    const p = bsc(base).parts.get(address)?.part;
    if (p instanceof Bme280 || p instanceof Mpu6050 || p instanceof Ds1338 || p instanceof Pca9552) return p.regs;
    throw new Error(`fake I2C: the part at 0x${address.toString(16)} has no register file`);
  };
  return {
    reset(): void { controllers.clear(); },
    imports: {
      // A BSC model at base (BSC1 is 0x3f804000 on a Pi 3), raising interrupt 53.
      i2cController: (base: number) => {
        const b = new Bsc(base >>> 0, clock, () => raise(53), () => pending(53));
        controllers.set(base >>> 0, b);
        add(b);
      },
      // A part of kind PartKind at a 7-bit address, or at TEN_BIT | a 10-bit one.
      i2cAttach: (base: number, address: number, kind: number) => {
        const p = kind === PartKind.Bme280 ? new Bme280(clock) : kind === PartKind.Ssd1306 ? new Ssd1306() : kind === PartKind.Mpu6050 ? new Mpu6050() : kind === PartKind.Ds1338 ? new Ds1338() : kind === PartKind.Pca9552 ? new Pca9552() : null;
        if (!p) throw new Error(`fake I2C: no part of kind ${kind}`);
        bsc(base).attach(key(address), p);
      },
      i2cDetach: (base: number, address: number) => { bsc(base).parts.delete(key(address)); },
      // Writes take their time on the wire, so a repeated start can happen (the model's head).
      i2cWireTime: (base: number, on: number) => { bsc(base).timed = on !== 0; },
      // From its `transfers`-th transfer on (counting from now), the part fails as `how` says (Failure); -1 mends it.
      i2cFailAfter: (base: number, address: number, transfers: number, how: number) => {
        const at = bsc(base).parts.get(key(address));
        if (!at) throw new Error(`fake I2C: nothing at 0x${address.toString(16)}`);
        at.failFrom = transfers < 0 ? -1 : at.transfers + transfers;
        at.failure = how as Failure;
      },
      i2cLogLength: (base: number) => bsc(base).log.length,
      i2cLogAddress: (base: number, i: number) => entry(base, i).address,
      i2cLogRead: (base: number, i: number) => (entry(base, i).read ? 1 : 0),
      i2cLogResult: (base: number, i: number) => entry(base, i).result,
      i2cLogBytes: (base: number, i: number) => entry(base, i).bytes.length,
      i2cLogByte: (base: number, i: number, j: number) => entry(base, i).bytes[j] ?? -1,
      i2cLogRestart: (base: number, i: number) => (entry(base, i).restart ? 1 : 0),
      // A register of a part with a register file (BME280, MPU6050, DS1338), as the part holds it; and a poke.
      i2cRegister: (base: number, address: number, reg: number) => registers(base, address)[reg & 0xff],
      i2cSetRegister: (base: number, address: number, reg: number, v: number) => { registers(base, address)[reg & 0xff] = v & 0xff; },
      bme280Set: (base: number, address: number, celsius: number, pascals: number, humidity: number) => {
        part(base, address, Bme280).setPhysical(celsius, pascals, humidity);
      },
      bme280SetRaw: (base: number, address: number, adcT: number, adcP: number, adcH: number) => {
        const p = part(base, address, Bme280);
        p.adcT = adcT & 0xfffff; p.adcP = adcP & 0xfffff; p.adcH = adcH & 0xffff;
      },
      // The BME280 model's own reading of its raw values (8.1's doubles), for a spec to compare with.
      bme280Expected: (base: number, address: number, what: number) => {
        const p = part(base, address, Bme280);
        const r = bme280Double(p.adcT, p.adcP, p.adcH);
        return what === 0 ? r.temperature : what === 1 ? r.pressure : r.humidity;
      },
      mpu6050Set: (base: number, address: number, ax: number, ay: number, az: number, gx: number, gy: number, gz: number, celsius: number) => {
        const p = part(base, address, Mpu6050);
        p.accel = [ax, ay, az];
        p.gyro = [gx, gy, gz];
        p.celsius = celsius;
      },
      ssd1306Ram: (base: number, address: number, i: number) => part(base, address, Ssd1306).ram[i] ?? -1,
      ssd1306State: (base: number, address: number, what: number) => part(base, address, Ssd1306).state(what),
    },
  };
}
