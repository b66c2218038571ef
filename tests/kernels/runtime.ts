// Test kernel: the AssemblyScript runtime on the shared heap. Every core
// makes arrays, strings, a Map and objects of its own class with `new`;
// cores 1-3 each hand one object to core 0 through shared memory, and core
// 0 reads it and disposes it (freed by a core that did not allocate it).
// Everything is disposed, or made inside a scope that ends; the heap's live
// blocks return to where they were.
import { boot } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import * as heap from "../../assembly/kernel/mem/heap";
import { HeapStats } from "../../assembly/kernel/mem/heap";
import { dispose, disposeAll, enterScope, exitScope, keep } from "../../assembly/kernel/mem/lifetime";
import { LOG_ENTRIES } from "../../assembly/kernel/mem/scope";
import { coreId, waitForEvent } from "../../assembly/arch/cpu";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";
import { barrier } from "./lib/barrier";
import { AtomicRef } from "../../assembly/kernel/sync";

class Parcel {
  constructor(public from: u32, public values: Array<i32>, public label: string) {}
  dispose(): void {
    dispose(this.values);
    dispose(this.label);
  }
}

// One slot per core 1-3: the address of the Parcel it made for core 0.
// One cell per core: the parcel it made (a reference the collector sees).
const SLOTS: AtomicRef<Parcel>[] = [new AtomicRef<Parcel>(), new AtomicRef<Parcel>(), new AtomicRef<Parcel>(), new AtomicRef<Parcel>()];
const BAD = memory.data(4, 4);
const BEFORE = changetype<HeapStats>(memory.data(64, 16));
const AFTER = changetype<HeapStats>(memory.data(64, 16));

function fail(what: string): void {
  print("core "); printU64(coreId()); print(": "); println(what);
  atomic.add32(BAD, 1);
}

function exercise(core: u32): void {
  const scope = enterScope();   // frees the string temporaries below
  const a = new Array<i32>(10);
  for (let i = 0; i < 10; i++) a[i] = i * <i32>core;
  for (let i = 0; i < 1000; i++) a.push(i);          // grows: __renew
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  if (a.length != 1010 || sum != 45 * <i32>core + 499500) fail("array contents");
  dispose(a);

  const words = new Array<string>();
  for (let i = 0; i < 20; i++) words.push("core " + core.toString() + " word " + i.toString());
  if (words[19] != "core " + core.toString() + " word 19") fail("string contents");
  disposeAll(words);

  const m = new Map<u32, string>();
  for (let i: u32 = 0; i < 50; i++) m.set(i, "v");
  if (m.size != 50 || !m.has(49)) fail("map contents");
  dispose(m);

  const bytes = new Uint8Array(300);
  bytes[299] = 7;
  if (bytes[299] != 7) fail("typed array");
  dispose(bytes);
  exitScope(scope);
  overlappingCopies(core);
}

// memory.copy over itself, both ways (the stub's memmove: 16 bytes at a
// time, in the direction that reads each byte before it is overwritten),
// against a byte at a time: every length to 70 at every shift to 20.
function overlappingCopies(core: u32): void {
  const n = 128;
  const buf = heap.alloc(n), want = heap.alloc(n);
  for (let len = 1; len <= 70; len++) for (let shift = -20; shift <= 20; shift++) {
    if (shift == 0) continue;
    for (let i = 0; i < n; i++) { store<u8>(buf + i, <u8>(i * 7 + core)); store<u8>(want + i, <u8>(i * 7 + core)); }
    const from = 30, to = 30 + shift;
    memory.copy(buf + to, buf + from, len);
    if (shift > 0) for (let i = len - 1; i >= 0; i--) store<u8>(want + to + i, load<u8>(want + from + i));
    else for (let i = 0; i < len; i++) store<u8>(want + to + i, load<u8>(want + from + i));
    if (memory.compare(buf, want, n) != 0) { fail("memory.copy of " + len.toString() + " bytes over itself, shifted " + shift.toString()); heap.free(buf); heap.free(want); return; }
  }
  heap.free(buf);
  heap.free(want);
}

function makeParcel(core: u32): void {
  const scope = enterScope();
  const values = new Array<i32>();
  for (let i = 0; i < 100; i++) values.push(<i32>core * 1000 + i);
  const p = keep(new Parcel(core, values, "from core " + core.toString()));
  exitScope(scope);             // frees the temporaries, not the parcel
  SLOTS[core].set(p);
}

function takeParcels(): void {
  const scope = enterScope();
  for (let core: u32 = 1; core < 4; core++) {
    const p = SLOTS[core].get()!;
    if (p.from != core || p.values.length != 100 || p.values[99] != <i32>core * 1000 + 99 ||
        p.label != "from core " + core.toString()) fail("parcel from another core");
    SLOTS[core].set(null);
    dispose(p);
  }
  exitScope(scope);
}

function main(): void {
  heap.stats(BEFORE);
  barrier();
  exercise(0);
  barrier();                                  // cores 1-3 have made their parcels
  takeParcels();
  heap.stats(AFTER);
  heap.check();
  print("runtime: live blocks "); printU64(BEFORE.liveBlocks); print(" before, ");
  printU64(AFTER.liveBlocks); print(" after (4 are the cores' scope logs); "); printU64(AFTER.allocs - BEFORE.allocs); println(" allocations");
  // Each core keeps its scope log (one block) for good.
  const leaked = AFTER.liveBlocks != BEFORE.liveBlocks + 4 || AFTER.inUse != BEFORE.inUse + 4 * (LOG_ENTRIES << 2);
  if (leaked) fail("blocks leaked");
  println(atomic.load32(BAD) == 0 ? "runtime test: ok" : "runtime test: FAILED");
  exit(atomic.load32(BAD) == 0 ? 0 : 1);
}

function worker(core: u32): void {
  barrier();
  exercise(core);
  makeParcel(core);
  barrier();
  while (true) waitForEvent();
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
