// The kernel heap: a TLSF allocator (two-level segregated fit; Masmano et
// al., "TLSF: a new dynamic memory allocator for real-time systems", 2004)
// shared by the four cores, with a small per-core cache of recently freed
// small blocks in front of it.
//
// Why this design. Every operation is O(1): a free block is found with two
// bit-scans over a two-level bitmap of size classes (FL: power of two, SL:
// 16 linear steps inside it), and a freed block merges with its physical
// neighbours at once. Fragmentation stays low (good fit, immediate
// coalescing), which matters in a kernel that runs for months. The TLSF
// structures sit behind one SpinLock. Under wasm3 each lock or unlock is a
// host call of about 170 instructions and TLSF itself a few hundred wasm
// instructions, so small blocks (up to 256 bytes with the header: the
// objects, strings and task states a kernel makes all the time) go through
// a per-core cache first: free() pushes the block on its core's list for
// that size (up to CACHE_DEPTH blocks), alloc() pops one, neither takes the
// lock. Any core may free any block (it lands in the freeing core's cache).
// A cached block keeps its own tag, so a double free is still caught, and
// flushCache() gives a core's cached blocks back to TLSF (alloc does it
// itself before it reports out of memory).
//
// Layout. A heap is a region of linear memory: a control block (lock,
// statistics, caches, bitmaps, free-list heads), then blocks, then a
// sentinel. Each block starts with a 16-byte header, so payloads are 16-byte
// aligned:
//
//   +0  prevPhys   address of the physically previous block (0 for the first)
//   +4  size       block size in bytes with the header, a multiple of 16;
//                  bit 0 set while the block is free in TLSF
//   +8  tag        address ^ TAG_USED, ^ TAG_FREE or ^ TAG_CACHED: tells a
//                  block we gave out from a double free and a foreign pointer
//   +12 requested  bytes the caller asked for (statistics, realloc, canary)
//   +16 payload    (free and cached blocks: the links of their list)
//
// Checks. free() and realloc() refuse, with a `panic:` line naming the
// address: a pointer outside the heap or not 16-byte aligned or without a
// live tag ("was not allocated by this heap"), a block already free or
// cached ("double free"), and a block whose header or neighbour link was
// overwritten ("heap corruption"). With assertions on (the default;
// `--noAssert` turns them off) each block also carries an 8-byte canary right
// after the requested bytes, checked on free and realloc ("heap overflow").
// Out of memory is not an error here: alloc returns 0.
import * as atomic from "../../arch/atomic";
import { coreId, MAX_CORES } from "../../arch/cpu";
import { SpinLock } from "../sync/spinlock";
import { msgBegin, msgText, msgHex, msgDec, msgPanic } from "../../arch/panic";

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
// @ts-ignore: decorator
@inline const TAG_CACHED: u32 = 0xca_c4ed_00;
/** Largest request alloc() accepts (bytes). */
export const MAX_ALLOC: usize = (1 << 29) - 1;

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
// The top bits of `requested` (a request is at most MAX_ALLOC, 1 << 30:
// bit 31 and bit 30 are never part of one below it) belong to the
// collector (kernel/mem/gc.ts): OBJECT, set by the runtime's __new, says the
// block holds an object (the collector frees only those); MARK is set while
// a collection has found it reachable. They sit in the heap's own header,
// which no object can overwrite through its fields.
/** `requested` bit: the block holds an object made by `new` (kernel/mem/runtime.ts). */
export const REQ_OBJECT: u32 = 0x8000_0000;
/** `requested` bit: reachable in the collection under way. */
export const REQ_MARK: u32 = 0x4000_0000;
/** `requested` bit: pinned (__pin): a root, never collected. */
export const REQ_PIN: u32 = 0x2000_0000;
// @ts-ignore: decorator
@inline const REQ_BYTES: u32 = 0x1fff_ffff;
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

/** Blocks of one size a core keeps in its cache (block sizes 32 to 256 bytes, 15 sizes). */
export const CACHE_DEPTH: u32 = 8;
// @ts-ignore: decorator
@inline const CACHE_MAX_BLOCK: usize = 256;
// @ts-ignore: decorator
@inline const CORES: usize = <usize>MAX_CORES;

