// The kernel heap: a TLSF allocator (two-level segregated fit; Masmano et
// al., "TLSF: a new dynamic memory allocator for real-time systems", 2004),
// shared by the four cores behind one ticket lock.
//
// Why this design. Every operation is O(1): a free block is found with two
// bit-scans over a two-level bitmap of size classes (FL: power of two, SL:
// 16 linear steps inside it), and a freed block merges with its physical
// neighbours at once. Fragmentation stays low (good fit, immediate
// coalescing), which matters in a kernel that runs for months. We chose one
// lock over per-core caches: under wasm3 the cost of an allocation is the
// interpreter, not lock contention (the critical section is a few dozen wasm
// instructions), and per-core caches would hide freed blocks from the
// double-free check and from the statistics. Any core may free any block.
//
// Layout. A heap is a region of linear memory: a control block (lock,
// bitmaps, free-list heads, statistics), then blocks, then a sentinel. Each
// block starts with a 16-byte header, so payloads are 16-byte aligned:
//
//   +0  prevPhys   address of the physically previous block (0 for the first)
//   +4  size       block size in bytes with the header, a multiple of 16;
//                  bit 0 set while the block is free
//   +8  tag        address ^ TAG_USED or address ^ TAG_FREE: tells a block we
//                  gave out from a double free and from a foreign pointer
//   +12 requested  bytes the caller asked for (statistics, realloc, canary)
//   +16 payload    (free blocks: next and previous free block of the class)
//
// Checks. free() and realloc() refuse, with a `panic:` line naming the
// address: a pointer outside the heap or not 16-byte aligned or without a
// live tag ("was not allocated by this heap"), a block already free
// ("double free"), and a block whose header or neighbour link was
// overwritten ("heap corruption"). With assertions on (the default;
// `--noAssert` turns them off) each block also carries an 8-byte canary right
// after the requested bytes, checked on free and realloc ("heap overflow").
// Out of memory is not an error here: alloc returns 0.
import { SpinLock } from "../sync/spinlock";
import { msgBegin, msgText, msgHex, msgDec, msgPanic } from "../panic";

// @ts-ignore: decorator
@inline const CHECKS: bool = !ASC_NO_ASSERT;
// @ts-ignore: decorator
@inline const CANARY_BYTES: usize = CHECKS ? 8 : 0;
// @ts-ignore: decorator
@inline const CANARY: u64 = 0x5afe_c0de_5afe_c0de;

// @ts-ignore: decorator
@inline const HEADER: usize = 16;
// @ts-ignore: decorator
@inline const MIN_BLOCK: usize = 32;
// @ts-ignore: decorator
@inline const FREE: u32 = 1;
// @ts-ignore: decorator
@inline const TAG_USED: u32 = 0xa110_c8ed;
// @ts-ignore: decorator
@inline const TAG_FREE: u32 = 0xf4ee_b10c;
/** Largest request alloc() accepts (bytes). */
export const MAX_ALLOC: usize = 1 << 30;

// Block fields.
// @ts-ignore: decorator
@inline const B_PREV: usize = 0;
// @ts-ignore: decorator
@inline const B_SIZE: usize = 4;
// @ts-ignore: decorator
@inline const B_TAG: usize = 8;
// @ts-ignore: decorator
@inline const B_REQ: usize = 12;
// @ts-ignore: decorator
@inline const B_NEXT_FREE: usize = 16;
// @ts-ignore: decorator
@inline const B_PREV_FREE: usize = 20;

// Size classes: below 256 bytes one class per 16 bytes (FL 0); above,
// FL = floor(log2(size)) - 7 and 16 SL steps inside each power of two.
// @ts-ignore: decorator
@inline const SL_LOG2: u32 = 4;
// @ts-ignore: decorator
@inline const SL_COUNT: u32 = 16;
// @ts-ignore: decorator
@inline const SMALL: usize = 256;
// @ts-ignore: decorator
@inline const FL_COUNT: u32 = 24;   // blocks below 2 GiB

/** Heap statistics; bytes are the callers' requested sizes unless noted. */
@unmanaged
export class HeapStats {
  /** Bytes asked for by the live allocations. */
  inUse: u32 = 0;
  /** Peak of inUse since the heap was made. */
  peak: u32 = 0;
  /** Bytes of the live blocks, with headers, rounding and canaries. */
  blockBytes: u32 = 0;
  /** Bytes in free blocks (the largest request that fits is smaller). */
  free: u32 = 0;
  /** Live allocations. */
  liveBlocks: u32 = 0;
  /** Free blocks (1 when nothing is allocated: everything merged back). */
  freeBlocks: u32 = 0;
  /** Successful allocations, frees, and allocations refused for lack of memory, since the start. */
  allocs: u32 = 0;
  frees: u32 = 0;
  failures: u32 = 0;
}

