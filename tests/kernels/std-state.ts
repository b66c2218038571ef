// Test kernel: the standard library's module state on four cores (issue 28).
// tools/kernel/share-globals.ts classifies every global asc 0.27.37's std emits:
//   shared  program state: Symbol's registry and its id counter. A Symbol
//           made on core 0 is the same Symbol on core 3 (keyFor, toString);
//           Symbol() ids never repeat across cores; Symbol.for on four cores
//           at once keeps one registry (std's calls run under a lock);
//           nothing is written through a null Map at address 0;
//   per core  scratch std uses within one call: float formatting (dtoa, and
//           its buffer: tools/async/std-dtoa.ts), parsing (strtod), sin/cos
//           (rempio2), pow (log_tail), Date's calendar. Four cores formatting and computing at once
//           give every core the same strings and bits as core 0 alone.
// Core 0 prints one line per check; exit 0 when all held.
import { boot } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import { coreCount, waitForEvent } from "../../assembly/arch/cpu";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";

// Made by top-level code, on core 0, before any core starts.
const named = Symbol.for("x");
const ROUNDS: i32 = 200;
const PER_CORE: i32 = 32;
const IDS = memory.data(4 * PER_CORE * 8, 8);      // each core's Symbol() ids (as usize)
const READY = memory.data(4, 4);
const DONE = memory.data(4, 4);
const BAD = memory.data(4 * 4, 4);                   // per core: formatting mismatches
const KEYS_OK = memory.data(4 * 4, 4);               // per core: keyFor/toString of `named` right

// What core 0 computed alone, before the others started: the reference.
let refText: string = "";
let refBits: u64 = 0;

/** Float and integer formatting (dtoa: its scratch and its buffer, per core), a Date's calendar. */
function work(i: i32): string {
  const x = <f64>i * 1.0000001 + 0.1;
  const d = new Date(<i64>i * 86_400_000 * 37);
  return x.toString() + " " + (<f32>x).toString() + " " + (i * 7919).toString() + " " +
    d.getUTCFullYear().toString() + "-" + d.getUTCMonth().toString() + "-" + d.getUTCDate().toString() + " ";
}
/** Parsing (strtod), sin/cos (rempio2), pow (log_tail) and Mathf: their bits. */
function bits(i: i32): u64 {
  const x = <f64>i * 0.37 + 1e6;                     // large: sin/cos reduce it with rempio2
  return reinterpret<u64>(parseFloat("3.14159e" + (i % 7).toString())) ^ reinterpret<u64>(Math.sin(x)) ^ reinterpret<u64>(Math.cos(x * 3.1)) ^ reinterpret<u64>(Math.pow(x, 0.77)) ^
    <u64>reinterpret<u32>(Mathf.sin(<f32>x)) ^ <u64>reinterpret<u32>(Mathf.cos(<f32>x * 7));
}
function reference(): void {
  let t = "";
  let b: u64 = 0;
  for (let i = 0; i < ROUNDS; i++) { t += work(i); b = b * 31 + bits(i); }
  refText = t;
  refBits = b;
}

/** A symbol is a number in AssemblyScript (its id), not an object. */
function idOf(s: symbol): u64 { return <u64>changetype<usize>(s); }

function everyCore(core: u32): void {
  // Symbols: the one core 0 made, seen from here; ids made here.
  // @ts-ignore: AssemblyScript's symbol has a toString (the editor's declarations do not say so)
  const keyOk = Symbol.keyFor(named) == "x" && named.toString() == "Symbol(x)";
  store<u32>(KEYS_OK + (<usize>core << 2), keyOk ? 1 : 0);
  for (let i = 0; i < PER_CORE; i++) {
    store<u64>(IDS + (<usize>(core * PER_CORE + i) << 3), idOf(Symbol()));
    Symbol.for("k" + (i % 8).toString());            // the registry, from four cores at once
  }
  // Formatting and math while the other cores do the same.
  let t = "";
  let b: u64 = 0;
  for (let i = 0; i < ROUNDS; i++) { t += work(i); b = b * 31 + bits(i); }
  store<u32>(BAD + (<usize>core << 2), (t == refText ? 0 : 1) | (b == refBits ? 0 : 2));
  atomic.add32(DONE, 1);
}

function main(): void {
  reference();
  atomic.store32(READY, 1);
  everyCore(0);
  const cores = coreCount();
  let done = atomic.load32(DONE);
  while (done < cores) done = atomic.wait32(DONE, done);
  let ok = true;

  let keys = 0;
  for (let c: u32 = 0; c < cores; c++) keys += load<u32>(KEYS_OK + (<usize>c << 2));
  print("std: Symbol.for(\"x\") made on core 0, right on "); printU64(keys); print(" of "); printU64(cores); println(" cores");
  if (keys != cores) ok = false;

  let repeats = 0;
  const n = <i32>cores * PER_CORE;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (load<u64>(IDS + (<usize>i << 3)) == load<u64>(IDS + (<usize>j << 3))) repeats++;
  print("std: "); printU64(n); print(" Symbol() ids from four cores, "); printU64(repeats); println(" repeated");
  if (repeats) ok = false;

  let registry = true;
  for (let i = 0; i < 8; i++) {
    const k = "k" + i.toString();
    const sym = Symbol.for(k);
    if (Symbol.keyFor(sym) != k || sym != Symbol.for(k)) registry = false;
  }
  print("std: the registry after four cores at once: "); println(registry ? "one, consistent" : "BROKEN");
  if (!registry) ok = false;

  const low = load<u64>(0) | load<u64>(8) | load<u64>(16);
  print("std: linear memory 0..23 "); println(low == 0 ? "untouched" : "WRITTEN");
  if (low != 0) ok = false;

  let bad = 0;
  for (let c: u32 = 0; c < cores; c++) if (load<u32>(BAD + (<usize>c << 2))) { bad++; print("std: core "); printU64(c); print(" differs in "); println(load<u32>(BAD + (<usize>c << 2)) & 1 ? "its strings" : "its bits"); }
  print("std: formatting, parsing, sin/cos/pow and Date on four cores at once: "); printU64(bad); println(" cores differ from core 0 alone");
  if (bad) ok = false;

  trace("std: trace", 2, 1.5, 42);                  // std's trace: a console line, not an import the host lacks

  println(ok ? "std-state: ok" : "std-state: FAILED");
  exit(ok ? 0 : 1);
}

function worker(core: u32): void {
  let ready = atomic.load32(READY);
  while (!ready) ready = atomic.wait32(READY, ready);
  everyCore(core);
  while (true) waitForEvent();
}

export function kernel_start(core: u32): void { boot(core, main, worker); }
