// The "fake" import module of the recording fake host
// (tools/testing/fake-host.ts), for the specs: the trace of host calls, the
// clock, the register file, interrupts and the fake firmware.
import { Board, simulateBoard } from "../board";

// @ts-ignore: decorator
@external("fake", "traceLength") declare function traceLength(): i32;
// @ts-ignore: decorator
@external("fake", "traceChar") declare function traceChar(i: i32): i32;
// @ts-ignore: decorator
@external("fake", "reset") export declare function reset(cores: i32): void;
// @ts-ignore: decorator
@external("fake", "traceAtomics") export declare function traceAtomics(on: i32): void;
// @ts-ignore: decorator
@external("fake", "advance") export declare function advance(ticks: u64): void;
// @ts-ignore: decorator
@external("fake", "now") export declare function now(): u64;
// @ts-ignore: decorator
@external("fake", "autoAdvance") export declare function autoAdvance(ticks: u64): void;
// @ts-ignore: decorator
@external("fake", "setBoard") declare function setBoard(id: i32): void;
// @ts-ignore: decorator
@external("fake", "setReg") export declare function setReg(addr: u32, v: u32): void;
// @ts-ignore: decorator
@external("fake", "getReg") export declare function getReg(addr: u32): u32;
// @ts-ignore: decorator
@external("fake", "refuse") export declare function refuse(addr: u32): void;
// @ts-ignore: decorator
@external("fake", "writeOneToClear") export declare function writeOneToClear(addr: u32): void;
// @ts-ignore: decorator
@external("fake", "raiseIrq") export declare function raiseIrq(source: u32): void;
// @ts-ignore: decorator
@external("fake", "setProperty") export declare function setProperty(tag: u32, a: u32, b: u32): void;

/** The host calls so far, one per line (one allocation: a spec's long traces must not fill the heap). */
export function trace(): string {
  const n = traceLength();
  const codes = new Array<i32>(n);
  for (let i = 0; i < n; i++) unchecked(codes[i] = traceChar(i));
  return String.fromCharCodes(codes);
}

/** The trace after its first `mark` characters (trace().length earlier). */
export function since(mark: i32): string {
  const t = trace();
  return t.charAt(mark) == "\n" ? t.substring(mark + 1) : t.substring(mark);
}

/** A fresh fake machine of board `b` (the host and the kernel agree on it); atomics not traced. */
export function machine(b: Board): void {
  reset(4);
  traceAtomics(0);
  setBoard(b);
  simulateBoard(b);
}

// A PL011 that behaves like the silicon (tools/testing/fake-host.ts): TX FIFO, BUSY, RX FIFO.
// @ts-ignore: decorator
@external("fake", "pl011") export declare function pl011(base: u32): void;
// @ts-ignore: decorator
@external("fake", "pl011Queue") export declare function pl011Queue(queued: u32, cr: u32): void;
// @ts-ignore: decorator
@external("fake", "pl011Queued") export declare function pl011Queued(): u32;
// @ts-ignore: decorator
@external("fake", "uartType") declare function uartTypeRaw(ptr: usize, units: i32): void;
// @ts-ignore: decorator
@external("fake", "uartSentLength") export declare function uartSentLength(): i32;
// @ts-ignore: decorator
@external("fake", "uartSentChar") declare function uartSentChar(i: i32): i32;

/** Bytes arrive on the UART's receive line (UTF-8 of `s`). */
export function uartType(s: string): void { uartTypeRaw(changetype<usize>(s), s.length); }

/** What the UART has sent from byte `from` on, bytes as characters (one allocation). */
export function uartSent(from: i32 = 0): string {
  const n = uartSentLength() - from;
  if (n <= 0) return "";
  const codes = new Array<i32>(n);
  for (let i = 0; i < n; i++) unchecked(codes[i] = uartSentChar(from + i));
  return String.fromCharCodes(codes);
}

// ---- the framebuffer (tools/testing/fake-fb.ts) ----
/**
 * The fake firmware gets a display of width x height: it answers depth
 * `depth` (0: the one asked for) and pixel order `order` (-1: the one asked
 * for), gives virtual heights up to `maxVirtualHeight`, and allocates a
 * buffer if `allocates` (fb.* then reach it).
 */
// @ts-ignore: decorator
@external("fake", "framebuffer") export declare function framebuffer(width: i32, height: i32, depth: i32, order: i32, maxVirtualHeight: i32, allocates: bool): void;
/** The 32-bit word at byte `offset` of the fake framebuffer. */
// @ts-ignore: decorator
@external("fake", "fbWord") export declare function fbWord(offset: u32): u32;
/** The virtual offset's y the firmware was last given: the row of the framebuffer the display shows first. */
// @ts-ignore: decorator
@external("fake", "fbOffsetY") export declare function fbOffsetY(): i32;

// ---- DMA (module dma) ----
/** What dma.channels() answers (QEMU's 0x3c until set). */
// @ts-ignore: decorator
@external("fake", "dmaChannels") export declare function dmaChannels(mask: u32): void;
/** What dma.status(channel) answers from now on: 0 running, 1 ended, 2 | bits << 8 an engine error. */
// @ts-ignore: decorator
@external("fake", "dmaStatus") export declare function dmaStatus(channel: u32, value: u32): void;
/** What dma.paced() answers from now on: 1 as a board, 0 as QEMU (the default). */
// @ts-ignore: decorator
@external("fake", "dmaPaced") export declare function dmaPaced(on: bool): void;
