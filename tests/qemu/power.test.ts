// Power off and reboot through the PM block (drivers/power.ts), on every
// board: QEMU models both (the watchdog's countdown it does not:
// tests/spec/power.spec.ts checks the sequences against the fake host).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, lines, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: power`, { concurrency: 1 }, () => {
    it("power.powerOff(): QEMU powers the machine off (exit 0), right after the kernel's last line", async () => {
      const r = await boot(b.name, "power-off");
      assert.equal(r.timedOut, false, r.output);
      assert.equal(r.code, 0, r.output);
      const all = lines(r.output);
      assert.equal(all[all.length - 1], "power: off now", r.output);
      assert.equal(all.filter((l) => l.startsWith("boot:") && l.includes("kernel.wasm")).length, 1, "one boot");
    });

    it("power.reboot(): the machine resets and the kernel boots again", async () => {
      const r = await boot(b.name, "reboot", { until: /(^reboot: booted[^\n]*\n[\s\S]*){2}/m });
      assert.equal(r.timedOut, false, r.output);
      assert.equal(lines(r.output).filter((l) => l.startsWith("reboot: booted")).length >= 2, true, r.output);
      assert.match(r.output, /^reboot: watchdog armed before: no$/m);
    });
  });
}
