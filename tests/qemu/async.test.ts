// async functions on four cores, both boards (issue 14): tests/kernels/async.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: async functions`, { concurrency: 1 }, () => {
    it("a pipeline of async stages over channels, a join across cores, a cancel, 100,000 awaits without a leak, cancels that release a held or awaited guard", async () => {
      const r = await boot(b.name, "async", { timeoutMs: 90_000 });
      assertPassed(r);
      assert.match(r.output, /^pipeline: sum of squares 1\.\.1000 = 333833500 \(exact\)$/m);
      const join = r.output.match(/^join: sum of squares 1\.\.40000 = 21334133340000, on cores mask (\d+)$/m);
      assert.ok(join, r.output);
      // Which cores ran the parts is up to work stealing and the host's scheduling (the aot
      // backend once ran all four on core 1): the sum says every part ran and was awaited.
      assert.ok(Number(join[1]) > 0 && Number(join[1]) < 16, `the parts ran on cores mask ${join[1]}`);
      assert.match(r.output, /^cancel: queued yes, withdrawn yes, cancelled yes$/m);
      const leak = r.output.match(/^100000 awaits: 100000 done, heap in use (\d+) -> (\d+), live blocks (\d+) -> (\d+)$/m);
      assert.ok(leak, r.output);
      assert.equal(leak[1], leak[2], "heap in use");
      assert.equal(leak[3], leak[4], "live blocks");
      // Issue 27: what a cancelled async function held is released and freed.
      const held = r.output.match(/^cancel holding a guard: held yes, unlocked (\w+), next locker ([\w ]+), value (\d+), live blocks (\d+) -> (\d+)$/m);
      assert.ok(held, r.output);
      assert.deepEqual([held[1], held[2], held[3]], ["yes", "served", "1"], "the mutex a cancelled holder held is unlocked, and the next locker served");
      assert.equal(held[4], held[5], "live blocks after disposing a cancelled holder");
      const waiting = r.output.match(/^cancel waiting for a guard: queued yes, withdrawn (\w+), unlocked (\w+), value 1, live blocks (\d+) -> (\d+)$/m);
      assert.ok(waiting, r.output);
      assert.deepEqual([waiting[1], waiting[2]], ["yes", "yes"]);
      assert.equal(waiting[3], waiting[4], "live blocks after disposing a locker cancelled in lock()");
      assert.match(r.output, /^async test on core \d: ok$/m);   // spawned on core 0; an idle core may steal it
    });
  });
}
