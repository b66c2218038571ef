// A recording fake of the host ABI for as-pect specs. Every call is kept in
// a trace the spec can read back through the "fake" import module:
//   fake.trace(): pointer to a string of the calls so far, one per line
//   fake.reset(cores): clears the trace, sets cpu.count()
// The atomic module works on the module's memory, one core at a time;
// atomic.wait32 stands for "another core changes the word": it adds 1.
// Strings are read from the module's memory as UTF-16 (AssemblyScript).

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
    atomic: fakeAtomics(getMemory, (s) => trace.push(s)),
    mmio: {
      read32: (addr) => { trace.push(`mmio.read32 0x${(addr >>> 0).toString(16)}`); return 0; },
      write32: (addr, v) => trace.push(`mmio.write32 0x${(addr >>> 0).toString(16)} 0x${(v >>> 0).toString(16)}`),
    },
    sys: {
      panic: () => { throw new Error("sys.panic"); },
      exit: (code) => { throw new Error(`sys.exit ${code}`); },
      board: () => 1,
      memoryBytes: () => 1n << 30n,
      abiVersion: () => 2,
    },
    fake: {
      // Returns the trace joined by newlines, written into a fresh AS string.
      traceLength: () => trace.join("\n").length,
      traceChar: (i) => trace.join("\n").charCodeAt(i),
      reset: (n) => { trace = []; line = ""; cores = n; },
    },
  };
}

// Single-core atomics on the module's memory. Read-modify-writes are
// recorded ("atomic.add32 1"); loads and stores are not.
export function fakeAtomics(getMemory, record) {
  const u32 = () => new Uint32Array(getMemory().buffer);
  const u64 = () => new BigUint64Array(getMemory().buffer);
  const at = (ptr, size) => {
    if (ptr % size) throw new Error(`atomic: address 0x${ptr.toString(16)} is not ${size}-byte aligned`);
    return ptr / size;
  };
  const rmw32 = (name, f) => (ptr, v) => {
    const m = u32(), i = at(ptr >>> 0, 4), old = m[i];
    m[i] = f(old, v >>> 0);
    record(`atomic.${name} ${v >>> 0}`);
    return old | 0;
  };
  const rmw64 = (name, f) => (ptr, v) => {
    const m = u64(), i = at(ptr >>> 0, 8), old = m[i];
    m[i] = BigInt.asUintN(64, f(old, BigInt.asUintN(64, v)));
    record(`atomic.${name} ${BigInt.asUintN(64, v)}`);
    return BigInt.asIntN(64, old);
  };
  return {
    load32: (ptr) => u32()[at(ptr >>> 0, 4)] | 0,
    store32: (ptr, v) => { u32()[at(ptr >>> 0, 4)] = v >>> 0; },
    load64: (ptr) => BigInt.asIntN(64, u64()[at(ptr >>> 0, 8)]),
    store64: (ptr, v) => { u64()[at(ptr >>> 0, 8)] = BigInt.asUintN(64, v); },
    add32: rmw32("add32", (a, b) => (a + b) >>> 0),
    xchg32: rmw32("xchg32", (a, b) => b),
    and32: rmw32("and32", (a, b) => (a & b) >>> 0),
    or32: rmw32("or32", (a, b) => (a | b) >>> 0),
    add64: rmw64("add64", (a, b) => a + b),
    xchg64: rmw64("xchg64", (a, b) => b),
    cas32: (ptr, expected, desired) => {
      const m = u32(), i = at(ptr >>> 0, 4), old = m[i];
      if (old === expected >>> 0) m[i] = desired >>> 0;
      record(`atomic.cas32 ${expected >>> 0} ${desired >>> 0}`);
      return old | 0;
    },
    cas64: (ptr, expected, desired) => {
      const m = u64(), i = at(ptr >>> 0, 8), old = m[i];
      if (old === BigInt.asUintN(64, expected)) m[i] = BigInt.asUintN(64, desired);
      record(`atomic.cas64 ${BigInt.asUintN(64, expected)} ${BigInt.asUintN(64, desired)}`);
      return BigInt.asIntN(64, old);
    },
    fence: () => record("atomic.fence"),
    wait32: (ptr, expected) => {
      const m = u32(), i = at(ptr >>> 0, 4);
      record(`atomic.wait32 ${expected >>> 0}`);
      if (m[i] === expected >>> 0) m[i] = (expected + 1) >>> 0;   // "another core" moves it on
      return m[i] | 0;
    },
  };
}
