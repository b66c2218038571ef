// QEMU tests of the drivers (issue 5), on every board. Kernels: tests/kernels/*.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards.js";
import { boot, assertPassed, assertCore2Trapped } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine}): drivers`, { concurrency: 1 }, () => {
    it("GPIO outputs read back through the level register, both banks; four cores configure neighbouring pins", async () => {
      const r = await boot(b.name, "gpio");
      assertPassed(r);
      assert.match(r.output, /^gpio test: 0 failures: ok$/m);
    });

    it("a GPIO pin the board does not have ends in a panic line that names the board's range", async () => {
      const r = await boot(b.name, "trap-gpio-pin");
      const range = b.name === "pi4" ? "Raspberry Pi 4 \\(BCM2711\\): its pins are 0-57" : "Raspberry Pi 3 \\(BCM2837\\): its pins are 0-53";
      assertCore2Trapped(r, new RegExp(`^panic: core 2: gpio: pin 60 does not exist on the ${range}$`, "m"));
    });
  });
}
