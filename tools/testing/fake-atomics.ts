// The host module "atomic" for wasm run in node, one core at a time: used by
// the allocator tests (tests/host/alloc.test.ts) and, compiled, by the
// as-pect fake host (tools/testing/fake-host.ts).
export type Record = (line: string) => void;
/** What wait32 does when the word still holds `expected`: returns the new value or throws. */
export type OnWait = (memory: Uint32Array, index: number, expected: number) => number;

export function fakeAtomics(getMemory: () => WebAssembly.Memory, record: Record = () => {}, onWait?: OnWait) {
  const u32 = () => new Uint32Array(getMemory().buffer);
  const u64 = () => new BigUint64Array(getMemory().buffer);
  const at = (ptr: number, size: number) => {
    if (ptr % size) throw new Error(`atomic: address 0x${ptr.toString(16)} is not ${size}-byte aligned`);
    return ptr / size;
  };
  const rmw32 = (name: string, f: (a: number, b: number) => number) => (ptr: number, v: number) => {
    const m = u32(), i = at(ptr >>> 0, 4), old = m[i];
    m[i] = f(old, v >>> 0) >>> 0;
    record(`atomic.${name} ${v >>> 0}`);
    return old | 0;
  };
  const rmw64 = (name: string, f: (a: bigint, b: bigint) => bigint) => (ptr: number, v: bigint) => {
    const m = u64(), i = at(ptr >>> 0, 8), old = m[i];
    m[i] = BigInt.asUintN(64, f(old, BigInt.asUintN(64, v)));
    record(`atomic.${name} ${BigInt.asUintN(64, v)}`);
    return BigInt.asIntN(64, old);
  };
  return {
    load32: (ptr: number) => u32()[at(ptr >>> 0, 4)] | 0,
    store32: (ptr: number, v: number) => { u32()[at(ptr >>> 0, 4)] = v >>> 0; },
    load64: (ptr: number) => BigInt.asIntN(64, u64()[at(ptr >>> 0, 8)]),
    store64: (ptr: number, v: bigint) => { u64()[at(ptr >>> 0, 8)] = BigInt.asUintN(64, v); },
    add32: rmw32("add32", (a, b) => a + b),
    xchg32: rmw32("xchg32", (_a, b) => b),
    and32: rmw32("and32", (a, b) => a & b),
    or32: rmw32("or32", (a, b) => a | b),
    add64: rmw64("add64", (a, b) => a + b),
    xchg64: rmw64("xchg64", (_a, b) => b),
    cas32: (ptr: number, expected: number, desired: number) => {
      const m = u32(), i = at(ptr >>> 0, 4), old = m[i];
      if (old === expected >>> 0) m[i] = desired >>> 0;
      record(`atomic.cas32 ${expected >>> 0} ${desired >>> 0}`);
      return old | 0;
    },
    cas64: (ptr: number, expected: bigint, desired: bigint) => {
      const m = u64(), i = at(ptr >>> 0, 8), old = m[i];
      if (old === BigInt.asUintN(64, expected)) m[i] = BigInt.asUintN(64, desired);
      record(`atomic.cas64 ${BigInt.asUintN(64, expected)} ${BigInt.asUintN(64, desired)}`);
      return BigInt.asIntN(64, old);
    },
    fence: () => record("atomic.fence"),
    wait32: (ptr: number, expected: number) => {
      const m = u32(), i = at(ptr >>> 0, 4);
      record(`atomic.wait32 ${expected >>> 0}`);
      if (m[i] !== expected >>> 0) return m[i] | 0;
      if (!onWait) throw new Error(`atomic.wait32 at 0x${(ptr >>> 0).toString(16)} would wait forever: one core, and the word holds ${expected >>> 0}`);
      return onWait(m, i, expected >>> 0) | 0;
    },
  };
}
