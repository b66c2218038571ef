// The kernel heap (assembly/kernel/mem/tlsf.ts), compiled to wasm from the
// real sources (tests/harness/alloc.ts) and driven from node: unit cases,
// the panics for misuse, and a randomized run checked against a model kept
// here in TypeScript (alignment, no overlap, contents, statistics).
import { MAX_CORES } from "../../tools/abi/spec.js";
import { describe, it, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fakeAtomics } from "../../tools/testing/fake-atomics.js";

interface Harness {
  memory: WebAssembly.Memory;
  heapBase(): number;
  memoryEnd(): number;
  init(start: number, end: number): number;
  alloc(h: number, size: number): number;
  free(h: number, ptr: number): void;
  realloc(h: number, ptr: number, size: number): number;
  calloc(h: number, n: number, size: number): number;
  sizeOf(h: number, ptr: number): number;
  check(h: number): number;
  flushCache(h: number): void;
  stats(h: number): number;
  globalAlloc(size: number): number;
  globalFree(ptr: number): void;
  globalHeap(): number;
  collectorBlocks(): void;
}

interface Stats {
  inUse: number; peak: number; blockBytes: number; free: number;
  liveBlocks: number; freeBlocks: number; allocs: number; frees: number; failures: number;
  cachedBlocks: number; cachedBytes: number;
}

class Panic extends Error {}

const wasm = readFileSync("build/tests/harness/alloc.wasm");

