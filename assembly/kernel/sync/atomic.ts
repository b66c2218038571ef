// An atomic cell: one integer that the four cores update without a lock
// (docs/memory-model.md). Module variables are shared by the cores, so
// concurrent updates of one need atomics, as in any multi-threaded
// language; `count++` from two cores can lose an update, `hits.add(1)`
// cannot.
//
//   const hits = new Atomic<u32>(0);   // at module level: one cell for all cores
//   hits.add(1);                       // on any core
//   if (hits.cas(10, 0)) ...           // 10 -> 0, if it was 10
//
// T is a 32- or 64-bit integer (i32, u32, i64, u64, isize, usize). Every
// operation is one host call (arch/atomic: LDAXR/STLXR loops on the
// Cortex-A53/A72); get is an acquire, set a release, and the
// read-modify-writes are both.
import * as atomic from "../../arch/atomic";

export class Atomic<T> {
  private value: T;

  constructor(initial: T) {
    if (!isInteger<T>() || isBoolean<T>() || (sizeof<T>() != 4 && sizeof<T>() != 8)) {
      ERROR("Atomic<T>: T must be a 32- or 64-bit integer (i32, u32, i64, u64, isize, usize)");
    }
    this.value = initial;
    atomic.fence();                    // the cell is whole before anyone is given it
  }

  // @ts-ignore: decorator
  @inline private get at(): usize { return changetype<usize>(this) + offsetof<Atomic<T>>("value"); }

  /** The value (acquire). */
  get(): T {
    if (sizeof<T>() == 8) return <T>atomic.load64(this.at);
    return <T>atomic.load32(this.at);
  }

  /** Stores `v` (release). */
  set(v: T): void {
    if (sizeof<T>() == 8) atomic.store64(this.at, <u64>v);
    else atomic.store32(this.at, <u32>v);
  }

  /** Adds `delta` (wrapping); returns the value before. */
  add(delta: T): T {
    if (sizeof<T>() == 8) return <T>atomic.add64(this.at, <u64>delta);
    return <T>atomic.add32(this.at, <u32>delta);
  }

  /** Subtracts `delta` (wrapping); returns the value before. */
  sub(delta: T): T {
    if (sizeof<T>() == 8) return <T>atomic.add64(this.at, 0 - <u64>delta);
    return <T>atomic.add32(this.at, 0 - <u32>delta);
  }

  /** Stores `v`; returns the value before. */
  swap(v: T): T {
    if (sizeof<T>() == 8) return <T>atomic.xchg64(this.at, <u64>v);
    return <T>atomic.xchg32(this.at, <u32>v);
  }

  /** If the cell holds `expected`, stores `desired`; true if it did. */
  cas(expected: T, desired: T): bool {
    if (sizeof<T>() == 8) return atomic.cas64(this.at, <u64>expected, <u64>desired) == <u64>expected;
    return atomic.cas32(this.at, <u32>expected, <u32>desired) == <u32>expected;
  }
}

/**
 * An atomic cell of a reference: how to hand an object from core to core
 * without a lock, where the collector sees it (a raw address in a word
 * would not be: docs/memory-model.md).
 *
 *   const latest = new AtomicRef<Reading>();   // at module level
 *   latest.set(new Reading(t));                // on one core
 *   const r = latest.get();                    // on another: null or the object
 */
export class AtomicRef<T> {
  private value: T | null;

  constructor(initial: T | null = null) {
    if (!isReference<T>() || isFunction<T>()) ERROR("AtomicRef<T>: T must be a class, an array or a string");
    this.value = initial;
    atomic.fence();
  }

  // @ts-ignore: decorator
  @inline private get at(): usize { return changetype<usize>(this) + offsetof<AtomicRef<T>>("value"); }

  /** The object, or null (acquire). */
  get(): T | null { return changetype<T | null>(<usize>atomic.load32(this.at)); }
  /** Stores `v` (release). */
  set(v: T | null): void {
    atomic.storeUnchecked32(this.at, <u32>changetype<usize>(v));
    __link(changetype<usize>(this), changetype<usize>(v), false);   // the collector's barrier (a store asc does not see)
  }
  /** Stores `v`; returns the object before. */
  swap(v: T | null): T | null {
    const was = changetype<T | null>(<usize>atomic.xchgUnchecked32(this.at, <u32>changetype<usize>(v)));
    __link(changetype<usize>(this), changetype<usize>(v), false);
    return was;
  }
  /** If the cell holds `expected` (the same object), stores `desired`; true if it did. */
  cas(expected: T | null, desired: T | null): bool {
    const e = <u32>changetype<usize>(expected);
    if (atomic.casUnchecked32(this.at, e, <u32>changetype<usize>(desired)) != e) return false;
    __link(changetype<usize>(this), changetype<usize>(desired), false);
    return true;
  }
}
