// Panic messages built without allocating: for the allocator and anything
// else that must report a broken invariant while the heap may be broken.
//
//     msgBegin(); msgText("double free of "); msgHex(ptr); msgPanic();
//
// prints `panic: core N: double free of 0x0001a2c0` and stops this core.
// The text goes to a per-core scratch area in static memory (cursor in wasm
// globals, which are per core), so cores panicking at once do not mix.
import { sys as host } from "./host";
import { coreId, MAX_CORES } from "./cpu";

const UNITS: i32 = 320;                                // UTF-16 code units per core
const SCRATCH = memory.data(MAX_CORES * UNITS * 2, 16);
// @ts-ignore: decorator
@perCore let base: usize = 0;
// @ts-ignore: decorator
@perCore let length: i32 = 0;

/** Starts a new message on this core. */
export function msgBegin(): void {
  base = SCRATCH + <usize>(coreId() & (MAX_CORES - 1)) * <usize>(UNITS * 2);
  length = 0;
}

function unit(c: i32): void {
  if (length < UNITS) store<u16>(base + (<usize>length << 1), <u16>c);
  length++;
}

/** Appends a string (no allocation: static strings and existing ones only). */
export function msgText(s: string): void {
  for (let i = 0; i < s.length; i++) unit(<i32>s.charCodeAt(i));
}

/** Appends `0x` and eight hex digits. */
export function msgHex(v: u32): void {
  unit(0x30); unit(0x78);
  for (let shift = 28; shift >= 0; shift -= 4) {
    const d = <i32>((v >> <u32>shift) & 15);
    unit(d < 10 ? 0x30 + d : 0x57 + d);
  }
}

/** Appends an unsigned decimal number. */
export function msgDec(v: u64): void {
  let div: u64 = 1;
  while (v / div >= 10) div *= 10;
  for (; div > 0; div /= 10) unit(0x30 + <i32>((v / div) % 10));
}

/** Prints `panic: core N: <message>` and stops this core; never returns. */
export function msgPanic(): void {
  host.panic(base, min(length, UNITS), 0, 0, 0, 0);
  unreachable();
}