/** Heap statistics (a snapshot: see heapStats). */
@unmanaged
export class HeapStats {
  /** Bytes asked for by the live allocations. */
  inUse: u32 = 0;
  /** Most bytes the heap had given out at once (blocks with their headers, cached ones included). */
  peak: u32 = 0;
  /** Bytes of the blocks given out, with headers, rounding, canaries; cached blocks included. */
  blockBytes: u32 = 0;
  /** Bytes in free blocks (the largest request that fits is smaller). */
  free: u32 = 0;
  /** Live allocations (allocs - frees). */
  liveBlocks: u32 = 0;
  /** Free blocks (1 when nothing is allocated or cached: everything merged back). */
  freeBlocks: u32 = 0;
  /** Successful allocations and frees since the start. */
  allocs: u32 = 0;
  frees: u32 = 0;
  /** Allocations refused for lack of memory. */
  failures: u32 = 0;
  /** Freed small blocks held in the cores' caches, and their bytes (see flushCache). */
  cachedBlocks: u32 = 0;
  cachedBytes: u32 = 0;
}

// Control block.
// @ts-ignore: decorator
@inline const C_LOCK: usize = 0;                 // SpinLock: 4 bytes
// @ts-ignore: decorator
@inline const C_FIRST: usize = 4;
// @ts-ignore: decorator
@inline const C_SENTINEL: usize = 8;
// @ts-ignore: decorator
@inline const C_FLMAP: usize = 12;
// Shared statistics, written under the lock.
// @ts-ignore: decorator
@inline const C_BLOCK_BYTES: usize = 16;
// @ts-ignore: decorator
@inline const C_FREE: usize = 20;
// @ts-ignore: decorator
@inline const C_FREE_BLOCKS: usize = 24;
// @ts-ignore: decorator
@inline const C_PEAK: usize = 28;
// @ts-ignore: decorator
@inline const C_FAILURES: usize = 32;
// The collector's cursor (kernel/mem/gc.ts): a block it walks the heap
// from, piece by piece, while the cores run between the pieces (0: none).
// A merge that swallows the block there moves it to the merged block.
// @ts-ignore: decorator
@inline const C_CURSOR: usize = 36;
// The free block the last piece of the sweep ended with (0: none): the next
// piece merges it with what it frees next to it, if it is still that block.
// @ts-ignore: decorator
@inline const C_RUN: usize = 40;
// Per-core statistics: each core writes only its own row (no lock).
// @ts-ignore: decorator
@inline const C_CORE_STATS: usize = 48;          // CORES rows of CORE_ROW bytes
// @ts-ignore: decorator
@inline const CORE_ROW: usize = 32;
// @ts-ignore: decorator
@inline const S_IN_USE: usize = 0;
// @ts-ignore: decorator
@inline const S_ALLOCS: usize = 4;
// @ts-ignore: decorator
@inline const S_FREES: usize = 8;
// @ts-ignore: decorator
@inline const S_CACHED: usize = 12;
// @ts-ignore: decorator
@inline const S_CACHED_BYTES: usize = 16;
// Per-core caches: CORES rows of 16 (head, count) pairs, one per block size
// from 32 to 256 bytes (15 used).
// @ts-ignore: decorator
@inline const C_CACHES: usize = C_CORE_STATS + CORES * CORE_ROW;
// @ts-ignore: decorator
@inline const CACHE_ROW: usize = 16 * 8;
// @ts-ignore: decorator
@inline const C_SLMAPS: usize = C_CACHES + CORES * CACHE_ROW;   // FL_COUNT words
// @ts-ignore: decorator
@inline const C_HEADS: usize = C_SLMAPS + FL_COUNT * 4;         // FL_COUNT * SL_COUNT words
/** Bytes the control block takes at the start of a heap region. */
export const CONTROL_BYTES: usize = (C_HEADS + FL_COUNT * SL_COUNT * 4 + 15) & ~15;

// Per-core scratch (@perCore: each core its own global): the size class of the last
// mapping, and this core's number.
// @ts-ignore: decorator
@perCore let fl: u32 = 0;
// @ts-ignore: decorator
@perCore let sl: u32 = 0;
// @ts-ignore: decorator
@perCore let core: i32 = -1;

// @ts-ignore: decorator
@inline function blockSize(b: usize): usize { return load<u32>(b + B_SIZE) & ~15; }
// @ts-ignore: decorator
@inline function isFree(b: usize): bool { return (load<u32>(b + B_SIZE) & FREE) != 0; }
// @ts-ignore: decorator
@inline function lockOf(h: usize): SpinLock { return changetype<SpinLock>(h + C_LOCK); }
// @ts-ignore: decorator
@inline function add(addr: usize, delta: i32): void { store<u32>(addr, load<u32>(addr) + <u32>delta); }

/** This core's row of statistics. */
// @ts-ignore: decorator
@inline function myStats(h: usize): usize {
  if (core < 0) core = <i32>(coreId() & (MAX_CORES - 1));
  return h + C_CORE_STATS + <usize>core * CORE_ROW;
}