// Control block: the lock, then the statistics (same order as HeapStats),
// the bounds, the bitmaps and the free-list heads.
// @ts-ignore: decorator
@inline const C_LOCK: usize = 0;                 // SpinLock: 8 bytes
// @ts-ignore: decorator
@inline const C_STATS: usize = 8;                // HeapStats: 36 bytes
// @ts-ignore: decorator
@inline const C_FIRST: usize = 48;
// @ts-ignore: decorator
@inline const C_SENTINEL: usize = 52;
// @ts-ignore: decorator
@inline const C_FLMAP: usize = 56;
// @ts-ignore: decorator
@inline const C_SLMAPS: usize = 64;              // FL_COUNT words
// @ts-ignore: decorator
@inline const C_HEADS: usize = C_SLMAPS + FL_COUNT * 4;  // FL_COUNT * SL_COUNT words
/** Bytes the control block takes at the start of a heap region. */
export const CONTROL_BYTES: usize = (C_HEADS + FL_COUNT * SL_COUNT * 4 + 15) & ~15;

// Per-core scratch for the size class of the last mapping (globals are per core).
let fl: u32 = 0;
let sl: u32 = 0;

// @ts-ignore: decorator
@inline function blockSize(b: usize): usize { return load<u32>(b + B_SIZE) & ~15; }
// @ts-ignore: decorator
@inline function isFree(b: usize): bool { return (load<u32>(b + B_SIZE) & FREE) != 0; }
// @ts-ignore: decorator
@inline function stat(h: usize, field: usize): usize { return h + C_STATS + field; }

function mapping(size: usize): void {
  if (size < SMALL) {
    fl = 0;
    sl = <u32>size >> 4;
  } else {
    const msb = 31 - clz(<u32>size);
    fl = msb - 7;
    sl = (<u32>size >> (msb - SL_LOG2)) & (SL_COUNT - 1);
  }
}

// @ts-ignore: decorator
@inline function headAddr(h: usize): usize { return h + C_HEADS + ((fl * SL_COUNT + sl) << 2); }

function insertFree(h: usize, b: usize): void {
  mapping(blockSize(b));
  const head = headAddr(h);
  const first = <usize>load<u32>(head);
  store<u32>(b + B_NEXT_FREE, <u32>first);
  store<u32>(b + B_PREV_FREE, 0);
  if (first) store<u32>(first + B_PREV_FREE, <u32>b);
  store<u32>(head, <u32>b);
  store<u32>(h + C_FLMAP, load<u32>(h + C_FLMAP) | (1 << fl));
  const slmap = h + C_SLMAPS + (fl << 2);
  store<u32>(slmap, load<u32>(slmap) | (1 << sl));
}

function removeFree(h: usize, b: usize): void {
  mapping(blockSize(b));
  const next = <usize>load<u32>(b + B_NEXT_FREE);
  const prev = <usize>load<u32>(b + B_PREV_FREE);
  if (next) store<u32>(next + B_PREV_FREE, <u32>prev);
  if (prev) {
    store<u32>(prev + B_NEXT_FREE, <u32>next);
  } else {
    store<u32>(headAddr(h), <u32>next);
    if (!next) {
      const slmap = h + C_SLMAPS + (fl << 2);
      const bits = load<u32>(slmap) & ~(1 << sl);
      store<u32>(slmap, bits);
      if (!bits) store<u32>(h + C_FLMAP, load<u32>(h + C_FLMAP) & ~(1 << fl));
    }
  }
}

/** A free block of at least `size` bytes, or 0; O(1). */
function findFree(h: usize, size: usize): usize {
  if (size >= SMALL) size += (<usize>1 << (31 - clz(<u32>size) - SL_LOG2)) - 1;  // round up to its class
  mapping(size);
  if (fl >= FL_COUNT) return 0;
  let slBits = load<u32>(h + C_SLMAPS + (fl << 2)) & (<u32>-1 << sl);
  if (!slBits) {
    const flBits = fl + 1 < 32 ? load<u32>(h + C_FLMAP) & (<u32>-1 << (fl + 1)) : 0;
    if (!flBits) return 0;
    fl = ctz(flBits);
    slBits = load<u32>(h + C_SLMAPS + (fl << 2));
  }
  sl = ctz(slBits);
  return load<u32>(headAddr(h));
}