/** The allocator module, as seen from core `core` (its per-core statistics and cache row). */
async function load(core = 0): Promise<Harness> {
  let memory: WebAssembly.Memory | undefined;
  const str = (ptr: number, units: number) => String.fromCharCode(...new Uint16Array(memory!.buffer, ptr, units));
  const imports = {
    // Loads and stores are not recorded; a wait would be forever (one core), so it throws.
    atomic: fakeAtomics(() => memory!),
    cpu: { id: () => core },
    sys: {
      panic: (msg: number, msgUnits: number, file: number, fileUnits: number, line: number, col: number) => {
        const where = fileUnits ? ` at ${str(file, fileUnits)}:${line}:${col}` : "";
        throw new Panic(`panic: ${str(msg, msgUnits)}${where}`);
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(wasm, imports);
  const h = instance.exports as unknown as Harness & { _initialize(): void };
  memory = h.memory;
  h._initialize();
  return h;
}

function stats(w: Harness, h: number): Stats {
  const s = new Uint32Array(w.memory.buffer, w.stats(h), 11);
  return {
    inUse: s[0], peak: s[1], blockBytes: s[2], free: s[3], liveBlocks: s[4], freeBlocks: s[5],
    allocs: s[6], frees: s[7], failures: s[8], cachedBlocks: s[9], cachedBytes: s[10],
  };
}

const hex = (n: number) => "0x" + n.toString(16).padStart(8, "0");

let w: Harness;
let heap: number;
const REGION = 1 << 20;

beforeEach(async () => {
  w = await load();
  const start = w.heapBase();
  heap = w.init(start, start + REGION);
  assert.notEqual(heap, 0);
});

describe("heap allocator: basics", () => {
  it("gives 16-byte aligned, distinct blocks of the size asked, and takes them back", () => {
    const start = stats(w, heap);
    const sizes = [1, 15, 16, 17, 64, 100, 255, 256, 1000, 4096, 65536];
    // Block size: header (16) + request + canary (8), rounded up to 16; blocks of 256 bytes or less are cached.
    const small = sizes.filter((n) => Math.max((n + 16 + 8 + 15) & ~15, 32) <= 256).length;
    const ptrs = sizes.map((n) => {
      const p = w.alloc(heap, n);
      assert.notEqual(p, 0);
      assert.equal(p % 16, 0, `${n} bytes at ${hex(p)}`);
      assert.equal(w.sizeOf(heap, p), n);
      return [p, n] as const;
    });
    const sorted = [...ptrs].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1][0] + sorted[i - 1][1] <= sorted[i][0], "blocks overlap");
    const mid = stats(w, heap);
    assert.equal(mid.liveBlocks, ptrs.length);
    assert.equal(mid.inUse, ptrs.reduce((a, [, n]) => a + n, 0));
    for (const [p] of ptrs) w.free(heap, p);
    const freed = stats(w, heap);
    assert.equal(freed.liveBlocks, 0);
    assert.equal(freed.inUse, 0);
    assert.equal(freed.cachedBlocks, small, "the small blocks wait in this core's cache");
    w.check(heap);
    w.flushCache(heap);
    const end = stats(w, heap);
    assert.deepEqual({ ...end, allocs: 0, frees: 0, peak: 0 }, { ...start, allocs: 0, frees: 0, peak: 0 });
    assert.equal(end.freeBlocks, 1, "every freed block merged back into one");
    assert.equal(end.allocs, ptrs.length);
    assert.equal(end.frees, ptrs.length);
    assert.equal(end.peak, mid.blockBytes);
    w.check(heap);
  });

  it("merges a freed block with both neighbours, so the space is usable as one block again", () => {
    const a = w.alloc(heap, 1000), b = w.alloc(heap, 1000), c = w.alloc(heap, 1000), guard = w.alloc(heap, 16);
    w.free(heap, a);
    w.free(heap, c);
    w.free(heap, b);                           // merges with a and c
    assert.equal(stats(w, heap).freeBlocks, 2, "a+b+c in one block, and the tail after guard");
    const big = w.alloc(heap, 3000);
    assert.equal(big, a, "3000 bytes fit where a, b and c were");
    w.free(heap, big);
    w.free(heap, guard);                       // a small block: cached, not merged yet
    assert.equal(stats(w, heap).freeBlocks, 2);
    w.flushCache(heap);
    assert.equal(stats(w, heap).freeBlocks, 1);
    w.check(heap);
  });

  it("realloc grows in place into a free neighbour, shrinks in place, and moves with the contents when it must", () => {
    const mem = () => new Uint8Array(w.memory.buffer);
    const a = w.alloc(heap, 100), b = w.alloc(heap, 100);
    for (let i = 0; i < 100; i++) mem()[a + i] = i;
    w.free(heap, b);
    w.flushCache(heap);                        // b was cached; now it is a free neighbour
    const grown = w.realloc(heap, a, 180);
    assert.equal(grown, a, "grew in place into b's space");
    assert.equal(w.sizeOf(heap, grown), 180);
    const shrunk = w.realloc(heap, grown, 20);
    assert.equal(shrunk, a, "shrinks in place");
    const blocker = w.alloc(heap, 16);         // right after a: a cannot grow in place now
    const moved = w.realloc(heap, shrunk, 5000);
    assert.notEqual(moved, a);
    for (let i = 0; i < 20; i++) assert.equal(mem()[moved + i], i, `byte ${i} kept`);
    assert.equal(w.realloc(heap, 0, 32) % 16, 0, "realloc(0, n) allocates");
    assert.equal(w.realloc(heap, moved, 0), 0, "realloc(p, 0) frees p");
    w.free(heap, blocker);
    w.check(heap);
  });

  it("calloc zeroes, and refuses a count * size that overflows", () => {
    const mem = () => new Uint8Array(w.memory.buffer);
    const dirty = w.alloc(heap, 512);
    mem().fill(0xff, dirty, dirty + 512);
    w.free(heap, dirty);
    const p = w.calloc(heap, 64, 8);
    assert.equal(p, dirty, "reuses the dirty block");
    assert.ok(mem().subarray(p, p + 512).every((x) => x === 0));
    const before = stats(w, heap).failures;
    assert.equal(w.calloc(heap, 0x10000, 0x10001), 0);
    assert.equal(stats(w, heap).failures, before + 1);
  });

  it("out of memory returns 0, counts a failure and leaves the heap usable", () => {
    const p = w.alloc(heap, REGION);           // more than the region holds
    assert.equal(p, 0);
    assert.equal(w.alloc(heap, 0x7fffffff), 0);
    const s = stats(w, heap);
    assert.equal(s.failures, 2);
    assert.equal(s.liveBlocks, 0);
    const ok = w.alloc(heap, REGION / 2);
    assert.notEqual(ok, 0);
    const q = w.realloc(heap, ok, REGION);     // cannot grow: ok stays valid
    assert.equal(q, 0);
    assert.equal(w.sizeOf(heap, ok), REGION / 2);
    w.free(heap, ok);
    w.check(heap);
  });

  it("the kernel's global heap covers the memory above the static data, and holds the collector's blocks from the start", () => {
    const g = w.globalHeap();
    // The heap knows nothing of the collector (kernel/mem/ has no import cycle): boot() makes the
    // collector's mark stack, statics' bitmap and one barrier log per core (kernel/mem/gc.ts, gcInit), once.
    const blocks = 2 + MAX_CORES;
    assert.equal(stats(w, g).liveBlocks, 0);
    w.collectorBlocks();
    w.collectorBlocks();
    assert.equal(stats(w, g).liveBlocks, blocks);
    const p = w.globalAlloc(100);
    assert.ok(g >= w.heapBase() && p > g && p < w.memoryEnd());
    assert.equal(stats(w, g).liveBlocks, blocks + 1);
    w.globalFree(p);
    assert.equal(stats(w, g).liveBlocks, blocks);
  });
});

describe("heap allocator: misuse ends in a panic naming the address", () => {
  it("double free, of a small (cached) block and of a large one", () => {
    for (const size of [48, 4000]) {
      const p = w.alloc(heap, size);
      w.free(heap, p);
      assert.throws(() => w.free(heap, p), new Panic(`panic: free of ${hex(p)}: double free (the block is already free)`));
    }
  });

  it("a cached block is handed out again, exactly once", () => {
    const p = w.alloc(heap, 40);
    w.free(heap, p);
    const q = w.alloc(heap, 40);
    assert.equal(q, p, "the cache gives back the block just freed");
    assert.notEqual(w.alloc(heap, 40), q);
    assert.equal(stats(w, heap).cachedBlocks, 0);
  });

  it("double free of a block that was merged into its neighbour", () => {
    const a = w.alloc(heap, 1000), b = w.alloc(heap, 1000);
    w.free(heap, a);
    w.free(heap, b);                           // b merges into a
    assert.throws(() => w.free(heap, b), { message: /^panic: free of 0x[0-9a-f]{8}: double free/ });
  });

  it("a pointer it never gave out: outside the heap, misaligned, or inside a block", () => {
    const p = w.alloc(heap, 256);
    for (const bad of [8, p + 8, p + 64, w.heapBase() + REGION + 4096]) {
      assert.throws(() => w.free(heap, bad), new Panic(`panic: free of ${hex(bad)}: it was not allocated by this heap`));
    }
    assert.throws(() => w.realloc(heap, p + 32, 10), new Panic(`panic: realloc of ${hex(p + 32)}: it was not allocated by this heap`));
    w.free(heap, p);                           // the lock was released by each panic
    w.check(heap);
  });

  it("a write past the end of a block (the canary)", () => {
    const p = w.alloc(heap, 20);
    new Uint8Array(w.memory.buffer)[p + 20] = 0x41;
    assert.throws(() => w.free(heap, p), new Panic(`panic: heap overflow: free of ${hex(p)}: something wrote past the end of its 20 bytes`));
  });

  it("an overwritten block header", () => {
    const p = w.alloc(heap, 64);
    w.alloc(heap, 64);
    new Uint32Array(w.memory.buffer)[(p - 16 + 4) / 4] = 0x1000;  // its size
    assert.throws(() => w.free(heap, p), { message: /^panic: free of 0x[0-9a-f]{8}: heap corruption/ });
  });
});

// A small deterministic PRNG (xorshift32), so a failure can be replayed.
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

describe("heap allocator: randomized", () => {
  for (const core of [0, 3]) it(`100,000 mixed alloc/realloc/free on core ${core}: aligned, disjoint, contents kept, stats back to the start`, async () => {
    w = await load(core);
    const start = w.heapBase();
    const region = 8 << 20;
    heap = w.init(start, start + region);
    const mem = () => new Uint8Array(w.memory.buffer);
    const begin = stats(w, heap);
    const rand = rng(0x5eed);
    interface Live { ptr: number; size: number; tag: number }
    const live: Live[] = [];
    const sizeOf = () => {
      const r = rand(100);
      return r < 70 ? 1 + rand(128) : r < 95 ? 1 + rand(4096) : 1 + rand(65536);
    };
    const fill = (b: Live) => { const m = mem(); for (let i = 0; i < b.size; i++) m[b.ptr + i] = (b.tag + i * 31) & 0xff; };
    const verify = (b: Live, n: number, why: string) => {
      const m = mem();
      for (let i = 0; i < n; i++) {
        if (m[b.ptr + i] !== ((b.tag + i * 31) & 0xff)) assert.fail(`${why}: block ${hex(b.ptr)} (${b.size} bytes) changed at byte ${i}`);
      }
    };
    // Live blocks sorted by address, to check for overlap on every insert.
    const byAddr: Live[] = [];
    const place = (b: Live) => {
      let lo = 0, hi = byAddr.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (byAddr[mid].ptr < b.ptr) lo = mid + 1; else hi = mid; }
      const prev = byAddr[lo - 1], next = byAddr[lo];
      if (prev && prev.ptr + prev.size > b.ptr) assert.fail(`${hex(b.ptr)} overlaps ${hex(prev.ptr)}+${prev.size}`);
      if (next && b.ptr + b.size > next.ptr) assert.fail(`${hex(b.ptr)}+${b.size} overlaps ${hex(next.ptr)}`);
      byAddr.splice(lo, 0, b);
    };
    const unplace = (b: Live) => byAddr.splice(byAddr.indexOf(b), 1);

    let ops = 0, reallocs = 0, failures = 0, tag = 1;
    for (; ops < 100_000; ops++) {
      const r = rand(100);
      if (live.length === 0 || (r < 45 && live.length < 2000)) {
        const b = { ptr: 0, size: sizeOf(), tag: tag++ };
        b.ptr = w.alloc(heap, b.size);
        if (!b.ptr) { failures++; continue; }
        assert.equal(b.ptr % 16, 0);
        place(b); fill(b); live.push(b);
      } else if (r < 75) {
        const i = rand(live.length), b = live[i];
        verify(b, b.size, "before free");
        w.free(heap, b.ptr);
        unplace(b);
        live[i] = live[live.length - 1]; live.pop();
      } else {
        const b = live[rand(live.length)];
        const size = sizeOf();
        const p = w.realloc(heap, b.ptr, size);
        if (!p) { failures++; verify(b, b.size, "after a failed realloc"); continue; }
        assert.equal(p % 16, 0);
        unplace(b);
        const kept = Math.min(b.size, size);
        b.ptr = p;
        verify(b, kept, "after realloc");
        b.size = size;
        place(b); fill(b);
        reallocs++;
      }
      if (ops % 5000 === 0) {
        w.check(heap);
        const s = stats(w, heap);
        assert.equal(s.liveBlocks, live.length);
        assert.equal(s.inUse, live.reduce((a, b) => a + b.size, 0));
      }
    }
    assert.ok(reallocs > 20_000, `only ${reallocs} reallocs`);
    assert.ok(failures < ops / 100, `${failures} allocations failed: the region is too small for the test`);
    for (const b of live) { verify(b, b.size, "at the end"); w.free(heap, b.ptr); }
    w.check(heap);
    w.flushCache(heap);
    w.check(heap);
    const end = stats(w, heap);
    for (const k of ["inUse", "blockBytes", "free", "liveBlocks", "freeBlocks"] as const) assert.equal(end[k], begin[k], k);
    assert.equal(end.allocs - end.frees, 0);
  });
});
