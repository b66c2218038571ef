// A recording fake of the host ABI for as-pect specs (as-pect.config.js).
// The specs run on the kernel's own runtime and allocator, as one core at a
// time; every host call that matters is kept in a trace the spec reads back
// through the "fake" import module:
//   fake.traceLength() / fake.traceChar(i): the trace, one call per line
//   fake.reset(cores): clears the trace and the clock, sets cpu.count()
//   fake.setCore(n): what cpu.id() answers
//   fake.traceAtomics(on): whether atomic operations are traced (default on)
//   fake.advance(ticks): moves the fake clock (cpu.counter) on; when it
//     passes the armed deadline (cpu.setTimer), the "interrupt" records the
//     timer event for cpu.events() and disarms, as boot/irq.c does
//   fake.now(): the clock
// atomic.wait32 stands for "another core changes the word": it adds 1.
// Strings are read from the module's memory as UTF-16 (AssemblyScript).
import { fakeAtomics } from "./fake-atomics.js";

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
  const record = (s: string) => { trace.push(s); };
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
  const joined = () => trace.join("\n");
  return {
    console: {
      write: (ptr: number, units: number) => out(str(ptr, units)),
      putc: (b: number) => out(String.fromCharCode(b & 0xff)),
    },
    cpu: {
      id: () => core,
      count: () => cores,
      wfe: () => record("cpu.wfe"),
      sev: () => record("cpu.sev"),
      wfi: () => record("cpu.wfi"),
      counter: () => now,
      frequency: () => FREQUENCY,
      instructions: () => 0n,
      setTimer: (deadline: bigint) => {
        armed = BigInt.asUintN(64, deadline);
        record(`cpu.setTimer ${armed}`);
        fireIfDue();
      },
      events: () => { const e = events; events = 0; return e; },
      running: () => (1 << cores) - 1,
    },
    // wait32 stands for "another core changes the word": it adds 1.
    atomic: fakeAtomics(getMemory, (s) => { if (atomics) record(s); }, (m, i, expected) => (m[i] = expected + 1)),
    mmio: {
      read32: (addr: number) => { record(`mmio.read32 ${hex(addr)}`); return 0; },
      write32: (addr: number, v: number) => record(`mmio.write32 ${hex(addr)} ${hex(v)}`),
    },
    sys: {
      panic: () => { throw new Error(`sys.panic: ${line}`); },
      exit: (code: number) => { throw new Error(`sys.exit ${code}`); },
      board: () => 1,
      memoryBytes: () => 1n << 30n,
      abiVersion: () => 3,
    },
    fake: {
      traceLength: () => joined().length,
      traceChar: (i: number) => joined().charCodeAt(i),
      reset: (n: number) => { trace = []; line = ""; cores = n; core = 0; now = 0n; armed = 0n; events = 0; atomics = true; },
      setCore: (n: number) => { core = n; },
      traceAtomics: (on: number) => { atomics = on !== 0; },
      advance: (ticks: bigint) => { now += BigInt.asUintN(64, ticks); fireIfDue(); },
      now: () => now,
    },
  };
}
