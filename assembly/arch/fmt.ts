// Number formatting without allocation: digits are produced one at a time,
// most significant first, so they can go straight to the console.

/** How many digits `n` has in base `radix` (2 to 16); 0 has one digit. */
export function digitCount(n: u64, radix: u32): u32 {
  let count: u32 = 1;
  const r = <u64>radix;
  while (n >= r) {
    n /= r;
    count++;
  }
  return count;
}

/** The ASCII code of digit `i` of `n` in base `radix`, counting from the least significant (0). */
export function digitAt(n: u64, radix: u32, i: u32): u32 {
  const r = <u64>radix;
  for (let k: u32 = 0; k < i; k++) n /= r;
  const d = <u32>(n % r);
  return d < 10 ? 0x30 + d : 0x61 + d - 10;
}

/** Splits a byte count into a value and a unit that read well: 1073741824 -> (1, "GiB"). */
export function sizeUnit(bytes: u64): string {
  if (bytes >= (<u64>1 << 30) && bytes % (<u64>1 << 30) == 0) return "GiB";
  if (bytes >= (<u64>1 << 20) && bytes % (<u64>1 << 20) == 0) return "MiB";
  if (bytes >= (<u64>1 << 10) && bytes % (<u64>1 << 10) == 0) return "KiB";
  return "bytes";
}

/** The value that goes with sizeUnit(bytes). */
export function sizeValue(bytes: u64): u64 {
  const unit = sizeUnit(bytes);
  if (unit == "GiB") return bytes >> 30;
  if (unit == "MiB") return bytes >> 20;
  if (unit == "KiB") return bytes >> 10;
  return bytes;
}
