// The hardware random number generator, and Math.random()'s seed. Two
// blocks, both at peripheral base + 0x104000 and both left out of
// Broadcom's datasheets (the registers are Linux's):
//
// - the BCM2835's (Pi 3; drivers/char/hw_random/bcm2835-rng.c): CTRL 0x00
//   (bit 0 RBGEN), STATUS 0x04 (31:24 words ready; 19:0 how many words to
//   throw away after enabling, the warm-up), DATA 0x08, INT_MASK 0x10 (bit 0
//   masks its interrupt). QEMU models it (bcm2835-rng).
// - the RNG200 (Pi 4; iproc-rng200.c): CTRL 0x00 (RBGEN 12:0, 1 = on),
//   RNG_SOFT_RESET 0x04, RBG_SOFT_RESET 0x08, INT_STATUS 0x18 (bit 31 master
//   fail lockup, bit 5 NIST fail), FIFO_DATA 0x20, FIFO_COUNT 0x24 (7:0 words
//   ready). QEMU's raspi4b has no block there: a read aborts. The driver
//   probes it (mmio.probe32) and, where it is absent, says so: available()
//   is false and the seed comes from the counters. Checked on paper only.
//
//   if (rng.available()) { const word = rng.next(); rng.fill(bytes); }
//   Math.random();          // seeded once per core from kernelSeed() (arch/sys.ts routes asc's seed here)
import { read32, write32, probe32 } from "../arch/mmio";
import { currentBoard, rngBase, rngIsRng200 } from "../board";
import { counter, coreId, instructions } from "../arch/cpu";
import * as atomic from "../arch/atomic";
import { setSeedSource } from "../arch/sys";

export const CTRL: u32 = 0x00;
export const STATUS: u32 = 0x04;          // BCM2835
export const DATA: u32 = 0x08;            // BCM2835
export const INT_MASK: u32 = 0x10;        // BCM2835
export const RNG_SOFT_RESET: u32 = 0x04;  // RNG200
export const RBG_SOFT_RESET: u32 = 0x08;  // RNG200
export const INT_STATUS: u32 = 0x18;      // RNG200
export const FIFO_DATA: u32 = 0x20;       // RNG200
export const FIFO_COUNT: u32 = 0x24;      // RNG200
/** Words the BCM2835's generator throws away after it starts (Linux: RNG_WARMUP_COUNT). */
export const WARMUP: u32 = 0x40000;
const RNG200_ERRORS: u32 = 0x80000020;    // master fail lockup, NIST fail

/** 0 not yet looked at, 1 started, 2 absent (the bus refused the probe). */
const STATE = memory.data(4, 4);
const STARTED: u32 = 1, ABSENT: u32 = 2;

// @ts-ignore: decorator
@inline function base(): u32 { return rngBase(currentBoard()); }

/** Looks at the board again on the next call (for the specs, which change boards; a kernel never needs it). */
export function forget(): void { atomic.store32(STATE, 0); }

/** Starts the generator once (any core; the first to get here does it); whether there is one. */
export function available(): bool {
  const s = atomic.load32(STATE);
  if (s) return s == STARTED;
  const b = base();
  let state = STARTED;
  if (rngIsRng200(currentBoard())) {
    if (probe32(b + CTRL) < 0) state = ABSENT;          // QEMU's raspi4b: nothing answers
    else write32(b + CTRL, (read32(b + CTRL) & ~0x1fff) | 1);
  } else {
    write32(b + STATUS, WARMUP);
    write32(b + INT_MASK, read32(b + INT_MASK) | 1);    // no interrupt: the driver polls
    write32(b + CTRL, 1);
  }
  atomic.store32(STATE, state);
  return state == STARTED;
}

/** Words ready to read now. */
function ready(): u32 {
  const b = base();
  if (rngIsRng200(currentBoard())) {
    if (read32(b + INT_STATUS) & RNG200_ERRORS) {       // the generator stopped: reset it (Linux's iproc_rng200_restart)
      write32(b + RNG_SOFT_RESET, 1); write32(b + RNG_SOFT_RESET, 0);
      write32(b + RBG_SOFT_RESET, 1); write32(b + RBG_SOFT_RESET, 0);
      write32(b + INT_STATUS, 0xffffffff);
    }
    return read32(b + FIFO_COUNT) & 0xff;
  }
  return read32(b + STATUS) >> 24;
}

/**
 * One 32-bit word from the generator (waiting for one; a few microseconds
 * at most once warmed up). Call available() first: without a generator it
 * panics.
 */
export function next(): u32 {
  if (!available()) throw new Error("rng: this board has no random number generator that answers (QEMU's raspi4b lacks the RNG200): check rng.available()");
  while (!ready()) {}
  return read32(base() + (rngIsRng200(currentBoard()) ? FIFO_DATA : DATA));
}

/** Fills `into` with random bytes from the generator. */
export function fill(into: Uint8Array): void {
  let i = 0;
  while (i < into.length) {
    let w = next();
    for (let k = 0; k < 4 && i < into.length; k++, i++) { unchecked(into[i] = <u8>w); w >>= 8; }
  }
}

/** Seconds' worth of unpredictability without a generator: the counters, mixed (splitmix64's finaliser). */
function mix(x: u64): u64 {
  x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
  x ^= x >> 27; x *= 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

/**
 * Math.random()'s seed (asc's `seed` import goes to arch/sys.ts's
 * kernelSeed, which asks this): 64 bits from the generator where there is
 * one, mixed with the generic timer's counter, the instruction counter and
 * the core. Each core seeds its own generator the first time it calls
 * Math.random().
 */
export function kernelSeed(): f64 {
  let s: u64 = mix((counter() ^ (<u64>coreId() << 56) ^ instructions()) + 0x9e3779b97f4a7c15);   // (splitmix64's step: never 0 from all-zero counters)
  if (available()) s ^= (<u64>next() << 32) | next();
  return reinterpret<f64>(s);
}

setSeedSource(kernelSeed);