/** This core's cache slot (head, count) for blocks of `size` bytes (32 to 256). */
// @ts-ignore: decorator
@inline function cacheSlot(h: usize, size: usize): usize {
  if (core < 0) core = <i32>(coreId() & (MAX_CORES - 1));
  return h + C_CACHES + <usize>core * CACHE_ROW + (((size >> 4) - 2) << 3);   // sizes 32..256: slots 0..14
}

// @ts-ignore: decorator
@inline function blockNeed(request: usize): usize {
  return max<usize>((request + HEADER + CANARY_BYTES + 15) & ~15, MIN_BLOCK);
}

// ---- TLSF proper (all under the lock) ---------------------------------------

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
    const flBits = load<u32>(h + C_FLMAP) & (<u32>-1 << (fl + 1));
    if (!flBits) return 0;
    fl = ctz(flBits);
    slBits = load<u32>(h + C_SLMAPS + (fl << 2));
  }
  sl = ctz(slBits);
  return <usize>load<u32>(headAddr(h));
}

/**
 * Block `gone` is now part of the free block `into` (a merge): the
 * collector's cursor, if it was there, moves with it (a free block is
 * nothing to walk or sweep), and so does the sweep's last free block.
 */
// @ts-ignore: decorator
@inline function absorbed(h: usize, gone: usize, into: usize): void {
  if (load<u32>(h + C_CURSOR) == <u32>gone) store<u32>(h + C_CURSOR, <u32>into);
  if (load<u32>(h + C_RUN) == <u32>gone) store<u32>(h + C_RUN, <u32>into);
}

/** Marks `b` free with `size`, links its successor back to it, files it. */
function makeFree(h: usize, b: usize, size: usize): void {
  store<u32>(b + B_SIZE, <u32>size | FREE);
  store<u32>(b + B_TAG, <u32>b ^ TAG_FREE);
  store<u32>(b + size + B_PREV, <u32>b);
  insertFree(h, b);
}

/** Splits `b` (not filed) to `need` bytes if the rest can be a block; files the rest, merged with a free successor. */
function trimTail(h: usize, b: usize, size: usize, need: usize): usize {
  let rest = size - need;
  const next = b + size;
  const r = b + need;
  if (isFree(next)) {
    removeFree(h, next);
    rest += blockSize(next);
    add(h + C_FREE_BLOCKS, -1);
    absorbed(h, next, r);
  } else if (rest < MIN_BLOCK) {
    return size;
  }
  store<u32>(r + B_PREV, <u32>b);
  makeFree(h, r, rest);
  add(h + C_FREE_BLOCKS, 1);
  return need;
}

/** Takes a block of `need` bytes out of TLSF (tagged used, not yet counted per core), or 0. */
function takeLocked(h: usize, need: usize): usize {
  const b = findFree(h, need);
  if (!b) return 0;
  removeFree(h, b);
  add(h + C_FREE_BLOCKS, -1);
  const kept = trimTail(h, b, blockSize(b), need);
  store<u32>(b + B_SIZE, <u32>kept);
  store<u32>(b + B_TAG, <u32>b ^ TAG_USED);
  add(h + C_FREE, -<i32>kept);
  const bytes = load<u32>(h + C_BLOCK_BYTES) + <u32>kept;
  store<u32>(h + C_BLOCK_BYTES, bytes);
  if (bytes > load<u32>(h + C_PEAK)) store<u32>(h + C_PEAK, bytes);
  return b;
}

/** Gives block `b` back to TLSF, merged with free neighbours; returns the free block it is now part of. */
function giveLocked(h: usize, b: usize): usize {
  let size = blockSize(b);
  add(h + C_BLOCK_BYTES, -<i32>size);
  add(h + C_FREE, <i32>size);
  // Tag it free first: if it is merged away below, a second free of it is
  // still caught as a double free.
  store<u32>(b + B_TAG, <u32>b ^ TAG_FREE);
  const prev = <usize>load<u32>(b + B_PREV);
  if (prev && isFree(prev)) {
    removeFree(h, prev);
    add(h + C_FREE_BLOCKS, -1);
    size += blockSize(prev);
    absorbed(h, b, prev);
    b = prev;
  }
  const next = b + size;
  if (isFree(next)) {
    removeFree(h, next);
    add(h + C_FREE_BLOCKS, -1);
    size += blockSize(next);
    absorbed(h, next, b);
  }
  makeFree(h, b, size);
  add(h + C_FREE_BLOCKS, 1);
  return b;
}

