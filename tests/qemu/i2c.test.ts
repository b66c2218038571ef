// The I2C driver (drivers/i2c.ts) against QEMU's own device models, on every
// board: a TMP105 temperature sensor on BSC1 at 0x48 (-device tmp105), whose
// temperature the test changes through QMP (qom-set) while the kernel reads
// it (tests/kernels/i2c.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: I2C`, { concurrency: 1 }, () => {
    it("a TMP105 on BSC1: a scan finds it, a register reads back, an empty address NACKs, two cores share the bus, a new temperature is seen", async () => {
      const r = await boot(b.name, "i2c", {
        devices: ["tmp105,bus=i2c-bus.1,address=0x48,id=temp0"],
        qmp: [{
          after: /^i2c: ready$/m,
          run: (q) => q.execute("qom-set", { path: "/machine/peripheral/temp0", property: "temperature", value: 42500 }),
        }],
      });
      assertPassed(r);
      assert.match(r.output, /^i2c: scan of BSC1: 0x48$/m);
      assert.match(r.output, /^i2c: configuration register: 0x60$/m);
      assert.match(r.output, /^i2c: read at 0x50: no acknowledge \(NACK\)$/m);
      assert.match(r.output, /^i2c: two cores, 100 write-read pairs each: 0 wrong$/m);
      assert.match(r.output, /^i2c: temperature now 42\.500 C$/m);
      assert.match(r.output, /^i2c test: ok$/m);
    });
  });
}
