// Test kernel: floating point as WebAssembly defines it, bit for bit, on
// every core and both backends (issue 28). Each operation rounds once
// (no fused multiply-add), nothing is reassociated, subnormals are kept (no
// flush to zero), signed zeros and min/max of zeros, NaNs where the spec
// makes them canonical or arithmetic, the saturating float-to-int
// conversions, ties-to-even rounding. The inputs are written at run time and
// read from memory, so neither Binaryen nor gcc can fold the operations.
// Every core computes every vector; core 0 prints its bits, one line each
// (`float: <name> = 0x<bits>`), and whether the other cores' bits were the
// same; tests/qemu/float.test.ts computes each vector in JavaScript (whose
// numbers round each operation as WebAssembly does) and compares.
import { boot } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import { coreCount, waitForEvent } from "../../assembly/arch/cpu";
import { exit } from "../../assembly/arch/sys";
import { print, println, printHex } from "../../assembly/arch/console";

const F64 = memory.data(32 * 8, 8);
const F32 = memory.data(16 * 4, 4);
const N: i32 = 40;
const OUT = memory.data(4 * N * 8, 8);      // each core's result bits
const DONE = memory.data(4, 4);

// @ts-ignore: decorator
@noinline function put64(i: i32, bits: u64): void { store<u64>(F64 + (<usize>i << 3), bits); }
// @ts-ignore: decorator
@noinline function put32(i: i32, bits: u32): void { store<u32>(F32 + (<usize>i << 2), bits); }
// @ts-ignore: decorator
@noinline function d(i: i32): f64 { return load<f64>(F64 + (<usize>i << 3)); }
// @ts-ignore: decorator
@noinline function l(i: i32): i64 { return load<i64>(F64 + (<usize>i << 3)); }
// @ts-ignore: decorator
@noinline function s(i: i32): f32 { return load<f32>(F32 + (<usize>i << 2)); }

function inputs(): void {
  put64(0, 0x3FF0000000400000);   // A = 1 + 2^-30
  put64(1, 0x3FEFFFFFFF800000);   // B = 1 - 2^-30
  put64(2, 0xBFF0000000000000);   // -1
  put64(3, 0x3FF0000000000000);   // 1
  put64(4, 0x4341C37937E08000);   // 1e16
  put64(5, 0xC341C37937E08000);   // -1e16
  put64(6, 0x0010000000000000);   // 2^-1022, the smallest normal
  put64(7, 0x3FE0000000000000);   // 0.5
  put64(8, 0x8000000000000000);   // -0
  put64(9, 0x0000000000000000);   // +0
  put64(10, 0x4004000000000000);  // 2.5
  put64(11, 0xC004000000000000);  // -2.5
  put64(12, 0x7FF8000000000000);  // NaN
  put64(13, 0x7FF0000000000001);  // a signaling NaN
  put64(14, 0x4202A05F20000000);  // 1e10
  put64(15, 0xC202A05F20000000);  // -1e10
  put64(16, 0x43E158E460913D00);  // 1e19
  put64(17, 0x3FF0000010000004);  // 1 + 2^-24 + 2^-50: demotes up (not to even)
  put64(18, 0x4008000000000000);  // 3
  put64(19, 0xBFE6666666666666);  // -0.7
  put64(20, 0xBFE0000000000000);  // -0.5
  put64(21, 0xBFF8000000000000);  // -1.5
  put64(22, 0x0020000000000001);  // the i64 2^53 + 1
  put32(0, 0x3F800400);           // a = 1 + 2^-13
  put32(1, 0x3F7FF800);           // b = 1 - 2^-13
  put32(2, 0xBF800000);           // -1
  put32(3, 0x00800000);           // 2^-126, the smallest normal
  put32(4, 0x3F000000);           // 0.5
  put32(5, 0x80000000);           // -0
  put32(6, 0x00000000);           // +0
}

function b64(x: f64): u64 { return reinterpret<u64>(x); }
function b32(x: f32): u64 { return <u64>reinterpret<u32>(x); }

const NAMES: string[] = [
  "f64 a*b+c", "f64 a*b-1", "f64 1-a*b", "f32 a*b+c", "f64 (1e16+-1e16)+1", "f64 1e16+(-1e16+1)",
  "f64 min normal*0.5", "f64 subnormal+subnormal", "f32 min normal*0.5", "f64 subnormal*2^52",
  "f64 -0+0", "f64 -0*1", "f64 min(-0,0)", "f64 max(-0,0)", "f64 min(0,-0)", "f32 min(-0,0)", "f32 max(-0,0)",
  "f64 0/0", "f64 sqrt(-1)", "f64 min(NaN,1)", "f64 sNaN+1",
  "i32 of 1e10", "i32 of -1e10", "i32 of NaN", "u32 of -1.5", "i64 of 1e19",
  "f64 nearest(2.5)", "f64 nearest(-2.5)", "f64 floor(-0.5)", "f64 ceil(-0.5)", "f64 trunc(-0.7)",
  "f64 from i64 2^53+1", "f32 demote 1+2^-24+2^-50", "f64 1/3", "f64 copysign(1,-0)", "f64 abs(-0)",
  "f64 sqrt(2)", "f32 1/3", "f64 1e16*1e16/1e16", "f64 -1.5 nearest",
];