// ---- the per-core cache ------------------------------------------------------

/** Pops a cached block of exactly `need` bytes (this core's), or 0. No lock. */
// @ts-ignore: decorator
@inline function cachePop(h: usize, need: usize): usize {
  const slot = cacheSlot(h, need);
  const b = <usize>load<u32>(slot);
  if (!b) return 0;
  store<u32>(slot, load<u32>(b + B_NEXT_FREE));
  add(slot + 4, -1);
  const st = myStats(h);
  add(st + S_CACHED, -1);
  add(st + S_CACHED_BYTES, -<i32>need);
  return b;
}

/** Gives every block in this core's cache back to TLSF. */
export function heapFlushCache(h: usize): void {
  const st = myStats(h);
  if (!load<u32>(st + S_CACHED)) return;
  lockOf(h).lock();
  for (let size: usize = MIN_BLOCK; size <= CACHE_MAX_BLOCK; size += 16) {
    const slot = cacheSlot(h, size);
    let b = <usize>load<u32>(slot);
    while (b) {
      const next = <usize>load<u32>(b + B_NEXT_FREE);
      giveLocked(h, b);
      b = next;
    }
    store<u32>(slot, 0);
    store<u32>(slot + 4, 0);
  }
  store<u32>(st + S_CACHED, 0);
  store<u32>(st + S_CACHED_BYTES, 0);
  lockOf(h).unlock();
}

// ---- the API ---------------------------------------------------------------------

/**
 * Makes a heap in [start, end) and returns its handle (the address of its
 * control block), or 0 if the region is too small. One core, before any
 * other uses it.
 */
export function heapInit(start: usize, end: usize): usize {
  const h = (start + 15) & ~15;
  const first = h + CONTROL_BYTES;
  const sentinel = (end & ~15) - HEADER;
  if (end < start || sentinel < first + MIN_BLOCK) return 0;
  memory.fill(h, 0, CONTROL_BYTES);
  store<u32>(h + C_FIRST, <u32>first);
  store<u32>(h + C_SENTINEL, <u32>sentinel);
  store<u32>(first + B_PREV, 0);
  store<u32>(sentinel + B_SIZE, 0);
  store<u32>(sentinel + B_TAG, <u32>sentinel ^ TAG_USED);
  store<u32>(sentinel + B_REQ, 0);
  makeFree(h, first, sentinel - first);
  store<u32>(h + C_FREE, <u32>(sentinel - first));
  store<u32>(h + C_FREE_BLOCKS, 1);
  return h;
}

/** `size` bytes, 16-byte aligned, not zeroed; 0 when the heap has no room. */
export function heapAlloc(h: usize, size: usize): usize {
  let b: usize = 0;
  if (size <= MAX_ALLOC) {
    const need = blockNeed(size);
    if (need <= CACHE_MAX_BLOCK) b = cachePop(h, need);
    if (!b) {
      lockOf(h).lock();
      b = takeLocked(h, need);
      lockOf(h).unlock();
      if (!b && load<u32>(myStats(h) + S_CACHED)) {
        heapFlushCache(h);                 // our cache may hold what it takes
        lockOf(h).lock();
        b = takeLocked(h, need);
        lockOf(h).unlock();
      }
    }
  }
  if (!b) {
    lockOf(h).lock();
    add(h + C_FAILURES, 1);
    lockOf(h).unlock();
    return 0;
  }
  store<u32>(b + B_TAG, <u32>b ^ TAG_USED);
  store<u32>(b + B_REQ, <u32>size);
  const st = myStats(h);
  add(st + S_IN_USE, <i32>size);
  add(st + S_ALLOCS, 1);
  if (CHECKS) store<u64>(b + HEADER + size, CANARY);
  return b + HEADER;
}

/**
 * The block of a live allocation `ptr`, checked; panics if it is not one.
 * `locked`: the caller holds the lock (it is released before the panic).
 */