/** Marks `b` free with `size`, links its successor back to it, files it. */
function makeFree(h: usize, b: usize, size: usize): void {
  store<u32>(b + B_SIZE, <u32>size | FREE);
  store<u32>(b + B_TAG, <u32>b ^ TAG_FREE);
  store<u32>(b + size + B_PREV, b);
  insertFree(h, b);
}

/** Splits `b` (not filed) to `need` bytes if the rest can be a block; files the rest, merged with a free successor. */
function trimTail(h: usize, b: usize, size: usize, need: usize): usize {
  let rest = size - need;
  const next = b + size;
  if (isFree(next)) {
    removeFree(h, next);
    rest += blockSize(next);
    store<u32>(stat(h, offsetof<HeapStats>("freeBlocks")), load<u32>(stat(h, offsetof<HeapStats>("freeBlocks"))) - 1);
  } else if (rest < MIN_BLOCK) {
    return size;
  }
  const r = b + need;
  store<u32>(r + B_PREV, b);
  makeFree(h, r, rest);
  store<u32>(stat(h, offsetof<HeapStats>("freeBlocks")), load<u32>(stat(h, offsetof<HeapStats>("freeBlocks"))) + 1);
  return need;
}

// @ts-ignore: decorator
@inline function lockOf(h: usize): SpinLock { return changetype<SpinLock>(h + C_LOCK); }

// @ts-ignore: decorator
@inline function blockNeed(request: usize): usize {
  return max<usize>((request + HEADER + CANARY_BYTES + 15) & ~15, MIN_BLOCK);
}

/**
 * Makes a heap in [start, end) and returns its handle (the address of its
 * control block). One core, before any other uses it.
 */
export function heapInit(start: usize, end: usize): usize {
  const h = (start + 15) & ~15;
  const first = h + CONTROL_BYTES;
  const sentinel = (end & ~15) - HEADER;
  if (end < start || sentinel < first + MIN_BLOCK) return 0;
  memory.fill(h, 0, CONTROL_BYTES);
  store<u32>(h + C_FIRST, first);
  store<u32>(h + C_SENTINEL, sentinel);
  store<u32>(first + B_PREV, 0);
  store<u32>(sentinel + B_SIZE, 0);
  store<u32>(sentinel + B_TAG, <u32>sentinel ^ TAG_USED);
  store<u32>(sentinel + B_REQ, 0);
  makeFree(h, first, sentinel - first);
  store<u32>(stat(h, offsetof<HeapStats>("free")), sentinel - first);
  store<u32>(stat(h, offsetof<HeapStats>("freeBlocks")), 1);
  return h;
}

/** `size` bytes, 16-byte aligned, not zeroed; 0 when the heap has no room. */
export function heapAlloc(h: usize, size: usize): usize {
  if (size > MAX_ALLOC) {
    lockOf(h).lock();
    bump(h, offsetof<HeapStats>("failures"), 1);
    lockOf(h).unlock();
    return 0;
  }
  const need = blockNeed(size);
  lockOf(h).lock();
  const b = allocLocked(h, need, size);
  lockOf(h).unlock();
  if (!b) return 0;
  if (CHECKS) store<u64>(b + HEADER + size, CANARY);
  return b + HEADER;
}

function allocLocked(h: usize, need: usize, size: usize): usize {
  const b = findFree(h, need);
  if (!b) {
    bump(h, offsetof<HeapStats>("failures"), 1);
    return 0;
  }
  removeFree(h, b);
  bump(h, offsetof<HeapStats>("freeBlocks"), -1);
  const total = blockSize(b);
  const kept = trimTail(h, b, total, need);
  store<u32>(b + B_SIZE, <u32>kept);
  store<u32>(b + B_TAG, <u32>b ^ TAG_USED);
  store<u32>(b + B_REQ, <u32>size);
  bump(h, offsetof<HeapStats>("free"), -<i32>kept);
  bump(h, offsetof<HeapStats>("blockBytes"), <i32>kept);
  bump(h, offsetof<HeapStats>("inUse"), <i32>size);
  bump(h, offsetof<HeapStats>("liveBlocks"), 1);
  bump(h, offsetof<HeapStats>("allocs"), 1);
  const inUse = load<u32>(stat(h, offsetof<HeapStats>("inUse")));
  if (inUse > load<u32>(stat(h, offsetof<HeapStats>("peak")))) store<u32>(stat(h, offsetof<HeapStats>("peak")), inUse);
  return b;
}

