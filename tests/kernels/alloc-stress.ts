// Test kernel: all four cores allocate and free at once from the shared
// heap. Each core does 50,000 random operations (alloc of 1 B to 4 KiB,
// realloc, free) on up to 64 live blocks, fills every block with a pattern
// of its own and checks it before it frees or moves it. One in eight frees
// goes through a shared "mailbox": the block is swapped with whatever
// another core left there, so blocks are freed by cores that did not
// allocate them. At the end everything is freed and each core flushes its
// cache of small blocks; core 0 compares the heap statistics with the start
// and walks the heap (check()).
import { boot } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import * as heap from "../../assembly/kernel/mem/heap";
import { HeapStats } from "../../assembly/kernel/mem/heap";
import { dispose } from "../../assembly/kernel/mem/lifetime";
import { coreId, waitForEvent } from "../../assembly/arch/cpu";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";
import { barrier, Random } from "./lib/barrier";

const OPS: u32 = 50_000;
const SLOTS: u32 = 64;
// Per core: SLOTS x (pointer, size, seed); shared memory, indexed by core.
const TABLE = memory.data(4 * 64 * 12, 16);
// Blocks in transit between cores: (pointer, size, seed), swapped whole.
const MAILBOX = memory.data(16, 16);
const MAILBOX_LOCK = memory.data(4, 4);
const BAD = memory.data(4, 4);
const DONE_OPS = memory.data(4, 4);
// Snapshots of the heap statistics, in static memory so that taking them
// allocates nothing.
const BEFORE = changetype<HeapStats>(memory.data(64, 16));
const AFTER = changetype<HeapStats>(memory.data(64, 16));

function slot(core: u32, i: u32): usize { return TABLE + <usize>(core * SLOTS + i) * 12; }

// The pattern: the word at offset i (a multiple of 4) holds
// seed * 0x01000193 + i; a last partial word is written byte by byte, the
// same bytes as the whole word would have had.
function word(seed: u32, i: u32): u32 { return seed * 0x01000193 + i; }
function byteAt(seed: u32, i: u32): u8 { return <u8>(word(seed, i & ~3) >> ((i & 3) << 3)); }

function fill(p: usize, size: u32, seed: u32): void {
  let i: u32 = 0;
  for (; i + 4 <= size; i += 4) store<u32>(p + i, word(seed, i));
  for (; i < size; i++) store<u8>(p + i, byteAt(seed, i));
}

function changed(p: usize, at: u32): void {
  print("core "); printU64(coreId()); print(": block at "); printU64(p, 16);
  print(" changed at byte "); printU64(at); println("");
  atomic.add32(BAD, 1);
}

function verify(p: usize, size: u32, seed: u32): void {
  let i: u32 = 0;
  for (; i + 4 <= size; i += 4) if (load<u32>(p + i) != word(seed, i)) { changed(p, i); return; }
  for (; i < size; i++) if (load<u8>(p + i) != byteAt(seed, i)) { changed(p, i); return; }
}

function release(p: usize, size: u32, seed: u32): void {
  verify(p, size, seed);
  heap.free(p);
}

/** Frees through the mailbox: leave this block, free the one found there. */
function freeViaMailbox(p: usize, size: u32, seed: u32): void {
  while (atomic.xchg32(MAILBOX_LOCK, 1) != 0) waitForEvent();
  const q = <usize>load<u32>(MAILBOX), qs = load<u32>(MAILBOX, 4), qseed = load<u32>(MAILBOX, 8);
  store<u32>(MAILBOX, <u32>p); store<u32>(MAILBOX, size, 4); store<u32>(MAILBOX, seed, 8);
  atomic.store32(MAILBOX_LOCK, 0);
  if (q) release(q, qs, qseed);
}

function work(core: u32): void {
  const rnd = new Random(0x9e3779b9 * (core + 1));
  for (let op: u32 = 0; op < OPS; op++) {
    const s = slot(core, rnd.next(SLOTS));
    const p = <usize>load<u32>(s), size = load<u32>(s, 4), seed = load<u32>(s, 8);
    const r = rnd.next(100);
    const want = rnd.next(8) == 0 ? 1 + rnd.next(4096) : 1 + rnd.next(256);
    if (!p) {
      const q = heap.alloc(want);
      if (!q) { println("out of memory"); atomic.add32(BAD, 1); continue; }
      const nseed = rnd.next(256);
      fill(q, want, nseed);
      store<u32>(s, <u32>q); store<u32>(s, want, 4); store<u32>(s, nseed, 8);
    } else if (r < 30) {
      const q = heap.realloc(p, want);
      if (!q) { println("out of memory"); atomic.add32(BAD, 1); continue; }
      verify(q, min(size, want), seed);
      fill(q, want, seed);
      store<u32>(s, <u32>q); store<u32>(s, want, 4);
    } else {
      if (r < 40) freeViaMailbox(p, size, seed);
      else release(p, size, seed);
      store<u32>(s, 0);
    }
  }
  for (let i: u32 = 0; i < SLOTS; i++) {
    const s = slot(core, i);
    const p = <usize>load<u32>(s);
    if (p) release(p, load<u32>(s, 4), load<u32>(s, 8));
    store<u32>(s, 0);
  }
  dispose(rnd);
  heap.flushCache();            // this core's cached small blocks go back to the shared heap
  atomic.add32(DONE_OPS, OPS);
}

function same(name: string, a: u32, b: u32): bool {
  if (a == b) return true;
  print("heap stats differ: "); print(name); print(" was "); printU64(a); print(", now "); printU64(b); println("");
  return false;
}

function main(): void {
  const before = heap.stats(BEFORE);
  barrier();
  work(0);
  barrier();
  const q = <usize>load<u32>(MAILBOX);
  if (q) release(q, load<u32>(MAILBOX, 4), load<u32>(MAILBOX, 8));
  heap.flushCache();            // that block went into core 0's cache
  const after = heap.stats(AFTER);
  heap.check();
  let ok: bool = atomic.load32(BAD) == 0;
  ok = same("bytes in use", before.inUse, after.inUse) && ok;
  ok = same("block bytes", before.blockBytes, after.blockBytes) && ok;
  ok = same("free bytes", before.free, after.free) && ok;
  ok = same("live blocks", before.liveBlocks, after.liveBlocks) && ok;
  ok = same("free blocks", before.freeBlocks, after.freeBlocks) && ok;
  ok = same("cached blocks", 0, after.cachedBlocks) && ok;
  print("alloc stress: "); printU64(atomic.load32(DONE_OPS)); print(" operations on 4 cores, ");
  printU64(after.allocs - before.allocs); print(" allocations, peak "); printU64(after.peak);
  println(ok ? " bytes: heap back to its start" : " bytes: FAILED");
  exit(ok ? 0 : 1);
}

function worker(core: u32): void {
  barrier();
  work(core);
  barrier();
  while (true) waitForEvent();
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
