// make console's handling of bytes (tools/run/console.ts): line endings, panic
// lines in colour, timestamps, Ctrl-] and QEMU's pty message.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Display, keys, ptyFromQemu, QUIT } from "../../tools/run/console.js";

describe("console", () => {
  it("a lone LF from the board is CR LF on the raw terminal; CR LF stays as it is", () => {
    const d = new Display();
    assert.equal(d.feed("one\ntwo\r\nthree"), "one\r\ntwo\r\nthree");
    assert.equal(d.feed("\n\n"), "\r\n\r\n");
  });
  it("a panic line is red to its end, wherever the chunks split it; other lines are not", () => {
    const d = new Display({ colour: true });
    let out = d.feed("core 1 online\npa");
    assert.equal(out, "core 1 online\r\n", "the start of a possible panic line is held back");
    out += d.feed("nic: core 2: [trap] unreachable executed in crash\nnext\n");
    assert.equal(out, "core 1 online\r\n\x1b[1;31mpanic: core 2: [trap] unreachable executed in crash\x1b[0m\r\nnext\r\n");
    assert.equal(new Display({ colour: true }).feed("*** crash: core 3\n"), "\x1b[1;31m*** crash: core 3\x1b[0m\r\n");
    assert.equal(new Display({ colour: true }).feed("pan\n"), "pan\r\n");
    assert.equal(new Display({ colour: false }).feed("panic: x\n"), "panic: x\r\n", "no colour when the output is not a terminal");
  });
  it("a held line start comes out after a pause (a prompt is not kept back)", () => {
    const d = new Display();
    assert.equal(d.feed("p"), "");
    assert.equal(d.flush(), "p");
    assert.equal(d.feed("rompt> "), "rompt> ");
    assert.equal(d.flush(), "");
  });
  it("timestamps each line when asked, at the time it began", () => {
    const d = new Display({ timestamps: true, now: () => new Date(2026, 11, 2, 9, 5, 7, 42) });
    assert.equal(d.feed("a\nb\n"), "[09:05:07.042] a\r\n[09:05:07.042] b\r\n");
  });
  it("Ctrl-] quits and sends nothing after it; everything else goes to the board as typed", () => {
    assert.deepEqual(keys(Buffer.from("hello\r")), { send: Buffer.from("hello\r"), quit: false });
    assert.deepEqual(keys(Buffer.from([0x61, QUIT, 0x62])), { send: Buffer.from("a"), quit: true });
  });
  it("finds the pty in QEMU's message", () => {
    assert.equal(ptyFromQemu("char device redirected to /dev/pts/7 (label serial0)\n"), "/dev/pts/7");
    assert.equal(ptyFromQemu("qemu-system-aarch64: warning: something"), null);
  });
});
