// The collector (kernel/mem/gc.ts) on the fake host, one core: what it keeps and
// what it frees. Each test pins what the test framework itself has on the
// heap (pinAll), builds its objects, holds some only as plain addresses (a
// usize is not a reference: the collector does not see it) and some from
// roots, collects (collectNow: no other core runs here, and the test's own
// locals that matter are addresses), then reads what is still alive before
// it makes anything new (an expect() allocates, and could take a freed
// block). unpinAll() at the end.
import { collectNow, collectStep, isLiveObject, isMarked, pinAll, unpinAll, pin, unpin, gcStats, GcStats, setMarkStackLimit } from "../../assembly/kernel/mem/gc";
import { dispose, enterScope, exitScope } from "../../assembly/kernel/mem/lifetime";
import { check, stats as heapStats, HeapStats, alloc, free, MAX_ALLOC } from "../../assembly/kernel/mem/heap";
import {
  Task, Context, spawnOn, runOnce, Sleep, Channel, ChannelRecv, Notify, Notified, Future,
} from "../../assembly/kernel/exec";
import { AtomicRef } from "../../assembly/kernel/sync";
import { reset, traceAtomics } from "../../assembly/testing";

class Node {
  next: Node | null = null;
  other: Node | null = null;
  label: string = "";
  constructor(public n: i32) {}
}

// Roots: module variables (the collector reads them through __visit_globals).
let rootNode: Node | null = null;
let rootArray: Array<Node> | null = null;
let rootMap: Map<u32, Node> | null = null;
let rootString: string | null = null;
const rootCell = new AtomicRef<Node>();
// Array literals of constants at module level: asc lays these out in static memory, not on the heap.
const staticNames: string[] = ["a", "b"];
const staticFixed: StaticArray<string> = ["c", "d"];

function addr<T>(obj: T): usize { return changetype<usize>(obj); }

function start(): void {
  reset(1);
  traceAtomics(0);
  rootNode = null; rootArray = null; rootMap = null; rootString = null;
  pinAll();
}
function finish(): void {
  rootNode = null; rootArray = null; rootMap = null; rootString = null;
  collectNow();
  unpinAll();
  check();
}

const STATS = new GcStats();
const HEAP_BEFORE = changetype<HeapStats>(memory.data(64, 16));
const HEAP_AFTER = changetype<HeapStats>(memory.data(64, 16));

/** Waits forever (until cancelled): a task that is not done is a root. */
class Holder extends Task {
  constructor(public held: Node, public future: Future) { super(); }
  poll(cx: Context): bool { this.future.poll(cx); return false; }
}

/** A future that is never ready. */
class Never extends Future {
  protected pollOnce(cx: Context): bool { return false; }
}

