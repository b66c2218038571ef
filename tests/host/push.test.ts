// The push protocol's host half (tools/push/protocol.ts, docs/push.md).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { SerialPort } from "serialport";
import { push, progressLine } from "../../tools/push/push.js";
import { ACK_MS, BAUDS, BYTE_TIMEOUT_MS, CHUNK, MAGIC, PATH_MAX, SYNC_MS, VERSION, checkBeforePush, crc32, fileHeader, header, parseReply, pieces, request } from "../../tools/push/protocol.js";
import { cHeader } from "../../tools/push/gen.js";

describe("push protocol (host side)", () => {
  it("the request is the magic and the version, which no terminal types", () => {
    assert.deepEqual([...request()], [...MAGIC, VERSION]);
    assert.equal(request()[0], 0);
    assert.equal(request().subarray(1, 10).toString("latin1"), "TSPI-PUSH");
  });
  it("CRC-32 is the zlib one (its check value, and the CRC in a gzip trailer)", () => {
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
    // gzip's trailer carries the same CRC-32 of the data.
    const data = Buffer.from("a kernel.wasm, more or less".repeat(50));
    const gz = gzipSync(data);
    assert.equal(crc32(data), gz.readUInt32LE(gz.length - 8));
  });
  it("the header is L, the length and the CRC, little-endian", () => {
    const h = header(0x01020304, 0xdeadbeef);
    assert.deepEqual([...h], [0x4c, 4, 3, 2, 1, 0xef, 0xbe, 0xad, 0xde]);
    assert.throws(() => header(-1, 0), /cannot be pushed/);
    assert.throws(() => header(2 ** 32, 0), /cannot be pushed/);
  });
  it("pieces cover the module in order, none larger than a chunk", () => {
    const m = Buffer.from(Array.from({ length: CHUNK * 2 + 5 }, (_, i) => i & 0xff));
    const p = pieces(m);
    assert.deepEqual(p.map((x) => x.length), [CHUNK, CHUNK, 5]);
    assert.deepEqual(Buffer.concat(p), m);
    assert.deepEqual(pieces(Buffer.alloc(0)), []);
  });
  it("reads the board's answers, and leaves other output alone", () => {
    assert.deepEqual(parseReply("push: ready 1048576 v1\r\n"), { kind: "ready", max: 1048576, version: 1, bauds: [], file: false });
    assert.deepEqual(parseReply("push: ready 1048576 v1 baud 230400,460800,921600"), { kind: "ready", max: 1048576, version: 1, bauds: [230400, 460800, 921600], file: false });
    assert.deepEqual(parseReply("push: ready 1048576 v1 baud 230400,460800,921600 file"), { kind: "ready", max: 1048576, version: 1, bauds: [230400, 460800, 921600], file: true });
    assert.deepEqual(parseReply("push: read 46547 from the host's file"), { kind: "read", bytes: 46547 });
    assert.deepEqual(parseReply("push: baud 921600"), { kind: "baud", baud: 921600 });
    assert.deepEqual(parseReply("push: synced 460800"), { kind: "synced", baud: 460800 });
    assert.equal(parseReply("push: ready 1048576 v1 baud fast"), null);
    assert.deepEqual(parseReply("push: got 2048"), { kind: "got", bytes: 2048 });
    assert.deepEqual(parseReply("push: accepted 35103, booting"), { kind: "accepted", bytes: 35103 });
    assert.deepEqual(parseReply("push: refused: CRC-32 is 0x12345678, the header said 0x9abcdef0"), { kind: "refused", why: "CRC-32 is 0x12345678, the header said 0x9abcdef0" });
    assert.equal(parseReply("heartbeat 3 (core 1)"), null);
    assert.equal(parseReply("push: got lots"), null);
  });
  it("a file header is F, the length and the CRC as in the header, then the path's length (u16) and the path", () => {
    const h = fileHeader(3000, 0x12345678, "/work/build/dev/kernel.wasm");
    assert.equal(h.toString("latin1", 0, 1), "F");
    assert.equal(h.readUInt32LE(1), 3000);
    assert.equal(h.readUInt32LE(5), 0x12345678);
    assert.equal(h.readUInt16LE(9), 27);
    assert.equal(h.toString("utf8", 11), "/work/build/dev/kernel.wasm");
    assert.throws(() => fileHeader(1, 1, "/" + "x".repeat(PATH_MAX)), /a path of 1025 bytes cannot be sent/);
    assert.throws(() => fileHeader(1, 1, "/a\0b"), /no NUL/);
  });
  it("refuses before sending what is not wasm, or is too large", () => {
    assert.match(checkBeforePush(Buffer.from("not wasm at all"), 1 << 20) ?? "", /not a wasm module/);
    const wasm = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(100)]);
    assert.equal(checkBeforePush(wasm, 1 << 20), null);
    assert.match(checkBeforePush(wasm, 64) ?? "", /108 bytes, more than the 64/);
  });
  it("the board's half (boot/push/push.h) takes the version, the magic, the piece size and the rates from the host's (generated)", () => {
    assert.match(readFileSync("boot/push/push.h", "utf8"), /#include "push_protocol\.h"/);
    assert.doesNotMatch(readFileSync("boot/push/push.h", "utf8"), /#define PUSH_(VERSION|CHUNK|MAGIC)/, "a constant of the protocol written by hand in push.h");
    const h = cHeader();
    const def = (name: string) => h.match(new RegExp(`^#define ${name} (.+?)(\\s*/\\*.*)?$`, "m"))?.[1].trim();
    assert.equal(Number(def("PUSH_VERSION")), VERSION);
    assert.equal(Number(def("PUSH_CHUNK")), CHUNK);
    assert.equal(Number(def("PUSH_PATH_MAX")), PATH_MAX);
    assert.equal(Number(def("PUSH_MAGIC_LEN")), MAGIC.length);
    assert.equal(Number(def("PUSH_SYNC_MS")), SYNC_MS);
    assert.equal(Number(def("PUSH_BYTE_TIMEOUT_MS")), BYTE_TIMEOUT_MS);
    assert.ok(ACK_MS > BYTE_TIMEOUT_MS, "the host outwaits the board's own silence time-out, so a stall ends in the board's reason");
    assert.deepEqual(JSON.parse(`[${def("PUSH_BAUDS")?.replace(/[{}]/g, "")}]`), JSON.parse(`[${def("PUSH_BAUDS_TEXT")?.replace(/"/g, "")}]`), "the offered rates, as numbers and as the ready line says them");
    assert.deepEqual(JSON.parse(`[${def("PUSH_BAUDS")?.replace(/[{}]/g, "")}]`), BAUDS);
    assert.equal(JSON.parse((def("PUSH_MAGIC") ?? "").replace(/\\0/g, "\\u0000")), MAGIC.toString("latin1"));
  });
});

