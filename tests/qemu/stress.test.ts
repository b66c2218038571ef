// The executor under a seeded random workload with cancellation and faults
// (tests/kernels/stress.ts, tests/kernels/lib/stress.ts): 24 seeds on each
// board under -icount, every invariant of every round held, with a task that
// traps holding the lock and one that hogs its core in each round.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: executor stress with cancellation`, { concurrency: 1 }, () => {
    it("24 seeded rounds with a trap and a hog in each: values conserved, every task ends once, nothing left registered, no lost wake-up, no leak", async () => {
      const r = await boot(b.name, "stress", { icount: true, timeoutMs: 120_000 });
      assertPassed(r);
      const rounds = r.output.split("\n").filter((l) => /^stress: seed /.test(l));
      assert.equal(rounds.filter((l) => / \(async\): /.test(l)).length, 12, "every other round with async actors");
      assert.equal(rounds.length, 24, r.output);
      for (const l of rounds) assert.match(l, /, 1 trapped with the lock held, 1 hogged its core, 1 handed over: ok$/, l);
      // Each round's faulter trapped (its line, with the async function in odd rounds) and its core went on.
      assert.equal(r.output.match(/^panic: core \d: Index out of range at /gm)?.length, 24, r.output);
      assert.equal(r.output.match(/^panic: core \d: Index out of range at .*, in async function fault \(/gm)?.length, 12, r.output);
      assert.equal(r.output.match(/^core \d goes on: /gm)?.length, 24, r.output);
      const m = r.output.match(/^stress: 24 rounds, (\d+) tasks, (\d+) values, (\d+) cancelled, 0 failed$/m);
      assert.ok(m, r.output);
      assert.ok(Number(m[3]) > 24, `only ${m[3]} cancellations: the workload should cancel in every round`);
    });
    it("the same rounds with no dispose() in a heap cut to 320 KiB: the collector frees more than the heap holds, and in use is back where it started", async () => {
      const r = await boot(b.name, "stress-gc", { icount: true, timeoutMs: 180_000 });
      assertPassed(r);
      const rounds = r.output.split("\n").filter((l) => /^stress: seed /.test(l));
      assert.equal(rounds.filter((l) => / \(async\): /.test(l)).length, 12, "every other round with async actors");
      assert.equal(rounds.length, 24, r.output);
      for (const l of rounds) assert.match(l, /: ok$/, l);
      const free = r.output.match(/^stress: (\d+) bytes of heap free for the rounds$/m);
      assert.ok(free && Number(free[1]) <= 320 << 10, `the heap was not cut down:\n${r.output}`);
      const g = r.output.match(/^stress: no dispose\(\): (\d+) collections freed (\d+) bytes; heap in use (\d+) at the start, (\d+) at the end \(ok\)$/m);
      assert.ok(g, r.output);
      assert.ok(Number(g[2]) > Number(free![1]), `the collector freed ${g[2]} bytes, no more than the heap's ${free![1]}: the rounds would have fitted without it`);
      assert.match(r.output, /^stress: 24 rounds, \d+ tasks, \d+ values, \d+ cancelled, 0 failed$/m);
    });
  });
}
