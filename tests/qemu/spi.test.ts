// The SPI driver (drivers/spi.ts) against QEMU's own W25Q80 flash on SPI0,
// on every board (tests/kernels/spi.ts). QEMU's SPI0 drives no chip select:
// the test links GPIO 8 (CE0's pin, which the driver drives as a GPIO chip
// select) to the flash's through QMP, then tells the kernel to go.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: SPI`, { concurrency: 1 }, () => {
    it("a W25Q80 flash on SPI0: its JEDEC id, a page programmed and read back, a sector erased, two cores sharing the master", async () => {
      const r = await boot(b.name, "spi", {
        devices: ["w25q80,bus=spi,id=flash0"],
        qmp: [{
          after: /^spi: link the chip select$/m,
          run: async (q, type) => {
            await q.execute("qom-set", { path: "/machine/soc/peripherals/gpio", property: "unnamed-gpio-out[8]", value: "/machine/peripheral/flash0/ssi-gpio-cs[0]" });
            type("go\r");
          },
        }],
      });
      assertPassed(r);
      assert.match(r.output, /^spi: JEDEC id ef [0-9a-f]{2} 14$/m);
      assert.match(r.output, /^spi: a page programmed at 0x1000 and read back: same$/m);
      assert.match(r.output, /^spi: the sector erased: all ones$/m);
      assert.match(r.output, /^spi: two cores, 50 id reads each: 0 wrong$/m);
      assert.match(r.output, /^spi test: ok$/m);
    });
  });
}
