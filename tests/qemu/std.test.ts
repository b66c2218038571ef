// The standard library's module state on four cores (issue 28):
// tests/kernels/std-state.ts. Symbol's registry and counter are shared
// (one registry, no repeated ids, nothing written through a null Map);
// parsing, sin/cos/pow and Date keep their scratch per core.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: the standard library on four cores`, { concurrency: 1 }, () => {
    it("Symbol's registry and ids are one for the four cores; std's scratch is per core", async () => {
      const r = await boot(b.name, "std-state");
      assertPassed(r);
      assert.match(r.output, /^std: Symbol\.for\("x"\) made on core 0, right on 4 of 4 cores$/m);
      assert.match(r.output, /^std: 128 Symbol\(\) ids from four cores, 0 repeated$/m);
      assert.match(r.output, /^std: the registry after four cores at once: one, consistent$/m);
      assert.match(r.output, /^std: linear memory 0\.\.23 untouched$/m);
      assert.match(r.output, /^std: formatting, parsing, sin\/cos\/pow and Date on four cores at once: 0 cores differ from core 0 alone$/m);
      assert.match(r.output, /^trace: std: trace 1\.5, 42\.0$/m, "trace() reaches the console");
      assert.match(r.output, /^std-state: ok$/m);
    });
  });
}
