// Text output through the host console, without allocating: strings go to
// the host as (pointer, length), numbers are written digit by digit. Each
// core's output is buffered by the host until '\n', so a line written with
// several calls still comes out whole.
import { console as host } from "./host";
import { digitCount, digitAt } from "./fmt";

/** Writes `s` as it is. */
export function print(s: string): void {
  host.write(changetype<usize>(s), s.length);
}

/** Writes `s` and a newline. */
export function println(s: string): void {
  print(s);
  host.putc(0x0a);
}

/** Writes `n` in base `radix` (2 to 16), without a prefix. */
export function printU64(n: u64, radix: u32 = 10): void {
  const digits = digitCount(n, radix);
  for (let i: u32 = 0; i < digits; i++) host.putc(digitAt(n, radix, digits - 1 - i));
}

/** Writes a signed number in decimal. */
export function printI64(n: i64): void {
  if (n < 0) {
    host.putc(0x2d);
    printU64(<u64>(-(n + 1)) + 1);
  } else printU64(<u64>n);
}

/** Writes `0x` and `n` in hexadecimal. */
export function printHex(n: u64): void {
  host.putc(0x30);
  host.putc(0x78);
  printU64(n, 16);
}

/**
 * Sends `length` bytes at `ptr` to the UART at once (LF as CR LF): this
 * core's unfinished line first, then the bytes, never inside another core's
 * line. For echoing what a user types. The caller guarantees the bytes are
 * in linear memory (the host refuses a range past its end).
 */
export function echo(ptr: usize, length: i32): void { host.echo(ptr, length); }
