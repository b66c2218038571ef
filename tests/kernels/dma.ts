// Test kernel: DMA copies (drivers/dma.ts, the host's module dma) in QEMU.
// Each check is a line; tests/qemu/dma.test.ts reads them.
//   1. the channels the firmware leaves the ARM;
//   2. 65,549 bytes between buffers whose ends are not on cache lines: the
//      copy is whole, and the bytes around the destination are untouched
//      (the host copies the partial lines itself, the engine the rest);
//   3. a copy too small for the engine (the host does it at once);
//   4. a short destination and overlapping buffers: errors as values;
//   5. four copies of 256 KiB at once, one from each core.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { spawn, spawnJoinOn, runExecutor } from "../../assembly/kernel/exec";
import * as dma from "../../assembly/drivers/dma";
import { DmaError } from "../../assembly/drivers/dma";

let ok = true;
function check(what: string, good: bool): void {
  println("dma: " + what + ": " + (good ? "yes" : "NO"));
  if (!good) ok = false;
}

function pattern(n: i32, seed: u32): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = x * 1103515245 + 12345; b[i] = <u8>(x >> 16); }
  return b;
}

function same(a: Uint8Array, b: Uint8Array, n: i32): bool {
  for (let i = 0; i < n; i++) if (a[i] != b[i]) return false;
  return true;
}

async function copyOn(seed: u32): Promise<bool> {
  const from = pattern(256 * 1024, seed), into = new Uint8Array(256 * 1024);
  const err = await dma.copy(into, from);
  return err == DmaError.None && same(into, from, from.length);
}

async function checks(): Promise<void> {
  const list = dma.channels();
  let names = "";
  for (let i = 0; i < list.length; i++) names += (i ? " " : "") + list[i].n.toString();
  println("dma: channels " + names);
  check("the firmware leaves the ARM a channel", list.length > 0);

  const src = pattern(70_000, 7), dstBuf = new Uint8Array(70_000);
  for (let i = 0; i < dstBuf.length; i++) dstBuf[i] = 0xa5;
  const from = src.subarray(3, 3 + 65_549), into = dstBuf.subarray(5, 5 + 65_549);
  const err = await dma.copy(into, from);
  check("65549 bytes, ends off the cache lines, copied whole", err == DmaError.None && same(into, from, 65_549));
  let around = true;
  for (let i = 0; i < 5; i++) if (dstBuf[i] != 0xa5) around = false;
  for (let i = 5 + 65_549; i < dstBuf.length; i++) if (dstBuf[i] != 0xa5) around = false;
  check("the bytes around the destination untouched", around);

  const small = pattern(10, 3), smallInto = new Uint8Array(10);
  check("10 bytes (the host's own copy)", (await dma.copy(smallInto, small)) == DmaError.None && same(smallInto, small, 10));

  check("a short destination is DmaError.Length", (await dma.copy(new Uint8Array(4), pattern(8, 1))) == DmaError.Length);
  const both = pattern(4096, 9);
  check("overlapping buffers are DmaError.Overlap", (await dma.copy(both.subarray(100, 2100), both.subarray(0, 2000))) == DmaError.Overlap);

  const a = spawnJoinOn(0, copyOn(11)), b = spawnJoinOn(1, copyOn(12)), c = spawnJoinOn(2, copyOn(13)), d = spawnJoinOn(3, copyOn(14));
  const all = (await a) && (await b) && (await c) && (await d);
  check("four 256 KiB copies at once, one from each core, all whole", all);

  println(ok ? "dma test: ok" : "dma test: FAILED");
  exit(ok ? 0 : 1);
}

function main(): void { spawn(checks()); runExecutor(); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
