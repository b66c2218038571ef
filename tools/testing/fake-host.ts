// A recording fake of the host ABI for as-pect specs (tools/testing/spec.ts runs them).
// The specs run on the kernel's own runtime and allocator, as one core at a
// time; every host call that matters is kept in a trace the spec reads back
// through the "fake" import module:
//   fake.traceLength() / fake.traceChar(i): the trace, one call per line
//   fake.reset(cores): clears the trace and the clock, sets cpu.count()
//   fake.setCore(n): what cpu.id() answers
//   fake.traceAtomics(on): whether atomic operations are traced (default on)
//   fake.advance(ticks): moves the fake clock (cpu.counter) on; when it
//     passes the armed deadline (cpu.setTimer), the "interrupt" records the
//     timer event for cpu.events() and disarms, as boot/board/irq.c does
//   fake.raiseIrq(n): the top half took peripheral interrupt n (irq.take, cpu.events bit 1)
//   fake.setProperty(tag, a, b): the two words the fake firmware answers a
//     mailbox property tag with (mailbox.call); a tag it was not given fails.
//     Given set clock rate (0x00038002), it takes the rate asked for, and get
//     clock rate answers it from then on
//   fake.now(): the clock; fake.autoAdvance(ticks): each counter() read moves it on
//   fake.setBoard(id): what sys.board() answers (1 Pi 3, 2 Pi 4)
//   fake.refuse(addr): no block answers there (mmio.probe32 gives -1)
//   fake.setReg(addr, v) / fake.getReg(addr): the MMIO register file (a read
//     returns the last value written or set); fake.writeOneToClear(addr)
//     makes a register clear the bits written to it, as event status does
//   fake.pl011(base): a PL011 at base that behaves like the silicon, not
//     QEMU's: a 16-byte TX FIFO that sends one byte per FR read while
//     UARTEN and TXE are set, FR.BUSY while it holds data, and a disabled
//     UART that finishes only the character in progress (PL011 TRM 3.3.3,
//     3.3.8); an RX FIFO that fake.uartType(string) fills (RXFE, DR, the
//     RX/RT bits of RIS/MIS); fake.uartSentLength()/uartSentChar(i): what
//     went out on the wire. Polling FR 100,000 times with nothing changing
//     throws: a spec fails where the hardware would hang.
//   fake.i2cController(base), fake.i2cAttach(base, address, kind), ...: a
//     BSC at base that runs transfers against models of a BME280, an
//     SSD1306 and an MPU6050 (fake-i2c.ts, which lists the calls)
//   fake.framebuffer(w, h, depth, order, maxVirtualHeight, allocates): a
//     firmware that answers the framebuffer's tags within those limits, and
//     module "fb" over its buffer (fake-fb.ts); fake.fbWord(offset),
//     fake.fbOffsetY(): what the buffer holds and which page is shown
//   fake.dmaChannels(mask): what dma.channels() answers (default 0x3c, QEMU's);
//     fake.dmaStatus(ch, v): what dma.status(ch) answers from now on (0 while
//     running; dma.start sets 0); dma.start and dma.stop are traced;
//   fake.dmaPaced(on): what dma.paced() answers (default 0, QEMU's); dma.spi is
//     traced and sets its RX channel's status to 0 (running)
// sys.panic records `sys.panic <message>` and throws (expect(..).toThrow()).
// atomic.wait32 stands for "another core changes the word": it adds 1.
// Strings are read from the module's memory as UTF-16 (AssemblyScript).
import { fakeAtomics } from "./fake-atomics.js";
import { fakeI2c } from "./fake-i2c.js";
import { ABI_VERSION } from "../abi/spec.js";
import { FakeFramebuffer } from "./fake-fb.js";

export const FREQUENCY = 62_500_000n;   // ticks per second, as QEMU's generic timer
export const EVENT_TIMER = 1;

