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

// An object published by its address alone (`atomic.store32(slot,
// changetype<u32>(obj))`) is invisible to the collector, which frees it
// (docs/memory-model.md, "What the collector cannot see"). The build refuses
// that pattern in the user's code (tools/async/raw-address.ts); the
// *Unchecked forms below say on purpose that the object is kept alive
// another way (the library's rooted lists, AtomicRef, a pinned object).

/** Load-acquire of a 32-bit word. */
// @ts-ignore: decorator
@inline export function load32(ptr: usize): u32 { return host.load32(ptr); }
/** Store-release of a 32-bit word. */
// @ts-ignore: decorator
@inline export function store32(ptr: usize, value: u32): void { host.store32(ptr, value); }
/** Adds `delta` (wrapping); returns the previous value. */
// @ts-ignore: decorator
@inline export function add32(ptr: usize, delta: u32): u32 { return host.add32(ptr, delta); }
/** Subtracts `delta` (wrapping); returns the previous value. */
// @ts-ignore: decorator
@inline export function sub32(ptr: usize, delta: u32): u32 { return host.add32(ptr, 0 - delta); }
/** Stores `value`; returns the previous value. */
// @ts-ignore: decorator
@inline export function xchg32(ptr: usize, value: u32): u32 { return host.xchg32(ptr, value); }
/** Compare-and-swap; returns the value found (== expected when it swapped). */
// @ts-ignore: decorator
@inline export function cas32(ptr: usize, expected: u32, desired: u32): u32 { return host.cas32(ptr, expected, desired); }

/** store32, saying that the value may be an object's address that the collector is shown another way (the library's rooted lists, AtomicRef, pin()): the build's raw-address check lets it pass. */
// @ts-ignore: decorator
@inline export function storeUnchecked32(ptr: usize, value: u32): void { host.store32(ptr, value); }
/** cas32, for an address kept alive another way (see storeUnchecked32). */
// @ts-ignore: decorator
@inline export function casUnchecked32(ptr: usize, expected: u32, desired: u32): u32 { return host.cas32(ptr, expected, desired); }
/** xchg32, for an address kept alive another way (see storeUnchecked32). */
// @ts-ignore: decorator
@inline export function xchgUnchecked32(ptr: usize, value: u32): u32 { return host.xchg32(ptr, value); }
/** True if the word held `expected` and now holds `desired`. */
// @ts-ignore: decorator
@inline export function tryCas32(ptr: usize, expected: u32, desired: u32): bool { return host.cas32(ptr, expected, desired) == expected; }
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
