// Text output through the host console, without allocating: strings go to
// the host as (pointer, length), numbers are written digit by digit. Each
// core's output is buffered by the host until '\n', so a line written with
// several calls still comes out whole.
import { console as host } from "./host";
import { digitCount, digitAt } from "./fmt";

/**
 * Somewhere else the console's text shows as well (the screen's text
 * console, gfx/console.ts): print() and the number writers hand it what they
 * write, after the host has it.
 */
export class ConsoleMirror {
  /** Shows `s`. */
  write(s: string): void {}
  /** Shows one character (a code unit; 10 ends a line). */
  putc(c: u32): void {}
}

let mirror: ConsoleMirror | null = null;

/** Sends the console's text to `m` too (null: to the host alone). */
export function setMirror(m: ConsoleMirror | null): void { mirror = m; }

/** Writes `s` as it is. */
export function print(s: string): void {
  host.write(changetype<usize>(s), s.length);
  const m = mirror;
  if (m) m.write(s);
}

// @ts-ignore: decorator
@inline function putc(c: u32): void {
  host.putc(c);
  const m = mirror;
  if (m) m.putc(c);
}

/** Writes `s` and a newline. */
export function println(s: string): void {
  print(s);
  putc(0x0a);
}

/** Writes `n` in base `radix` (2 to 16), without a prefix. */
export function printU64(n: u64, radix: u32 = 10): void {
  const digits = digitCount(n, radix);
  for (let i: u32 = 0; i < digits; i++) putc(digitAt(n, radix, digits - 1 - i));
}

/** Writes a signed number in decimal. */
export function printI64(n: i64): void {
  if (n < 0) {
    putc(0x2d);
    printU64(<u64>(-(n + 1)) + 1);
  } else printU64(<u64>n);
}

/** Writes `0x` and `n` in hexadecimal. */
export function printHex(n: u64): void {
  putc(0x30);
  putc(0x78);
  printU64(n, 16);
}

/**
 * Sends `length` bytes at `ptr` to the UART at once (LF as CR LF): this
 * core's unfinished line first, then the bytes, never inside another core's
 * line. For echoing what a user types. The caller guarantees the bytes are
 * in linear memory (the host refuses a range past its end).
 */
export function echo(ptr: usize, length: i32): void { host.echo(ptr, length); }
