// The push protocol's host half (tools/push/protocol.ts, docs/push.md).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { CHUNK, MAGIC, VERSION, checkBeforePush, crc32, header, parseReply, pieces, request } from "../../tools/push/protocol.js";

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
    assert.deepEqual(parseReply("push: ready 1048576 v1\r\n"), { kind: "ready", max: 1048576, version: 1 });
    assert.deepEqual(parseReply("push: got 2048"), { kind: "got", bytes: 2048 });
    assert.deepEqual(parseReply("push: accepted 35103, booting"), { kind: "accepted", bytes: 35103 });
    assert.deepEqual(parseReply("push: refused: CRC-32 is 0x12345678, the header said 0x9abcdef0"), { kind: "refused", why: "CRC-32 is 0x12345678, the header said 0x9abcdef0" });
    assert.equal(parseReply("heartbeat 3 (core 1)"), null);
    assert.equal(parseReply("push: got lots"), null);
  });
  it("refuses before sending what is not wasm, or is too large", () => {
    assert.match(checkBeforePush(Buffer.from("not wasm at all"), 1 << 20) ?? "", /not a wasm module/);
    const wasm = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(100)]);
    assert.equal(checkBeforePush(wasm, 1 << 20), null);
    assert.match(checkBeforePush(wasm, 64) ?? "", /108 bytes, more than the 64/);
  });
  it("agrees with the board's half (boot/push.h) on the version, the magic and the piece size", () => {
    const h = readFileSync("boot/push.h", "utf8");
    const def = (name: string) => h.match(new RegExp(`^#define ${name} (.+?)(\\s*/\\*.*)?$`, "m"))?.[1].trim();
    assert.equal(Number(def("PUSH_VERSION")), VERSION);
    assert.equal(Number(def("PUSH_CHUNK")), CHUNK);
    assert.equal(Number(def("PUSH_MAGIC_LEN")), MAGIC.length);
    assert.equal(JSON.parse((def("PUSH_MAGIC") ?? "").replace(/\\0/g, "\\u0000")), MAGIC.toString("latin1"));
  });
});
