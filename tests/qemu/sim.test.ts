// The simulator against QEMU (issue 26): the same test kernels, the same
// kernel.wasm, run in both; their consoles must say the same, line for line
// once core numbers and figures are set aside (which core prints what, and
// times, differ from run to run in either). The stub's own `boot:` lines
// are QEMU's alone. Run with the wasm3 images only: the aot images carry
// the same kernel.wasm, compiled.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { simulate } from "../../tools/sim/index.js";
import { boot, BACKEND, ON } from "./lib.js";

/** Deterministic kernels: what they print depends on neither timing nor the board model the firmware reports (screen: the framebuffer the firmware gives, read back through module fb). */
const KERNELS = ["exec", "channels", "timers", "async", "std-state", "screen"];

/** The lines a console has, each with its core numbers and figures blanked, sorted; without the stub's `boot:` lines. */
export function comparable(output: string): string[] {
  return output.replace(/\r/g, "").split("\n").filter((l) => l.trim() && !l.startsWith("boot: "))
    .map((l) => l.replace(/core \d/g, "core N").replace(/\d+/g, "#")).sort();
}

for (const b of BOARDS) {
  describe(`${b.name}: the simulator prints what QEMU prints${ON}`, { concurrency: 1, skip: BACKEND === "aot" ? "the wasm3 suite runs it" : undefined }, () => {
    for (const k of KERNELS) {
      it(`tests/kernels/${k}.ts`, { timeout: 120_000 }, async () => {
        const q = await boot(b.name, k);
        assert.equal(q.code, 0, q.output);
        const pi = await simulate(`build/tests/${k}.wasm`, { board: b.name as "pi3" | "pi4" });
        const code = await pi.finished(60_000);
        assert.equal(code, 0, pi.console);
        assert.deepEqual(comparable(pi.console), comparable(q.output));
      });
    }
  });
}