export function createFakeHost(getMemory: () => WebAssembly.Memory) {
  let trace: string[] = [];
  let line = "";
  let cores = 4;
  let core = 0;
  let atomics = true;
  let now = 0n;
  let armed = 0n;
  let events = 0;
  let boardId = 1;
  let autoAdvance = 0n;
  const regs = new Map<number, number>();
  let irqPending = 0n;
  // The fake firmware's answers, by property tag: the values it writes.
  const properties = new Map<number, number[]>();
  let mailboxCalls: string[] = [];
  let dmaMask = 0x3c;
  let dmaPaced = 0;
  const dmaState = new Map<number, number>();
  // The firmware's framebuffer (fake.framebuffer): none until a spec makes one.
  let framebuffer = new FakeFramebuffer({ width: 640, height: 480, depth: 0, order: -1, maxVirtualHeight: 0, allocates: false });
  const bytes = () => new Uint8Array(getMemory().buffer);
  const mailbox = (buffer: number): number => {
    const words = () => new Uint32Array(getMemory().buffer);
    const w = words();
    const at = buffer / 4;
    const size = w[at];
    record(`mailbox.call ${size} bytes`);
    if (buffer % 16) throw new Error(`mailbox.call: buffer 0x${buffer.toString(16)} is not 16-byte aligned`);
    let i = at + 2;
    const ok = size >= 12 && size % 4 === 0;
    while (w[i] !== 0 && i < at + size / 4) {
      const tag = w[i], space = w[i + 1];
      let answer = framebuffer.answer(tag, [w[i + 3], w[i + 4]]) ?? properties.get(tag);
      // Set clock rate (0x00038002), when the spec lets the fake firmware take it: it answers the
      // clock and rate asked for, and get clock rate (0x00030002) answers that rate from then on.
      if (tag === 0x00038002 && answer) {
        answer = [w[i + 3], w[i + 4]];
        properties.set(0x00030002, answer);
      }
      mailboxCalls.push(`0x${tag.toString(16).padStart(8, "0")}`);
      if (answer && answer.length * 4 <= space) {
        answer.forEach((v, k) => { w[i + 3 + k] = v >>> 0; });
        w[i + 2] = (0x80000000 | (answer.length * 4)) >>> 0;
      }                       // a tag it does not know keeps its response bit clear, as the firmware does
      i += 3 + space / 4;
    }
    w[at + 1] = ok ? 0x80000000 : 0x80000001;   // 0x80000001: the message itself could not be parsed
    return 0;
  };
  const w1c = new Set<number>();   // write-1-to-clear registers (event status)
  const refused = new Set<number>();   // addresses where no block answers (mmio.probe32 gives -1)
  interface Device { base: number; size: number; read(off: number): number; write(off: number, v: number): void }
  let devices: Device[] = [];
  let uart = { tx: 0, shifting: false, cr: 0, lcrh: 0, imsc: 0, rx: [] as number[], idlePolls: 0 };
  const pl011 = (base: number): Device => ({
    base, size: 0x1000,
    read(off) {
      const u = uart;
      if (off === 0x18) {
        const sending = (u.cr & 1) !== 0 && (u.cr & 0x100) !== 0;
        const before = u.tx + (u.shifting ? 1 : 0);
        if (u.shifting) u.shifting = false;        // the character on the wire finishes, enabled or not
        if (sending && u.tx > 0) { u.tx--; u.shifting = true; }
        const busy = u.tx > 0 || u.shifting;
        u.idlePolls = busy && u.tx + (u.shifting ? 1 : 0) === before ? u.idlePolls + 1 : 0;
        if (u.idlePolls > 100_000) throw new Error(`fake PL011: FR polled 100000 times while BUSY stays set (UART ${sending ? "enabled" : "disabled"}, ${u.tx} bytes queued): on hardware this loop never ends`);
        return (busy ? 1 << 3 : 0) | (u.rx.length === 0 ? 1 << 4 : 0) | (u.tx >= 16 ? 1 << 5 : 0) | (u.tx === 0 ? 1 << 7 : 0);
      }
      if (off === 0x00) { const b = u.rx.shift(); return b ?? 0; }
      if (off === 0x30) return u.cr;
      if (off === 0x2c) return u.lcrh;
      if (off === 0x38) return u.imsc;
      if (off === 0x3c || off === 0x40) { const ris = u.rx.length ? (1 << 4) | (1 << 6) : 0; return off === 0x40 ? ris & u.imsc : ris; }
      return regs.get(base + off) ?? 0;
    },
    write(off, v) {
      const u = uart;
      if (off === 0x00) { if (u.tx < 16) u.tx++; uartBytes.push(v & 0xff); return; }
      if (off === 0x2c) { if ((u.lcrh & 0x10) && !(v & 0x10)) u.tx = 0; u.lcrh = v; return; }
      if (off === 0x30) { u.cr = v; return; }
      if (off === 0x38) { u.imsc = v; return; }
      regs.set(base + off, v);
    },
  });
  let uartBytes: number[] = [];
  const raise = (source: number) => { irqPending |= 1n << BigInt(source); events |= 2; record(`irq: ${source}`); };
  const i2c = fakeI2c({ now: () => now, frequency: FREQUENCY }, (bsc) => devices.push(bsc), raise, (source) => (irqPending & (1n << BigInt(source))) !== 0n);
  const device = (addr: number) => devices.find((d) => addr >= d.base && addr < d.base + d.size);
  /** The trace as one string, made again only after a new line (fake.traceChar reads it a character a call). */
  let joinedTrace: string | null = null;
  const record = (s: string) => { trace.push(s); joinedTrace = null; };
  const str = (ptr: number, units: number) =>
    String.fromCharCode(...new Uint16Array(getMemory().buffer, ptr >>> 0, units));
  const out = (s: string) => {
    for (const ch of s) {
      if (ch === "\n") { record(`console: ${line}`); line = ""; } else line += ch;
    }
  };
  const fireIfDue = () => {
    if (armed !== 0n && now >= armed) {
      armed = 0n;
      events |= EVENT_TIMER;
      record("irq: timer");
    }
  };
  const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
  const joined = (): string => (joinedTrace ??= trace.join("\n"));
  return {
    console: {
      write: (ptr: number, units: number) => out(str(ptr, units)),
      putc: (b: number) => out(String.fromCharCode(b & 0xff)),
      // The stub sends it to the UART at once, LF as CR LF (console_write_whole).
      echo: (ptr: number, length: number) => {
        for (const b of new Uint8Array(getMemory().buffer, ptr >>> 0, length)) { if (b === 0x0a) uartBytes.push(0x0d); uartBytes.push(b); }
      },
    },
    cpu: {
      id: () => core,
      count: () => cores,
      wfe: () => record("cpu.wfe"),
      sev: () => record("cpu.sev"),
      wfi: () => record("cpu.wfi"),
      counter: () => { const t = now; now += autoAdvance; return t; },
      frequency: () => FREQUENCY,
      instructions: () => 0n,
      setTimer: (deadline: bigint) => {
        armed = BigInt.asUintN(64, deadline);
        record(`cpu.setTimer ${armed}`);
        fireIfDue();
      },
      events: () => { const e = events; events = 0; return e; },
      running: () => (1 << cores) - 1,
      // The watchdog (issue 25): no stub here to watch a core or hand its work over.
      watch: () => record("cpu.watch"),
      wakeAt: (core: number, deadline: bigint) => record(`cpu.wakeAt ${core} ${BigInt.asUintN(64, deadline)}`),
      irqStamp: () => 0n,
    },
    irq: {
      take: () => { const p = irqPending; irqPending = 0n; return BigInt.asIntN(64, p); },
    },
    mailbox: {
      call: (buffer: number) => mailbox(buffer >>> 0),
    },
    // The DMA channels (module dma): traced, each transfer's status set by the spec.
    dma: {
      channels: () => dmaMask,
      start: (ch: number, dst: number, src: number, bytes: number) => {
        if (!(dmaMask & (1 << ch))) throw new Error(`dma.start: channel ${ch} is not one the firmware leaves the ARM`);
        if (dmaState.get(ch) === 0) throw new Error(`dma.start: channel ${ch} is still running a transfer`);
        record(`dma.start ${ch} ${hex(dst)} ${hex(src)} ${bytes >>> 0}`);
        dmaState.set(ch, 0);
      },
      status: (ch: number) => {
        const v = dmaState.get(ch) ?? 1;
        if (v !== 0) dmaState.set(ch, 1);                  // an end is reported once; then the channel is free
        return v;
      },
      stop: (ch: number) => { record(`dma.stop ${ch}`); dmaState.set(ch, 1); },
      paced: () => dmaPaced,
      spi: (tx: number, rx: number, spi: number, out: number, outBytes: number, into: number, skip: number, total: number) => {
        for (const ch of [tx, rx]) {
          if (!(dmaMask & (1 << ch))) throw new Error(`dma.spi: channel ${ch} is not one the firmware leaves the ARM`);
          if (dmaState.get(ch) === 0) throw new Error(`dma.spi: channel ${ch} is still running a transfer`);
        }
        if ((out & 3) || (into & 3) || (skip & 3) || ((outBytes & 3) && outBytes !== total)) throw new Error("dma.spi: the host refuses these buffers (see docs/host-abi.md)");
        record(`dma.spi ${tx} ${rx} ${spi} ${hex(out)} ${outBytes >>> 0} ${hex(into)} ${skip >>> 0} ${total >>> 0}`);
        dmaState.set(rx, 0);
      },
    },
    // The framebuffer the fake firmware allocated (fake.framebuffer), with the host's checks.
    fb: {
      bytes: () => framebuffer.host(bytes).bytes(),
      write: (o: number, p: number, s: number, sp: number, rb: number, r: number) => { record(`fb.write ${o >>> 0} ${p} ${rb}x${r}`); framebuffer.host(bytes).write(o, p, s, sp, rb, r); },
      read: (o: number, p: number, d: number, dp: number, rb: number, r: number) => framebuffer.host(bytes).read(o, p, d, dp, rb, r),
      fill: (o: number, p: number, rb: number, r: number, v: number) => { record(`fb.fill ${o >>> 0} ${p} ${rb}x${r}`); framebuffer.host(bytes).fill(o, p, rb, r, v); },
    },
    // wait32 stands for "another core changes the word": it adds 1.
    atomic: fakeAtomics(getMemory, (s) => { if (atomics) record(s); }, (m, i, expected) => (m[i] = expected + 1)),
    // The run queues (module "queue"), as the stub does them: one core, so
    // the lock word is only checked to be free. Traced with the atomics.
    queue: {
      push: (q: number, task: number, next: number) => {
        const m = new Uint32Array(getMemory().buffer);
        const w = (a: number) => (a >>> 0) / 4;
        if ((q | task | next) & 3) throw new Error(`queue.push: unaligned (queue 0x${(q >>> 0).toString(16)}, task 0x${(task >>> 0).toString(16)}, next ${next})`);
        if (m[w(q)] !== 0) throw new Error("queue.push: the queue's lock is held (one core: a push under the lock would never end)");
        m[w(task + next)] = 0;
        const tail = m[w(q + 8)];
        if (tail) m[w(tail + next)] = task >>> 0; else m[w(q + 4)] = task >>> 0;
        m[w(q + 8)] = task >>> 0;
        m[w(q + 12)] += 1;
        if (atomics) record(`queue.push`);
        return m[w(q + 12)] | 0;
      },
      pop: (q: number, next: number) => {
        const m = new Uint32Array(getMemory().buffer);
        const w = (a: number) => (a >>> 0) / 4;
        if ((q | next) & 3) throw new Error("queue.pop: unaligned");
        if (m[w(q)] !== 0) throw new Error("queue.pop: the queue's lock is held");
        const head = m[w(q + 4)];
        if (head) {
          const after = m[w(head + next)];
          m[w(q + 4)] = after;
          if (!after) m[w(q + 8)] = 0;
          m[w(q + 12)] -= 1;
        }
        if (atomics) record(`queue.pop`);
        return head | 0;
      },
      popFor: (q: number, next: number, word: number, bits: number) => {
        const m = new Uint32Array(getMemory().buffer);
        const w = (a: number) => (a >>> 0) / 4;
        if ((q | next | word) & 3) throw new Error("queue.popFor: unaligned");
        if (m[w(q)] !== 0) throw new Error("queue.popFor: the queue's lock is held");
        let prev = 0, t = m[w(q + 4)];
        while (t) {
          const after = m[w(t + next)];
          if (m[w(t + word)] & bits) {
            if (prev) m[w(prev + next)] = after; else m[w(q + 4)] = after;
            if (m[w(q + 8)] === t) m[w(q + 8)] = prev;
            m[w(q + 12)] -= 1;
            break;
          }
          prev = t; t = after;
        }
        if (atomics) record(`queue.popFor`);
        return t | 0;
      },
    },
    // A register file: a read returns what was last written (or set with
    // fake.setReg), 0 if nothing was.
    mmio: {
      read32: (addr: number) => {
        const dev = device(addr >>> 0);
        const v = dev ? dev.read((addr >>> 0) - dev.base) >>> 0 : regs.get(addr >>> 0) ?? 0;
        record(`mmio.read32 ${hex(addr)} -> ${hex(v)}`);
        return v | 0;
      },
      write32: (addr: number, v: number) => {
        const a = addr >>> 0;
        const dev = device(a);
        if (dev) dev.write(a - dev.base, v >>> 0);
        else regs.set(a, w1c.has(a) ? (regs.get(a) ?? 0) & ~v >>> 0 : v >>> 0);
        record(`mmio.write32 ${hex(addr)} ${hex(v)}`);
      },
      // What a read gives, or -1 where fake.refuse(addr) says no block answers (QEMU's raspi4b at its RNG200).
      probe32: (addr: number) => {
        const a = addr >>> 0;
        if (refused.has(a)) { record(`mmio.probe32 ${hex(addr)} -> refused`); return -1n; }
        const v = regs.get(a) ?? 0;
        record(`mmio.probe32 ${hex(addr)} -> ${hex(v)}`);
        return BigInt(v);
      },
    },
    sys: {
      panic: (ptr: number, units: number) => {
        const message = str(ptr, units);
        record(`sys.panic ${message}`);
        throw new Error(`sys.panic: ${message}`);
      },
      exit: (code: number) => { throw new Error(`sys.exit ${code}`); },
      board: () => boardId,
      memoryBytes: () => 1n << 30n,
      abiVersion: () => ABI_VERSION,
      // A trap is a thrown Error here (the spec's expect(..).toThrow()): no re-entry, so these only record.
      recoverable: (on: number) => { record(`sys.recoverable ${on >>> 0}`); },
      trapped: () => 0,
    },
    fake: {
      // A firmware with a display of width x height that answers `depth` (0: as asked) and pixel order
      // `order` (-1: as asked), gives virtual heights up to maxVirtualHeight and a buffer if `allocates`.
      framebuffer: (width: number, height: number, depth: number, order: number, maxVirtualHeight: number, allocates: number) => {
        framebuffer = new FakeFramebuffer({ width, height, depth, order, maxVirtualHeight, allocates: allocates !== 0 });
      },
      dmaChannels: (mask: number) => { dmaMask = mask >>> 0; },
      dmaStatus: (ch: number, v: number) => { dmaState.set(ch, v >>> 0); },
      dmaPaced: (on: number) => { dmaPaced = on ? 1 : 0; },
      fbWord: (offset: number) => framebuffer.word(offset >>> 0) | 0,
      fbOffsetY: () => framebuffer.offsetY,
      traceLength: () => joined().length,
      traceChar: (i: number) => joined().charCodeAt(i),
      reset: (n: number) => {
        dmaMask = 0x3c; dmaState.clear(); dmaPaced = 0;
        framebuffer = new FakeFramebuffer({ width: 640, height: 480, depth: 0, order: -1, maxVirtualHeight: 0, allocates: false });
        trace = []; joinedTrace = null; line = ""; cores = n; core = 0; now = 0n; armed = 0n; events = 0; atomics = true;
        boardId = 1; autoAdvance = 0n; regs.clear(); w1c.clear(); refused.clear(); irqPending = 0n; properties.clear(); mailboxCalls = [];
        devices = []; uartBytes = []; i2c.reset();
        uart = { tx: 0, shifting: false, cr: 0, lcrh: 0, imsc: 0, rx: [], idlePolls: 0 };
      },
      setBoard: (id: number) => { boardId = id; },
      setReg: (addr: number, v: number) => { regs.set(addr >>> 0, v >>> 0); },
      getReg: (addr: number) => (regs.get(addr >>> 0) ?? 0) | 0,
      writeOneToClear: (addr: number) => { w1c.add(addr >>> 0); },
      refuse: (addr: number) => { refused.add(addr >>> 0); },
      autoAdvance: (ticks: bigint) => { autoAdvance = BigInt.asUintN(64, ticks); },
      raiseIrq: raise,
      // The fake firmware answers `tag` with the two words a, b; a tag it was not given fails.
      setProperty: (tag: number, a: number, b: number) => { properties.set(tag >>> 0, [a >>> 0, b >>> 0]); },
      setCore: (n: number) => { core = n; },
      pl011: (base: number) => { devices.push(pl011(base >>> 0)); },
      // The UART holds `queued` bytes in its TX FIFO (one of them on the wire), with control register `cr`.
      pl011Queue: (queued: number, cr: number) => { uart.tx = Math.max(queued - 1, 0); uart.shifting = queued > 0; uart.cr = cr >>> 0; uart.lcrh = 0x70; },
      pl011Queued: () => uart.tx + (uart.shifting ? 1 : 0),
      uartType: (ptr: number, units: number) => { for (const b of Buffer.from(str(ptr, units), "utf8")) uart.rx.push(b); },
      uartSentLength: () => uartBytes.length,
      uartSentChar: (i: number) => uartBytes[i] ?? -1,
      traceAtomics: (on: number) => { atomics = on !== 0; },
      advance: (ticks: bigint) => { now += BigInt.asUintN(64, ticks); fireIfDue(); },
      now: () => now,
      ...i2c.imports,
    },
  };
}