describe("the collector", () => {
  it("frees an object nobody refers to, and keeps one a module variable holds", () => {
    start();
    const lost = addr(new Node(1));
    rootNode = new Node(2);
    const kept = addr(rootNode);
    collectNow();
    const lostAlive = isLiveObject(lost), keptAlive = isLiveObject(kept);
    expect(lostAlive).toBe(false);
    expect(keptAlive).toBe(true);
    finish();
  });

  it("a wide array is traced without a rescan: the mark stack grows, and shrinks back after", () => {
    start();
    const wide = new Array<Node>();
    for (let i = 0; i < 20_000; i++) wide.push(new Node(i));
    const last = addr(wide[19_999]);
    rootArray = wide;
    collectNow();                    // the first frees what building the array left
    gcStats(STATS);
    const before = STATS.overflows;
    heapStats(HEAP_BEFORE);
    collectNow();
    heapStats(HEAP_AFTER);
    gcStats(STATS);
    const overflows = STATS.overflows - before;
    const alive = isLiveObject(last);
    const sameInUse = HEAP_AFTER.inUse == HEAP_BEFORE.inUse;
    expect(alive).toBe(true);
    expect(overflows).toBe(0, "no overflow: the stack grew to hold 20,000 entries");
    expect(sameInUse).toBe(true, "the grown stack was given back");
    rootArray = null;
    finish();
  });

  it("traces what a static array literal holds now (asc puts the literal in static memory)", () => {
    start();
    expect(isLiveObject(changetype<usize>(staticNames))).toBe(false);   // not a heap object: never freed
    staticNames[0] = "x" + (7).toString();
    staticFixed[1] = "y" + (8).toString();
    staticNames.push("z" + (9).toString());                      // the array grows: its buffer moves to the heap
    const a = addr(staticNames[0]), b = addr(staticFixed[1]), c = addr(staticNames[2]);
    const buffer = load<usize>(changetype<usize>(staticNames));      // Array's first field: its buffer
    collectNow();
    const aAlive = isLiveObject(a), bAlive = isLiveObject(b), cAlive = isLiveObject(c), bufferAlive = isLiveObject(buffer);
    expect(aAlive).toBe(true, "a string a static Array holds");
    expect(bAlive).toBe(true, "a string a static StaticArray holds");
    expect(cAlive).toBe(true, "a string pushed");
    expect(bufferAlive).toBe(true, "the grown buffer");
    const text = staticNames[0] == "x7" && staticFixed[1] == "y8";
    expect(text).toBe(true, "the strings read back");
    staticNames[0] = "a"; staticFixed[1] = "d"; staticNames.pop();
    collectNow();
    const aGone = !isLiveObject(a), bGone = !isLiveObject(b);
    expect(aGone).toBe(true, "replaced: freed");
    expect(bGone).toBe(true, "replaced: freed (static)");
    finish();
  });

  it("follows fields, array elements, map values and strings", () => {
    start();
    const a = new Node(1);
    const b = new Node(2);
    const c = new Node(3);
    a.next = b;                      // a field
    b.label = "node " + (2).toString();    // a string made at run time
    const arr = new Array<Node>();
    arr.push(c);                     // an element (and the array's buffer)
    const m = new Map<u32, Node>();
    const d = new Node(4);
    m.set(7, d);                     // a map value (and the map's tables)
    rootNode = a; rootArray = arr; rootMap = m;
    const ids: usize[] = [addr(a), addr(b), addr(b.label), addr(c), addr(arr), load<usize>(addr(arr)), addr(m), addr(d)];
    const raw = new StaticArray<usize>(8);
    for (let i = 0; i < 8; i++) raw[i] = ids[i];
    pin(raw);
    collectNow();
    let alive = 0;
    for (let i = 0; i < 8; i++) if (isLiveObject(raw[i])) alive++;
    const label = b.label;
    expect(alive).toBe(8);
    expect(label).toBe("node 2");
    expect(m.get(7).n).toBe(4);
    unpin(raw);
    finish();
  });

  it("frees a cycle nobody refers to, and a long chain once its head is dropped", () => {
    start();
    const x = new Node(1), y = new Node(2);
    x.next = y; y.next = x;
    const xa = addr(x), ya = addr(y);
    // A long chain, an array wider than the mark stack (held to 2,048
    // entries here: an array is traced 64 elements at a time, so it fits),
    // and a map as wide (its values are pushed at once): the overflow
    // rescan must find all of it.
    setMarkStackLimit(2048);
    let head = new Node(0);
    const first = addr(head);
    for (let i = 1; i < 10_000; i++) { const n = new Node(i); n.next = head; head = n; }
    rootNode = head;
    const wide = new Array<Node>();
    for (let i = 0; i < 5_000; i++) wide.push(new Node(i));
    const last = addr(wide[4_999]);
    rootArray = wide;
    const map = new Map<u32, Node>();
    for (let i: u32 = 0; i < 5_000; i++) map.set(i, new Node(<i32>i));
    const lastInMap = addr(map.get(4_999));
    rootMap = map;
    collectNow();
    const cycleAlive = isLiveObject(xa) || isLiveObject(ya);
    const tailAlive = isLiveObject(first) && isLiveObject(last) && isLiveObject(lastInMap);
    gcStats(STATS);
    const overflows = STATS.overflows;
    expect(cycleAlive).toBe(false);
    expect(tailAlive).toBe(true);
    expect(overflows).toBeGreaterThan(0);
    setMarkStackLimit(0);
    rootNode = null; rootArray = null; rootMap = null;
    collectNow();
    const tailAfter = isLiveObject(first) || isLiveObject(last) || isLiveObject(lastInMap);
    gcStats(STATS);
    const freed = STATS.freedObjects;
    expect(tailAfter).toBe(false);
    expect(freed).toBeGreaterThanOrEqual(20_000);
    finish();
  });

  it("keeps a task that is not done and what it holds (its future, a sleep in the timer list)", () => {
    start();
    const held = new Node(5);
    const t = new Holder(held, new Never());
    const ta = addr(t), ha = addr(held), fa = addr(t.future);
    spawnOn(0, t);                   // queued: only the run queue (an address list) has it
    collectNow();
    const taskAlive = isLiveObject(ta), heldAlive = isLiveObject(ha), futureAlive = isLiveObject(fa);
    expect(taskAlive).toBe(true);
    expect(heldAlive).toBe(true);
    expect(futureAlive).toBe(true);
    runOnce();                       // polled once: now waiting, in no queue
    collectNow();
    const waitingAlive = isLiveObject(ta) && isLiveObject(ha);
    expect(waitingAlive).toBe(true);
    changetype<Task>(ta).cancel();
    runOnce();                       // finished unpolled: done, detached, disposed by the executor
    collectNow();
    const gone = isLiveObject(ta) || isLiveObject(ha);
    expect(gone).toBe(false);
    finish();
  });

  it("keeps a sleep registered in a timer list, and a waiter queued in a channel, while their task waits", () => {
    start();
    const ch = new Channel<Node>(1);
    rootNode = null;
    const sleepTask = new Holder(new Node(1), new Sleep(1_000_000_000));
    const recvTask = new Holder(new Node(2), ch.recv());
    const sa = addr(sleepTask.future), ra = addr(recvTask.future), ca = addr(ch);
    spawnOn(0, sleepTask);
    spawnOn(0, recvTask);
    runOnce(); runOnce();            // both wait: the sleep in core 0's list, the receiver in the channel's queue
    collectNow();
    const alive = isLiveObject(sa) && isLiveObject(ra) && isLiveObject(ca);
    expect(alive).toBe(true);
    // A value sent through the channel lives while the channel holds it.
    const sent = new Node(42);
    const na = addr(sent);
    ch.trySend(sent);
    collectNow();
    const sentAlive = isLiveObject(na);
    expect(sentAlive).toBe(true);
    sleepTask.cancel(); recvTask.cancel();
    runOnce(); runOnce();
    finish();
  });

  it("mixes with dispose(): a disposed object is not freed again, a dangling field is ignored", () => {
    start();
    const a = new Node(1);
    const b = new Node(2);
    a.next = b;
    rootNode = a;
    dispose(b);                      // early free: a.next now dangles
    const c = addr(new Node(3));
    dispose(changetype<Node>(c));
    collectNow();                    // neither frees b or c twice (that would panic) nor marks through them
    const aAlive = isLiveObject(addr(a));
    expect(aAlive).toBe(true);
    finish();
  });

  it("frees an unreachable object made in an open scope, and exitScope then leaves it alone", () => {
    start();
    const mark = enterScope();
    const s = addr(new Node(1));
    const kept = new Node(2);
    rootNode = kept;
    collectNow();
    const sAlive = isLiveObject(s);
    exitScope(mark);                 // frees kept (scoped) but not s twice
    expect(sAlive).toBe(false);
    rootNode = null;
    finish();
  });

  it("keeps what an AtomicRef holds (the way to hand an object between cores), and frees it once swapped out", () => {
    start();
    const first = new Node(1);
    const fa = addr(first);
    rootCell.set(first);
    collectNow();
    const kept = isLiveObject(fa);
    const second = new Node(2);
    const sa = addr(second);
    const swapped = rootCell.cas(first, second);     // first -> second
    const casWrong = rootCell.cas(first, null);      // no longer first: unchanged
    collectNow();
    const firstAfter = isLiveObject(fa), secondAfter = isLiveObject(sa);
    const got = rootCell.get();
    const gotIsSecond = got !== null && addr(got) == sa;
    expect(kept).toBe(true);
    expect(swapped).toBe(true);
    expect(casWrong).toBe(false);
    expect(firstAfter).toBe(false);
    expect(secondAfter).toBe(true);
    expect(gotIsSecond).toBe(true);
    rootCell.set(null);
    finish();
  });

  it("keeps pinned objects until they are unpinned", () => {
    start();
    const p = new Node(1);
    const pa = addr(p);
    pin(p);
    collectNow();
    const pinned = isLiveObject(pa);
    unpin(p);
    collectNow();
    const unpinned = isLiveObject(pa);
    expect(pinned).toBe(true);
    expect(unpinned).toBe(false);
    finish();
  });

  it("does not count raw blocks as objects: with most of the heap held raw, a quarter of what is left is allocated before the next collection", () => {
    start();
    heapStats(HEAP_BEFORE);
    // Raw blocks (alloc(): no collection frees them) until about a tenth of the heap is left.
    const raw = new StaticArray<usize>(64);
    let n = 0;
    const keep = HEAP_BEFORE.free / 10;
    while (n < raw.length) {
      heapStats(HEAP_AFTER);
      if (HEAP_AFTER.free <= keep + 4096) break;
      let want = <usize>(HEAP_AFTER.free - keep);
      if (want > MAX_ALLOC) want = MAX_ALLOC;
      const p = alloc(want);
      if (!p) break;
      raw[n++] = p;
    }
    collectNow();                       // the threshold is set after each collection
    gcStats(STATS);
    heapStats(HEAP_AFTER);
    const room = <i64>STATS.threshold - <i64>HEAP_AFTER.blockBytes, left = <i64>HEAP_AFTER.free;
    for (let i = 0; i < n; i++) free(raw[i]);
    // Counted as objects, the raw blocks put the threshold at seven eighths of the
    // heap, below what they hold: every allocation's check asked for a collection.
    expect(left).toBeLessThan(<i64>HEAP_BEFORE.free / 8);
    expect(room).toBeGreaterThanOrEqual(left / 4 - left / 64);   // (free space and the blocks' capacity differ by a few headers)
    expect(room).toBeLessThanOrEqual(left);
    finish();
  });

  it("counts what it keeps and frees", () => {
    start();
    for (let i = 0; i < 100; i++) new Node(i);
    collectNow();
    gcStats(STATS);
    const freed = STATS.freedObjects, runs = STATS.collections;
    expect(freed).toBeGreaterThanOrEqual(100);
    expect(runs).toBeGreaterThan(0);
    finish();
  });
});

