// Test kernel: DMA copies (drivers/dma.ts, the host's module dma) in QEMU.
// Each check is a line; tests/qemu/dma.test.ts reads them.
//   1. the channels the firmware leaves the ARM;
//   2. 65,549 bytes between buffers whose ends are not on cache lines: the
//      copy is whole, and the bytes around the destination are untouched
//      (the host copies the partial lines itself, the engine the rest);
//   3. a copy too small for the engine (the host does it at once);
//   4. a short destination and overlapping buffers: errors as values;
//   5. four copies of 256 KiB at once, one from each core;
//   6. the host's SPI0 transfer by DMA (dma.spi), which QEMU cannot pace
//      (dma.paced() is 0 here, and its SPI has no DMA mode): run anyway on
//      SPI0 with nothing attached, it shows the control blocks the host
//      built (the channels' TI, SOURCE_AD and DEST_AD registers keep the
//      last block's) and that the RX bytes land exactly in the buffer: its
//      partial cache lines through the host's bounce lines, nothing around
//      it touched.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { spawn, spawnJoinOn, runExecutor } from "../../assembly/kernel/exec";
import * as dma from "../../assembly/drivers/dma";
import { DmaError } from "../../assembly/drivers/dma";
import { dma as host } from "../../assembly/arch/host";
import { read32, write32 } from "../../assembly/arch/mmio";
import { currentBoard, peripheralBase } from "../../assembly/board";
import * as spi from "../../assembly/drivers/spi";

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

  spiControlBlocks();

  println(ok ? "dma test: ok" : "dma test: FAILED");
  exit(ok ? 0 : 1);
}

function hex(v: u32): string { return "0x" + v.toString(16); }

/** Point 6 (the head's): dma.spi on QEMU, its control blocks read back. */
function spiControlBlocks(): void {
  check("QEMU's DMA does not pace (dma.paced() 0: the SPI driver uses the FIFO here)", host.paced() == 0);
  const list = dma.reserve(2);
  if (!list) { check("two channels to reserve", false); return; }
  const tx = list[0].n, rx = list[1].n;
  const base = <u32>peripheralBase(currentBoard());
  const spi0 = base + 0x204000, rxRegs = base + 0x7000 + rx * 0x100, txRegs = base + 0x7000 + tx * 0x100;
  const buf = new Uint8Array(400);
  for (let i = 0; i < buf.length; i++) buf[i] = 0xa5;
  const into = buf.subarray(20, 20 + 301);                  // word-aligned, both ends off the cache lines, 301: a partial last word
  const out = pattern(304, 5);
  write32(spi0 + spi.CS, spi.CS_CLEAR_TX | spi.CS_CLEAR_RX);
  write32(spi0 + spi.DLEN, 305);
  write32(spi0 + spi.CS, spi.CS_TA | spi.CS_DMAEN);
  host.spi(tx, rx, 0, out.dataStart, 4, into.dataStart, 4, 305);     // a 4-byte command, 301 bytes kept
  let st: u32 = 0;
  for (let i = 0; i < 1000 && st == 0; i++) st = host.status(rx);
  write32(spi0 + spi.CS, spi.CS_DONE | spi.CS_CLEAR_TX | spi.CS_CLEAR_RX);
  write32(spi0 + spi.DLEN, 0);
  check("dma.spi ended (status " + st.toString() + ")", st == 1);
  // RX's last block: FIFO -> the tail's bounce line, paced by DREQ 7, interrupting; TX's last: zeros -> FIFO on DREQ 6.
  const rxTi = read32(rxRegs + 0x08), rxSrc = read32(rxRegs + 0x0c), txTi = read32(txRegs + 0x08), txDst = read32(txRegs + 0x10);
  println("dma: spi rx TI " + hex(rxTi) + " SOURCE_AD " + hex(rxSrc) + ", tx TI " + hex(txTi) + " DEST_AD " + hex(txDst));
  check("RX: from SPI0's FIFO, SRC_DREQ, PERMAP 7, DEST_INC, WAIT_RESP, INTEN", rxTi == 0x70419 && rxSrc == 0x7e204004);
  check("TX: to SPI0's FIFO, DEST_DREQ, PERMAP 6, WAIT_RESP, zeros after the command (no SRC_INC)", txTi == 0x60048 && txDst == 0x7e204004);
  let around = true;
  for (let i = 0; i < 20; i++) if (buf[i] != 0xa5) around = false;
  for (let i = 20 + 301; i < buf.length; i++) if (buf[i] != 0xa5) around = false;
  let written = true;
  for (let i = 0; i < into.length; i++) if (into[i] == 0xa5) written = false;
  check("the 301 bytes kept all written (head and tail through the host's lines), none around them", around && written);
}

function main(): void { spawn(checks()); runExecutor(); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
