// Atomic operations on shared linear memory (host module "atomic").
//
// The four cores share one linear memory but wasm3 has no atomic opcodes,
// so every atomic is a host call: an LDAXR/STLXR loop in the stub. Use them
// for every word that more than one core writes; plain loads and stores are
// fine for data handed over through one of these (a release store or a
// lock, then an acquire load on the other side).
//
// Addresses must be naturally aligned (4 bytes for 32-bit, 8 for 64-bit) or
// the call traps with `panic: core N: atomic.<op>: address 0x... is not
// aligned`. Read-modify-writes are sequentially consistent, loads acquire,
// stores release.
import { atomic as host } from "./host";
import { refusePublished } from "../kernel/gc";

// With assertions (the default build), a 32-bit store, exchange or CAS of a
// value that is the address of a live object on the heap panics: an object
// published only as a raw address is invisible to the collector, which
// would free it (docs/memory-model.md, "What the collector cannot see").
// Values below the heap or not 16-byte aligned cost two compares. The
// library's own by-address lists, which it roots itself, and its words that
// never hold an address (task states, lock words) use the *Unchecked forms
// below.
// OFF for now: an integer that happens to equal a live object's address (a
// ticket lock's counter, an Atomic<u32>, a sum) is refused too, and the
// heap starts low enough for that to happen in the test suite. It needs a
// way to tell a published address from a number before it is turned on
// (issue 17's notes).
// @ts-ignore: decorator
@inline const CHECK_PUBLISH: bool = false;
// @ts-ignore: decorator
@inline function checked(op: string, value: u32): void {
  if (CHECK_PUBLISH && value >= <u32>__heap_base && !(value & 15) && value < <u32>(memory.size() << 16)) refusePublished(op, value);
}

/** Load-acquire of a 32-bit word. */
// @ts-ignore: decorator
@inline export function load32(ptr: usize): u32 { return host.load32(ptr); }
/** Store-release of a 32-bit word. */
// @ts-ignore: decorator
@inline export function store32(ptr: usize, value: u32): void { checked("atomic.store32", value); host.store32(ptr, value); }
/** Adds `delta` (wrapping); returns the previous value. */
// @ts-ignore: decorator
@inline export function add32(ptr: usize, delta: u32): u32 { return host.add32(ptr, delta); }
/** Subtracts `delta` (wrapping); returns the previous value. */
// @ts-ignore: decorator
@inline export function sub32(ptr: usize, delta: u32): u32 { return host.add32(ptr, 0 - delta); }
/** Stores `value`; returns the previous value. */
// @ts-ignore: decorator
@inline export function xchg32(ptr: usize, value: u32): u32 { checked("atomic.xchg32", value); return host.xchg32(ptr, value); }
/** Compare-and-swap; returns the value found (== expected when it swapped). */
// @ts-ignore: decorator
@inline export function cas32(ptr: usize, expected: u32, desired: u32): u32 { checked("atomic.cas32", desired); return host.cas32(ptr, expected, desired); }

/** store32 without the collector's check: for a word that never holds an object's address, or one the collector is shown by other means (the library's rooted lists, AtomicRef). */
// @ts-ignore: decorator
@inline export function storeUnchecked32(ptr: usize, value: u32): void { host.store32(ptr, value); }
/** cas32 without the collector's check (see storeUnchecked32). */
// @ts-ignore: decorator
@inline export function casUnchecked32(ptr: usize, expected: u32, desired: u32): u32 { return host.cas32(ptr, expected, desired); }
/** xchg32 without the collector's check (see storeUnchecked32). */
// @ts-ignore: decorator
@inline export function xchgUnchecked32(ptr: usize, value: u32): u32 { return host.xchg32(ptr, value); }
/** True if the word held `expected` and now holds `desired`. */
// @ts-ignore: decorator
@inline export function tryCas32(ptr: usize, expected: u32, desired: u32): bool { checked("atomic.cas32", desired); return host.cas32(ptr, expected, desired) == expected; }
/** Bitwise AND; returns the previous value. */
// @ts-ignore: decorator
@inline export function and32(ptr: usize, mask: u32): u32 { return host.and32(ptr, mask); }
/** Bitwise OR; returns the previous value. */
// @ts-ignore: decorator
@inline export function or32(ptr: usize, mask: u32): u32 { return host.or32(ptr, mask); }

/** Load-acquire of a 64-bit word. */
// @ts-ignore: decorator
@inline export function load64(ptr: usize): u64 { return host.load64(ptr); }
/** Store-release of a 64-bit word. */
// @ts-ignore: decorator
@inline export function store64(ptr: usize, value: u64): void { host.store64(ptr, value); }
/** Adds `delta` (wrapping); returns the previous value. */
// @ts-ignore: decorator
@inline export function add64(ptr: usize, delta: u64): u64 { return host.add64(ptr, delta); }
/** Stores `value`; returns the previous value. */
// @ts-ignore: decorator
@inline export function xchg64(ptr: usize, value: u64): u64 { return host.xchg64(ptr, value); }
/** Compare-and-swap; returns the value found (== expected when it swapped). */
// @ts-ignore: decorator
@inline export function cas64(ptr: usize, expected: u64, desired: u64): u64 { return host.cas64(ptr, expected, desired); }

/** Full barrier: all accesses before it are seen by every core before any after it. */
// @ts-ignore: decorator
@inline export function fence(): void { host.fence(); }

/**
 * Sleeps (WFE) while the 32-bit word at `ptr` holds `expected`; returns the
 * value it changed to. Another core's store wakes this core: no SEV needed.
 */
// @ts-ignore: decorator
@inline export function wait32(ptr: usize, expected: u32): u32 { return host.wait32(ptr, expected); }
