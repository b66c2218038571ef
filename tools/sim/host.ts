// The host ABI (tools/abi/spec.ts) in TypeScript, for one core: what the
// stub's boot/wasm/host_*.c do on a board, over the simulator's shared
// state and device models. Every function of the ABI is here; one the
// simulator does not model traps with a message that says so.
import { ABI, ABI_VERSION, MAX_CORES } from "../abi/spec.js";
import { SimState, W, C, EVENT_TIMER } from "./state.js";
import { Machine, BusError } from "./machine.js";
import { DMA_CHANNELS } from "./devices/dma.js";

/** A trap the host raised: its message is the panic line's (the stub's host_refuse). */
export class HostTrap extends Error {}
/** sys.panic: the line is printed already. */
export class KernelPanic extends Error {}
/** A push started another run: this core's kernel stops here, saying nothing (sim/pi.ts push). */
export class Halted extends Error { constructor() { super("halted for a push"); } }
/** sys.exit: the machine ends. */
export class KernelExit extends Error { constructor(readonly code: number) { super(`exit ${code}`); } }

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

export interface CoreHost {
  imports: WebAssembly.Imports;
  /** Writes this core's unfinished console line (before a panic line, at the end). */
  flush(): void;
  /** Prints a whole line on the console, as this core. */
  line(text: string): void;
  /** sys.trapped's answer for the next kernel_start, and whether it may be recovered. */
  recover(): boolean;
  /** The instance it serves (for its __async_name). */
  attach(instance: WebAssembly.Instance): void;
}