function liveBlock(h: usize, ptr: usize, op: string, locked: bool): usize {
  const first = <usize>load<u32>(h + C_FIRST);
  const sentinel = <usize>load<u32>(h + C_SENTINEL);
  if ((ptr & 15) != 0 || ptr < first + HEADER || ptr > sentinel) refuse(h, op, ptr, ": it was not allocated by this heap", locked);
  const b = ptr - HEADER;
  const tag = load<u32>(b + B_TAG);
  if (tag == (<u32>b ^ TAG_FREE) || tag == (<u32>b ^ TAG_CACHED)) refuse(h, op, ptr, ": double free (the block is already free)", locked);
  if (tag != (<u32>b ^ TAG_USED)) refuse(h, op, ptr, ": it was not allocated by this heap", locked);
  const size = blockSize(b);
  const req = <usize>(load<u32>(b + B_REQ) & REQ_BYTES);
  if (size < MIN_BLOCK || b + size > sentinel || <usize>load<u32>(b + size + B_PREV) != b || req + HEADER > size)
    refuse(h, op, ptr, ": heap corruption (its header or its neighbour's was overwritten)", locked);
  if (CHECKS && load<u64>(ptr + req) != CANARY) {
    if (locked) lockOf(h).unlock();
    msgBegin(); msgText("heap overflow: "); msgText(op); msgText(" of "); msgHex(<u32>ptr);
    msgText(": something wrote past the end of its "); msgDec(req); msgText(" bytes");
    msgPanic();
  }
  return b;
}

function refuse(h: usize, op: string, ptr: usize, why: string, locked: bool): void {
  if (locked) lockOf(h).unlock();
  msgBegin(); msgText(op); msgText(" of "); msgHex(<u32>ptr); msgText(why);
  msgPanic();
}

/** Returns a block to the heap; 0 is ignored. Panics on a pointer it did not give out or a double free. */
export function heapFree(h: usize, ptr: usize): void {
  if (!ptr) return;
  const b = liveBlock(h, ptr, "free", false);
  const size = blockSize(b);
  const st = myStats(h);
  const slot = size <= CACHE_MAX_BLOCK ? cacheSlot(h, size) : 0;
  if (slot && load<u32>(slot + 4) < CACHE_DEPTH) {
    // Claim the block atomically: of two cores freeing it at once, one
    // wins and the other sees the cached tag (a double free).
    if (atomic.casUnchecked32(b + B_TAG, <u32>b ^ TAG_USED, <u32>b ^ TAG_CACHED) != (<u32>b ^ TAG_USED))
      refuse(h, "free", ptr, ": double free (the block is already free)", false);
    add(st + S_IN_USE, -<i32>(load<u32>(b + B_REQ) & REQ_BYTES));
    add(st + S_FREES, 1);
    store<u32>(b + B_NEXT_FREE, load<u32>(slot));
    store<u32>(slot, <u32>b);
    add(slot + 4, 1);
    add(st + S_CACHED, 1);
    add(st + S_CACHED_BYTES, <i32>size);
    return;
  }
  lockOf(h).lock();
  liveBlock(h, ptr, "free", true);          // again, under the lock: no other core freed it meanwhile
  add(st + S_IN_USE, -<i32>(load<u32>(b + B_REQ) & REQ_BYTES));
  add(st + S_FREES, 1);
  giveLocked(h, b);
  lockOf(h).unlock();
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
  const b = liveBlock(h, ptr, "realloc", true);
  const flags = load<u32>(b + B_REQ) & ~REQ_BYTES;   // an object stays one when it grows or moves
  const old = <usize>(load<u32>(b + B_REQ) & REQ_BYTES);
  if (size > MAX_ALLOC) {
    add(h + C_FAILURES, 1);
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
    // A live block grows over the collector's cursor: the cursor goes past
    // it (the walk saw it, and the sweep must not take a block behind its
    // cursor, unmarked, for a dead one).
    if (load<u32>(h + C_CURSOR) == <u32>next) store<u32>(h + C_CURSOR, <u32>(next + grow));
    if (load<u32>(h + C_RUN) == <u32>next) store<u32>(h + C_RUN, 0);
    add(h + C_FREE_BLOCKS, -1);
    add(h + C_FREE, -<i32>grow);
    add(h + C_BLOCK_BYTES, <i32>grow);
    have += grow;
    store<u32>(b + have + B_PREV, <u32>b);
    store<u32>(b + B_SIZE, <u32>have);
  }
  const st = myStats(h);
  if (need <= have) {
    const kept = trimTail(h, b, have, need);
    add(h + C_FREE, <i32>(have - kept));
    const bytes = load<u32>(h + C_BLOCK_BYTES) - <u32>(have - kept);
    store<u32>(h + C_BLOCK_BYTES, bytes);
    if (bytes > load<u32>(h + C_PEAK)) store<u32>(h + C_PEAK, bytes);
    store<u32>(b + B_SIZE, <u32>kept);
    store<u32>(b + B_REQ, <u32>size | flags);
    add(st + S_IN_USE, <i32>size - <i32>old);
    lockOf(h).unlock();
    if (CHECKS) store<u64>(ptr + size, CANARY);
    return ptr;
  }
  // Move: a new block, copy, free the old one, all under the lock.
  const nb = takeLocked(h, need);
  if (!nb) {
    add(h + C_FAILURES, 1);
    lockOf(h).unlock();
    return 0;
  }
  store<u32>(nb + B_REQ, <u32>size | flags);
  memory.copy(nb + HEADER, ptr, min(old, size));
  giveLocked(h, b);
  add(st + S_IN_USE, <i32>size - <i32>old);
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
  const b = liveBlock(h, ptr, "sizeOf", false);
  return <usize>(load<u32>(b + B_REQ) & REQ_BYTES);
}

