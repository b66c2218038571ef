// QEMU tests of the shared memory, atomics, locks, the heap and the
// runtime (issue 3), on every board. Kernels: tests/kernels/*.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, lines, assertPassed, assertCore2Trapped, ON } from "./lib.js";

function value(output: string, name: string): bigint {
  const m = output.match(new RegExp(`^${name}: (\\d+)$`, "m"));
  assert.ok(m, `no '${name}: N' line in:\n${output}`);
  return BigInt(m[1]);
}

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: shared memory, atomics, heap`, { concurrency: 1 }, () => {
    it("core 0 writes 64 KiB, cores 1-3 read the same bytes back", async () => {
      const r = await boot(b.name, "shared-memory");
      assertPassed(r);
      const wrote = r.output.match(/^core 0 wrote 65536 bytes, checksum (0x[0-9a-f]+)$/m);
      assert.ok(wrote, r.output);
      for (const c of [1, 2, 3]) {
        assert.ok(lines(r.output).includes(`core ${c} read 65536 bytes, checksum ${wrote[1]}, 0 words differ`),
          `core ${c} did not read core 0's data:\n${r.output}`);
      }
    });

    it("module variables are one set for the four cores: an Atomic made at module level, a plain let, an array; the top-level code ran once; @perCore stays per core", async () => {
      const r = await boot(b.name, "module-vars", { timeoutMs: 120_000 });
      assertPassed(r);
      const l = lines(r.output);
      for (const want of ["module-vars: hits 1000000", "module-vars: top-level runs 1", "module-vars: core 2 read core 1's 42",
        "module-vars: names 1", "module-vars: name from core 3", "module-vars: core 0's own 100", "module-vars: static field 3"]) assert.ok(l.includes(want), `no '${want}' in:\n${r.output}`);
      assert.doesNotMatch(r.output, /FAIL/);
    });

    it("4 x 250,000 atomic increments on one counter give exactly 1,000,000 (cores in parallel)", async () => {
      const r = await boot(b.name, "atomics", { timeoutMs: 120_000 });
      assertPassed(r);
      assert.equal(value(r.output, "atomic counter"), 1_000_000n);
      assert.equal(value(r.output, "spinlock counter"), 2_000n);
      assert.equal(value(r.output, "ticket lock counter"), 2_000n);
      assert.equal(value(r.output, "cas counter"), 40_000n);
      assert.equal(value(r.output, "add64 counter"), 4_000n * ((1n << 32n) + 1n));
      assert.equal(value(r.output, "once runs"), 1n);
      assert.equal(value(r.output, "lock held at the end"), 0n);
    });

    it("4 x 250,000 increments of a plain counter under each lock give exactly 1,000,000 (-icount, yielding inside the lock)", async () => {
      const r = await boot(b.name, "spinlock", { timeoutMs: 180_000, icount: true });
      assertPassed(r);
      assert.equal(value(r.output, "spinlock counter"), 1_000_000n);
      assert.equal(value(r.output, "ticket lock counter"), 1_000_000n);
      assert.equal(value(r.output, "once runs"), 1n);
      assert.equal(value(r.output, "lock held at the end"), 0n);
    });

    it("4 cores x 50,000 random alloc/realloc/free with patterns: no corruption, heap back to its start", async () => {
      const r = await boot(b.name, "alloc-stress", { timeoutMs: 180_000 });
      assertPassed(r);
      assert.match(r.output, /^alloc stress: 200000 operations on 4 cores, \d+ allocations, peak \d+ bytes: heap back to its start$/m);
      assert.doesNotMatch(r.output, /panic:|changed at byte|heap stats differ/);
    });

    it("new, arrays, strings, maps and scopes work on every core; objects freed by another core; nothing leaks", async () => {
      const r = await boot(b.name, "runtime");
      assertPassed(r);
      assert.match(r.output, /^runtime test: ok$/m);
      assert.doesNotMatch(r.output, /panic:/);
    });

    it("a double free ends in the documented panic line, naming the address", async () => {
      const r = await boot(b.name, "trap-double-free");
      const freed = r.output.match(/^core 2 frees 0x([0-9a-f]+) twice$/m);
      assert.ok(freed, r.output);
      const addr = freed[1].padStart(8, "0");
      assertCore2Trapped(r, new RegExp(`^panic: core 2: free of 0x${addr}: double free \\(the block is already free\\)$`, "m"));
    });

    it("freeing a pointer the heap never gave out ends in the documented panic line", async () => {
      const r = await boot(b.name, "trap-foreign-free");
      const freed = r.output.match(/^core 2 frees 0x([0-9a-f]+)$/m);
      assert.ok(freed, r.output);
      const addr = freed[1].padStart(8, "0");
      assertCore2Trapped(r, new RegExp(`^panic: core 2: free of 0x${addr}: it was not allocated by this heap$`, "m"));
    });

    it("a C stack overflow hits the guard page and is named in the crash dump", async () => {
      const r = await boot(b.name, "overflow", { until: /^\*\*\* core 1 parked$/m });
      assert.equal(r.timedOut, false, `timed out; output:\n${r.output}`);
      assert.match(r.output, /^\*\*\* crash: core 1: synchronous exception, EC 0x25: data abort$/m);
      assert.match(r.output, /^ {4}C stack overflow: the guard page under core 1's stack was hit$/m);
    });
  });
}
