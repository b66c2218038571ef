// Smoke run of the benchmark image (make bench): on each board, under
// -icount, every row appears for both wasm3 and native C. No timing is
// asserted here; the figures come from `make bench`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { runQemu } from "../../tools/run/qemu.js";
import { parseBench, parseFigures, BOOT_FIGURE_DONE } from "../../tools/bench/bench.js";
import { ON, image } from "./lib.js";

const ROWS = [
  "fib-20", "sieve-8192", "crc32-64k", "matmul-64", "mmio-read", "atomic-add", "lock-unlock", "alloc-free-64", "realloc-grow",
  "gpio-toggle", "exec-wake-poll", "exec-spawn", "exec-channel-msg", "exec-wake-cross-core",
];
/** Rows with no native side: the collector's against dispose(). */
const WASM_ONLY_ROWS = ["concat-dispose", "concat-gc", "spawn-join-dispose", "spawn-join-gc"];

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: boot-figure image`, () => {
    it("the example kernel with the probe prints its boot cost once cores are online", async () => {
      const r = await runQemu({ board: b.name, image: image("bench/boot"), timeoutMs: 120_000, icount: true, until: BOOT_FIGURE_DONE });
      assert.equal(r.timedOut, false, `timed out; output:\n${r.output}`);
      const f = parseFigures(r.output)["boot-cores-online-example"];
      assert.ok(f > 0, r.output);
      assert.match(r.output, /^cores online: 4$/m);
    });
  });

  describe(`${b.name} (-M ${b.machine})${ON}: benchmark image`, () => {
    it("runs every row, in wasm3 and in native C", async () => {
      const r = await runQemu({ board: b.name, image: image("bench/bench"), timeoutMs: 120_000, icount: true });
      assert.equal(r.timedOut, false, `timed out; output:\n${r.output}`);
      assert.equal(r.code, 0, `exit code ${r.code}; output:\n${r.output}`);
      assert.match(r.output, /^bench: done$/m);
      const lines = parseBench(r.output);
      const figures = parseFigures(r.output);
      for (const f of ["boot-first-uart-byte", "boot-cores-online", "native-rows", "native-smp-rows", "task-bytes-wasm3", "task-bytes-native"]) {
        assert.ok(figures[f] > 0, `no figure ${f}:\n${r.output}`);
      }
      // The collector's figures: each collection kept the objects an array held (and the harness's own).
      for (const n of [0, 1000, 10_000, 100_000]) {
        assert.ok(figures[`gc-pause-live-${n}`] > 0, `no gc pause figure for ${n} live objects:\n${r.output}`);
        assert.ok(figures[`gc-live-objects-${n}`] >= n, `the collection with ${n} live objects kept ${figures[`gc-live-objects-${n}`]}`);
      }
      // The same collection in increments (issue 25): several, each a small part of the whole.
      assert.ok(figures["gc-increments-live-100000"] > 1, r.output);
      assert.ok(figures["gc-increment-live-100000"] > 0 && figures["gc-increment-live-100000"] * 10 < figures["gc-pause-live-100000"], r.output);
      assert.ok(figures["gc-incremental-all-live-100000"] >= figures["gc-increment-live-100000"], r.output);
      // The channel row moved real messages: 5 repetitions of 1,000 on each side.
      assert.equal(figures["channel-received-wasm3"], 5000, r.output);
      assert.equal(figures["channel-received-native"], 5000, r.output);
      // Both sides compute the same thing: the compute rows print their result.
      for (const row of ["fib-20", "sieve-8192", "crc32-64k", "matmul-64"]) {
        const results = [...r.output.matchAll(new RegExp(`^bench: (?:wasm3|native) ${row} \\d+ 1 \\(result (\\d+)\\)$`, "gm"))].map((m) => m[1]);
        assert.equal(results.length, 2, `${row}: ${results}`);
        assert.equal(results[0], results[1], `${row}: wasm3 and native C disagree`);
      }
      for (const row of WASM_ONLY_ROWS) {
        const l = lines.find((x) => x.row === row && x.side === "wasm3");
        assert.ok(l && l.instructions > 0 && l.ops > 0, `no wasm3 figure for ${row}:\n${r.output}`);
      }
      for (const row of ROWS) {
        for (const side of ["wasm3", "native"]) {
          const l = lines.find((x) => x.row === row && x.side === side);
          assert.ok(l, `no ${side} figure for ${row}:\n${r.output}`);
          assert.ok(l.instructions > 0 && l.ops > 0, `${side} ${row}: ${l.instructions} instructions for ${l.ops} operations`);
        }
      }
    });
  });
}