// The sender (tools/push/push.ts) against the board's own receiver (boot/push/push.c)
// compiled for this machine and served on a pty (tests/harness/push_board.c).
describe("push over a serial line: tools/push/push.ts to boot/push/push.c", () => {
  const dir = mkdtempSync(join(tmpdir(), "push-"));
  const exe = join(dir, "push_board");
  const cc = spawnSync(process.env.HOST_CC ?? "gcc", ["-std=gnu11", "-O1", "-Wall", "-Wextra", "-Werror", "-Iboot", "-Iboot/cpu", "-Iboot/board", "-Iboot/push", "-Ibuild/gen", "-o", exe,
    "tests/harness/push_board.c", "boot/push/push.c"], { encoding: "utf8" });

  async function board(max: number): Promise<{ pty: string; out: string; done: Promise<number>; log: string[] }> {
    assert.equal(cc.status, 0, `gcc: ${cc.stderr}`);
    const out = join(dir, `got-${Math.random().toString(36).slice(2)}.wasm`);
    const child = spawn(exe, [String(max), out], { stdio: ["ignore", "pipe", "pipe"] });
    const done = new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
    const log: string[] = [];
    child.stderr.on("data", (d: Buffer) => log.push(...d.toString().trim().split("\n")));
    const pty = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())));
    return { pty, out, done, log };
  }
  async function open(path: string): Promise<SerialPort> {
    const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res())));
    return p;
  }
  const kernel = () => readFileSync("build/kernel.wasm");

  it("a kernel.wasm arrives byte for byte, with progress after every piece, the board's other output kept apart", async () => {
    const b = await board(1 << 20);
    const port = await open(b.pty);
    const progress: number[] = [], other: string[] = [];
    const r = await push(port, kernel(), { progress: (s) => progress.push(s), other: (l) => other.push(l) });
    await new Promise((res) => port.close(res));
    assert.equal(r.ok, true, r.message);
    assert.equal(await b.done, 0);
    assert.deepEqual(readFileSync(b.out), kernel());
    assert.equal(progress.length, Math.ceil(kernel().length / CHUNK));
    assert.equal(progress.at(-1), kernel().length);
    assert.deepEqual(other, ["a kernel's own output, before the push"]);
    assert.match(progressLine(17408, 35103, 1500), /^17\.0 KiB of 34\.3 KiB, 11\.3 KiB\/s, 1\.5 s left$/);
  });
  it("too large for the board: its refusal, before a byte of the module is sent", async () => {
    const b = await board(1024);
    const port = await open(b.pty);
    const r = await push(port, kernel());
    await new Promise((res) => port.close(res));
    assert.equal(r.ok, false);
    assert.match(r.message, /^not sent: the module is \d+ bytes, more than the 1024 the board reserves/);
    assert.equal(r.bytes, 0);
    assert.equal(await b.done, 1, "the board refused (and keeps its kernel)");
  });
  it("no board on the line: a clear message within the time-out, not a hang", async () => {
    const b = await board(1 << 20);
    const port = await open(b.pty);
    // The request is not what this "board" waits for: send junk instead, as a line with no kernel would answer nothing.
    const silent = { write: () => true, on: port.on.bind(port), off: port.off.bind(port) } as unknown as Parameters<typeof push>[0];
    const r = await push(silent, kernel(), { answerMs: 300 });
    assert.equal(r.ok, false);
    assert.match(r.message, /^no answer to the push request within 300 ms: is a kernel running on the board/);
    port.write(request());                       // let the stand-in finish
    await push(port, kernel());
    await new Promise((res) => port.close(res));
    await b.done;
  });
  it("a slow line (a loaded host, QEMU) slows the transfer, it does not end it: a short answerMs is for the first answer only", async () => {
    const b = await board(1 << 20);
    const port = await open(b.pty);
    // Each piece of the module reaches the board 1.2 s late: later than answerMs, sooner than the board's own time-out.
    const slow = {
      write: (d: Buffer) => (d.length === CHUNK || d.length === module.length % CHUNK ? setTimeout(() => port.write(d), 1200) : port.write(d)),
      on: port.on.bind(port), off: port.off.bind(port),
    } as unknown as Parameters<typeof push>[0];
    const module = Buffer.concat([Buffer.from("\0asm\x01\0\0\0", "latin1"), Buffer.alloc(2 * CHUNK + 100, 7)]);
    const r = await push(slow, module, { answerMs: 500 });
    await new Promise((res) => port.close(res));
    assert.equal(r.ok, true, r.message);
    assert.equal(await b.done, 0);
    assert.deepEqual(readFileSync(b.out), module);
  });
  it("the module goes at the fastest rate both sides offer, and both go back after the verdict", async () => {
    const b = await board(1 << 20);
    const port = await open(b.pty);
    const notes: string[] = [];
    const r = await push(port, kernel(), { lineBaud: 115200, fastBaud: 460800, note: (l) => notes.push(l) });
    const after = port.baudRate;
    await new Promise((res) => port.close(res));
    assert.equal(r.ok, true, r.message);
    assert.equal(r.baud, 460800, "the highest offered at or below --fast-baud");
    assert.deepEqual(readFileSync(b.out), kernel());
    assert.equal(await b.done, 0);
    assert.deepEqual(b.log, ["push_board: rate 460800", "push_board: rate 0"]);
    assert.equal(after, 115200, "the host's side is back at the line's rate");
    assert.deepEqual(notes, ["the module goes at 460800 baud"]);
  });
  it("a rate that does not work (SYNC never arrives): both go back, and the module goes at the old rate", async () => {
    const b = await board(1 << 20);
    const port = await open(b.pty);
    // An adapter that cannot do the rate: what the host sends at it never arrives.
    const lossy = {
      write: (d: Buffer) => (d.toString("latin1") === "SYNC" ? true : port.write(d)),
      on: port.on.bind(port), off: port.off.bind(port), drain: port.drain.bind(port), update: port.update.bind(port),
    } as unknown as Parameters<typeof push>[0];
    const notes: string[] = [];
    const r = await push(lossy, kernel(), { lineBaud: 115200, fastBaud: 921600, note: (l) => notes.push(l) });
    await new Promise((res) => port.close(res));
    assert.equal(r.ok, true, r.message);
    assert.equal(r.baud, undefined);
    assert.deepEqual(readFileSync(b.out), kernel());
    assert.equal(await b.done, 0);
    assert.deepEqual(b.log, ["push_board: rate 921600", "push_board: rate 0"], "the board went back by itself");
    assert.deepEqual(notes, ["921600 baud did not work (no answer at that rate): the module goes at 115200"]);
  });
});