export function coreHost(core: number, s: SimState, m: Machine, memory: WebAssembly.Memory, run: number, post: (message: unknown) => void = () => {}): CoreHost {
  const a = s.i32;
  /** Throws Halted once a push started another run: an old core touches no device and no word of the new run's. */
  const live = () => { if (Atomics.load(a, W.RUN) !== run) throw new Halted(); };
  /** The kernel's __async_name, if it exports it: kept in the core's ASYNC_AT at host calls a poll makes (devices, console, timers). */
  let asyncName: WebAssembly.Global | null = null;
  const noteAsync = () => { if (asyncName) { const v = asyncName.value as number; if (v) Atomics.store(a, at + C.ASYNC_AT, v); } };
  const at = s.core(core);
  const mem32 = new Int32Array(memory.buffer);
  const mem64 = new BigInt64Array(memory.buffer);
  const bytes = new Uint8Array(memory.buffer);
  const limit = memory.buffer.byteLength;
  const encoder = new TextEncoder();
  let pending: number[] = [];          // this core's unfinished console line (bytes)
  let lastWake = Atomics.load(a, at + C.WAKE);
  let trapped = 0;

  const send = (b: ArrayLike<number>) => { live(); noteAsync(); s.lock(); try { s.send(b); } finally { s.unlock(); } };
  const flush = () => { if (pending.length) { send(pending); pending = []; } };
  const put = (b: number) => {
    if (b === 0x0a) { pending.push(0x0d, 0x0a); send(pending); pending = []; } else pending.push(b & 0xff);
  };
  const utf16 = (ptr: number, units: number, what: string): string => {
    if (ptr < 0 || ptr + units * 2 > limit) throw new HostTrap(`${what}: ${units} code units at ${hex(ptr)} run past the end of memory`);
    let out = "";
    for (let i = 0; i < units; i++) out += String.fromCharCode(bytes[ptr + 2 * i] | (bytes[ptr + 2 * i + 1] << 8));
    return out;
  };
  const word = (ptr: number, size: number, what: string): number => {
    ptr >>>= 0;
    if (ptr % size) throw new HostTrap(`${what}: address ${hex(ptr)} is not ${size}-byte aligned`);
    if (ptr + size > limit) throw new HostTrap(`${what}: address ${hex(ptr)} is past the end of memory`);
    return ptr / size;
  };

  // ---- time and events ---------------------------------------------------
  const timer = () => Atomics.load(s.i64, (at + C.TIMER) / 2);
  /** This core's timer interrupt, if its deadline has passed (irq.c timer_fired). */
  const fireTimer = () => {
    const t = timer();
    if (t && m.clock.now() >= t && Atomics.compareExchange(s.i64, (at + C.TIMER) / 2, t, 0n) === t)
      Atomics.or(a, at + C.EVENTS, EVENT_TIMER);
  };
  /** A device line that rose by itself (a system timer match): the top half, for whichever core it goes to. */
  const fireDevices = () => {
    const d = m.deadline();
    if (d && m.clock.now() >= d) { s.lock(); try { m.deliver(); } finally { s.unlock(); } }
  };
  /** Virtual time, every running core asleep: on to the earliest deadline, and the interrupts it brings. */
  const jump = () => {
    const running = Atomics.load(a, W.RUNNING);
    let t = 0n;
    for (let c = 0; c < MAX_CORES; c++) {
      if (!(running & (1 << c))) continue;
      const d = Atomics.load(s.i64, (s.core(c) + C.TIMER) / 2);
      if (d && (!t || d < t)) t = d;
    }
    s.lock();
    try {
      const d = m.deadline();
      if (d && (!t || d < t)) t = d;
      if (!t) return;
      m.clock.advanceTo(t);
      m.deliver();
    } finally { s.unlock(); }
    m.fireTimers();
  };
  const bitCount = (x: number) => { let n = 0; for (; x; x &= x - 1) n++; return n; };

  const wfi = () => {
    live();
    const seen = Atomics.load(a, at + C.WAKE);
    if (seen !== lastWake) { lastWake = seen; return; }          // an sev() since the last return
    fireTimer();
    fireDevices();
    if (Atomics.load(a, at + C.EVENTS)) return;
    Atomics.store(a, at + C.ASLEEP, 1);
    const sleepers = Atomics.add(a, W.SLEEPERS, 1) + 1;
    Atomics.add(a, at + C.SLEEPS, 1);
    if (m.clock.jumps && sleepers >= bitCount(Atomics.load(a, W.RUNNING))) jump();
    let ms = 100;                                                // (a bound: every wake is notified, this is only a safety net)
    if (!m.clock.virtual) {
      const t = timer(), d = m.deadline();
      for (const x of [t, d]) if (x) ms = Math.min(ms, m.clock.msUntil(x));
    }
    if (Atomics.load(a, at + C.EVENTS) === 0 && ms > 0) Atomics.wait(a, at + C.WAKE, seen, ms);
    live();                                                      // woken by a push: the words are the next run's
    if (Atomics.compareExchange(a, at + C.ASLEEP, 1, 0) === 1) Atomics.sub(a, W.SLEEPERS, 1);
    lastWake = Atomics.load(a, at + C.WAKE);
    fireTimer();
    fireDevices();
  };

  const wakeAll = () => { for (let c = 0; c < MAX_CORES; c++) if (c !== core) m.wake(c); };

  const setTimer = (deadline: bigint) => {
    noteAsync();
    Atomics.store(s.i64, (at + C.TIMER) / 2, BigInt.asIntN(64, BigInt.asUintN(64, deadline)));
    fireTimer();
  };

  /** Module dma over the DMA model (devices/dma.ts), with boot/wasm/host_dma.c's checks and messages. */
  function dmaHost() {
    m.dma.memory = bytes;
    const channel = (op: string, ch: number) => {
      if (ch >>> 0 >= 7 || !(DMA_CHANNELS & (1 << ch))) throw new HostTrap(`dma.${op}: channel ${ch >>> 0} is not one the firmware leaves the ARM (dma.channels() = 0x${DMA_CHANNELS.toString(16)})`);
    };
    return {
      channels: () => DMA_CHANNELS,
      start: (ch: number, dst: number, src: number, n: number) => {
        channel("start", ch);
        [dst, src, n] = [dst >>> 0, src >>> 0, n >>> 0];
        const at = (v: number) => `0x${v.toString(16).padStart(8, "0")}`;
        if (bus(() => m.dma.busy(ch))) throw new HostTrap(`dma.start: channel ${ch} is still running a transfer (dma.status, or dma.stop)`);
        if (n === 0 || n > 1 << 30 || dst + n > limit || src + n > limit)
          throw new HostTrap(`dma.start: ${n} bytes from ${at(src)} to ${at(dst)}: both ranges must lie in linear memory (1 byte to 1 GiB)`);
        if (dst < src + n && src < dst + n) throw new HostTrap(`dma.start: ${n} bytes from ${at(src)} to ${at(dst)} overlap (the engine copies in bursts: use memory.copy)`);
        bus(() => m.dma.start(ch, dst, src, n));
      },
      status: (ch: number) => { channel("status", ch); return bus(() => { const r = m.dma.status(ch); m.deliver(); return r; }); },
      stop: (ch: number) => { channel("stop", ch); bus(() => { m.dma.stop(ch); m.deliver(); }); },
      paced: () => 0,                              // the engine here is not paced by DREQ (as QEMU's): dma.spi is for a board
    };
  }

  const impl: Record<string, Record<string, (...args: any[]) => any>> = {
    console: {
      write: (ptr: number, units: number) => { for (const b of encoder.encode(utf16(ptr >>> 0, units, "console.write"))) put(b); },
      putc: (b: number) => put(b & 0xff),
      echo: (ptr: number, length: number) => {
        ptr >>>= 0;
        if (ptr + length > limit) throw new HostTrap(`console.echo: ${length} bytes at ${hex(ptr)} run past the end of memory`);
        const out = pending;
        pending = [];
        for (let i = 0; i < length; i++) { if (bytes[ptr + i] === 0x0a) out.push(0x0d); out.push(bytes[ptr + i]); }
        send(out);
      },
    },
    cpu: {
      id: () => core,
      count: () => a[W.CORES],
      wfe: () => {
        live();
        fireTimer();
        if (Atomics.load(a, at + C.EVENTS)) return;
        const seen = Atomics.load(a, at + C.WAKE);
        if (seen === lastWake) Atomics.wait(a, at + C.WAKE, seen, 0.05);
        lastWake = Atomics.load(a, at + C.WAKE);
      },
      sev: wakeAll,
      wfi,
      counter: () => m.clock.read(),
      frequency: () => BigInt(m.clock.frequency),
      // No instruction counter here: 0, or for make bench the host's nanoseconds (its rows are then time per operation).
      instructions: a[W.INSTRUCTIONS_NS] ? () => BigInt(Math.round(performance.now() * 1e6)) : () => 0n,
      setTimer,
      events: () => { live(); fireTimer(); fireDevices(); return Atomics.exchange(a, at + C.EVENTS, 0); },
      running: () => Atomics.load(a, W.RUNNING),
      // No watchdog in the simulator (docs/simulator.md); the page shows the task each core polls from the two words.
      watch: (task: number, polls: number) => {
        Atomics.store(a, at + C.TASK_AT, (task >>> 0) + 4 <= limit && !(task & 3) ? task : 0);
        Atomics.store(a, at + C.POLLS_AT, (polls >>> 0) + 4 <= limit && !(polls & 3) ? polls : 0);
      },
      irqStamp: (c: number, kind: number) => {
        if (c >>> 0 >= MAX_CORES || kind >>> 0 > 2) throw new HostTrap(`cpu.irqStamp: core ${c >>> 0} or kind ${kind >>> 0} out of range`);
        return 0n;
      },
      wakeAt: (c: number, deadline: bigint) => {
        c >>>= 0;
        if (c >= MAX_CORES) throw new HostTrap(`cpu.wakeAt: core ${c} is over the table's size (${MAX_CORES})`);
        const d = BigInt.asIntN(64, BigInt.asUintN(64, deadline));
        if (!d) return;
        const i = (s.core(c) + C.TIMER) / 2;
        for (let was = Atomics.load(s.i64, i); !was || d < was; was = Atomics.load(s.i64, i))
          if (Atomics.compareExchange(s.i64, i, was, d) === was) break;
        m.wake(c);
      },
    },
    irq: {
      take: () => {
        const lo = Atomics.exchange(a, at + C.PENDING_LO, 0) >>> 0, hi = Atomics.exchange(a, at + C.PENDING_HI, 0) >>> 0;
        return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
      },
    },
    atomic: {
      load32: (p: number) => Atomics.load(mem32, word(p, 4, "atomic.load32")),
      store32: (p: number, v: number) => { const i = word(p, 4, "atomic.store32"); Atomics.store(mem32, i, v); Atomics.notify(mem32, i); },
      add32: (p: number, v: number) => Atomics.add(mem32, word(p, 4, "atomic.add32"), v),
      xchg32: (p: number, v: number) => Atomics.exchange(mem32, word(p, 4, "atomic.xchg32"), v),
      cas32: (p: number, e: number, d: number) => Atomics.compareExchange(mem32, word(p, 4, "atomic.cas32"), e, d),
      and32: (p: number, v: number) => Atomics.and(mem32, word(p, 4, "atomic.and32"), v),
      or32: (p: number, v: number) => Atomics.or(mem32, word(p, 4, "atomic.or32"), v),
      load64: (p: number) => Atomics.load(mem64, word(p, 8, "atomic.load64")),
      store64: (p: number, v: bigint) => { Atomics.store(mem64, word(p, 8, "atomic.store64"), v); },
      add64: (p: number, v: bigint) => Atomics.add(mem64, word(p, 8, "atomic.add64"), v),
      xchg64: (p: number, v: bigint) => Atomics.exchange(mem64, word(p, 8, "atomic.xchg64"), v),
      cas64: (p: number, e: bigint, d: bigint) => Atomics.compareExchange(mem64, word(p, 8, "atomic.cas64"), e, d),
      fence: () => { Atomics.add(a, W.DEVICE_SIGNAL, 0); },
      // The stub sleeps on the exclusive monitor, which any store wakes; here a
      // plain wasm store notifies no one, so the wait is in short slices.
      wait32: (p: number, expected: number) => {
        const i = word(p, 4, "atomic.wait32");
        for (let spin = 0; spin < 200; spin++) { const v = Atomics.load(mem32, i); if (v !== expected) return v; }
        for (;;) {
          const v = Atomics.load(mem32, i);
          if (v !== expected) return v;
          Atomics.wait(mem32, i, expected, 0.2);
        }
      },
    },
    queue: queueHost(mem32, word),
    mmio: {
      read32: (addr: number) => remote("mmio.read32", 0, addr >>> 0, 0) ?? bus(() => m.read(addr >>> 0)),
      write32: (addr: number, v: number) => { if (remote("mmio.write32", 1, addr >>> 0, v) === null) bus(() => m.write(addr >>> 0, v)); },
      probe32: (addr: number) => { const r = remote("mmio.probe32", 0, addr >>> 0, 0); return r === null ? bus(() => m.probe(addr >>> 0)) : BigInt(r >>> 0); },
    },
    mailbox: {
      call: (buffer: number) => {
        buffer >>>= 0;
        if (buffer & 15) throw new HostTrap(`mailbox.call: buffer ${hex(buffer)} is not 16-byte aligned`);
        const size = buffer + 4 <= limit ? mem32[buffer / 4] >>> 0 : 0;
        if (size < 12 || size > 1024 || buffer + size > limit) throw new HostTrap(`mailbox.call: a message of ${size} bytes at ${hex(buffer)} (12 to 1024, inside memory)`);
        return bus(() => m.property(new Uint32Array(memory.buffer), buffer / 4, memoryBytes(m)));
      },
    },
    fb: m.fb.host(bytes, (message) => new HostTrap(message)),
    dma: dmaHost(),
    sys: {
      panic: (msg: number, mu: number, file: number, fu: number, line: number, column: number) => {
        flush();
        let text = `panic: core ${core}: ${utf16(msg >>> 0, mu, "sys.panic")}`;
        if (fu) text += ` at ${utf16(file >>> 0, fu, "sys.panic")}:${line >>> 0}:${column >>> 0}`;
        send(encoder.encode(text + "\r\n"));
        throw new KernelPanic(text);
      },
      exit: (code: number) => {
        flush();
        if (Atomics.compareExchange(a, W.ENDED, 0, 1) === 0) Atomics.store(a, W.EXIT_CODE, code);
        Atomics.add(a, W.TX_SIGNAL, 1);
        Atomics.notify(a, W.TX_SIGNAL);
        throw new KernelExit(code);
      },
      board: () => m.soc.id,
      memoryBytes: () => BigInt(memoryBytes(m)),
      abiVersion: () => ABI_VERSION,
      recoverable: (on: number) => { Atomics.store(a, at + C.RECOVERABLE, on ? 1 : 0); },
      trapped: () => trapped,
    },
  };

  /**
   * An access to a block the controlling thread models (devices/remote.ts):
   * asks it through the core's REQ_ words and waits for the answer; null
   * when the address is not such a block.
   */
  function remote(what: string, op: number, addr: number, value: number): number | null {
    let d;
    try { d = m.remoteAt(what, addr); } catch (e) { if (e instanceof BusError) throw new HostTrap(e.message); throw e; }
    if (!d) return null;                                 // (bus() then notes and checks the run: once per access)
    live();
    noteAsync();
    Atomics.store(a, at + C.REQ_OP, op);
    Atomics.store(a, at + C.REQ_ADDR, addr | 0);
    Atomics.store(a, at + C.REQ_VALUE, value | 0);
    Atomics.store(a, at + C.REQ_STATE, 1);
    post({ remote: core });
    for (const end = Date.now() + 10_000; Atomics.load(a, at + C.REQ_STATE) !== 2;) {
      if (Date.now() > end) throw new HostTrap(`${what}: the simulator's model of ${d.name} did not answer within 10 s (is the controlling thread busy?)`);
      Atomics.wait(a, at + C.REQ_STATE, 1, 100);
    }
    Atomics.store(a, at + C.REQ_STATE, 0);
    if (Atomics.load(a, at + C.REQ_FAILED)) throw new HostTrap(`${what}: the simulator's model of ${d.name} failed at 0x${addr.toString(16)} (the test's or the page's console says why)`);
    return Atomics.load(a, at + C.REQ_RESULT) >>> 0;
  }

  function bus<T>(f: () => T): T {
    live();
    noteAsync();
    s.lock();
    try { return f(); } catch (e) { if (e instanceof BusError) throw new HostTrap(e.message); throw e; } finally { s.unlock(); }
  }

  // Every function of the ABI: the simulator's, or one that says it is missing.
  const imports: WebAssembly.Imports = {};
  for (const mod of ABI) {
    const out: Record<string, (...args: any[]) => any> = {};
    for (const f of mod.functions) {
      out[f.name] = impl[mod.module]?.[f.name] ?? (() => {
        throw new HostTrap(`${mod.module}.${f.name}: the simulator does not model this yet (docs/simulator.md): run this kernel in QEMU or on a board`);
      });
    }
    imports[mod.module] = out;
  }
  return {
    imports,
    flush,
    line: (text: string) => { flush(); send(encoder.encode(text + "\r\n")); },
    attach: (instance: WebAssembly.Instance) => {
      const g = (instance.exports as Record<string, unknown>).__async_name;
      asyncName = g instanceof WebAssembly.Global ? g : null;
    },
    recover: () => {
      const again = Atomics.exchange(a, at + C.RECOVERABLE, 0) === 1;
      trapped = again ? 1 : 0;
      return again;
    },
  };
}