function compute(out: usize): void {
  let k: usize = 0;
  store<u64>(out + (k++ << 3), b64(d(0) * d(1) + d(2)));
  store<u64>(out + (k++ << 3), b64(d(0) * d(1) - d(3)));
  store<u64>(out + (k++ << 3), b64(d(3) - d(0) * d(1)));
  store<u64>(out + (k++ << 3), b32(s(0) * s(1) + s(2)));
  store<u64>(out + (k++ << 3), b64((d(4) + d(5)) + d(3)));
  store<u64>(out + (k++ << 3), b64(d(4) + (d(5) + d(3))));
  store<u64>(out + (k++ << 3), b64(d(6) * d(7)));
  store<u64>(out + (k++ << 3), b64(d(6) * d(7) + d(6) * d(7)));
  store<u64>(out + (k++ << 3), b32(s(3) * s(4)));
  store<u64>(out + (k++ << 3), b64((d(6) * d(7)) * 4503599627370496.0));
  store<u64>(out + (k++ << 3), b64(d(8) + d(9)));
  store<u64>(out + (k++ << 3), b64(d(8) * d(3)));
  store<u64>(out + (k++ << 3), b64(min<f64>(d(8), d(9))));
  store<u64>(out + (k++ << 3), b64(max<f64>(d(8), d(9))));
  store<u64>(out + (k++ << 3), b64(min<f64>(d(9), d(8))));
  store<u64>(out + (k++ << 3), b32(min<f32>(s(5), s(6))));
  store<u64>(out + (k++ << 3), b32(max<f32>(s(5), s(6))));
  store<u64>(out + (k++ << 3), b64(d(9) / d(9)));
  store<u64>(out + (k++ << 3), b64(sqrt<f64>(d(2))));
  store<u64>(out + (k++ << 3), b64(min<f64>(d(12), d(3))));
  store<u64>(out + (k++ << 3), b64(d(13) + d(3)));
  store<u64>(out + (k++ << 3), <u64><u32><i32>d(14));
  store<u64>(out + (k++ << 3), <u64><u32><i32>d(15));
  store<u64>(out + (k++ << 3), <u64><u32><i32>d(12));
  store<u64>(out + (k++ << 3), <u64><u32>d(21));
  store<u64>(out + (k++ << 3), <u64><i64>d(16));
  store<u64>(out + (k++ << 3), b64(nearest<f64>(d(10))));
  store<u64>(out + (k++ << 3), b64(nearest<f64>(d(11))));
  store<u64>(out + (k++ << 3), b64(floor<f64>(d(20))));
  store<u64>(out + (k++ << 3), b64(ceil<f64>(d(20))));
  store<u64>(out + (k++ << 3), b64(trunc<f64>(d(19))));
  store<u64>(out + (k++ << 3), b64(<f64>l(22)));
  store<u64>(out + (k++ << 3), b32(<f32>d(17)));
  store<u64>(out + (k++ << 3), b64(d(3) / d(18)));
  store<u64>(out + (k++ << 3), b64(copysign<f64>(d(3), d(8))));
  store<u64>(out + (k++ << 3), b64(abs<f64>(d(8))));
  store<u64>(out + (k++ << 3), b64(sqrt<f64>(d(3) + d(3))));
  store<u64>(out + (k++ << 3), b32(s(4) * 2 / <f32>d(18)));
  store<u64>(out + (k++ << 3), b64(d(4) * d(4) / d(4)));
  store<u64>(out + (k++ << 3), b64(nearest<f64>(d(21))));
}

function main(): void {
  inputs();
  compute(OUT);
  atomic.add32(DONE, 1);
  const cores = coreCount();
  let done = atomic.load32(DONE);
  while (done < cores) done = atomic.wait32(DONE, done);
  for (let i = 0; i < N; i++) {
    print("float: "); print(NAMES[i]); print(" = "); printHex(load<u64>(OUT + (<usize>i << 3))); println("");
  }
  let same = true;
  for (let c: usize = 1; c < <usize>cores; c++) {
    for (let i: usize = 0; i < <usize>N; i++) if (load<u64>(OUT + c * N * 8 + (i << 3)) != load<u64>(OUT + (i << 3))) same = false;
  }
  println(same ? "float: the other cores' bits are the same" : "float: the other cores' bits DIFFER");
  exit(0);
}

function worker(core: u32): void {
  let done = atomic.load32(DONE);
  while (done == 0) done = atomic.wait32(DONE, done);       // core 0 wrote the inputs
  compute(OUT + <usize>core * N * 8);
  atomic.add32(DONE, 1);
  while (true) waitForEvent();
}

export function kernel_start(core: u32): void { boot(core, main, worker); }