/**
 * Copies the statistics into `out`. The shared part is read under the lock;
 * the per-core part (inUse, allocs, frees, cached) is each core's own
 * counters added up, exact when the other cores are not allocating.
 */
export function heapStats(h: usize, out: HeapStats): HeapStats {
  lockOf(h).lock();
  readStats(h, out);
  lockOf(h).unlock();
  return out;
}

/**
 * The statistics without the lock, for a reader that is not a core (the
 * simulator's page, kernel/mem/figures.ts): each word as some core last
 * stored it, so the sums may mix two moments.
 */
export function heapPeek(h: usize, out: HeapStats): HeapStats { readStats(h, out); return out; }

function readStats(h: usize, out: HeapStats): void {
  let inUse: u32 = 0, allocs: u32 = 0, frees: u32 = 0, cached: u32 = 0, cachedBytes: u32 = 0;
  for (let c: usize = 0; c < CORES; c++) {
    const row = h + C_CORE_STATS + c * CORE_ROW;
    inUse += load<u32>(row + S_IN_USE);
    allocs += load<u32>(row + S_ALLOCS);
    frees += load<u32>(row + S_FREES);
    cached += load<u32>(row + S_CACHED);
    cachedBytes += load<u32>(row + S_CACHED_BYTES);
  }
  out.inUse = inUse;
  out.peak = load<u32>(h + C_PEAK);
  out.blockBytes = load<u32>(h + C_BLOCK_BYTES);
  out.free = load<u32>(h + C_FREE);
  out.liveBlocks = allocs - frees;
  out.freeBlocks = load<u32>(h + C_FREE_BLOCKS);
  out.allocs = allocs;
  out.frees = frees;
  out.failures = load<u32>(h + C_FAILURES);
  out.cachedBlocks = cached;
  out.cachedBytes = cachedBytes;
}

/**
 * Walks every block and checks the heap's invariants (links, tags, sizes,
 * the statistics); panics on the first broken one. Returns the number of
 * blocks. O(blocks): for tests and debugging, with the other cores quiet.
 */
export function heapCheck(h: usize): u32 {
  lockOf(h).lock();
  const sentinel = <usize>load<u32>(h + C_SENTINEL);
  let b = <usize>load<u32>(h + C_FIRST);
  let prev: usize = 0;
  let count: u32 = 0, free: u32 = 0, freeBlocks: u32 = 0, used: u32 = 0, taken: u32 = 0, cached: u32 = 0;
  let prevFree: bool = false;
  while (b != sentinel) {
    const size = blockSize(b);
    const f = isFree(b);
    const tag = load<u32>(b + B_TAG);
    const tagOk = f ? tag == (<u32>b ^ TAG_FREE) : (tag == (<u32>b ^ TAG_USED) || tag == (<u32>b ^ TAG_CACHED));
    if (size < MIN_BLOCK || b + size > sentinel || <usize>load<u32>(b + B_PREV) != prev || !tagOk || (f && prevFree))
      refuse(h, "heapCheck", b + HEADER, ": heap corruption at this block", true);
    if (f) { free += <u32>size; freeBlocks++; } else { used += <u32>size; taken++; }
    if (tag == (<u32>b ^ TAG_CACHED)) cached++;
    prevFree = f;
    prev = b;
    b += size;
    count++;
  }
  let live: u32 = 0, cachedCount: u32 = 0;
  for (let c: usize = 0; c < CORES; c++) {
    const row = h + C_CORE_STATS + c * CORE_ROW;
    live += load<u32>(row + S_ALLOCS) - load<u32>(row + S_FREES);
    cachedCount += load<u32>(row + S_CACHED);
  }
  if (<usize>load<u32>(sentinel + B_PREV) != prev ||
      free != load<u32>(h + C_FREE) ||
      freeBlocks != load<u32>(h + C_FREE_BLOCKS) ||
      used != load<u32>(h + C_BLOCK_BYTES) ||
      taken != live + cachedCount || cached != cachedCount)
    refuse(h, "heapCheck", sentinel, ": the statistics disagree with the blocks", true);
  lockOf(h).unlock();
  return count;
}

