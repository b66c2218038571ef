// The first-boot self-test (tests/hardware/selftest.ts) in QEMU, on both
// machines: every check passes and the report has each of its sections.
// Under -icount the two clocks it compares run on one virtual time.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, ON } from "./lib.js";

const SECTIONS = ["board", "uart", "irq", "timer", "cores", "led", "atomics"];

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: self-test`, { concurrency: 1 }, () => {
    it("make hardware-sdcard PROGRAM=selftest's program reports every section and passes", async () => {
      const r = await boot(b.name, "hardware/selftest", { icount: true, timeoutMs: 60_000 });
      assertPassed(r);
      for (const s of SECTIONS) assert.match(r.output, new RegExp(`^selftest: ${s}$`, "m"), `no ${s} section:\n${r.output}`);
      assert.match(r.output, /^selftest: PASS$/m);
      assert.doesNotMatch(r.output, /FAIL/);
      for (const c of [0, 1, 2, 3]) assert.match(r.output, new RegExp(`^  core ${c}: interrupt after \\d+ us by the generic timer`, "m"));
      assert.match(r.output, /^  atomic adds 40000 of 40000, locked increments 40000 of 40000$/m);
      const model = b.name === "pi3" ? "Raspberry Pi 3 Model B, revision 0xa02082" : "Raspberry Pi 4 Model B, revision 0xb03115";
      assert.match(r.output, new RegExp(`^  model: ${model}, `, "m"));
      if (b.name === "pi4") assert.match(r.output, /^  SPI 153 \(UART0\) enable reads back 1$/m);
    });
  });
}

describe("raspi3ap (-M raspi3ap, a 512 MB Pi 3 A+): self-test", () => {
  it("names the model, takes the ARM's RAM from the mailbox and finds the LED on GPIO 29", async () => {
    const r = await boot("pi3", "hardware/selftest", { icount: true, timeoutMs: 60_000, machine: "raspi3ap" });
    assertPassed(r);
    assert.match(r.output, /^  model: Raspberry Pi 3 Model A\+, revision 0x9020e0, BCM2837, 512 MB$/m);
    const m = r.output.match(/^  ram: (\d+) MiB as the stub took it \(device tree, else mailbox\); mailbox: ARM (\d+) MiB/m);
    assert.ok(m, r.output);
    assert.equal(m[1], m[2], "the stub's RAM is the mailbox's");
    assert.ok(Number(m[1]) < 512, `${m[1]} MiB on a 512 MB board`);
    assert.match(r.output, /^  activity LED: GPIO 29, active high$/m);
  });
});
