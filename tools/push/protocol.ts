// The push protocol (docs/push.md, issue 16): how `make push` hands a new
// kernel.wasm to a running board over its UART. This file is the host's
// half of the wire format: what the host sends, and the board's answers it
// understands, and the one description of the constants both halves use:
// tools/push/gen.ts writes them for the board's half (boot/push/push.c) into
// build/gen/push_protocol.h, as the host ABI is generated from its spec.
//
// On the wire, host to board:
//   1. REQUEST, 12 bytes: 0x00 "TSPI-PUSH" 0x00 and the protocol version.
//      A running kernel's UART driver watches for it; a terminal never sends
//      a NUL followed by these letters.
//   1b. optionally RATE, 5 bytes: "B" and a rate the board offered (u32 LE);
//      after the board's "baud" line both switch, and the host sends "SYNC"
//      until the board answers "synced" at the new rate. No answer within
//      SYNC_MS: both go back to the rate they had.
//   2. HEADER, 9 bytes: "L", the module's length (u32, little-endian) and
//      its CRC-32 (IEEE 802.3, the zlib one; u32 little-endian). The board
//      answers "got 0" before a byte of the module may follow.
//   3. The module, in CHUNK-byte pieces; the host sends the next piece only
//      when the board has answered "got" for the last (the board receives by
//      polling: the answer is its flow control).
//   2'. Or, where the board's "ready" offers "file" (a stub under QEMU, whose
//      semihosting reads the host's files): FILE HEADER, "F", the length and
//      CRC-32 as in HEADER, then the path's length (u16 LE, at most
//      PATH_MAX) and the path, absolute. The board reads the file itself,
//      checks its length and CRC against the header, and answers "read"; no
//      module byte crosses the emulated UART. A board never offers it.
// Board to host: lines that start with "push: ", so that they read well on
// a console too:
//   push: ready <max bytes> v<version> [baud <r1>,<r2>...] [file]   after the request
//   push: baud <rate>                       it switches now
//   push: synced <rate>                     it heard SYNC at the new rate
//   push: got <bytes so far>                after the header (0), then each piece
//   push: read <bytes> from the host's file after a FILE HEADER
//   push: accepted <bytes>, booting         the new kernel starts on all cores
//   push: refused: <reason>                 at any step; the old kernel runs on

export const VERSION = 1;
export const MAGIC = Buffer.from("\x00TSPI-PUSH\x00", "latin1");
export const CHUNK = 1024;

/** The faster rates a board offers for the transfer (docs/push.md), in its "ready" line. */
export const BAUDS = [230400, 460800, 921600];

/** How long the board listens for SYNC at a new rate before it goes back (push.h PUSH_SYNC_MS). */
export const SYNC_MS = 1000;
export const SYNC = Buffer.from("SYNC", "latin1");

/** How long the board waits for a byte mid-transfer before it refuses (push.h PUSH_BYTE_TIMEOUT_MS). */
export const BYTE_TIMEOUT_MS = 2000;

/** How long the host waits for each answer once the board has said "ready": longer than the board's own
 * silence time-out, so that a stall ends in the board's refusal (which says what it saw), not in ours. */
export const ACK_MS = BYTE_TIMEOUT_MS + 1000;

export function request(): Buffer { return Buffer.concat([MAGIC, Buffer.from([VERSION])]); }

/** Asks for a faster rate, one the board's "ready" offered. */
export function rateRequest(baud: number): Buffer {
  const b = Buffer.alloc(5);
  b.write("B", 0, "latin1");
  b.writeUInt32LE(baud, 1);
  return b;
}

/** The longest path a FILE HEADER may name (push.h PUSH_PATH_MAX). */
export const PATH_MAX = 1024;

/** A FILE HEADER: the module is the host's file at `path` (absolute), `length` bytes with CRC-32 `crc`. */
export function fileHeader(length: number, crc: number, path: string): Buffer {
  const p = Buffer.from(path, "utf8");
  if (!p.length || p.length > PATH_MAX || p.includes(0)) throw new RangeError(`a path of ${p.length} bytes cannot be sent (1 to ${PATH_MAX}, no NUL)`);
  const h = header(length, crc);
  h.write("F", 0, "latin1");
  const n = Buffer.alloc(2);
  n.writeUInt16LE(p.length, 0);
  return Buffer.concat([h, n, p]);
}

export function header(length: number, crc: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) throw new RangeError(`a module of ${length} bytes cannot be pushed`);
  const b = Buffer.alloc(9);
  b.write("L", 0, "latin1");
  b.writeUInt32LE(length, 1);
  b.writeUInt32LE(crc >>> 0, 5);
  return b;
}

/** The pieces of a module, in order. */
export function pieces(module: Uint8Array, size = CHUNK): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < module.length; at += size) out.push(Buffer.from(module.subarray(at, Math.min(at + size, module.length))));
  return out;
}

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (reflected, polynomial 0xEDB88320, as zlib and Ethernet). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export type Reply =
  | { kind: "ready"; max: number; version: number; bauds: number[]; file: boolean }
  | { kind: "read"; bytes: number }
  | { kind: "baud"; baud: number }
  | { kind: "synced"; baud: number }
  | { kind: "got"; bytes: number }
  | { kind: "accepted"; bytes: number }
  | { kind: "refused"; why: string };

/** One line from the board: a Reply, or null when it is not one of the protocol's (other output). */
export function parseReply(line: string): Reply | null {
  const l = line.replace(/\r?\n?$/, "");
  let m: RegExpMatchArray | null;
  if ((m = l.match(/^push: ready (\d+) v(\d+)(?: baud (\d+(?:,\d+)*))?( file)?$/)))
    return { kind: "ready", max: Number(m[1]), version: Number(m[2]), bauds: m[3] ? m[3].split(",").map(Number) : [], file: !!m[4] };
  if ((m = l.match(/^push: read (\d+) from the host's file$/))) return { kind: "read", bytes: Number(m[1]) };
  if ((m = l.match(/^push: baud (\d+)$/))) return { kind: "baud", baud: Number(m[1]) };
  if ((m = l.match(/^push: synced (\d+)$/))) return { kind: "synced", baud: Number(m[1]) };
  if ((m = l.match(/^push: got (\d+)$/))) return { kind: "got", bytes: Number(m[1]) };
  if ((m = l.match(/^push: accepted (\d+), booting$/))) return { kind: "accepted", bytes: Number(m[1]) };
  if ((m = l.match(/^push: refused: (.+)$/))) return { kind: "refused", why: m[1] };
  return null;
}

/** What the host checks before it sends anything: a reason it will not push, or null. */
export function checkBeforePush(module: Uint8Array, max: number): string | null {
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d)
    return "this is not a wasm module (no \\0asm magic): push build/kernel.wasm";
  if (module.length > max) return `the module is ${module.length} bytes, more than the ${max} the board reserves for one`;
  return null;
}
