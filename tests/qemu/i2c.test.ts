// The I2C driver (drivers/i2c.ts) against QEMU's own device models, on every
// board: a TMP105 temperature sensor on BSC1 at 0x48 (-device tmp105), whose
// temperature the test changes through QMP (qom-set) while the kernel reads
// it (tests/kernels/i2c.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

    it("the parts' drivers: a TMP105 sampled (a negative temperature), a 24C32 EEPROM written across pages and found in its file, a DS1338 clock read and set; Date.now() from the clock", async () => {
      const dir = mkdtempSync(join(tmpdir(), "tspi-eeprom-"));
      const file = join(dir, "eeprom.bin");
      writeFileSync(file, Buffer.alloc(4096, 0xff));
      try {
        const r = await boot(b.name, "i2c-devices", {
          args: ["-blockdev", `driver=file,filename=${file},node-name=eeprom0`],
          devices: [
            "tmp105,bus=i2c-bus.1,address=0x48,id=temp0",
            "at24c-eeprom,bus=i2c-bus.1,address=0x50,drive=eeprom0,rom-size=4096",
            "ds1338,bus=i2c-bus.1,address=0x68",
          ],
          qmp: [{
            after: /^i2c-devices: ready$/m,
            run: (q) => q.execute("qom-set", { path: "/machine/peripheral/temp0", property: "temperature", value: -21500 }),
          }, {
            // the host's time when the kernel's Date.now() after the sync arrives (the line is printed just after it is read)
            after: /^clock: synced from the rtc: /m,
            run: async () => Date.now(),
          }],
        });
        assertPassed(r);
        assert.match(r.output, /^tmp105: -21\.5 C$/m);
        assert.match(r.output, /^eeprom: 300 bytes at 1000 written and read back: same$/m);
        assert.match(r.output, /^eeprom: a read past the end: length out of range$/m);
        const rom = readFileSync(file);
        for (let i = 0; i < 300; i++) assert.equal(rom[1000 + i], (i * 7 + 3) & 0xff, `the file's byte ${1000 + i}`);
        assert.equal(rom[999], 0xff, "nothing written before the range");
        assert.equal(rom[1300], 0xff, "nothing written after it");
        const t = r.output.match(/^rtc: (\d{4})-\d\d-\d\d \d\d:\d\d:\d\d \((\d+)\)$/m);
        assert.ok(t, r.output);
        assert.ok(Math.abs(Number(t[2]) - Date.now() / 1000) < 120, `QEMU's clock starts at the host's time: ${t[0]}`);
        assert.match(r.output, /^rtc: set, now 2030-06-15 12:34:5[67]$/m);
        // Date.now(): the uptime before any setting (1970 plus it), the host's time once synced from the clock, on core 2 too
        const before = r.output.match(/^clock: before any setting, Date\.now\(\) (\d+) ms, uptime (\d+) ms, (\S+)$/m);
        assert.ok(before, r.output);
        assert.ok(Number(before[1]) <= Number(before[2]) && Number(before[2]) < 60_000, before[0]);
        assert.equal(before[3], new Date(Number(before[1])).toISOString(), "the ISO text is that of the number");
        assert.match(before[3], /^1970-01-01T00:00:/);
        const synced = r.output.match(/^clock: synced from the rtc: ok, Date\.now\(\) (\d+) = (\S+)$/m);
        assert.ok(synced, r.output);
        const hostAtLine = (r.qmp as number[])[1];
        assert.ok(Math.abs(Number(synced[1]) - hostAtLine) < 3000, `Date.now() ${synced[1]} (${synced[2]}) vs the host's ${hostAtLine} (${new Date(hostAtLine).toISOString()}) when the line came`);
        assert.equal(synced[2], new Date(Number(synced[1])).toISOString());
        const other = r.output.match(/^clock: core 2 read Date\.now\(\) (\d+), (\d+) ms later$/m);
        assert.ok(other, r.output);
        assert.ok(Number(other[2]) < 1000, other[0]);
        assert.match(r.output, /^clock: synced again: ok, 2030-06-15T12:34:5[67]\.\d{3}Z$/m);
        assert.match(r.output, /^i2c-devices test: ok$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