/** RAM the simulated ARM has: as a 1 GiB board gives it (docs/boards.md: about 948 MiB). */
function memoryBytes(m: Machine): number { return m.board === "pi4" ? 0x3b400000 : 0x3b400000; }

/** The run queues (module "queue"), with the same lock word protocol as kernel/sync/spinlock.ts. */
function queueHost(m: Int32Array, word: (p: number, size: number, what: string) => number) {
  const lock = (q: number) => {
    for (let spins = 0; Atomics.compareExchange(m, q, 0, 1) !== 0; spins++) if (spins > 100) Atomics.wait(m, q, 1, 0.05);
  };
  const unlock = (q: number) => { Atomics.store(m, q, 0); Atomics.notify(m, q); };
  const ld = (i: number) => Atomics.load(m, i), st = (i: number, v: number) => Atomics.store(m, i, v);
  return {
    push: (queue: number, task: number, next: number) => {
      const q = word(queue, 4, "queue.push"), t = word(task, 4, "queue.push"), link = word((task >>> 0) + (next >>> 0), 4, "queue.push");
      lock(q);
      try {
        st(link, 0);
        const tail = ld(q + 2);
        if (tail) st(word((tail >>> 0) + (next >>> 0), 4, "queue.push"), task); else st(q + 1, task);
        st(q + 2, task);
        void t;
        return (st(q + 3, ld(q + 3) + 1), ld(q + 3));
      } finally { unlock(q); }
    },
    pop: (queue: number, next: number) => {
      const q = word(queue, 4, "queue.pop");
      lock(q);
      try {
        const head = ld(q + 1);
        if (!head) return 0;
        const after = ld(word((head >>> 0) + (next >>> 0), 4, "queue.pop"));
        st(q + 1, after);
        if (!after) st(q + 2, 0);
        st(q + 3, ld(q + 3) - 1);
        return head;
      } finally { unlock(q); }
    },
    popFor: (queue: number, next: number, wordOff: number, bits: number) => {
      const q = word(queue, 4, "queue.popFor");
      if ((wordOff | next) & 3) throw new HostTrap("queue.popFor: an offset that is not 4-byte aligned");
      lock(q);
      try {
        let prev = 0, t = ld(q + 1);
        while (t) {
          const after = ld(word((t >>> 0) + (next >>> 0), 4, "queue.popFor"));
          if (ld(word((t >>> 0) + (wordOff >>> 0), 4, "queue.popFor")) & bits) {
            if (prev) st(word((prev >>> 0) + (next >>> 0), 4, "queue.popFor"), after); else st(q + 1, after);
            if (ld(q + 2) === t) st(q + 2, prev);
            st(q + 3, ld(q + 3) - 1);
            return t;
          }
          prev = t; t = after;
        }
        return 0;
      } finally { unlock(q); }
    },
  };
}
