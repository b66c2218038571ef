// DMA copies (drivers/dma.ts, boot/wasm/host_dma.c) in QEMU on every board:
// tests/kernels/dma.ts. QEMU's engine copies at once and ignores caches:
// what it shows is that the host builds control blocks the engine runs,
// splits a copy at the cache lines, and that the driver's errors and
// channels work; the cache maintenance is checked on paper only
// (docs/drivers/dma.md). A kernel that programs the engine itself is
// refused (trap-dma in boot.test.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: DMA`, { concurrency: 1 }, () => {
    it("copies whole across cache-line ends, the host's small copy, errors as values, four cores at once", async () => {
      const r = await boot(b.name, "dma");
      assertPassed(r);
      assert.match(r.output, /^dma: channels [0-6]( [0-6])*$/m);
      assert.doesNotMatch(r.output, /: NO$/m);
      assert.match(r.output, /^dma test: ok$/m);
    });
  });
}