// ---- for the collector (kernel/mem/gc.ts) -----------------------------------------------
// A block's flags are the top bits of its `requested` word (REQ_OBJECT,
// REQ_MARK, REQ_PIN). The walks below run while every other core is stopped
// at a safe point (or, in the specs, on the only core).

/** Marks the live allocation `ptr` as holding an object (the runtime's __new; realloc keeps it). */
export function heapSetObject(ptr: usize): void {
  const b = ptr - HEADER;
  store<u32>(b + B_REQ, load<u32>(b + B_REQ) | REQ_OBJECT);
}

/**
 * The block of `ptr` if `ptr` is the payload of a live object block of this
 * heap, else 0: in bounds, 16-byte aligned, a live tag (which holds the
 * block's own address, so a stale or made-up pointer does not pass) and
 * REQ_OBJECT. O(1), no lock.
 */
// @ts-ignore: decorator
@inline export function heapObjectBlock(h: usize, ptr: usize): usize {
  if (ptr & 15) return 0;
  if (ptr < <usize>load<u32>(h + C_FIRST) + HEADER || ptr >= <usize>load<u32>(h + C_SENTINEL)) return 0;
  const b = ptr - HEADER;
  if (load<u32>(b + B_TAG) != (<u32>b ^ TAG_USED)) return 0;
  return (load<u32>(b + B_REQ) & REQ_OBJECT) ? b : 0;
}

/** The collector's flags of block `b` (REQ_OBJECT | REQ_MARK | REQ_PIN). */
// @ts-ignore: decorator
@inline export function blockFlags(b: usize): u32 { return load<u32>(b + B_REQ) & ~REQ_BYTES; }
/** Sets `flags` on block `b`. */
// @ts-ignore: decorator
@inline export function blockSetFlags(b: usize, flags: u32): void { store<u32>(b + B_REQ, load<u32>(b + B_REQ) | flags); }
/** Clears `flags` on block `b`. */
// @ts-ignore: decorator
@inline export function blockClearFlags(b: usize, flags: u32): void { store<u32>(b + B_REQ, load<u32>(b + B_REQ) & ~flags); }
/** The payload of block `b`. */
// @ts-ignore: decorator
@inline export function blockPayload(b: usize): usize { return b + HEADER; }

/** The first object block of the heap at or after block `b` (0: from the first block), or 0 at the end. */
export function heapNextObject(h: usize, b: usize): usize {
  const sentinel = <usize>load<u32>(h + C_SENTINEL);
  b = b ? b + blockSize(b) : <usize>load<u32>(h + C_FIRST);
  while (b < sentinel) {
    if (load<u32>(b + B_TAG) == (<u32>b ^ TAG_USED) && (load<u32>(b + B_REQ) & REQ_OBJECT)) return b;
    b += blockSize(b);
  }
  return 0;
}

/** What heapSweepSome found (bytes are the requested ones, with the 16-byte object header). */
@unmanaged
export class SweepResult {
  liveObjects: u32 = 0;
  liveBytes: u32 = 0;
  freedObjects: u32 = 0;
  freedBytes: u32 = 0;
  /** The blocks the live objects take (headers and rounding included): the rest of heapBlockBytes is raw. */
  liveBlockBytes: u32 = 0;
}

/** Puts the collector's cursor at the first block (a walk or a sweep in pieces starts). */
export function heapCursorStart(h: usize): void {
  store<u32>(h + C_CURSOR, load<u32>(h + C_FIRST));
  store<u32>(h + C_RUN, 0);
}

/** The collector's cursor: a block address, 0 when no walk is under way. */
// @ts-ignore: decorator
@inline export function heapCursor(h: usize): usize { return <usize>load<u32>(h + C_CURSOR); }

/**
 * A piece of a walk over the heap's object blocks from the cursor: calls
 * `visit(block)` for each, at most `maxBlocks` blocks (of any kind) on.
 * True when the walk reached the end (the cursor is then 0). No lock: the
 * collector calls it while no other core runs, and `visit` may allocate.
 */
