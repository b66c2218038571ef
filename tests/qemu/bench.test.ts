// Smoke run of the benchmark image (make bench): on each board, under
// -icount, every row appears for both wasm3 and native C. No timing is
// asserted here; the figures come from `make bench`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards.js";
import { runQemu } from "../../tools/qemu.js";
import { parseBench } from "../../tools/bench.js";

const ROWS = ["atomic-add", "lock-unlock", "alloc-free-64", "realloc-grow"];

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine}): benchmark image`, () => {
    it("runs every row, in wasm3 and in native C", async () => {
      const r = await runQemu({ board: b.name, image: "build/bench/bench.img", timeoutMs: 120_000, icount: true });
      assert.equal(r.timedOut, false, `timed out; output:\n${r.output}`);
      assert.equal(r.code, 0, `exit code ${r.code}; output:\n${r.output}`);
      assert.match(r.output, /^bench: done$/m);
      const lines = parseBench(r.output);
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