// @ts-ignore: decorator
@inline function bump(h: usize, field: usize, delta: i32): void {
  store<u32>(stat(h, field), load<u32>(stat(h, field)) + <u32>delta);
}

/** The block of a live allocation `ptr`; panics (after unlocking) if it is not one. Lock held. */
function liveBlock(h: usize, ptr: usize, op: string): usize {
  const first = <usize>load<u32>(h + C_FIRST);
  const sentinel = <usize>load<u32>(h + C_SENTINEL);
  if ((ptr & 15) != 0 || ptr < first + HEADER || ptr > sentinel) refuse(h, op, ptr, ": it was not allocated by this heap");
  const b = ptr - HEADER;
  const tag = load<u32>(b + B_TAG);
  if (tag == (<u32>b ^ TAG_FREE)) refuse(h, op, ptr, ": double free (the block is already free)");
  if (tag != (<u32>b ^ TAG_USED)) refuse(h, op, ptr, ": it was not allocated by this heap");
  const size = blockSize(b);
  const req = <usize>load<u32>(b + B_REQ);
  if (size < MIN_BLOCK || b + size > sentinel || <usize>load<u32>(b + size + B_PREV) != b || req + HEADER > size)
    refuse(h, op, ptr, ": heap corruption (its header or its neighbour's was overwritten)");
  if (CHECKS && load<u64>(ptr + req) != CANARY) {
    lockOf(h).unlock();
    msgBegin(); msgText("heap overflow: "); msgText(op); msgText(" of "); msgHex(<u32>ptr);
    msgText(": something wrote past the end of its "); msgDec(req); msgText(" bytes");
    msgPanic();
  }
  return b;
}

function refuse(h: usize, op: string, ptr: usize, why: string): void {
  lockOf(h).unlock();
  msgBegin(); msgText(op); msgText(" of "); msgHex(<u32>ptr); msgText(why);
  msgPanic();
}

/** Returns a block to the heap; 0 is ignored. Panics on a pointer it did not give out or a double free. */
export function heapFree(h: usize, ptr: usize): void {
  if (!ptr) return;
  lockOf(h).lock();
  freeLocked(h, liveBlock(h, ptr, "free"));
  lockOf(h).unlock();
}

function freeLocked(h: usize, b: usize): void {
  let size = blockSize(b);
  const req = load<u32>(b + B_REQ);
  bump(h, offsetof<HeapStats>("inUse"), -<i32>req);
  bump(h, offsetof<HeapStats>("blockBytes"), -<i32>size);
  bump(h, offsetof<HeapStats>("free"), <i32>size);
  bump(h, offsetof<HeapStats>("liveBlocks"), -1);
  bump(h, offsetof<HeapStats>("frees"), 1);
  // Tag it free first: if it is merged away below, a second free of it is
  // still caught as a double free.
  store<u32>(b + B_TAG, <u32>b ^ TAG_FREE);
  const prev = <usize>load<u32>(b + B_PREV);
  if (prev && isFree(prev)) {
    removeFree(h, prev);
    bump(h, offsetof<HeapStats>("freeBlocks"), -1);
    size += blockSize(prev);
    b = prev;
  }
  const next = b + size;
  if (isFree(next)) {
    removeFree(h, next);
    bump(h, offsetof<HeapStats>("freeBlocks"), -1);
    size += blockSize(next);
  }
  makeFree(h, b, size);
  bump(h, offsetof<HeapStats>("freeBlocks"), 1);
}

/**
 * Resizes an allocation, in place when it can (shrinking, or growing into a
 * free neighbour), else by moving it: the first min(old, new) bytes are
 * kept. realloc(0, n) is alloc(n); realloc(p, 0) frees p and returns 0.
 * Returns 0 when there is no room, and `ptr` is then still valid.
 */
