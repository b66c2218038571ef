// Test kernel: module variables are one set for the four cores (issue 17,
// docs/memory-model.md), and the top-level code runs once.
//   - `hits`, an Atomic made at module level, is one cell: each core adds
//     250,000 and core 0 sees 1,000,000;
//   - `fromCore1`, a plain `let`, written on core 1, is read on core 2;
//   - `names`, a module-level array, is one array: core 3 pushes, core 0 reads;
//   - `Tally.total`, a static field, is one field: core 3 sets it;
//   - the top-level statement below ran once (not once per core);
//   - `mine`, declared @perCore, is each core's own.
import { boot } from "../../assembly/kernel/boot";
import { Atomic } from "../../assembly/kernel/sync";
import * as atomic from "../../assembly/arch/atomic";
import { waitForEvent } from "../../assembly/arch/cpu";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";

const ROUNDS: u32 = 250_000;

const hits = new Atomic<u32>(0);
let fromCore1: u32 = 0;
const names = new Array<string>();
const done = new Atomic<u32>(0);
class Tally { static total: u32 = 1; }
// @ts-ignore: decorator
@perCore let mine: u32 = 100;

const TOP_LEVEL_RUNS = memory.data(4, 4);
atomic.add32(TOP_LEVEL_RUNS, 1);

function report(what: string, n: u64): void {
  print("module-vars: ");
  print(what);
  print(" ");
  printU64(n);
  println("");
}

function main(): void {
  for (let i: u32 = 0; i < ROUNDS; i++) hits.add(1);
  mine += 0;
  while (done.get() < 3) {}                      // (a spin: an atomic add sends no event)
  report("hits", hits.get());
  report("top-level runs", atomic.load32(TOP_LEVEL_RUNS));
  report("names", names.length);
  if (names.length == 1) { print("module-vars: name "); println(names[0]); }
  report("core 0's own", mine);
  report("static field", Tally.total);
  exit(0);
}

function worker(core: u32): void {
  for (let i: u32 = 0; i < ROUNDS; i++) hits.add(1);
  mine += core;                                   // each core its own: 100 + core
  if (core == 1) { fromCore1 = 41 + 1; atomic.fence(); }
  if (core == 2) {
    while (fromCore1 == 0) atomic.fence();      // a plain module variable, read as core 1 left it
    report("core 2 read core 1's", fromCore1);
  }
  if (core == 3) { names.push("from core 3"); Tally.total += 2; }
  if (mine != 100 + core) report("FAIL: a per-core variable was shared: core " + core.toString() + " has", mine);
  done.add(1);
  while (true) waitForEvent();
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
