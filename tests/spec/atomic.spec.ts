// Atomic<T> (assembly/kernel/sync/atomic.ts) on the fake host's atomics:
// each operation's result and the cell's value after it, for 32 and 64 bits.
import { Atomic } from "../../assembly/kernel/sync";

describe("Atomic<T>", () => {
  it("u32: get, set, add and sub return the value before, swap, cas only when it holds the expected", () => {
    const a = new Atomic<u32>(5);
    expect(a.get()).toBe(5);
    expect(a.add(3)).toBe(5);
    expect(a.get()).toBe(8);
    expect(a.sub(10)).toBe(8);
    expect(a.get()).toBe(<u32>0xfffffffe, "wraps");
    a.set(41);
    expect(a.swap(42)).toBe(41);
    expect(a.cas(41, 0)).toBe(false, "42 is not 41");
    expect(a.get()).toBe(42);
    expect(a.cas(42, 7)).toBe(true);
    expect(a.get()).toBe(7);
  });
  it("i32 keeps its sign", () => {
    const a = new Atomic<i32>(-3);
    expect(a.add(-4)).toBe(-3);
    expect(a.get()).toBe(-7);
  });
  it("u64 uses the 64-bit operations: values past 32 bits survive", () => {
    const a = new Atomic<u64>(0x1_0000_0000);
    expect(a.add(0x2_0000_0001)).toBe(0x1_0000_0000);
    expect(a.get()).toBe(0x3_0000_0001);
    expect(a.cas(0x3_0000_0001, 0xffff_ffff_ffff_ffff)).toBe(true);
    expect(a.sub(1)).toBe(0xffff_ffff_ffff_ffff);
    expect(a.swap(9)).toBe(0xffff_ffff_ffff_fffe);
    expect(a.get()).toBe(9);
  });
});