export function heapRealloc(h: usize, ptr: usize, size: usize): usize {
  if (!ptr) return heapAlloc(h, size);
  if (!size) { heapFree(h, ptr); return 0; }
  lockOf(h).lock();
  const b = liveBlock(h, ptr, "realloc");
  const old = <usize>load<u32>(b + B_REQ);
  if (size > MAX_ALLOC) {
    bump(h, offsetof<HeapStats>("failures"), 1);
    lockOf(h).unlock();
    return 0;
  }
  const need = blockNeed(size);
  let have = blockSize(b);
  const next = b + have;
  if (need > have && isFree(next) && have + blockSize(next) >= need) {
    // Grow into the free successor.
    const grow = blockSize(next);
    removeFree(h, next);
    bump(h, offsetof<HeapStats>("freeBlocks"), -1);
    bump(h, offsetof<HeapStats>("free"), -<i32>grow);
    bump(h, offsetof<HeapStats>("blockBytes"), <i32>grow);
    have += grow;
    store<u32>(b + have + B_PREV, b);
    store<u32>(b + B_SIZE, <u32>have);
  }
  if (need <= have) {
    const kept = trimTail(h, b, have, need);
    bump(h, offsetof<HeapStats>("free"), <i32>(have - kept));
    bump(h, offsetof<HeapStats>("blockBytes"), -<i32>(have - kept));
    store<u32>(b + B_SIZE, <u32>kept);
    store<u32>(b + B_REQ, <u32>size);
    bump(h, offsetof<HeapStats>("inUse"), <i32>size - <i32>old);
    const inUse = load<u32>(stat(h, offsetof<HeapStats>("inUse")));
    if (inUse > load<u32>(stat(h, offsetof<HeapStats>("peak")))) store<u32>(stat(h, offsetof<HeapStats>("peak")), inUse);
    lockOf(h).unlock();
    if (CHECKS) store<u64>(ptr + size, CANARY);
    return ptr;
  }
  // Move: a new block, copy, free the old one, all under the lock.
  const nb = allocLocked(h, need, size);
  if (!nb) {
    lockOf(h).unlock();
    return 0;
  }
  memory.copy(nb + HEADER, ptr, min(old, size));
  freeLocked(h, b);
  lockOf(h).unlock();
  if (CHECKS) store<u64>(nb + HEADER + size, CANARY);
  return nb + HEADER;
}

/** `count * size` zeroed bytes, or 0 (also when the product overflows). */
export function heapCalloc(h: usize, count: usize, size: usize): usize {
  const total = <u64>count * <u64>size;
  if (total > <u64>MAX_ALLOC) return heapAlloc(h, MAX_ALLOC + 1);  // counted as a failure
  const p = heapAlloc(h, <usize>total);
  if (p) memory.fill(p, 0, <usize>total);
  return p;
}

/** The bytes the caller may use at `ptr` (what it asked for). */
export function heapSizeOf(h: usize, ptr: usize): usize {
  lockOf(h).lock();
  const b = liveBlock(h, ptr, "sizeOf");
  const n = <usize>load<u32>(b + B_REQ);
  lockOf(h).unlock();
  return n;
}

/** Copies the statistics into `out`, consistently (under the lock). */
export function heapStats(h: usize, out: HeapStats): HeapStats {
  lockOf(h).lock();
  memory.copy(changetype<usize>(out), h + C_STATS, offsetof<HeapStats>());
  lockOf(h).unlock();
  return out;
}

/**
 * Walks every block and checks the heap's invariants (links, tags, sizes,
 * free lists against the statistics); panics on the first broken one.
 * Returns the number of blocks. O(blocks): for tests and debugging.
 */
export function heapCheck(h: usize): u32 {
  lockOf(h).lock();
  const sentinel = <usize>load<u32>(h + C_SENTINEL);
  let b = <usize>load<u32>(h + C_FIRST);
  let prev: usize = 0;
  let count: u32 = 0, free: u32 = 0, freeBlocks: u32 = 0, used: u32 = 0, live: u32 = 0;
  let prevFree = false;
  while (b != sentinel) {
    const size = blockSize(b);
    const f = isFree(b);
    const tag = load<u32>(b + B_TAG);
    if (size < MIN_BLOCK || b + size > sentinel || <usize>load<u32>(b + B_PREV) != prev ||
        tag != (<u32>b ^ (f ? TAG_FREE : TAG_USED)) || (f && prevFree))
      refuse(h, "heapCheck", b + HEADER, ": heap corruption at this block");
    if (f) { free += <u32>size; freeBlocks++; } else { used += <u32>size; live++; }
    prevFree = f;
    prev = b;
    b += size;
    count++;
  }
  if (<usize>load<u32>(sentinel + B_PREV) != prev ||
      free != load<u32>(stat(h, offsetof<HeapStats>("free"))) ||
      freeBlocks != load<u32>(stat(h, offsetof<HeapStats>("freeBlocks"))) ||
      used != load<u32>(stat(h, offsetof<HeapStats>("blockBytes"))) ||
      live != load<u32>(stat(h, offsetof<HeapStats>("liveBlocks"))))
    refuse(h, "heapCheck", sentinel, ": the statistics disagree with the blocks");
  lockOf(h).unlock();
  return count;
}
