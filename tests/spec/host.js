// A recording fake of the host ABI for as-pect specs. Every call is kept in
// a trace the spec can read back through the "fake" import module:
//   fake.trace(): pointer to a string of the calls so far, one per line
//   fake.reset(cores): clears the trace, sets cpu.count()
// The atomic module works on the module's memory, one core at a time;
// atomic.wait32 stands for "another core changes the word": it adds 1.
// Strings are read from the module's memory as UTF-16 (AssemblyScript).

// Built from tests/host/fake-atomics.ts by `make test-host` (tsc) before as-pect runs.
import { fakeAtomics } from "../../build/tools/tests/host/fake-atomics.js";

export function createFakeHost(getMemory) {
  let trace = [];
  let line = "";
  let cores = 4;
  const str = (ptr, units) => String.fromCharCode(...new Uint16Array(getMemory().buffer, ptr, units));
  const out = (s) => {
    for (const ch of s) {
      if (ch === "\n") { trace.push(`console: ${line}`); line = ""; } else line += ch;
    }
  };
  return {
    console: {
      write: (ptr, units) => out(str(ptr, units)),
      putc: (b) => out(String.fromCharCode(b & 0xff)),
    },
    cpu: {
      id: () => 0,
      count: () => cores,
      wfe: () => trace.push("cpu.wfe"),
      sev: () => trace.push("cpu.sev"),
      wfi: () => trace.push("cpu.wfi"),
      counter: () => 0n,
      frequency: () => 62500000n,
      running: () => (1 << cores) - 1,
    },
    // wait32 stands for "another core changes the word": it adds 1.
    atomic: fakeAtomics(getMemory, (s) => trace.push(s), (m, i, expected) => (m[i] = expected + 1)),
    mmio: {
      read32: (addr) => { trace.push(`mmio.read32 0x${(addr >>> 0).toString(16)}`); return 0; },
      write32: (addr, v) => trace.push(`mmio.write32 0x${(addr >>> 0).toString(16)} 0x${(v >>> 0).toString(16)}`),
    },
    sys: {
      panic: () => { throw new Error("sys.panic"); },
      exit: (code) => { throw new Error(`sys.exit ${code}`); },
      board: () => 1,
      memoryBytes: () => 1n << 30n,
      abiVersion: () => 3,
    },
    fake: {
      // Returns the trace joined by newlines, written into a fresh AS string.
      traceLength: () => trace.join("\n").length,
      traceChar: (i) => trace.join("\n").charCodeAt(i),
      reset: (n) => { trace = []; line = ""; cores = n; },
    },
  };
}

