// The example programs (examples/*/main.ts), booted on both boards as a user
// boots them (make qemu APP=examples/<name>/main.ts), driven through the UART
// where they take commands. Each waits for `until` and stops there.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: the examples`, { concurrency: 1 }, () => {
    it("blink: `rate` changes the period at once, not after the sleep under way", async () => {
      // A 60 s period first: if the blinker had to wait for that sleep to end,
      // the next change would come a minute later, past the time-out.
      const r = await boot(b.name, "examples/blink", {
        until: /^blink: every 100 ms from now$/m,
        input: [
          { after: /^blink: type `rate <ms>`/m, data: "rate 60000\r" },
          { after: /^blink: every 60000 ms from now$/m, data: "rate 100\r" },
        ],
      });
      assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
      assert.match(r.output, /^blink: every 60000 ms from now$/m);
      assert.doesNotMatch(r.output, /^panic:/m);
    });

    it("button: boots and waits on the GPIO interrupt (QEMU has no button to press)", async () => {
      const r = await boot(b.name, "examples/button", { until: /^button: waiting for presses on GPIO 17/m });
      assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
      assert.doesNotMatch(r.output, /^panic:/m);
    });

    it("servo: the servo sweeps and the LED breathes on raspi3b (its PWM registers are plain memory); raspi4b has no PWM block, which the example says, not a crash", async () => {
      const r = await boot(b.name, "examples/servo", {
        until: b.name === "pi4" ? /^servo: GPIO 18: no PWM block answers/m : /^servo: 20 degrees, a pulse of 1111 us$/m,
      });
      assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
      if (b.name !== "pi4") assert.match(r.output, /^pwm: the servo on GPIO 18 at 50 Hz, the LED on GPIO 13 at 1000 Hz, from a 19200000 Hz clock$/m);
      assert.doesNotMatch(r.output, /^panic:/m);
    });

    it("shell: commands answer, and the counter two tasks share adds up", async () => {
      const r = await boot(b.name, "examples/shell", {
        until: /^unknown command: frob \(try help\)$/m,
        input: [
          { after: /^shell: type help and Enter$/m, data: "help\r" },
          { after: /^commands: /m, data: "add 5\r" },
          { after: /^added 5$/m, data: "count\r" },
          { after: /^count: \d+/m, data: "frob\r" },
        ],
      });
      assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
      assert.match(r.output, /^commands: count, add <n>, core, help$/m);
      const m = r.output.match(/^count: (\d+) \((\d+) ticks \+ 5 added\)$/m);
      assert.ok(m, r.output);
      assert.equal(Number(m[1]), Number(m[2]) + 5);
    });
  });
}
