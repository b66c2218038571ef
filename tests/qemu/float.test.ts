// Floating point as WebAssembly defines it, bit for bit, on both boards and
// both backends (issue 28): tests/kernels/float.ts prints the bits of each
// vector; here JavaScript computes the same operations (its numbers round
// each operation once, as WebAssembly's do) and the bits must match. The
// vectors catch a fused multiply-add (gcc's default for the aot backend's C
// before -ffp-contract=off), reassociation, flush-to-zero, signed zeros in
// min/max, NaNs that must be canonical or quiet, the saturating
// conversions and ties-to-even rounding.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, ON } from "./lib.js";

const buf = new DataView(new ArrayBuffer(8));
function f64(bits: bigint): number { buf.setBigUint64(0, bits); return buf.getFloat64(0); }
function bits64(x: number): bigint { buf.setFloat64(0, x); return buf.getBigUint64(0); }
function bits32(x: number): bigint { buf.setFloat32(0, x); return BigInt(buf.getUint32(0)); }
const f32 = Math.fround;
/** f32 bits -> the number (exact: an f32 is an f64). */
function f32of(bits: number): number { buf.setUint32(0, bits); return buf.getFloat32(0); }
/** WebAssembly's nearest: ties to even. */
function nearest(x: number): number { const r = Math.round(x); return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; }
/** The saturating conversions (i32/u32/i64.trunc_sat_f64_*), as two's-complement bits. */
function sat(x: number, lo: number, hi: number): number { return Number.isNaN(x) ? 0 : Math.max(lo, Math.min(hi, Math.trunc(x))); }

// The kernel's inputs (tests/kernels/float.ts), by their bits.
const A = f64(0x3FF0000000400000n), B = f64(0x3FEFFFFFFF800000n), M1 = -1, ONE = 1, E16 = 1e16;
const MINN = f64(0x0010000000000000n), HALF = 0.5, NZ = -0, PZ = 0;
const a = f32of(0x3F800400), b = f32of(0x3F7FF800), MINN32 = f32of(0x00800000);

type Want = bigint | "canonical NaN" | "quiet NaN";
const WANT: Array<[string, Want]> = [
  ["f64 a*b+c", bits64(A * B + M1)],
  ["f64 a*b-1", bits64(A * B - ONE)],
  ["f64 1-a*b", bits64(ONE - A * B)],
  ["f32 a*b+c", bits32(f32(f32(a * b) + -1))],
  ["f64 (1e16+-1e16)+1", bits64((E16 + -E16) + ONE)],
  ["f64 1e16+(-1e16+1)", bits64(E16 + (-E16 + ONE))],
  ["f64 min normal*0.5", bits64(MINN * HALF)],
  ["f64 subnormal+subnormal", bits64(MINN * HALF + MINN * HALF)],
  ["f32 min normal*0.5", bits32(f32(MINN32 * 0.5))],
  ["f64 subnormal*2^52", bits64((MINN * HALF) * 4503599627370496)],
  ["f64 -0+0", bits64(NZ + PZ)],
  ["f64 -0*1", bits64(NZ * ONE)],
  ["f64 min(-0,0)", bits64(Math.min(NZ, PZ))],
  ["f64 max(-0,0)", bits64(Math.max(NZ, PZ))],
  ["f64 min(0,-0)", bits64(Math.min(PZ, NZ))],
  ["f32 min(-0,0)", bits32(Math.min(NZ, PZ))],
  ["f32 max(-0,0)", bits32(Math.max(NZ, PZ))],
  ["f64 0/0", "canonical NaN"],
  ["f64 sqrt(-1)", "canonical NaN"],
  ["f64 min(NaN,1)", "canonical NaN"],
  ["f64 sNaN+1", "quiet NaN"],
  ["i32 of 1e10", BigInt(sat(1e10, -(2 ** 31), 2 ** 31 - 1) >>> 0)],
  ["i32 of -1e10", BigInt(sat(-1e10, -(2 ** 31), 2 ** 31 - 1) >>> 0)],
  ["i32 of NaN", BigInt(sat(NaN, -(2 ** 31), 2 ** 31 - 1) >>> 0)],
  ["u32 of -1.5", BigInt(sat(-1.5, 0, 2 ** 32 - 1))],
  ["i64 of 1e19", 2n ** 63n - 1n],                                  // saturates (1e19 > 2^63)
  ["f64 nearest(2.5)", bits64(nearest(2.5))],
  ["f64 nearest(-2.5)", bits64(nearest(-2.5))],
  ["f64 floor(-0.5)", bits64(Math.floor(-0.5))],
  ["f64 ceil(-0.5)", bits64(Math.ceil(-0.5))],
  ["f64 trunc(-0.7)", bits64(Math.trunc(-0.7))],
  ["f64 from i64 2^53+1", bits64(Number(2n ** 53n + 1n))],
  ["f32 demote 1+2^-24+2^-50", bits32(f64(0x3FF0000010000004n))],
  ["f64 1/3", bits64(ONE / 3)],
  ["f64 copysign(1,-0)", bits64(-1)],
  ["f64 abs(-0)", bits64(Math.abs(NZ))],
  ["f64 sqrt(2)", bits64(Math.sqrt(ONE + ONE))],
  ["f32 1/3", bits32(f32(f32(0.5 * 2) / 3))],
  ["f64 1e16*1e16/1e16", bits64(E16 * E16 / E16)],
  ["f64 -1.5 nearest", bits64(nearest(-1.5))],
];

function check(name: string, got: bigint, want: Want): void {
  const hex = (x: bigint): string => "0x" + x.toString(16);
  if (want === "canonical NaN") assert.equal(hex(got & 0x7fffffffffffffffn), hex(0x7ff8000000000000n), `${name}: ${hex(got)} is not a canonical NaN`);
  else if (want === "quiet NaN") assert.equal(hex(got & 0x7ff8000000000000n), hex(0x7ff8000000000000n), `${name}: ${hex(got)} is not a quiet NaN`);
  else assert.equal(hex(got), hex(want), name);
}

for (const brd of BOARDS) {
  describe(`${brd.name} (-M ${brd.machine})${ON}: floating point`, { concurrency: 1 }, () => {
    it("each operation rounds once, subnormals and signed zeros kept, NaNs and conversions as WebAssembly defines them, the same bits on every core", async () => {
      const r = await boot(brd.name, "float");
      assertPassed(r);
      const got = new Map<string, bigint>();
      for (const m of r.output.matchAll(/^float: (.+) = 0x([0-9a-f]+)$/gm)) got.set(m[1], BigInt("0x" + m[2]));
      assert.equal(got.size, WANT.length, r.output);
      for (const [name, want] of WANT) {
        assert.ok(got.has(name), `no line for ${name}:\n${r.output}`);
        check(name, got.get(name)!, want);
      }
      assert.match(r.output, /^float: the other cores' bits are the same$/m);
    });
  });
}