export function heapWalkSome(h: usize, visit: (b: usize) => void, maxBlocks: u32): bool {
  const sentinel = <usize>load<u32>(h + C_SENTINEL);
  let b = <usize>load<u32>(h + C_CURSOR);
  if (!b) return true;
  for (let n: u32 = 0; n < maxBlocks && b < sentinel; n++) {
    if (load<u32>(b + B_TAG) == (<u32>b ^ TAG_USED) && (load<u32>(b + B_REQ) & REQ_OBJECT)) {
      store<u32>(h + C_CURSOR, <u32>b);        // an allocation in visit() may merge what follows: b stays a block
      visit(b);
    }
    b += blockSize(b);
  }
  if (b >= sentinel) { store<u32>(h + C_CURSOR, 0); return true; }
  store<u32>(h + C_CURSOR, <u32>b);
  return false;
}

/**
 * A piece of the sweep: from the cursor, at most `maxBlocks` blocks on,
 * every object block without REQ_MARK or REQ_PIN goes back to the heap
 * (after `onFree(payload)` for one a scope lists), and the marks of the
 * others are cleared; dead objects next to each other and to free blocks
 * become one free block. Raw allocations (alloc(), the stub's and the
 * library's buffers) are never touched. Adds what it found to `out`, under
 * the lock. True when it reached the end (the cursor is then 0). Between two pieces the cores
 * allocate and free: a merge that swallows the cursor's block moves the
 * cursor (absorbed), and the free block a piece ended with is merged by the
 * next piece only if it is still that free block, just before the cursor.
 */
export function heapSweepSome(h: usize, onFree: (payload: usize) => void, out: SweepResult, maxBlocks: u32): bool {
  let live: u32 = 0, liveBytes: u32 = 0, freed: u32 = 0, freedBytes: u32 = 0;
  let freedBlockBytes: u32 = 0, liveBlockBytes: u32 = 0, removed: u32 = 0, made: u32 = 0;
  const st = myStats(h);
  lockOf(h).lock();
  const sentinel = <usize>load<u32>(h + C_SENTINEL);
  let b = <usize>load<u32>(h + C_CURSOR);
  if (!b) { lockOf(h).unlock(); return true; }
  let run: usize = 0;
  const last = <usize>load<u32>(h + C_RUN);
  if (last && isFree(last) && last + blockSize(last) == b) {
    removeFree(h, last);                        // the last piece's free block: merged with what follows
    removed++;
    run = last;
  }
  for (let n: u32 = 0; n < maxBlocks && b < sentinel; n++) {
    const size = blockSize(b);
    const req = load<u32>(b + B_REQ);
    let dead = false;
    if (isFree(b)) {
      removeFree(h, b);
      removed++;
      dead = true;
    } else if ((req & REQ_OBJECT) && load<u32>(b + B_TAG) == (<u32>b ^ TAG_USED)) {
      if (req & (REQ_MARK | REQ_PIN)) {
        store<u32>(b + B_REQ, req & ~REQ_MARK);
        live++;
        liveBytes += req & REQ_BYTES;
        liveBlockBytes += <u32>size;
      } else {
        if (load<u32>(b + HEADER + 4)) onFree(b + HEADER);   // gcInfo2 set: a scope lists it
        store<u32>(b + B_TAG, <u32>b ^ TAG_FREE);            // a later free() of it is a double free
        freed++;
        freedBytes += req & REQ_BYTES;
        freedBlockBytes += <u32>size;
        dead = true;
      }
    }
    if (dead) {
      if (!run) run = b;
    } else if (run) {
      makeFree(h, run, b - run);
      made++;
      run = 0;
    }
    b += size;
  }
  store<u32>(h + C_RUN, 0);
  if (run) {
    makeFree(h, run, b - run);
    made++;
    if (b < sentinel) store<u32>(h + C_RUN, <u32>run);
  }
  store<u32>(h + C_CURSOR, b < sentinel ? <u32>b : 0);
  add(h + C_FREE_BLOCKS, <i32>made - <i32>removed);
  add(h + C_BLOCK_BYTES, -<i32>freedBlockBytes);
  add(h + C_FREE, <i32>freedBlockBytes);
  add(st + S_IN_USE, -<i32>freedBytes);
  add(st + S_FREES, <i32>freed);
  lockOf(h).unlock();
  out.liveObjects += live;
  out.liveBytes += liveBytes;
  out.freedObjects += freed;
  out.freedBytes += freedBytes;
  out.liveBlockBytes += liveBlockBytes;
  return b >= sentinel;
}

/** Bytes of the heap's blocks given out (headers included), read without the lock: the collector's trigger. */
export function heapBlockBytes(h: usize): u32 { return load<u32>(h + C_BLOCK_BYTES); }
/** Bytes of the heap region (blocks and free space, not the control block). */
export function heapCapacity(h: usize): u32 { return load<u32>(h + C_SENTINEL) - load<u32>(h + C_FIRST); }