// Issue 25, point 6: a collection in increments, the program running
// between two (collectStep: a budget of units of work, an object traced is
// one). What the program does between increments must not lose an object.
/** Steps the collection under way (or a new one) by `units` until the object at `ref` is marked; the steps it took (-1: it ended first). */
function stepUntilMarked(units: u32, ref: usize): i32 {
  let n = 0;
  while (!isMarked(ref)) { if (collectStep(units)) return -1; n++; }
  return n;
}

describe("the collector in increments", () => {

  it("the barrier: an object moved from one not traced yet into one traced already is kept, and so is one made meanwhile", () => {
    start();
    // An array of 1,000 is traced 64 elements at a time: once element 64 is
    // marked, the first 64 have been traced (the stack empties before the
    // next piece) and element 999 is not marked yet.
    const arr = new Array<Node>();
    for (let i = 0; i < 1_000; i++) arr.push(new Node(i));
    arr[999].other = new Node(-1);
    const movedAddr = addr(arr[999].other);
    rootArray = arr;
    const firstAddr = addr(arr[0]), e64 = addr(arr[64]), e999 = addr(arr[999]);
    const steps = stepUntilMarked(1, e64);
    const whiteThen = !isMarked(e999) && !isMarked(movedAddr) && isMarked(firstAddr);
    // The program runs: the child moves into a traced object, a new one too.
    arr[0].other = arr[999].other;
    arr[999].other = null;
    arr[1].other = new Node(-2);
    const madeAddr = addr(arr[1].other);
    while (!collectStep(1)) {}
    const movedKept = isLiveObject(movedAddr), madeKept = isLiveObject(madeAddr);
    gcStats(STATS);
    const increments = STATS.increments;
    expect(steps).toBeGreaterThan(0);
    expect(whiteThen).toBe(true);
    expect(movedKept).toBe(true);
    expect(madeKept).toBe(true);
    expect(increments).toBeGreaterThan(100);
    finish();
  });

  it("a task made while marking is a root from birth, and a module variable set meanwhile is seen at the remark", () => {
    start();
    const n = new Node(7);
    const na = addr(n);
    rootNode = new Node(0);
    collectStep(1);                          // the collection has begun: the roots were marked
    const holder = new Holder(n, new Never());
    spawnOn(0, holder);
    rootString = "made " + (42).toString();
    const sa = addr(rootString);
    while (!collectStep(1)) {}
    const heldKept = isLiveObject(na), stringKept = isLiveObject(sa);
    holder.cancel();
    runOnce();
    expect(heldKept).toBe(true);
    expect(stringKept).toBe(true);
    finish();
  });

  it("sweeps in pieces while the program allocates and frees: what is made ahead of the sweep is kept, the garbage is freed, the heap stays whole", () => {
    start();
    const keep = new Array<Node>();
    for (let i = 0; i < 300; i++) { keep.push(new Node(i)); new Node(-i); }   // each kept node next to a dead one
    rootArray = keep;
    // Mark to the end, then sweep a piece at a time, allocating and disposing between.
    while (true) { if (collectStep(4)) break; keep[0].n++; if (keep.length < 400) keep.push(new Node(1_000 + keep.length)); }
    check();
    let alive = 0;
    for (let i = 0; i < keep.length; i++) if (isLiveObject(addr(keep[i]))) alive++;
    const total = keep.length;
    gcStats(STATS);
    const freed = STATS.freedObjects;
    expect(alive).toBe(total);
    expect(freed).toBeGreaterThanOrEqual(300);
    // A whole collection after: the nodes made during the last one are kept too.
    collectNow();
    let alive2 = 0;
    for (let i = 0; i < keep.length; i++) if (isLiveObject(addr(keep[i]))) alive2++;
    expect(alive2).toBe(total);
    finish();
  });

  it("an array that grows and shrinks between the pieces of its tracing loses no element", () => {
    start();
    const arr = new Array<Node>();
    for (let i = 0; i < 500; i++) arr.push(new Node(i));
    rootArray = arr;
    stepUntilMarked(1, addr(arr[64]));
    for (let i = 0; i < 2_000; i++) arr.push(new Node(500 + i));   // it grows (its buffer moves)
    arr.splice(100, 200);                                           // and shrinks in the middle
    while (!collectStep(1)) {}
    let alive = 0;
    for (let i = 0; i < arr.length; i++) if (isLiveObject(addr(arr[i]))) alive++;
    const total = arr.length;
    expect(alive).toBe(total);
    finish();
  });

  it("a program that allocates, disposes and splices between increments of a few units: the heap stays whole, and in use comes back to where it was", () => {
    start();
    collectNow();
    heapStats(HEAP_BEFORE);
    const keep = new Array<Node>();
    rootArray = keep;
    let seed: u32 = 1;
    for (let i = 0; i < 3_000; i++) {
      seed = seed * 1103515245 + 12345;
      const r = seed >> 16;
      const n = new Node(i);
      n.label = "n" + i.toString();
      if (r % 3 == 0) keep.push(n);
      if (r % 7 == 0 && keep.length > 10) dispose(keep.pop());
      if (r % 11 == 0 && keep.length > 10) keep.splice(3, 2);
      collectStep(2);
    }
    check();
    rootArray = null;
    collectNow();
    collectNow();
    heapStats(HEAP_AFTER);
    const inUse = HEAP_AFTER.inUse, was = HEAP_BEFORE.inUse, blocks = HEAP_AFTER.liveBlocks, wasBlocks = HEAP_BEFORE.liveBlocks;
    expect(inUse).toBe(was);
    expect(blocks).toBe(wasBlocks);
    finish();
  });
});
